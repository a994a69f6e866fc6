import type { EventEnvelope } from '@agent-gateway/events';

export type EnvelopeListener = (envelope: EventEnvelope) => void;

/**
 * Carries every event, once sequenced, to every gateway process (each then delivers to its own
 * connections). In process it is a direct call; with Redis it is pub/sub. A message lost on the
 * way is not an event lost: subscribers notice the gap in `seq` and read it from the log.
 */
export interface ThreadEventBus {
  publish(envelope: EventEnvelope): Promise<void>;
  subscribe(listener: EnvelopeListener): () => void;
  /** Resolves once everything published before the call has reached this process's listeners. */
  flush(): Promise<void>;
}

export const THREAD_EVENT_BUS = Symbol('THREAD_EVENT_BUS');
