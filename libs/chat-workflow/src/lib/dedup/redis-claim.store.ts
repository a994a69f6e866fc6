import { RedisBreaker } from '../redis/redis-breaker.service';
import type { RedisConnection } from '../redis/redis-connection';
import type { Claim, ClaimStore } from './claim.store';
import { InMemoryClaimStore } from './in-memory-claim.store';

/**
 * Claims in Redis (`SET NX PX`), shared by every gateway process on it. While Redis fails the
 * claim is made in process instead (counted and logged by the breaker): de-duplication then holds
 * within one process only, which beats refusing every send. The transcript, which records each
 * message's clientMessageId, still catches a retry on an existing thread.
 */
export class RedisClaimStore implements ClaimStore {
  private readonly fallback = new InMemoryClaimStore();

  constructor(
    private readonly connection: RedisConnection,
    private readonly breaker: RedisBreaker,
  ) {}

  async claim(key: string, value: string, ttlMs: number): Promise<Claim> {
    // A claim made here while Redis was unreachable still counts once Redis is back.
    const claimedDuringOutage = this.fallback.peek(key);
    if (claimedDuringOutage !== undefined) return { won: false, value: claimedDuringOutage };
    const redisKey = this.connection.key('claim', key);
    const attempt = await this.breaker.attempt('claim', `key ${key}`, async () => {
      const client = this.connection.client;
      const stored = await client.set(redisKey, value, {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      });
      if (stored === 'OK') return { won: true, value };
      const existing = await client.get(redisKey);
      // Expired between the two calls: nobody holds it now, so this caller may.
      if (existing === null) {
        await client.set(redisKey, value, { expiration: { type: 'PX', value: ttlMs } });
        return { won: true, value };
      }
      return { won: false, value: existing };
    });
    return attempt.ok ? attempt.value : this.fallback.claim(key, value, ttlMs);
  }

  async release(key: string): Promise<void> {
    await this.fallback.release(key);
    await this.breaker.attempt('claim_release', `key ${key}`, () =>
      this.connection.client.del(this.connection.key('claim', key)),
    );
  }
}
