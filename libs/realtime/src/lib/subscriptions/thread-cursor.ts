import type { EventEnvelope } from '@agent-gateway/events';

/**
 * Where one connection stands in one thread: the next `seq` it must receive. While it catches up
 * from the log (on subscribe, or to repair a gap) live events are held in `held` and merged at
 * the seam, so nothing is skipped and nothing is sent twice.
 */
export class ThreadCursor {
  nextSeq = 1;
  catchingUp = true;
  held: EventEnvelope[] = [];
  /**
   * The highest seq announced by a notice (`LoggedEventNotice`) while catching up: it has no
   * envelope to hold, so the catch-up goes on to it from the log before releasing.
   */
  announcedSeq = 0;
  private readonly cancellation = new AbortController();

  /** Set when the subscription is replaced or removed: late async work must then do nothing. */
  get cancelled(): boolean {
    return this.cancellation.signal.aborted;
  }

  /** Aborted on `cancel`: a catch-up waiting for room in the outbox stops waiting at once. */
  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  cancel(): void {
    this.cancellation.abort();
  }
}
