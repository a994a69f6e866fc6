import type { DecodedEventEnvelope } from '@agent-gateway/events';

interface Position {
  /** The highest durable seq handed to the application; one at or below it is a repeat. */
  seen?: number;
  /**
   * Where the subscription began: the `afterSeq` asked for, or the `lastSeq` a subscribe without
   * one answered (0 for a thread this client created). A resume asks after the greater of the two.
   */
  standing: number;
  /** The numbering the seqs count in, as the last subscribe's reply named it (if it did). */
  logId?: string;
}

/** What a `thread:subscribe` reply says of where the thread stands. */
export interface SubscribeAnswer {
  lastSeq: number;
  logId?: string;
}

/**
 * Per followed thread, where the client stands. The gateway may send an event again (same seq)
 * when an acknowledgement was lost; this is what drops the repeat, and what the client resumes
 * from after a reconnect. A thread the application unsubscribed from stays dropped (its events
 * still on their way are not handed out and do not follow it again) until it is followed again.
 */
/** Unfollowed threads remembered at most (`ThreadTracker.unfollow`). */
export const MAX_DROPPED_THREADS = 1000;

export class ThreadTracker {
  private readonly positions = new Map<string, Position>();
  /** Unfollowed threads, each with the serial of its last unfollow. */
  private readonly dropped = new Map<string, number>();
  private unfollows = 0;

  follows(threadId: string): boolean {
    return this.positions.has(threadId);
  }

  /**
   * Follows a thread this client has just sent on (`chat:send`): one it created starts at seq 1.
   * The reply's `logId` names the numbering, unless the thread's seqs were seen under one
   * already: a resume under that one, first, tells whether the gateway lost them.
   */
  followNew(threadId: string, logId?: string): void {
    this.dropped.delete(threadId);
    const position = this.positions.get(threadId);
    if (position === undefined) {
      this.positions.set(threadId, logId === undefined ? { standing: 0 } : { standing: 0, logId });
    } else if (position.logId === undefined && logId !== undefined) {
      position.logId = logId;
    }
  }

  /**
   * A `thread:subscribe` was answered: with `afterSeq` the gateway replays what follows it; without,
   * it stands at `lastSeq`. A `lastSeq` below `afterSeq`, or a `logId` other than the one the
   * thread's seqs were seen under, means the gateway's log was lost (an in-process gateway
   * restarted and numbers the thread from 1 again): it replays all it holds, every event of the
   * new numbering, and the thread starts over, or each would be taken for a repeat.
   */
  subscribed(
    threadId: string,
    afterSeq: number | undefined,
    answer: SubscribeAnswer,
    askedAt: number = this.unfollows,
  ): void {
    const { lastSeq, logId } = answer;
    // Unsubscribed while the subscribe was on its way: the gateway takes the two in order, so the
    // thread ends unsubscribed there, and must here too (not followed again, nor resumed).
    if ((this.dropped.get(threadId) ?? 0) > askedAt) return;
    this.dropped.delete(threadId);
    const current = this.positions.get(threadId);
    const renumbered =
      logId !== undefined && current?.logId !== undefined && logId !== current.logId;
    if (afterSeq !== undefined && (lastSeq < afterSeq || renumbered)) {
      this.positions.set(threadId, logId === undefined ? { standing: 0 } : { standing: 0, logId });
      return;
    }
    // Subscribed again without afterSeq, a followed thread keeps where it stands: the gateway
    // keeps its subscription, and events up to this `lastSeq` may still be on their way; standing
    // at it, a drop now would resume past them.
    const standing =
      current !== undefined && afterSeq === undefined
        ? current.standing
        : Math.max(current?.standing ?? 0, afterSeq ?? lastSeq);
    const seen =
      afterSeq === undefined ? current?.seen : Math.max(current?.seen ?? afterSeq, afterSeq);
    const position: Position = seen === undefined ? { standing } : { seen, standing };
    // Without afterSeq the gateway replayed nothing: the seqs seen so far stay those of the
    // numbering they were seen under, and the resume that names it tells whether it was lost.
    const named =
      current?.logId !== undefined && afterSeq === undefined
        ? current.logId
        : (logId ?? current?.logId);
    if (named !== undefined) position.logId = named;
    this.positions.set(threadId, position);
  }

  /** The numbering the thread's seqs were seen under, for a resume to name (`subscribed`). */
  logIdOf(threadId: string): string | undefined {
    return this.positions.get(threadId)?.logId;
  }

  unfollow(threadId: string): void {
    this.positions.delete(threadId);
    this.unfollows += 1;
    // Moved to the end: the map is in the order of the last unfollow, oldest first.
    this.dropped.delete(threadId);
    this.dropped.set(threadId, this.unfollows);
    // Kept for the events still on their way, which come within seconds: the oldest of many are
    // forgotten, so that a client that leaves thread after thread does not grow for ever.
    if (this.dropped.size > MAX_DROPPED_THREADS) {
      this.dropped.delete(this.dropped.keys().next().value as string);
    }
  }

  /**
   * A mark to take when a `thread:subscribe` is sent and hand to `subscribed` with its reply: an
   * unfollow of the thread in between makes the reply stale.
   */
  mark(): number {
    return this.unfollows;
  }

  /** Every followed thread and the seq a resume asks after. */
  followed(): Array<[threadId: string, afterSeq: number]> {
    return [...this.positions.keys()].map((threadId) => [threadId, this.resumePoint(threadId)]);
  }

  /** The seq a resume of this thread asks after; undefined when it is not followed. */
  lastSeq(threadId: string): number | undefined {
    return this.positions.has(threadId) ? this.resumePoint(threadId) : undefined;
  }

  /**
   * True when the application should see this envelope; records its seq if durable. A durable
   * event of a thread never seen before (the first of a thread `chat:send` is creating, which may
   * come before its reply) starts following it.
   */
  accept(envelope: DecodedEventEnvelope): boolean {
    if (this.dropped.has(envelope.threadId)) return false;
    if (envelope.ephemeral) return true;
    const position = this.positions.get(envelope.threadId);
    if (!position) {
      this.positions.set(envelope.threadId, { seen: envelope.seq, standing: 0 });
      return true;
    }
    if (position.seen !== undefined && envelope.seq <= position.seen) return false;
    position.seen = envelope.seq;
    return true;
  }

  private resumePoint(threadId: string): number {
    const position = this.positions.get(threadId) as Position;
    return Math.max(position.seen ?? 0, position.standing);
  }
}
