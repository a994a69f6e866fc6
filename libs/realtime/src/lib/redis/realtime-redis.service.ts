import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { RESP_TYPES, createClient } from '@redis/client';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';
import { RedisClientCloser } from './redis-client-closer';
import { withinLimit } from './within-limit';

function connect(url: string) {
  return createClient({
    url,
    // Commands fail fast while disconnected rather than queue for an unbounded time.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000),
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

export type RealtimeRedisClient = ReturnType<typeof connect>;

/**
 * The realtime lib's Redis connections: one for commands, one for subscriptions (a subscribed
 * connection can do nothing else). Every command goes through `bounded`, so no caller ever waits
 * longer than `redisTimeoutMs`. Opened by this provider, closed by it on shutdown.
 */
@Injectable()
export class RealtimeRedis implements OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeRedis.name);
  readonly commands: RealtimeRedisClient;
  readonly subscriber: RealtimeRedisClient;
  private ready: Promise<void> | undefined;
  private readonly closers: Record<'commands' | 'subscriber', RedisClientCloser>;

  constructor(@Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions) {
    const url = options.redisUrl;
    if (!url) throw new Error('RealtimeRedis needs options.redisUrl (REDIS_URL)');
    this.commands = connect(url);
    // A copy of the first, not a second `createClient`: node-redis builds a client class with
    // every command for each new options object, about 25 ms of the main thread and 0.2 MB
    // that stay; `duplicate()` reuses the class (and the Buffer type mapping). Only the
    // subscriber queues while disconnected, for a SUBSCRIBE made during a reconnect; node-redis
    // renews the active ones itself.
    this.subscriber = this.commands.duplicate({ disableOfflineQueue: false });
    // Before `connect()`: a closer follows the connection attempts from the first.
    this.closers = {
      commands: new RedisClientCloser(this.commands, options.redisTimeoutMs),
      subscriber: new RedisClientCloser(this.subscriber, options.redisTimeoutMs),
    };
    for (const [role, client] of [
      ['commands', this.commands],
      ['subscriber', this.subscriber],
    ] as const) {
      // Without a listener an 'error' would crash the process; reconnects repeat it, so say it
      // once per outage and once when it is over.
      let failing = false;
      client.on('error', (error: Error) => {
        if (failing) return;
        failing = true;
        this.logger.warn(
          `redis ${role} connection lost (${error.message}); retrying in the background`,
        );
      });
      client.on('ready', () => {
        if (failing) this.logger.log(`redis ${role} connection is back`);
        failing = false;
      });
      // Connecting in the background: the gateway starts (and reports not ready) while Redis is down.
      client
        .connect()
        .catch((error: Error) =>
          this.logger.error(`redis ${role} could not connect: ${error.message}`),
        );
    }
  }

  /** Runs one Redis operation under the configured time limit. */
  bounded<T>(operation: string, work: (client: RealtimeRedisClient) => Promise<T>): Promise<T> {
    return withinLimit(
      this.whenReady().then(() => work(this.commands)),
      this.options.redisTimeoutMs,
      `redis ${operation}`,
    );
  }

  /**
   * Resolves once the subscriber connection is ready: at once when it is, else at its next
   * `ready`. A first SUBSCRIBE must wait for it: node-redis 5.12 queues one issued while the
   * connection is down, but a failed connection attempt then takes its decoder out of pub/sub
   * mode, and nothing puts it back when the queued SUBSCRIBE is finally sent; the subscription
   * is confirmed and the first message it receives breaks the decoder and is lost. Once a
   * subscription is active, node-redis renews it on every reconnect, in pub/sub mode.
   */
  whenSubscriberReady(): Promise<void> {
    return this.subscriber.isReady ? Promise.resolve() : this.nextSubscriberReady();
  }

  /** Resolves at the subscriber connection's next `ready`, after it has reconnected. */
  nextSubscriberReady(): Promise<void> {
    return new Promise<void>((resolve) => this.subscriber.once('ready', () => resolve()));
  }

  /** Commands issued while (re)connecting wait for the connection, within their time limit. */
  private whenReady(): Promise<void> {
    if (this.commands.isReady) return Promise.resolve();
    this.ready ??= new Promise<void>((resolve) => {
      this.commands.once('ready', () => {
        this.ready = undefined;
        resolve();
      });
    });
    return this.ready;
  }

  /** Closes both connections within the time limit, leaving no socket behind. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.closers.commands.closeGracefully(),
      // Nothing to wait for on the subscriber: a subscription reply is worth nothing now.
      this.closers.subscriber.closeByForce(),
    ]);
  }
}
