import { CACHE_MANAGER, type Cache } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { ChatWorkflowMetrics } from '../metrics/chat-workflow.metrics';
import { RedisBreaker } from '../redis/redis-breaker.service';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection';
import type { StoredMessage } from '../transcripts/transcript-record';

/** A thread's history as cached, with the transcript length it reflects (its version). */
export interface CachedHistory {
  messages: readonly StoredMessage[];
  bytes: number;
}

/**
 * The conversation history cache (Redis with a redisUrl, memory without), through
 * `@nestjs/cache-manager`. Every call is bounded and breaker-guarded by `RedisBreaker` and never
 * throws: a failure reads as a miss (the caller goes to the transcript) or a skipped write.
 */
@Injectable()
export class HistoryCache {
  private readonly logger = new Logger(HistoryCache.name);

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly breaker: RedisBreaker,
    private readonly metrics: ChatWorkflowMetrics,
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
    @Inject(REDIS_CONNECTION) private readonly connection: RedisConnection | null,
  ) {
    // cache-manager turns a store's failed get into a plain miss; count and log it as a fallback.
    this.cache.on('get', (event: { key: string; error?: unknown }) => {
      if (event.error === undefined) return;
      this.metrics.redisFallbacks.inc({ operation: 'history_get', reason: 'error' });
      this.logger.warn(
        `Redis history_get for ${event.key} failed (${String(event.error)}); reading the transcript`,
      );
    });
  }

  /** The cached copy, which may be stale: compare its `bytes` with the transcript's length. */
  async get(threadId: string): Promise<CachedHistory | undefined> {
    const attempt = await this.breaker.attempt('history_get', `thread ${threadId}`, () =>
      this.cache.get<CachedHistory>(threadId),
    );
    const cached = attempt.ok ? attempt.value : undefined;
    return cached !== undefined && Array.isArray(cached.messages) ? cached : undefined;
  }

  /** Caches a history unless it is too large to be worth it. */
  async set(threadId: string, history: CachedHistory): Promise<void> {
    if (history.bytes > this.options.maxCachedHistoryBytes) {
      await this.delete(threadId);
      return;
    }
    await this.breaker.attempt('history_set', `thread ${threadId}`, () =>
      this.cache.set(threadId, history),
    );
  }

  async delete(threadId: string): Promise<void> {
    await this.breaker.attempt('history_delete', `thread ${threadId}`, () =>
      this.cache.del(threadId),
    );
  }

  /** Health probe: Redis answers a PING within REDIS_TIMEOUT_MS (always true without Redis). */
  async ping(): Promise<void> {
    await this.connection?.ping();
  }

  /** True while Redis is skipped because it failed recently. */
  get breakerOpen(): boolean {
    return this.breaker.isOpen;
  }

  get usesRedis(): boolean {
    return this.connection !== null;
  }
}
