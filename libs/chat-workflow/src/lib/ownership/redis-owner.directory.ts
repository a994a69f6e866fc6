import { RedisBreaker } from '../redis/redis-breaker.service';
import type { RedisConnection } from '../redis/redis-connection';
import { InMemoryOwnerDirectory } from './in-memory-owner.directory';
import type { OwnerDirectory } from './owner-directory';

/** How long Redis keeps an owner not looked up since; the transcript has it for good. */
const OWNER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Owners shared by every gateway process on one Redis, with this process's own memory in front.
 * A process that never saw a thread can check its owner without reading the transcript, so a
 * slow disk does not turn every request on it into `unavailable`.
 */
export class RedisOwnerDirectory implements OwnerDirectory {
  private readonly local = new InMemoryOwnerDirectory();

  constructor(
    private readonly connection: RedisConnection,
    private readonly breaker: RedisBreaker,
  ) {}

  async lookup(threadId: string): Promise<string | undefined> {
    const known = await this.local.lookup(threadId);
    if (known !== undefined) return known;
    const attempt = await this.breaker.attempt('owner_lookup', `thread ${threadId}`, () =>
      this.connection.client.getEx(this.key(threadId), {
        type: 'PX',
        value: OWNER_TTL_MS,
      }),
    );
    const owner = attempt.ok ? (attempt.value ?? undefined) : undefined;
    if (owner !== undefined) await this.local.record(threadId, owner);
    return owner;
  }

  async record(threadId: string, owner: string): Promise<void> {
    await this.local.record(threadId, owner);
    await this.breaker.attempt('owner_record', `thread ${threadId}`, () =>
      this.connection.client.set(this.key(threadId), owner, {
        expiration: { type: 'PX', value: OWNER_TTL_MS },
      }),
    );
  }

  private key(threadId: string): string {
    return this.connection.key('owner', threadId);
  }
}
