import { performance } from 'node:perf_hooks';

/** The window the ratio covers: long enough to smooth bursts, short enough to show a change. */
export const BUSY_WINDOW_MS = 60_000;
const BUCKET_MS = 5_000;
const BUCKETS = BUSY_WINDOW_MS / BUCKET_MS;

/**
 * The share of the pool's threads busy over the last `BUSY_WINDOW_MS` (less since the pool
 * started): thread-milliseconds of tasks on workers, over elapsed time times threads. A task
 * counts from the moment a worker takes it to the moment it settles, done, failed or aborted
 * (an aborted task's worker is terminated, and until then it is as busy as any). One task per
 * worker and a fixed number of threads: the tasks on workers are the tasks in flight, up to
 * `threads`; the rest wait in the queue and do not count.
 *
 * piscina's own `utilization` is not that: in 5.x it divides a sum of milliseconds by one of
 * seconds and leaves aborted tasks out (a 2 s task in a 2.2 s window read 0.001).
 */
export class PoolBusyTime {
  private readonly busyByBucket = new Float64Array(BUCKETS);
  private readonly epochByBucket = new Float64Array(BUCKETS).fill(-1);
  private readonly startedAt: number;
  private inFlight = 0;
  private accruedUntil: number;

  constructor(
    private readonly threads: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.accruedUntil = this.startedAt;
  }

  /** Wraps a task handed to the pool: busy from now until it settles. */
  async track<T>(task: () => Promise<T>): Promise<T> {
    this.accrue();
    this.inFlight++;
    try {
      return await task();
    } finally {
      this.accrue();
      this.inFlight--;
    }
  }

  /** 0 to 1. */
  ratio(): number {
    const now = this.accrue();
    const windowStart = Math.max(
      this.startedAt,
      (Math.floor(now / BUCKET_MS) - BUCKETS + 1) * BUCKET_MS,
    );
    const elapsed = now - windowStart;
    if (elapsed <= 0) return 0;
    const oldestEpoch = Math.floor(now / BUCKET_MS) - BUCKETS + 1;
    let busy = 0;
    for (let index = 0; index < BUCKETS; index++) {
      if (this.epochByBucket[index] >= oldestEpoch) busy += this.busyByBucket[index];
    }
    return Math.min(1, busy / (elapsed * this.threads));
  }

  /** Adds the busy time since the last change to the buckets it falls in; returns now. */
  private accrue(): number {
    const now = this.now();
    const running = Math.min(this.inFlight, this.threads);
    // Nothing older than the window matters: skip straight to its start.
    let from = Math.max(this.accruedUntil, now - BUSY_WINDOW_MS);
    while (from < now) {
      const epoch = Math.floor(from / BUCKET_MS);
      const until = Math.min(now, (epoch + 1) * BUCKET_MS);
      const index = epoch % BUCKETS;
      if (this.epochByBucket[index] !== epoch) {
        this.epochByBucket[index] = epoch;
        this.busyByBucket[index] = 0;
      }
      this.busyByBucket[index] += running * (until - from);
      from = until;
    }
    this.accruedUntil = now;
    return now;
  }
}
