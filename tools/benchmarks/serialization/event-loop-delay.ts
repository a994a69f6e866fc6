import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  wallMs: number;
  /** The longest main-thread garbage collection pause while `work` ran: what a max often is. */
  longestGcMs: number;
}

/** Runs `work` while sampling the main thread's event-loop delay every millisecond. */
export async function measureEventLoopDelay(work: () => Promise<void>): Promise<LoopDelay> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let longestGcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  histogram.enable();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  histogram.disable();
  // GC entries are delivered asynchronously: let the last ones arrive.
  await pause(0);
  gcObserver.disconnect();
  return {
    p99Ms: histogram.percentile(99) / 1e6,
    maxMs: histogram.max / 1e6,
    wallMs,
    longestGcMs,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
