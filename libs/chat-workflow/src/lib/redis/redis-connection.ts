import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createClient } from '@keyv/redis';
import { RedisClientCloser } from '@agent-gateway/realtime';
import { withTimeout } from '../shared/with-timeout';

export type RedisClient = ReturnType<typeof createClient>;

/** DI token of the `RedisConnection`, or of `null` when no redisUrl is configured. */
export const REDIS_CONNECTION = Symbol('CHAT_WORKFLOW_REDIS_CONNECTION');

/**
 * The chat workflow's one Redis client (history cache and claims share it). It owns the client:
 * start-up waits for it at most REDIS_TIMEOUT_MS, after which it keeps connecting in the
 * background (a Redis that is down delays neither start-up nor requests), and it closes the
 * client on shutdown.
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnection.name);
  readonly client: RedisClient;
  private readonly closer: RedisClientCloser;
  private failing = false;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    readonly keyPrefix: string,
  ) {
    this.client = createClient({
      url,
      // Fail at once while disconnected instead of queueing: a queued command only waits out
      // REDIS_TIMEOUT_MS and then falls back anyway.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: timeoutMs,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    this.closer = new RedisClientCloser(this.client, timeoutMs);
    // Without a listener an 'error' event would crash the process; log each outage once.
    this.client.on('error', (error: unknown) => {
      if (this.failing) return;
      this.failing = true;
      this.logger.warn(`Redis connection failed (${String(error)}); falling back until it is back`);
    });
    this.client.on('ready', () => {
      if (this.failing) this.logger.log('Redis connection is back');
      this.failing = false;
    });
  }

  async onModuleInit(): Promise<void> {
    const connecting = this.client.connect();
    try {
      await withTimeout(connecting, this.timeoutMs, 'Redis connect');
    } catch (error) {
      connecting.catch(() => undefined);
      this.logger.warn(`Redis not connected yet (${String(error)}); serving without it meanwhile`);
    }
  }

  /** `<prefix>:<part>:<part>...`, so deployments sharing one Redis keep apart. */
  key(...parts: string[]): string {
    return [this.keyPrefix, ...parts].join(':');
  }

  /** Health probe: a PING answered within REDIS_TIMEOUT_MS, else rejects. */
  async ping(): Promise<void> {
    await withTimeout(this.client.ping(), this.timeoutMs, 'Redis PING');
  }

  /** Within REDIS_TIMEOUT_MS, and leaving no socket behind even on a hung Redis. */
  async onApplicationShutdown(): Promise<void> {
    await this.closer.closeGracefully();
  }
}
