import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { PayloadSerializer } from '@agent-gateway/serialization';
import { ConnectionRegistry } from './connections/connection-registry.service';
import { EVENT_LOG_STORE } from './event-log/event-log.store';
import { InMemoryEventLogStore } from './event-log/in-memory-event-log.store';
import { RedisEventLogStore } from './event-log/redis-event-log.store';
import { RedisThreadEventBus } from './fanout/redis-thread-event-bus';
import { RealtimeRedis } from './redis/realtime-redis.service';
import { InProcessThreadEventBus } from './fanout/in-process-thread-event-bus';
import { THREAD_EVENT_BUS } from './fanout/thread-event-bus';
import { RealtimeShutdown } from './lifecycle/realtime-shutdown.service';
import { RealtimeSweeper } from './lifecycle/realtime-sweeper.service';
import { DeliveryMetrics } from './metrics/delivery.metrics';
import { ThreadEventPublisher } from './publishing/thread-event-publisher.service';
import { RequestRateLimiter } from './rate-limit/request-rate-limiter.service';
import {
  DEFAULT_REALTIME_OPTIONS,
  REALTIME_OPTIONS,
  type RealtimeOptions,
} from './realtime.options';
import { EventDispatcher } from './subscriptions/event-dispatcher.service';
import { ThreadSubscriptions } from './subscriptions/thread-subscriptions.service';

/** The embedded default: one process, nothing outside it. */
function inProcessStores(options: RealtimeOptions): Provider[] {
  return [
    {
      provide: EVENT_LOG_STORE,
      // The serializer is told what the log keeps for replay (see KeptPayloads). Optional: an
      // app (or a test) that publishes no events through ThreadEventPublisher may have none.
      useFactory: (serializer: PayloadSerializer | undefined) =>
        new InMemoryEventLogStore(options.eventRetention, options.eventRetentionMs, serializer),
      inject: [{ token: PayloadSerializer, optional: true }],
    },
    { provide: THREAD_EVENT_BUS, useFactory: () => new InProcessThreadEventBus() },
  ];
}

/** With REDIS_URL: log and fan-out shared by every gateway process on the same Redis. */
function redisStores(options: RealtimeOptions): Provider[] {
  return [
    RealtimeRedis,
    {
      provide: EVENT_LOG_STORE,
      useFactory: (redis: RealtimeRedis) =>
        new RedisEventLogStore(redis, options.eventRetention, options.eventRetentionMs),
      inject: [RealtimeRedis],
    },
    {
      provide: THREAD_EVENT_BUS,
      useFactory: (redis: RealtimeRedis) => new RedisThreadEventBus(redis),
      inject: [RealtimeRedis],
    },
  ];
}

/**
 * Connections, delivery and the per-thread event log. Needs a prom-client `Registry` and the
 * serialization lib's `PayloadSerializer` from the application.
 */
@Module({})
export class RealtimeModule {
  static forRoot(options: Partial<RealtimeOptions> = {}): DynamicModule {
    const resolved: RealtimeOptions = { ...DEFAULT_REALTIME_OPTIONS, ...options };
    return {
      module: RealtimeModule,
      global: true,
      providers: [
        { provide: REALTIME_OPTIONS, useValue: resolved },
        ...(resolved.redisUrl ? redisStores(resolved) : inProcessStores(resolved)),
        DeliveryMetrics,
        ConnectionRegistry,
        ThreadSubscriptions,
        EventDispatcher,
        ThreadEventPublisher,
        RequestRateLimiter,
        RealtimeSweeper,
        RealtimeShutdown,
      ],
      exports: [
        REALTIME_OPTIONS,
        EVENT_LOG_STORE,
        ConnectionRegistry,
        ThreadSubscriptions,
        ThreadEventPublisher,
        RequestRateLimiter,
        RealtimeShutdown,
        RealtimeSweeper,
        // Present only with REDIS_URL: health checks ping through it.
        ...(resolved.redisUrl ? [RealtimeRedis] : []),
      ],
    };
  }
}
