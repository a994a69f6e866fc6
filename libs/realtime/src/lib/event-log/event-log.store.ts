import type { EventEnvelope } from '@agent-gateway/events';

/** A durable envelope as the log keeps it: everything but the `seq` the log itself assigns. */
export type UnsequencedEnvelope = Omit<EventEnvelope, 'seq'>;

/**
 * The per-thread durable event log. `append` assigns the thread's next `seq` atomically, so
 * several producers (and several gateway processes, for the Redis store) never make a gap or a
 * duplicate. Retention: at least `eventRetention` events per thread and at least everything from
 * the last `eventRetentionMs`.
 */
export interface EventLogStore {
  append(threadId: string, envelope: UnsequencedEnvelope): Promise<EventEnvelope>;
  /** Retained events with `seq > afterSeq`, oldest first, at most `limit`. */
  readAfter(threadId: string, afterSeq: number, limit: number): Promise<EventEnvelope[]>;
  lastSeq(threadId: string): Promise<number>;
  /** Drops what retention allows; returns how many events went. */
  sweep(now: number): Promise<number>;
}

export const EVENT_LOG_STORE = Symbol('EVENT_LOG_STORE');
