import type { EventEnvelope } from '@agent-gateway/events';
import { EnvelopeListeners } from './envelope-listeners';
import type { EnvelopeListener, ThreadEventBus } from './thread-event-bus';

/** The embedded default: one process, so fan-out is a direct call. */
export class InProcessThreadEventBus implements ThreadEventBus {
  private readonly listeners = new EnvelopeListeners();

  async publish(envelope: EventEnvelope): Promise<void> {
    this.listeners.notify(envelope);
  }

  subscribe(listener: EnvelopeListener): () => void {
    return this.listeners.add(listener);
  }

  /** In one process every event is carried, large or not: there is nothing to copy. */
  subscribeNotices(): () => void {
    return () => undefined;
  }

  /** A direct call loses nothing. */
  subscribeLosses(): () => void {
    return () => undefined;
  }

  /** Delivery is synchronous with publish: nothing is ever in transit. */
  async flush(): Promise<void> {
    return undefined;
  }
}
