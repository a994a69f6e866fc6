import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { withTimeout } from './with-timeout';

/**
 * Work no answer waits for (cache refreshes, recording a finished run's answer): started at once,
 * failures logged, and awaited on shutdown (bounded) so a graceful stop does not drop an answer.
 */
@Injectable()
export class BackgroundWork implements OnApplicationShutdown {
  private readonly logger = new Logger(BackgroundWork.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
  ) {}

  run(label: string, work: () => Promise<void>): void {
    const promise: Promise<void> = work()
      .catch((error: unknown) => this.logger.warn(`${label} failed: ${String(error)}`))
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  /** Resolves once everything started so far (and what that started in turn) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    // Each piece of work is itself bounded; this bound only guards against a pile of them.
    const limitMs = 3 * this.options.fileTimeoutMs + 2 * this.options.redisTimeoutMs;
    await withTimeout(this.drain(), limitMs, 'finishing background work').catch((error: unknown) =>
      this.logger.warn(`${String(error)}; some cache refreshes or answers may be missing`),
    );
  }
}
