import { withinLimit } from './within-limit';

/** What closing needs of a node-redis 5 client, whichever package created it. */
export interface ClosableRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  on(event: 'ready' | 'error' | 'reconnecting', listener: () => void): unknown;
  once(event: 'ready' | 'error', listener: () => void): unknown;
  off(event: 'ready' | 'error', listener: () => void): unknown;
  ping(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  unref(): void;
}

/**
 * Closes one node-redis client within a time limit, leaving no socket behind. node-redis 5.12
 * cannot be forced once `close()` has begun (`destroy()` then throws, and the socket stays open
 * until every reply is in), and lets a connection attempt in flight finish after `close()` or
 * `destroy()`; either way a live socket would keep a stopped gateway's process from exiting.
 * Create it before the client's first `connect()`: it follows the attempts from then on.
 */
export class RedisClientCloser {
  /** A connection attempt is in flight (not waiting out a retry's delay). */
  private attempting = true;

  constructor(
    private readonly client: ClosableRedisClient,
    private readonly limitMs: number,
  ) {
    client.on('reconnecting', () => (this.attempting = true));
    client.on('ready', () => (this.attempting = false));
    client.on('error', () => (this.attempting = false));
  }

  /** Waits for the replies in flight, within the limit; if Redis does not answer, by force. */
  async closeGracefully(): Promise<void> {
    const client = this.client;
    await this.attemptInFlightEnded();
    if (!client.isOpen) return;
    // Replies come in order: once a PING's is back, no reply is outstanding, and `close()` has
    // nothing to wait for.
    const answered =
      client.isReady &&
      (await withinLimit(client.ping(), this.limitMs, 'redis close').then(
        () => true,
        () => false,
      ));
    if (!answered) return this.closeByForce();
    await client.close();
  }

  /** Drops the connection and what waits on it. */
  async closeByForce(): Promise<void> {
    const client = this.client;
    await this.attemptInFlightEnded();
    if (!client.isOpen) return;
    const stillConnecting = !client.isReady;
    client.destroy();
    // An attempt that outlived the wait would still open a socket: it must not hold the process.
    if (stillConnecting) client.once('ready', () => client.unref());
  }

  private async attemptInFlightEnded(): Promise<void> {
    const client = this.client;
    if (!client.isOpen || !this.attempting) return;
    let settle = (): void => undefined;
    const ended = new Promise<void>((resolve) => {
      settle = resolve;
      client.once('ready', settle);
      client.once('error', settle);
    });
    await withinLimit(ended, this.limitMs, 'redis connect').catch(() => undefined);
    client.off('ready', settle);
    client.off('error', settle);
  }
}
