import { Global, Module } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { MetricsController } from './metrics.controller';

/**
 * One prom-client `Registry` per application, injected by class into every lib's metrics
 * provider (never the global default registry, so several apps in one test process never clash).
 */
@Global()
@Module({
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry, prefix: 'agent_gateway_process_' });
        return registry;
      },
    },
  ],
  controllers: [MetricsController],
  exports: [Registry],
})
export class MetricsModule {}
