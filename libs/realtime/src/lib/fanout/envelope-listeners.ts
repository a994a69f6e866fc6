import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@agent-gateway/events';
import type { EnvelopeListener } from './thread-event-bus';

/** The listeners of a bus; one faulty listener never keeps an event from the others. */
export class EnvelopeListeners {
  private readonly logger = new Logger(EnvelopeListeners.name);
  private readonly listeners = new Set<EnvelopeListener>();

  add(listener: EnvelopeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(envelope: EventEnvelope): void {
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch (error) {
        this.logger.error(`listener failed for thread ${envelope.threadId}`, error as Error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
