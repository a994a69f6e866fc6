import { CacheModule } from '@nestjs/cache-manager';
import { Module, type DynamicModule } from '@nestjs/common';
import {
  CHAT_WORKFLOW_OPTIONS,
  resolveChatWorkflowOptions,
  type ChatWorkflowOptions,
} from './chat-workflow.options';
import { CLAIM_STORE, type ClaimStore } from './dedup/claim.store';
import { InMemoryClaimStore } from './dedup/in-memory-claim.store';
import { RedisClaimStore } from './dedup/redis-claim.store';
import { SendDeduplicator } from './dedup/send-deduplicator.service';
import { ConversationHistory } from './history-cache/conversation-history.service';
import { historyCacheConfig } from './history-cache/history-cache.config';
import { HistoryCache } from './history-cache/history.cache';
import { ChatWorkflowMetrics } from './metrics/chat-workflow.metrics';
import { InMemoryOwnerDirectory } from './ownership/in-memory-owner.directory';
import { OWNER_DIRECTORY, type OwnerDirectory } from './ownership/owner-directory';
import { RedisOwnerDirectory } from './ownership/redis-owner.directory';
import { ThreadOwnership } from './ownership/thread-ownership.service';
import { RedisBreaker } from './redis/redis-breaker.service';
import { REDIS_CONNECTION, type RedisConnection } from './redis/redis-connection';
import { RedisConnectionModule } from './redis/redis-connection.module';
import { BackgroundWork } from './shared/background-work.service';
import { TranscriptStore } from './transcripts/transcript.store';
import { ChatWorkflowService } from './workflow/chat-workflow.service';
import { RunAnswers } from './workflow/run-answers.service';
import { UserMessages } from './workflow/user-messages.service';

/**
 * The chat workflow: `ChatWorkflowService` and the stores behind it. Needs from the app the
 * `AgentEngineModule`, the `RealtimeModule` (both global) and a global prom-client `Registry`.
 */
@Module({})
export class ChatWorkflowModule {
  static forRoot(options: ChatWorkflowOptions): DynamicModule {
    const resolved = resolveChatWorkflowOptions(options);
    const redis = RedisConnectionModule.forRoot(resolved);
    return {
      module: ChatWorkflowModule,
      global: true,
      imports: [
        redis,
        CacheModule.registerAsync({
          imports: [redis],
          inject: [REDIS_CONNECTION],
          useFactory: (connection: RedisConnection | null) =>
            historyCacheConfig(connection, resolved),
        }),
      ],
      providers: [
        { provide: CHAT_WORKFLOW_OPTIONS, useValue: resolved },
        ChatWorkflowMetrics,
        BackgroundWork,
        RedisBreaker,
        TranscriptStore,
        HistoryCache,
        ConversationHistory,
        {
          provide: OWNER_DIRECTORY,
          inject: [REDIS_CONNECTION, RedisBreaker],
          useFactory: (
            connection: RedisConnection | null,
            breaker: RedisBreaker,
          ): OwnerDirectory =>
            connection
              ? new RedisOwnerDirectory(connection, breaker)
              : new InMemoryOwnerDirectory(),
        },
        ThreadOwnership,
        {
          provide: CLAIM_STORE,
          inject: [REDIS_CONNECTION, RedisBreaker],
          useFactory: (connection: RedisConnection | null, breaker: RedisBreaker): ClaimStore =>
            connection ? new RedisClaimStore(connection, breaker) : new InMemoryClaimStore(),
        },
        SendDeduplicator,
        RunAnswers,
        UserMessages,
        ChatWorkflowService,
      ],
      exports: [ChatWorkflowService, TranscriptStore, HistoryCache, CHAT_WORKFLOW_OPTIONS],
    };
  }
}
