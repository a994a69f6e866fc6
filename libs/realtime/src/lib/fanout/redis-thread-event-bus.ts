import { randomUUID } from 'node:crypto';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { isDurableEventType, type EventEnvelope } from '@agent-gateway/events';
import { decodeSequenced, encodeSequenced } from '../event-log/stored-envelope.codec';
import type { RealtimeRedis } from '../redis/realtime-redis.service';
import { EnvelopeListeners } from './envelope-listeners';
import type {
  EnvelopeListener,
  LoggedEventNotice,
  LossListener,
  NoticeListener,
  ThreadEventBus,
} from './thread-event-bus';

const CHANNEL = 'agent-gateway:events';
/** Notices of durable events too large to carry: `{"threadId":…,"seq":…}`. */
const NOTICE_CHANNEL = 'agent-gateway:notices';
/**
 * Durable events with a binary payload larger than this are announced, not carried. Carrying a
 * 20 MB state through pub/sub cost every process a 20 MB copy on its event loop to receive it,
 * whether or not anyone there followed the thread, and the publishing process two more
 * (docs/BENCHMARKS.md, "Serialization").
 */
export const BUS_PAYLOAD_LIMIT_BYTES = 64 * 1024;

/**
 * Fan-out across gateway processes through Redis pub/sub. Pub/sub may lose a message while a
 * connection is down; subscribers detect the gap in `seq` and read the event from the log.
 *
 * A durable event with a large payload goes to this process's listeners directly, from memory,
 * and to the other processes as a `LoggedEventNotice`: those with subscribers for the thread
 * read it from the log. The notice's echo reaches this process too and finds it delivered.
 */
export class RedisThreadEventBus implements ThreadEventBus, OnModuleDestroy {
  private readonly logger = new Logger(RedisThreadEventBus.name);
  private readonly listeners = new EnvelopeListeners();
  private readonly noticeListeners = new Set<NoticeListener>();
  private readonly lossListeners = new Set<LossListener>();
  /** This process's own channel for flush markers; see `flush`. */
  private readonly flushChannel = `agent-gateway:flush:${randomUUID()}`;
  private readonly flushWaiters = new Map<string, () => void>();
  private readonly subscribed: Promise<void>;

  constructor(private readonly redis: RealtimeRedis) {
    this.subscribed = this.listen();
    this.subscribed.then(
      () => redis.subscriber.on('ready', this.onResubscribed),
      (error: Error) => this.logger.error(`could not subscribe to ${CHANNEL}: ${error.message}`),
    );
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    if (isAnnouncedOnly(envelope)) {
      this.listeners.notify(envelope);
      const notice: LoggedEventNotice = { threadId: envelope.threadId, seq: envelope.seq };
      await this.redis.bounded('publish', (client) =>
        client.publish(NOTICE_CHANNEL, JSON.stringify(notice)),
      );
      return;
    }
    await this.redis.bounded('publish', (client) =>
      client.publish(CHANNEL, encodeSequenced(envelope)),
    );
  }

  subscribe(listener: EnvelopeListener): () => void {
    return this.listeners.add(listener);
  }

  subscribeNotices(listener: NoticeListener): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Called after each reconnect of the subscriber connection, once it receives again. */
  subscribeLosses(listener: LossListener): () => void {
    this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
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
    this.noticeListeners.clear();
    this.lossListeners.clear();
    this.redis.subscriber.off('ready', this.onResubscribed);
  }

  /**
   * Subscribes to the three channels once the subscriber connection is up (see
   * `RealtimeRedis.whenSubscriberReady`), each exactly once: a channel subscribed twice would
   * deliver every message twice. One that fails is tried again after the next reconnect.
   */
  private async listen(): Promise<void> {
    const pending = new Map<string, () => Promise<void>>([
      [CHANNEL, () => this.redis.subscriber.subscribe(CHANNEL, this.onEventMessage, true)],
      [NOTICE_CHANNEL, () => this.redis.subscriber.subscribe(NOTICE_CHANNEL, this.onNotice)],
      [this.flushChannel, () => this.redis.subscriber.subscribe(this.flushChannel, this.onFlush)],
    ]);
    await this.redis.whenSubscriberReady();
    for (;;) {
      for (const [channel, subscribe] of pending) {
        try {
          await subscribe();
          pending.delete(channel);
        } catch (error) {
          // Closed at shutdown: nothing to try again.
          if (!this.redis.subscriber.isOpen) return;
          this.logger.warn(
            `could not subscribe to ${channel} (${(error as Error).message}); trying again when Redis reconnects`,
          );
          break;
        }
      }
      if (pending.size === 0) return;
      await this.redis.nextSubscriberReady();
    }
  }

  private readonly onEventMessage = (message: Buffer): void => {
    let envelope: EventEnvelope;
    try {
      envelope = decodeSequenced(message);
    } catch (error) {
      this.logger.warn(`dropped a malformed bus message: ${(error as Error).message}`);
      return;
    }
    this.listeners.notify(envelope);
  };

  private readonly onNotice = (message: string): void => {
    const notice = parseNotice(message);
    if (notice === undefined) {
      this.logger.warn('dropped a malformed bus notice');
      return;
    }
    for (const listener of this.noticeListeners) {
      try {
        listener(notice);
      } catch (error) {
        this.logger.error(`notice listener failed for thread ${notice.threadId}`, error as Error);
      }
    }
  };

  /**
   * The subscriber connection is back: what was published while it was down never arrives.
   * node-redis renews the subscriptions on reconnect; a flush marker coming back proves they are
   * in force, so a follower's check of the log that follows misses nothing published after it.
   */
  private readonly onResubscribed = (): void => {
    this.flush()
      .catch((error: Error) =>
        this.logger.warn(`subscriber reconnected, but a flush did not come back: ${error.message}`),
      )
      .finally(() => {
        for (const listener of this.lossListeners) {
          try {
            listener();
          } catch (error) {
            this.logger.error('loss listener failed', error as Error);
          }
        }
      });
  };

  private readonly onFlush = (token: string): void => {
    this.flushWaiters.get(token)?.();
  };
}

function isAnnouncedOnly(envelope: EventEnvelope): boolean {
  return (
    envelope.payloadEncoding === 'json' &&
    isDurableEventType(envelope.type) &&
    (envelope.payload as Uint8Array).byteLength > BUS_PAYLOAD_LIMIT_BYTES
  );
}

function parseNotice(message: string): LoggedEventNotice | undefined {
  try {
    const notice = JSON.parse(message) as Partial<LoggedEventNotice>;
    return typeof notice.threadId === 'string' &&
      Number.isSafeInteger(notice.seq) &&
      (notice.seq as number) > 0
      ? { threadId: notice.threadId, seq: notice.seq as number }
      : undefined;
  } catch {
    return undefined;
  }
}
