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
  /** The thread's last seq, and which numbering it belongs to (`LogPosition`). */
  position(threadId: string): Promise<LogPosition>;
  /** Drops what retention allows; returns how many events went. */
  sweep(now: number): Promise<number>;
}

/**
 * Where a thread's numbering stands. `logId` names the numbering: it changes only when the log
 * lost the thread and numbers it from 1 again (an in-process gateway restarted; with Redis, the
 * thread's keys expired or were lost). A client that saw seqs under another `logId` has seen none
 * of this numbering's, whatever their values.
 */
export interface LogPosition {
  lastSeq: number;
  logId: string;
}

export const EVENT_LOG_STORE = Symbol('EVENT_LOG_STORE');
