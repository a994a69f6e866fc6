import { Module, type DynamicModule } from '@nestjs/common';
import { AgentEngineModule } from '@agent-gateway/agent-engine';
import { ChatWorkflowModule } from '@agent-gateway/chat-workflow';
import { RealtimeModule } from '@agent-gateway/realtime';
import { SerializationModule } from '@agent-gateway/serialization';
import { HandshakeAuthenticator } from './auth/handshake-authenticator.service';
import type { GatewayConfig } from './config/gateway-config';
import { GatewayConfigModule } from './config/gateway-config.module';
import { ChatGateway } from './gateway/chat.gateway';
import { RequestHandler } from './gateway/request-handler.service';
import { HealthModule } from './health/health.module';
import { GracefulShutdown } from './lifecycle/graceful-shutdown.service';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { CHAT_PAGE_HTML, loadChatPage } from './web/chat-page';
import { WebController } from './web/web.controller';

/** Wires the libs together from one validated configuration; holds no business logic. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        MetricsModule,
        HealthModule,
        SerializationModule.forRoot({
          timeoutMs: config.SERIALIZATION_TIMEOUT_MS,
          maxEventBytes: config.MAX_EVENT_BYTES,
          workerThreadNice: config.SERIALIZATION_WORKER_NICE,
          sharedResultBytes: config.SERIALIZATION_SHARED_RESULT_BYTES,
          ...(config.SERIALIZATION_POOL_SIZE > 0
            ? { poolSize: config.SERIALIZATION_POOL_SIZE }
            : {}),
        }),
        AgentEngineModule.forRoot({
          agentTimeoutMs: config.AGENT_TIMEOUT_MS,
          toolTimeoutMs: config.TOOL_TIMEOUT_MS,
          maxConcurrentRuns: config.MAX_CONCURRENT_RUNS,
          maxRunsPerUser: config.MAX_RUNS_PER_USER,
          maxQueuedRuns: config.MAX_QUEUED_RUNS,
          queueWaitMs: config.RUN_QUEUE_WAIT_MS,
          breaker: {
            errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENTAGE,
            volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
            resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
            rollingCountTimeoutMs: config.BREAKER_ROLLING_WINDOW_MS,
          },
          shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
          enableLoadtestAgent: config.ENABLE_LOADTEST_AGENT,
          ...(config.LLM_BASE_URL
            ? {
                llm: {
                  baseUrl: config.LLM_BASE_URL,
                  apiKey: config.LLM_API_KEY,
                  model: config.LLM_MODEL,
                },
              }
            : {}),
        }),
        RealtimeModule.forRoot({
          redisUrl: config.REDIS_URL,
          redisTimeoutMs: config.REDIS_TIMEOUT_MS,
          maxConnectionsPerUser: config.MAX_CONNECTIONS_PER_USER,
          maxTotalConnections: config.MAX_TOTAL_CONNECTIONS,
          sendTimeoutMs: config.SEND_TIMEOUT_MS,
          connectionFailureThreshold: config.CONNECTION_FAILURE_THRESHOLD,
          eventRetention: config.EVENT_RETENTION,
          eventRetentionMs: config.EVENT_RETENTION_MS,
          cleanupIntervalMs: config.CLEANUP_INTERVAL_MS,
          rateLimitPoints: config.RATE_LIMIT_POINTS,
          rateLimitWindowMs: config.RATE_LIMIT_WINDOW_MS,
        }),
        ChatWorkflowModule.forRoot({
          dataDir: config.DATA_DIR,
          redisUrl: config.REDIS_URL,
          redisTimeoutMs: config.REDIS_TIMEOUT_MS,
          fileTimeoutMs: config.FILE_TIMEOUT_MS,
          maxMessageChars: config.MAX_MESSAGE_CHARS,
          dedupTtlMs: config.DEDUP_TTL_MS,
          historyCacheMaxThreads: config.HISTORY_CACHE_MAX_THREADS,
        }),
      ],
      controllers: [WebController],
      providers: [
        { provide: CHAT_PAGE_HTML, useFactory: loadChatPage },
        HandshakeAuthenticator,
        ChatGateway,
        RequestHandler,
        GracefulShutdown,
      ],
    };
  }
}
