import { randomUUID } from 'node:crypto';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { EventEnvelope } from '@agent-gateway/events';
import { decodeSequenced, encodeSequenced } from '../event-log/stored-envelope.codec';
import type { RealtimeRedis } from '../redis/realtime-redis.service';
import { EnvelopeListeners } from './envelope-listeners';
import type { EnvelopeListener, ThreadEventBus } from './thread-event-bus';

const CHANNEL = 'agent-gateway:events';

/**
 * Fan-out across gateway processes through Redis pub/sub. Pub/sub may lose a message while a
 * connection is down; subscribers detect the gap in `seq` and read the event from the log.
 */
export class RedisThreadEventBus implements ThreadEventBus, OnModuleDestroy {
  private readonly logger = new Logger(RedisThreadEventBus.name);
  private readonly listeners = new EnvelopeListeners();
  /** This process's own channel for flush markers; see `flush`. */
  private readonly flushChannel = `agent-gateway:flush:${randomUUID()}`;
  private readonly flushWaiters = new Map<string, () => void>();
  private readonly subscribed: Promise<void>;

  constructor(private readonly redis: RealtimeRedis) {
    this.subscribed = this.listen();
    this.subscribed.catch((error: Error) =>
      this.logger.error(`could not subscribe to ${CHANNEL}: ${error.message}`),
    );
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    await this.redis.bounded('publish', (client) =>
      client.publish(CHANNEL, encodeSequenced(envelope)),
    );
  }

  subscribe(listener: EnvelopeListener): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Redis delivers to a subscriber in the order it processed the PUBLISHes, across channels; so
   * once a marker published now comes back, every event this process published before it has
   * been dispatched. Graceful shutdown waits for this before it checks the outboxes.
   */
  async flush(): Promise<void> {
    const token = randomUUID();
    const arrived = new Promise<void>((resolve) => this.flushWaiters.set(token, resolve));
    try {
      await this.redis.bounded('flush', (client) => client.publish(this.flushChannel, token));
      await this.redis.bounded('flush', () => arrived);
    } finally {
      this.flushWaiters.delete(token);
    }
  }

  /** Resolves once this process receives what is published (tests and readiness use it). */
  ready(): Promise<void> {
    return this.subscribed;
  }

  onModuleDestroy(): void {
    this.listeners.clear();
  }

  private async listen(): Promise<void> {
    await this.redis.subscriber.subscribe(
      CHANNEL,
      (message: Buffer) => {
        let envelope: EventEnvelope;
        try {
          envelope = decodeSequenced(message);
        } catch (error) {
          this.logger.warn(`dropped a malformed bus message: ${(error as Error).message}`);
          return;
        }
        this.listeners.notify(envelope);
      },
      true,
    );
    await this.redis.subscriber.subscribe(this.flushChannel, (token: string) =>
      this.flushWaiters.get(token)?.(),
    );
  }
}
