import { Inject, Injectable } from '@nestjs/common';
import { ConnectionRegistry } from '../connections/connection-registry.service';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * A token bucket per connection: `rateLimitPoints` requests per `rateLimitWindowMs`, refilled
 * continuously so a client that paces itself is never refused. Per connection, so in process.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    connections: ConnectionRegistry,
  ) {
    this.refillPerMs = options.rateLimitPoints / options.rateLimitWindowMs;
    connections.onConnectionClosed((connection) => this.buckets.delete(connection.id));
  }

  consume(connectionId: string, now = Date.now()): RateDecision {
    const bucket = this.buckets.get(connectionId) ?? {
      tokens: this.options.rateLimitPoints,
      refilledAt: now,
    };
    bucket.tokens = Math.min(
      this.options.rateLimitPoints,
      bucket.tokens + (now - bucket.refilledAt) * this.refillPerMs,
    );
    bucket.refilledAt = now;
    this.buckets.set(connectionId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
  }

  get size(): number {
    return this.buckets.size;
  }
}
