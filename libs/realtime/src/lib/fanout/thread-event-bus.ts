import type { EventEnvelope } from '@agent-gateway/events';

export type EnvelopeListener = (envelope: EventEnvelope) => void;

/**
 * A durable event the bus announced without carrying it: its payload is too large to copy
 * through pub/sub to every process. It is in the log; a process that has subscribers for the
 * thread reads it from there, one that has none does nothing.
 */
export interface LoggedEventNotice {
  threadId: string;
  seq: number;
}

export type NoticeListener = (notice: LoggedEventNotice) => void;

/** Told that the bus may have lost messages: every followed thread should be checked against the log. */
export type LossListener = () => void;

/**
 * Carries every event, once sequenced, to every gateway process (each then delivers to its own
 * connections). In process it is a direct call; with Redis it is pub/sub. A message lost on the
 * way is not an event lost: subscribers notice the gap in `seq` and read it from the log.
 */
export interface ThreadEventBus {
  publish(envelope: EventEnvelope): Promise<void>;
  subscribe(listener: EnvelopeListener): () => void;
  /** Notices of events announced instead of carried; a bus that always carries never sends one. */
  subscribeNotices(listener: NoticeListener): () => void;
  /**
   * Called each time the bus may have lost messages, once it receives again (its Redis
   * connection came back). A gap is otherwise noticed only when a later event arrives, so the
   * last events of a run lost this way would wait for the thread's next event; after this call
   * followers check the log instead. A bus that never loses a message never calls it.
   */
  subscribeLosses(listener: LossListener): () => void;
  /** Resolves once everything published before the call has reached this process's listeners. */
  flush(): Promise<void>;
}

export const THREAD_EVENT_BUS = Symbol('THREAD_EVENT_BUS');
