import type { Logger } from '@nestjs/common';
import type { AgentEventPayloads, AgentEventType } from '@agent-gateway/events';
import type { AgentEventSink, RunRequest } from '../contracts/run.types';
import { errorMessage } from '../shared/abortable';
import type { RunStoppedError } from './run-stopped.error';

export type TerminalEvent =
  | { type: 'agent_completed'; payload: AgentEventPayloads['agent_completed'] }
  | { type: 'agent_error'; payload: AgentEventPayloads['agent_error'] };

interface OpenToolCall {
  tool: string;
  startedAt: number;
}

/**
 * The state of one run: its abort controller, the ordered queue of its events towards the sink,
 * and its open tool calls. Once sealed, whatever the agent emits is dropped; `finish` closes the
 * open tool calls and publishes the one terminal event.
 */
export class RunExecution {
  readonly startedAt = Date.now();
  private readonly controller = new AbortController();
  /** False while the run waits for a concurrency slot. */
  admitted = false;
  private sealed = false;
  private finished = false;
  /** Each publish starts after the previous one settled, so the sink sees emission order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly openToolCalls = new Map<string, OpenToolCall>();
  private toolCallCount = 0;

  constructor(
    readonly request: RunRequest,
    private readonly sink: AgentEventSink,
    private readonly logger: Logger,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the run stopped or its agent returned: nothing more from the agent is published. */
  isSealed(): boolean {
    return this.sealed;
  }

  /** Queues an event; resolves when the sink recorded it or failed to (which is logged). */
  publish<T extends AgentEventType>(type: T, payload: AgentEventPayloads[T]): Promise<void> {
    const { threadId, runId } = this.request;
    const next = this.chain
      .then(() => this.sink.publish({ threadId, runId, type, payload }))
      .catch((error: unknown) => {
        this.logger.error(
          `publishing ${type} of run ${runId} failed, continuing the run: ${errorMessage(error)}`,
        );
      });
    this.chain = next;
    return next;
  }

  /** An event from the agent itself: dropped once the run is sealed. */
  publishFromAgent<T extends AgentEventType>(
    type: T,
    payload: AgentEventPayloads[T],
  ): Promise<void> {
    if (this.sealed) return Promise.resolve();
    return this.publish(type, payload);
  }

  /** Aborts the run's signal with `reason` and seals it; the first reason wins. */
  stop(reason: RunStoppedError): void {
    if (this.finished || this.controller.signal.aborted) return;
    this.sealed = true;
    this.controller.abort(reason);
  }

  openToolCall(tool: string): string {
    this.toolCallCount += 1;
    const callId = `${this.request.runId}:${this.toolCallCount}`;
    this.openToolCalls.set(callId, { tool, startedAt: Date.now() });
    return callId;
  }

  /** False when `finish` already completed the call on the tool's behalf. */
  closeToolCall(callId: string): boolean {
    return this.openToolCalls.delete(callId);
  }

  /**
   * Seals the run, completes every open tool call with `ok: false` (so executing/completed stay
   * paired) and publishes the terminal event. Never rejects.
   */
  async finish(terminal: TerminalEvent): Promise<void> {
    this.sealed = true;
    this.finished = true;
    const reason =
      terminal.type === 'agent_error'
        ? `the run ended (${terminal.payload.code}) before the tool call completed`
        : 'the run ended before the tool call completed';
    for (const [callId, call] of this.openToolCalls) {
      void this.publish('tool_completed', {
        tool: call.tool,
        callId,
        ok: false,
        error: reason,
        durationMs: Date.now() - call.startedAt,
      });
    }
    this.openToolCalls.clear();
    await this.publish(terminal.type, terminal.payload);
  }
}
