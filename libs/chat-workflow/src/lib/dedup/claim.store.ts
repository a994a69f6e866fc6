/** The outcome of a claim: `won` when this caller stored its value, else the value that was there. */
export interface Claim {
  won: boolean;
  value: string;
}

/**
 * First-writer-wins keys with an expiry, for de-duplicating requests. The in-process store serves
 * one gateway; the Redis store (`SET NX`) lets several gateways on one Redis agree.
 */
export interface ClaimStore {
  /** Stores `value` under `key` unless a live value is there; says which value now holds. */
  claim(key: string, value: string, ttlMs: number): Promise<Claim>;
  /** Forgets a claim, so the next request with that key is treated as new. */
  release(key: string): Promise<void>;
}

/** DI token of the `ClaimStore` chosen by redisUrl. */
export const CLAIM_STORE = Symbol('CHAT_WORKFLOW_CLAIM_STORE');
