import { Inject, Injectable } from '@nestjs/common';
import { AGENT_ENGINE_OPTIONS, type ResolvedEngineOptions } from '../config/engine-options';
import { abortReason } from '../shared/abortable';
import { OverloadedError } from './overloaded.error';

export type ReleaseSlot = () => void;

interface Waiter {
  userId: string;
  admit: (release: ReleaseSlot) => void;
  refuse: (error: Error) => void;
}

/**
 * At most `maxConcurrentRuns` runs at once and `maxRunsPerUser` per user. A run past either
 * limit waits in a short FIFO queue (`maxQueuedRuns`, `queueWaitMs`); a full queue or a wait
 * that runs out refuses it with `OverloadedError`. One user at their limit does not block
 * others queued behind them.
 */
@Injectable()
export class RunLimiter {
  private running = 0;
  private readonly perUser = new Map<string, number>();
  private readonly queue: Waiter[] = [];

  constructor(@Inject(AGENT_ENGINE_OPTIONS) private readonly options: ResolvedEngineOptions) {}

  runningCount(): number {
    return this.running;
  }

  queuedCount(): number {
    return this.queue.length;
  }

  /** Resolves with the release function of a slot; rejects when refused or when `signal` aborts. */
  acquire(userId: string, signal: AbortSignal): Promise<ReleaseSlot> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    // Whoever still waits could not be admitted at the last release (per-user limit), so a run
    // with room now takes it without overtaking anybody who could have run.
    if (this.hasRoomFor(userId)) {
      return Promise.resolve(this.take(userId));
    }
    if (this.queue.length >= this.options.maxQueuedRuns) {
      return Promise.reject(
        new OverloadedError(
          `too many runs in progress (${this.running} running, ${this.queue.length} queued); try again shortly`,
          this.retryAfterMs(),
        ),
      );
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
      };
      const waiter: Waiter = {
        userId,
        admit: (release) => {
          leave();
          resolve(release);
        },
        refuse: (error) => {
          leave();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.refuse(abortReason(signal));
      const timer = setTimeout(
        () =>
          waiter.refuse(
            new OverloadedError(
              `no run slot became free within ${this.options.queueWaitMs} ms; try again shortly`,
              this.retryAfterMs(),
            ),
          ),
        this.options.queueWaitMs,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private hasRoomFor(userId: string): boolean {
    return (
      this.running < this.options.maxConcurrentRuns &&
      (this.perUser.get(userId) ?? 0) < this.options.maxRunsPerUser
    );
  }

  private take(userId: string): ReleaseSlot {
    this.running += 1;
    this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left === 0) this.perUser.delete(userId);
      else this.perUser.set(userId, left);
      this.admitWaiting();
    };
  }

  /** Oldest first, skipping waiters whose user is still at their own limit. */
  private admitWaiting(): void {
    for (const waiter of [...this.queue]) {
      if (this.running >= this.options.maxConcurrentRuns) return;
      if (this.hasRoomFor(waiter.userId)) waiter.admit(this.take(waiter.userId));
    }
  }

  /** A queue wait is the best estimate we have of when a slot frees up. */
  private retryAfterMs(): number {
    return Math.max(1000, this.options.queueWaitMs);
  }
}
