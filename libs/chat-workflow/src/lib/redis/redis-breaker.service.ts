import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { ChatWorkflowMetrics, type RedisFallbackReason } from '../metrics/chat-workflow.metrics';

export type Attempt<T> = { ok: true; value: T } | { ok: false; reason: RedisFallbackReason };

type Work = () => Promise<unknown>;

/**
 * Every Redis call of the chat workflow goes through here: bounded by REDIS_TIMEOUT_MS, and
 * behind one breaker, so while Redis is down or hung requests skip it at once instead of each
 * paying the full wait. After `redisBreakerResetMs` one call is let through; when it succeeds
 * Redis is used again. A failed call is counted and logged here and reported to the caller,
 * who falls back (to the transcript, or to in-process claims).
 */
@Injectable()
export class RedisBreaker implements OnModuleDestroy {
  private readonly logger = new Logger(RedisBreaker.name);
  private readonly breaker: CircuitBreaker<[Work], unknown>;
  private shutDown = false;

  constructor(
    @Inject(CHAT_WORKFLOW_OPTIONS) options: ResolvedChatWorkflowOptions,
    private readonly metrics: ChatWorkflowMetrics,
  ) {
    this.breaker = new CircuitBreaker(async (work: Work) => work(), {
      timeout: options.redisTimeoutMs,
      resetTimeout: options.redisBreakerResetMs,
      errorThresholdPercentage: 50,
      // Fast errors (connection refused) open it by share of failures in the window...
      volumeThreshold: 3,
      rollingCountTimeout: 10_000,
    });
    // ...but one call that waited out the whole limit is enough: a hung Redis would otherwise
    // cost every request that limit once per Redis call until failures outnumbered the
    // successes of the last ten seconds.
    this.breaker.on('timeout', () => this.breaker.open());
    this.breaker.on('open', () => {
      this.metrics.redisBreakerOpen.set(1);
      this.logger.warn(
        `Redis breaker open: skipping Redis for ${options.redisBreakerResetMs} ms, serving from transcripts`,
      );
    });
    this.breaker.on('halfOpen', () =>
      this.logger.log('Redis breaker half-open: trying Redis again'),
    );
    this.breaker.on('close', () => {
      this.metrics.redisBreakerOpen.set(0);
      this.logger.log('Redis breaker closed: Redis answers again');
    });
  }

  /** True while Redis is being skipped. */
  get isOpen(): boolean {
    return this.breaker.opened;
  }

  /**
   * Runs `work` against Redis within the limit. Never rejects: a failure comes back as
   * `{ ok: false }` after it was counted and (unless the breaker merely skipped it) logged.
   */
  async attempt<T>(
    operation: string,
    context: string,
    work: () => Promise<T>,
  ): Promise<Attempt<T>> {
    // Shutting down: the last cache refreshes are skipped, not failures (cached copies are
    // checked against the transcript length anyway).
    if (this.shutDown) return { ok: false, reason: 'breaker_open' };
    try {
      return { ok: true, value: (await this.breaker.fire(work)) as T };
    } catch (error) {
      const reason = fallbackReason(error);
      this.metrics.redisFallbacks.inc({ operation, reason });
      if (reason !== 'breaker_open') {
        this.logger.warn(
          `Redis ${operation} for ${context} failed (${reason}: ${String(error)}); falling back`,
        );
      }
      return { ok: false, reason };
    }
  }

  onModuleDestroy(): void {
    this.shutDown = true;
    this.breaker.shutdown();
  }
}

function fallbackReason(error: unknown): RedisFallbackReason {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === 'EOPENBREAKER') return 'breaker_open';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'error';
}
