import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@agent-gateway/events';
import type { EnvelopeListener, ThreadEventBus } from './thread-event-bus';

export class InProcessThreadEventBus implements ThreadEventBus {
  private readonly logger = new Logger(InProcessThreadEventBus.name);
  private readonly listeners = new Set<EnvelopeListener>();

  async publish(envelope: EventEnvelope): Promise<void> {
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch (error) {
        // One faulty listener must not keep the event from the others.
        this.logger.error(`listener failed for thread ${envelope.threadId}`, error as Error);
      }
    }
  }

  subscribe(listener: EnvelopeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
