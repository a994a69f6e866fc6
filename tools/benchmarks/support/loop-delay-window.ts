import type { ChildProcess } from 'node:child_process';

export interface RemoteLoopDelay {
  p99Ms: number;
  maxMs: number;
  longestGcMs: number;
  /**
   * With LOOP_PROBE_SCHEDSTAT=1: the window's longest turn, split into running and waiting for a
   * core, and the machine's steal time over it (CPU time the hypervisor took, both cores, in
   * steps of 10 ms).
   */
  longestTurn?: { ms: number; runningMs: number; waitingMs: number; stolenMs: number };
}

/**
 * Opens a measuring window in a child preloaded with loop-delay-probe.js; `stop` closes it and
 * resolves with the child's own event-loop delay over the window.
 */
export function openLoopDelayWindow(child: ChildProcess): { stop(): Promise<RemoteLoopDelay> } {
  child.send('loop-delay:start');
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        const onMessage = (message: unknown): void => {
          if ((message as { type?: unknown }).type !== 'loop-delay') return;
          child.off('message', onMessage);
          resolve(message as RemoteLoopDelay);
        };
        child.on('message', onMessage);
        if (!child.send('loop-delay:stop')) reject(new Error('the measured process is gone'));
      }),
  };
}
