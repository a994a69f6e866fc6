import { RedisBreaker } from '../redis/redis-breaker.service';
import type { RedisConnection } from '../redis/redis-connection';
import type { Claim, ClaimStore } from './claim.store';
import { InMemoryClaimStore } from './in-memory-claim.store';

/**
 * Claims in Redis (`SET NX PX`), shared by every gateway process on it; Redis decides whenever it
 * answers. Every claim this process won or read through Redis is also remembered here (bounded,
 * for the claim's time to live), so while Redis fails a retry this process has seen gets the ids
 * of its first attempt. A key it has never seen is then claimed in process (counted and logged by
 * the breaker), which beats refusing every new send: only a retry that reaches another gateway
 * during the outage goes unrecognised, and on an existing thread the transcript, which records
 * each message's clientMessageId, still catches it. Once Redis answers again, a claim made in
 * process during the outage is offered to Redis, and a value Redis already holds wins over it.
 */
export class RedisClaimStore implements ClaimStore {
  /** Claims won or read through Redis: what an outage falls back to first. */
  private readonly known = new InMemoryClaimStore();
  /** Claims made in process while Redis was unreachable, of keys not in `known`. */
  private readonly outage = new InMemoryClaimStore();

  constructor(
    private readonly connection: RedisConnection,
    private readonly breaker: RedisBreaker,
  ) {}

  async claim(key: string, value: string, ttlMs: number): Promise<Claim> {
    const claimedDuringOutage = this.outage.peek(key);
    const proposal = claimedDuringOutage ?? value;
    const redisKey = this.connection.key('claim', key);
    const attempt = await this.breaker.attempt('claim', `key ${key}`, async () => {
      const client = this.connection.client;
      const stored = await client.set(redisKey, proposal, {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      });
      if (stored === 'OK') return { won: true, value: proposal };
      const existing = await client.get(redisKey);
      // Expired between the two calls: nobody holds it now, so this caller may.
      if (existing === null) {
        await client.set(redisKey, proposal, { expiration: { type: 'PX', value: ttlMs } });
        return { won: true, value: proposal };
      }
      return { won: false, value: existing };
    });
    if (attempt.ok) {
      const held = attempt.value;
      this.known.put(key, held.value, ttlMs);
      if (claimedDuringOutage === undefined) return held;
      // The outage's claim is now shared (or lost to the one Redis held): it was never this caller's.
      await this.outage.release(key);
      return { won: false, value: held.value };
    }
    const known = this.known.peek(key);
    if (known !== undefined) return { won: false, value: known };
    return this.outage.claim(key, value, ttlMs);
  }

  async release(key: string): Promise<void> {
    await this.known.release(key);
    await this.outage.release(key);
    await this.breaker.attempt('claim_release', `key ${key}`, () =>
      this.connection.client.del(this.connection.key('claim', key)),
    );
  }
}
