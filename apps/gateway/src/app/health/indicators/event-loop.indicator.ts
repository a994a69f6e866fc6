import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';

/**
 * Event-loop delay since the previous check (p99 and max). A loop that stalls is a process that
 * answers nobody on time, whatever its dependencies say.
 */
@Injectable()
export class EventLoopIndicator implements OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly indicator: HealthIndicatorService,
  ) {
    this.histogram.enable();
  }

  check(): HealthIndicatorResult {
    const p99Ms = this.histogram.percentile(99) / 1e6;
    const maxMs = this.histogram.max / 1e6;
    this.histogram.reset();
    const details = {
      p99Ms: Math.round(p99Ms * 10) / 10,
      maxMs: Math.round(maxMs * 10) / 10,
      thresholdMs: this.config.HEALTH_EVENT_LOOP_DELAY_MS,
    };
    const session = this.indicator.check('eventLoop');
    return p99Ms > this.config.HEALTH_EVENT_LOOP_DELAY_MS
      ? session.down(details)
      : session.up(details);
  }

  onModuleDestroy(): void {
    this.histogram.disable();
  }
}
