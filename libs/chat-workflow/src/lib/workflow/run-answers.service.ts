import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AgentOutput } from '@agent-gateway/events';
import type { RunOutcome } from '@agent-gateway/agent-engine';
import { ConversationHistory } from '../history-cache/conversation-history.service';
import { BackgroundWork } from '../shared/background-work.service';
import { TimeoutError } from '../shared/timeout.error';
import { withTimeout } from '../shared/with-timeout';

/** Attempts at making one answer durable; each is bounded by FILE_TIMEOUT_MS. */
const ANSWER_WRITE_ATTEMPTS = 3;

/**
 * Makes each completed run's answer durable in its thread's transcript. Nobody waits for this
 * (`chat:send` answered when the run was accepted), so a slow disk is retried rather than
 * given up at once; the answer keeps one id, so a late first attempt never duplicates it.
 */
@Injectable()
export class RunAnswers {
  private readonly logger = new Logger(RunAnswers.name);
  /** Answers being written, per thread: history waits for them (see `written`). */
  private readonly writing = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly conversation: ConversationHistory,
    private readonly background: BackgroundWork,
  ) {}

  /**
   * Writes the run's answer, if it completed, into the transcript; never rejects. The engine
   * awaits it before the run's terminal event is published (`RunStartOptions.beforeTerminal`):
   * a client that saw `agent_completed` finds the answer on disk, a crash a moment later
   * included, and `written` waits for it meanwhile. Tracked as background work, so a shutdown
   * waits for it too.
   */
  record(threadId: string, runId: string, outcome: RunOutcome): Promise<void> {
    if (outcome.status !== 'completed') return Promise.resolve();
    const answer = {
      id: randomUUID(),
      role: 'assistant' as const,
      text: answerText(outcome.output),
      ts: Date.now(),
      runId,
    };
    const write = this.write(threadId, runId, answer);
    let writes = this.writing.get(threadId);
    if (writes === undefined) this.writing.set(threadId, (writes = new Set()));
    writes.add(write);
    const recorded = write.finally(() => {
      writes.delete(write);
      if (writes.size === 0 && this.writing.get(threadId) === writes) this.writing.delete(threadId);
    });
    this.background.run(`recording the answer of run ${runId}`, () => recorded);
    return recorded;
  }

  /**
   * Follows a run to its end (`RunHandle.done`: its answer recorded, its terminal event out) as
   * background work, so that a drain, or a shutdown, waits for its answer as well.
   */
  track(runId: string, done: Promise<unknown>): void {
    this.background.run(`run ${runId}`, () => done.then(() => undefined));
  }

  /**
   * Resolves once every answer of the thread whose write has begun is in the transcript (or
   * given up), or after `withinMs`, whichever comes first: a client that saw `agent_completed`
   * and then asks for the history, or sends its next message, must find the answer in it (its
   * terminal event waits for the write: see `record`), but a hung disk must not hang the request.
   */
  async written(threadId: string, withinMs: number): Promise<void> {
    const writes = this.writing.get(threadId);
    if (writes === undefined) return;
    try {
      await withTimeout(Promise.all([...writes]), withinMs, 'waiting for answers being written');
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      this.logger.warn(`History of thread ${threadId} read while an answer is still being written`);
    }
  }

  private async write(threadId: string, runId: string, answer: ConversationAnswer): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.conversation.append(threadId, [answer]);
        return;
      } catch (error) {
        if (attempt >= ANSWER_WRITE_ATTEMPTS) {
          this.logger.error(
            `Answer of run ${runId} in thread ${threadId} is not in the transcript after ${attempt} attempts: ${String(error)}`,
          );
          return;
        }
        this.logger.warn(`Writing the answer of run ${runId} failed (${String(error)}); retrying`);
      }
    }
  }
}

type ConversationAnswer = Parameters<ConversationHistory['append']>[1][number];

function answerText(output: AgentOutput): string {
  return typeof output === 'string' ? output : output.text;
}
