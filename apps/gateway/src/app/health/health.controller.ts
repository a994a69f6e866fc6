import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  MemoryHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { DependenciesIndicator } from './indicators/dependencies.indicator';
import { EventLoopIndicator } from './indicators/event-loop.indicator';
import { RedisIndicator } from './indicators/redis.indicator';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
    private readonly eventLoop: EventLoopIndicator,
    private readonly redis: RedisIndicator,
    private readonly dependencies: DependenciesIndicator,
  ) {}

  /** 200 while the process serves: no dependency is consulted, so a slow Redis never restarts us. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when every dependency answers within its limit; 503 with the details otherwise. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.eventLoop.check(),
      () => this.memory.checkHeap('heap', this.config.HEALTH_MAX_HEAP_MB * 1024 * 1024),
      () => this.dependencies.serializationWorkers(),
      () => this.dependencies.dataDir(),
      () => this.dependencies.circuits(),
    ];
    if (this.redis.configured) checks.unshift(() => this.redis.check());
    return this.health.check(checks);
  }
}
