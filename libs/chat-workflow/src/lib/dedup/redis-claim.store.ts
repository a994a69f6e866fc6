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
/**
 * Claims the key or reads who holds it, in one step: as a SET NX and then a GET, a claim that
 * expired between the two left the caller to claim it with a plain SET, which could overwrite one
 * another caller made meanwhile, and both started a run. KEYS: the claim. ARGV: value, TTL ms.
 */
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return { 1, ARGV[1] } end
return { 0, redis.call('GET', KEYS[1]) }
`;

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
      const reply = (await this.connection.client.eval(CLAIM_SCRIPT, {
        keys: [redisKey],
        arguments: [proposal, String(ttlMs)],
      })) as [number, string];
      return { won: reply[0] === 1, value: reply[1] };
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
