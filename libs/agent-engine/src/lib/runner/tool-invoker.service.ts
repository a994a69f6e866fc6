import { Inject, Injectable, Logger } from '@nestjs/common';
import { backOff } from 'exponential-backoff';
import { z } from 'zod';
import { AGENT_ENGINE_OPTIONS, type ResolvedEngineOptions } from '../config/engine-options';
import type { ToolCallResult, ToolDefinition } from '../contracts/tool-definition';
import { ToolFailure } from '../contracts/tool-failure.error';
import { CircuitBreakers } from '../breakers/circuit-breakers.service';
import { isBreakerOpen, isBreakerTimeout, type ManagedBreaker } from '../breakers/managed-breaker';
import { EngineMetrics, type ToolOutcomeLabel } from '../metrics/engine-metrics.service';
import { ToolRegistry } from '../registry/tool-registry.service';
import { errorMessage, raceAbort } from '../shared/abortable';
import type { RunExecution } from './run-execution';
import { RunStoppedError } from './run-stopped.error';

/** Metric label for calls of tools that do not exist (a model may invent names): keeps labels bounded. */
const UNKNOWN_TOOL_LABEL = '_unknown';

interface Attempted {
  result: ToolCallResult;
  outcome: ToolOutcomeLabel;
}

/**
 * Runs one tool call for a run: `tool_executing`, the call under its breaker and time limit
 * (retried with backoff only when the tool is idempotent), then `tool_completed`.
 */
@Injectable()
export class ToolInvoker {
  private readonly logger = new Logger(ToolInvoker.name);

  constructor(
    @Inject(AGENT_ENGINE_OPTIONS) private readonly options: ResolvedEngineOptions,
    private readonly tools: ToolRegistry,
    private readonly breakers: CircuitBreakers,
    private readonly metrics: EngineMetrics,
  ) {}

  async call(run: RunExecution, name: string, args: unknown): Promise<ToolCallResult> {
    if (run.isSealed()) {
      return { ok: false, error: 'the run has ended; no more tool calls are made' };
    }
    const startedAt = Date.now();
    const callId = run.openToolCall(name);
    await run.publish('tool_executing', { tool: name, callId, args });
    const { result, outcome } = await this.execute(run, name, args);
    const durationMs = Date.now() - startedAt;
    this.metrics.toolCallEnded(
      this.tools.get(name) === undefined ? UNKNOWN_TOOL_LABEL : name,
      outcome,
      durationMs,
    );
    if (outcome !== 'ok') {
      this.logger.warn(`tool ${name} call ${callId} ended ${outcome}`);
    }
    if (run.closeToolCall(callId)) {
      await run.publish(
        'tool_completed',
        result.ok
          ? { tool: name, callId, ok: true, result: result.result, durationMs }
          : { tool: name, callId, ok: false, error: result.error, durationMs },
      );
    }
    return result;
  }

  private async execute(run: RunExecution, name: string, rawArgs: unknown): Promise<Attempted> {
    const tool = this.tools.get(name);
    if (tool === undefined) {
      const available = this.tools.names().join(', ') || 'none';
      return failure('error', `unknown tool "${name}"; available tools: ${available}`);
    }
    const parsed = tool.argsSchema.safeParse(rawArgs);
    if (!parsed.success) {
      return failure(
        'error',
        `invalid arguments for tool ${name}: ${z.prettifyError(parsed.error)}`,
      );
    }
    const breaker = this.breakers.forTool(name);
    const { retry } = this.options;
    try {
      const value = await backOff(() => this.attempt(run, tool, parsed.data, breaker), {
        numOfAttempts: tool.idempotent ? retry.attempts : 1,
        startingDelay: retry.startingDelayMs,
        maxDelay: retry.maxDelayMs,
        timeMultiple: 2,
        jitter: 'full',
        // An open circuit will still be open in a moment, a ToolFailure fails the same way
        // again, and a stopped run wants no answer.
        retry: (error: unknown) =>
          !run.signal.aborted && !isBreakerOpen(error) && !(error instanceof ToolFailure),
      });
      return { result: { ok: true, result: value }, outcome: 'ok' };
    } catch (error) {
      if (isBreakerOpen(error)) {
        return failure(
          'circuit_open',
          `tool ${name} is unavailable (circuit open); retry in ${breaker.retryAfterMs()} ms`,
        );
      }
      if (isBreakerTimeout(error)) {
        return failure(
          'timeout',
          `tool ${name} did not answer within ${this.options.toolTimeoutMs} ms`,
        );
      }
      if (error instanceof RunStoppedError) return failure('cancelled', error.message);
      return failure('error', `tool ${name} failed: ${errorMessage(error)}`);
    }
  }

  /** One attempt, with its own signal: aborted by its own timeout or by the run stopping. */
  private async attempt(
    run: RunExecution,
    tool: ToolDefinition<unknown>,
    args: unknown,
    breaker: ManagedBreaker,
  ): Promise<unknown> {
    // A run stopped meanwhile (while the call was announced, or during a retry's backoff,
    // which no signal shortens) starts no tool: one with side effects would do them for a run
    // that has ended, though the signal it is handed says so.
    if (run.signal.aborted) throw run.signal.reason;
    const controller = new AbortController();
    const forwardStop = (): void => controller.abort(run.signal.reason);
    run.signal.addEventListener('abort', forwardStop, { once: true });
    const { runId, userId } = run.request;
    try {
      return await breaker.fire(() =>
        raceAbort(
          tool.execute(args, { signal: controller.signal, runId, userId }),
          controller.signal,
        ),
      );
    } catch (error) {
      if (isBreakerTimeout(error)) {
        controller.abort(new Error(`tool ${tool.name} timed out`));
      }
      throw error;
    } finally {
      run.signal.removeEventListener('abort', forwardStop);
    }
  }
}

function failure(outcome: ToolOutcomeLabel, error: string): Attempted {
  return { result: { ok: false, error }, outcome };
}
