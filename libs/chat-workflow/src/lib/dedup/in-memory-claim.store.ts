import type { Claim, ClaimStore } from './claim.store';

/** Claims between sweeps of expired entries; keeps the sweep cost spread thin. */
const SWEEP_EVERY = 1000;
/** Live claims kept at most; beyond it the oldest go first, so a burst cannot exhaust memory. */
const DEFAULT_MAX_ENTRIES = 200_000;

/** Claims held in this process: the store without Redis, and the fallback while Redis is down. */
export class InMemoryClaimStore implements ClaimStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private claimsSinceSweep = 0;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  // ClaimOptions do not apply: this store is the one every claim of this process sees.
  async claim(key: string, value: string, ttlMs: number): Promise<Claim> {
    const now = Date.now();
    if (++this.claimsSinceSweep >= SWEEP_EVERY) this.sweep(now);
    const existing = this.peek(key);
    if (existing !== undefined) return { won: false, value: existing };
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    this.dropOldestBeyondBound();
    return { won: true, value };
  }

  /** Stores `value` under `key` whatever was there: a value learnt from the shared store. */
  put(key: string, value: string, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    this.dropOldestBeyondBound();
  }

  /** The live value under `key`, if any, without claiming. */
  peek(key: string): string | undefined {
    const existing = this.entries.get(key);
    return existing && existing.expiresAt > Date.now() ? existing.value : undefined;
  }

  async release(key: string): Promise<void> {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private dropOldestBeyondBound(): void {
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  private sweep(now: number): void {
    this.claimsSinceSweep = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}
