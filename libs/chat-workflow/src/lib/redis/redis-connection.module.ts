import { Module, type DynamicModule } from '@nestjs/common';
import type { ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { REDIS_CONNECTION, RedisConnection } from './redis-connection';

/**
 * Provides `REDIS_CONNECTION` (null without a redisUrl). A module of its own so the cache module
 * and the chat workflow module can both import the one connection.
 */
@Module({})
export class RedisConnectionModule {
  static forRoot(options: ResolvedChatWorkflowOptions): DynamicModule {
    return {
      module: RedisConnectionModule,
      providers: [
        {
          provide: REDIS_CONNECTION,
          useFactory: (): RedisConnection | null => {
            if (!options.redisUrl) return null;
            return new RedisConnection(
              options.redisUrl,
              options.redisTimeoutMs,
              options.redisKeyPrefix,
            );
          },
        },
      ],
      exports: [REDIS_CONNECTION],
    };
  }
}
