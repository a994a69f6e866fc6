import KeyvRedis, { Keyv } from '@keyv/redis';
import type { CacheModuleOptions } from '@nestjs/cache-manager';
import type { ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import type { RedisClient, RedisConnection } from '../redis/redis-connection';
import { LruMap } from '../shared/lru-map';

/**
 * Keyv's Redis adapter on the shared client. It borrows the client: `RedisConnection` owns and
 * closes it, so the cache manager's own disconnect on module destroy must not.
 */
class BorrowedClientKeyvRedis extends KeyvRedis<unknown> {
  constructor(client: RedisClient, namespace: string) {
    super(client, { namespace, throwOnErrors: true, throwOnConnectError: true });
  }

  override async disconnect(): Promise<void> {
    // The owner (RedisConnection) closes the client.
  }
}

/** The `@nestjs/cache-manager` options: a Redis store with a redisUrl, an LRU memory store without. */
export function historyCacheConfig(
  connection: RedisConnection | null,
  options: ResolvedChatWorkflowOptions,
): CacheModuleOptions {
  const namespace = connection ? connection.key('history') : 'history';
  const store = connection
    ? new Keyv({
        store: new BorrowedClientKeyvRedis(connection.client, namespace),
        namespace,
        useKeyPrefix: false,
        throwOnErrors: true,
      })
    : new Keyv({ store: new LruMap<string, unknown>(options.historyCacheMaxThreads), namespace });
  return { stores: [store], ttl: options.historyCacheTtlMs };
}
