import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RealtimeRedis } from '@agent-gateway/realtime';

/** Redis answers PING within REDIS_TIMEOUT_MS; present only when REDIS_URL is set. */
@Injectable()
export class RedisIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Optional() private readonly redis?: RealtimeRedis,
  ) {}

  get configured(): boolean {
    return this.redis !== undefined;
  }

  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicator.check('redis');
    if (!this.redis) return session.up({ configured: false });
    const startedAt = performance.now();
    try {
      await this.redis.bounded('ping', (client) => client.ping());
      return session.up({ latencyMs: Math.round(performance.now() - startedAt) });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
