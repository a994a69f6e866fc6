import { Registry } from 'prom-client';
import { ConnectionRegistry } from '../connections/connection-registry.service';
import { DeliveryMetrics } from '../metrics/delivery.metrics';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import { RequestRateLimiter } from './request-rate-limiter.service';

describe('RequestRateLimiter', () => {
  const options = { ...DEFAULT_REALTIME_OPTIONS, rateLimitPoints: 3, rateLimitWindowMs: 3000 };
  const limiter = new RequestRateLimiter(
    options,
    new ConnectionRegistry(options, new DeliveryMetrics(new Registry())),
  );

  it('allows a burst of `points`, then refuses with the time until the next token', () => {
    const now = 1_000_000;
    expect([1, 2, 3].map(() => limiter.consume('c1', now).allowed)).toEqual([true, true, true]);
    expect(limiter.consume('c1', now)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(limiter.consume('c2', now).allowed).toBe(true);
  });

  it('refills continuously, so a client that paces itself is never refused', () => {
    const start = 2_000_000;
    for (let i = 0; i < 20; i += 1)
      expect(limiter.consume('paced', start + i * 1000).allowed).toBe(true);
  });
});
