import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { RequestError } from '@agent-gateway/events';
import { z } from 'zod';
import { isBreakerOpen, isBreakerTimeout } from '../breakers/managed-breaker';
import { CircuitBreakers } from '../breakers/circuit-breakers.service';
import { AGENT_ENGINE_OPTIONS, type ResolvedEngineOptions } from '../config/engine-options';
import type { AgentDefinition } from '../contracts/agent-definition';
import type {
  AgentEventSink,
  RunHandle,
  RunOutcome,
  RunRequest,
  RunStartOptions,
} from '../contracts/run.types';
import { OverloadedError } from '../limits/overloaded.error';
import { RunLimiter, type ReleaseSlot } from '../limits/run-limiter.service';
import { EngineMetrics } from '../metrics/engine-metrics.service';
import { AgentRegistry } from '../registry/agent-registry.service';
import { ToolRegistry } from '../registry/tool-registry.service';
import { errorMessage, raceAbort } from '../shared/abortable';
import { createRunContext } from './run-context';
import {
  circuitOpen,
  failed,
  isAgentOutput,
  shutdownError,
  stopped,
  terminalEvent,
  type Ending,
} from './run-ending';
import { RunExecution } from './run-execution';
import { RunStoppedError } from './run-stopped.error';
import { ToolInvoker } from './tool-invoker.service';

interface ActiveRun {
  execution: RunExecution;
  done: Promise<RunOutcome>;
}

export interface ParallelRunsOptions {
  /** Overall limit: runs still going when it passes are stopped with `agent_error` `timeout`. */
  timeoutMs: number;
}

/**
 * Runs agents under limits and keeps the lifecycle promise: every run publishes exactly one
 * `agent_started` first and exactly one `agent_completed` or `agent_error` last, whatever the
 * agent does.
 */
@Injectable()
export class AgentEngine implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AgentEngine.name);
  private readonly runs = new Map<string, ActiveRun>();
  private accepting = true;
  /** Set when shutdown begins: until then, a send refused for shutdown is told to wait. */
  private retryAfterShutdownAt = 0;
  private drained: Promise<void> | undefined;

  constructor(
    @Inject(AGENT_ENGINE_OPTIONS) private readonly options: ResolvedEngineOptions,
    private readonly agents: AgentRegistry,
    private readonly tools: ToolRegistry,
    private readonly breakers: CircuitBreakers,
    private readonly limiter: RunLimiter,
    private readonly toolInvoker: ToolInvoker,
    private readonly metrics: EngineMetrics,
  ) {}

  hasAgent(name: string): boolean {
    return this.agents.get(name) !== undefined;
  }

  agentNames(): string[] {
    return this.agents.names();
  }

  /**
   * Validates synchronously, before anything is emitted: once shutdown has begun it throws
   * `RequestError('unavailable')` with `retryAfterMs` (see `assertAccepting`); an unknown agent
   * `RequestError('not_found')`, bad options or a reused run id `RequestError('invalid_request')`.
   * Otherwise starts the run (possibly queued) and returns at once.
   */
  start(request: RunRequest, sink: AgentEventSink, startOptions: RunStartOptions = {}): RunHandle {
    this.assertAccepting();
    const { agent, options } = this.validate(request);
    const execution = new RunExecution(request, sink, this.logger);
    let announceEnding!: (outcome: RunOutcome) => void;
    const ended = new Promise<RunOutcome>((resolve) => (announceEnding = resolve));
    // execute() reaches its first await before it could delete the entry set here.
    const done = this.execute(agent, options, execution, (outcome) => {
      announceEnding(outcome);
      return this.beforeTerminal(startOptions.beforeTerminal, outcome, request.runId);
    });
    this.runs.set(request.runId, { execution, done });
    return { runId: request.runId, ended, done };
  }

  /**
   * Throws `RequestError('unavailable')` once shutdown has begun, so a caller can refuse a request
   * before it writes anything for a run that would not start. `retryAfterMs` counts down to when
   * the stopping process told its clients to reconnect (`shutdown`'s `retryAfterMs`).
   */
  assertAccepting(): void {
    if (this.accepting) return;
    throw new RequestError(
      'unavailable',
      'this gateway is shutting down and starts no new runs; send again, with the same clientMessageId, once reconnected',
      Math.max(1, this.retryAfterShutdownAt - Date.now()),
    );
  }

  /** Aborts a run, which ends with `agent_error` `cancelled`. False if there is no such run of this user. */
  cancel(runId: string, userId: string): boolean {
    const active = this.runs.get(runId);
    if (active === undefined || active.execution.request.userId !== userId) return false;
    active.execution.stop(new RunStoppedError('cancelled', 'the run was cancelled'));
    return true;
  }

  /**
   * Starts several runs in parallel under one overall time limit and resolves with their
   * outcomes in request order. All requests are validated before any starts.
   */
  async runParallel(
    requests: readonly RunRequest[],
    sink: AgentEventSink,
    { timeoutMs }: ParallelRunsOptions,
  ): Promise<RunOutcome[]> {
    for (const request of requests) this.validate(request);
    if (new Set(requests.map((request) => request.runId)).size !== requests.length) {
      throw new RequestError('invalid_request', 'parallel runs need distinct run ids');
    }
    const handles = requests.map((request) => this.start(request, sink));
    const timer = setTimeout(() => {
      for (const handle of handles) {
        this.runs
          .get(handle.runId)
          ?.execution.stop(
            new RunStoppedError('timeout', `the runs did not all finish within ${timeoutMs} ms`),
          );
      }
    }, timeoutMs);
    try {
      return await Promise.all(handles.map((handle) => handle.done));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs started and not yet ended, queued ones included. */
  activeRunCount(): number {
    return this.runs.size;
  }

  /** For health: `agent:<name>` / `tool:<name>` of the circuits that are open or half-open. */
  openCircuits(): string[] {
    return this.breakers.openCircuits();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /**
   * Stops accepting runs (`start` refuses new ones with `unavailable`), gives the runs in flight
   * `shutdownGraceMs` to finish, then aborts the rest with `agent_error` `shutdown`. Idempotent;
   * the gateway may call it before its own connections close. `retryAfterMs` (default
   * `shutdownGraceMs`): from now, how long a refused caller is told to wait, as the gateway
   * announced it to its clients.
   */
  shutdown(options: { retryAfterMs?: number } = {}): Promise<void> {
    if (this.drained === undefined) {
      this.retryAfterShutdownAt =
        Date.now() + (options.retryAfterMs ?? this.options.shutdownGraceMs);
      this.drained = this.drain();
    }
    return this.drained;
  }

  /**
   * Checks an agent's name and options as `start` would, starting nothing: `RequestError`
   * `not_found` for an unknown agent, `invalid_request` for options its schema refuses. A caller
   * with work to do before `start` (make a message durable) checks here first, so a request that
   * fails validation changes nothing.
   */
  checkRun(agentName: string, options?: Record<string, unknown>): void {
    this.resolveAgent(agentName, options);
  }

  private validate(request: RunRequest): { agent: AgentDefinition<unknown>; options: unknown } {
    const resolved = this.resolveAgent(request.agent, request.options);
    if (this.runs.has(request.runId)) {
      throw new RequestError(
        'invalid_request',
        `run ${request.runId} is already in progress; start a run with a new id`,
      );
    }
    return resolved;
  }

  private resolveAgent(
    agentName: string,
    options: Record<string, unknown> | undefined,
  ): { agent: AgentDefinition<unknown>; options: unknown } {
    const agent = this.agents.get(agentName);
    if (agent === undefined) {
      throw new RequestError(
        'not_found',
        `unknown agent "${agentName}"; available: ${this.agents.names().join(', ')}`,
      );
    }
    if (agent.optionsSchema === undefined) return { agent, options: options ?? {} };
    const parsed = agent.optionsSchema.safeParse(options ?? {});
    if (!parsed.success) {
      throw new RequestError(
        'invalid_request',
        `invalid options for agent ${agent.name}: ${z.prettifyError(parsed.error)}`,
      );
    }
    return { agent, options: parsed.data };
  }

  /** Never rejects: whatever happens becomes the run's one terminal event. */
  private async execute(
    agent: AgentDefinition<unknown>,
    options: unknown,
    execution: RunExecution,
    announceEnding: (outcome: RunOutcome) => Promise<void>,
  ): Promise<RunOutcome> {
    const { runId } = execution.request;
    this.logger.debug(`run ${runId} of agent ${agent.name} started`);
    this.updateGauges();
    let ending: Ending;
    try {
      await execution.publish('agent_started', {
        agent: agent.name,
        input: execution.request.input,
      });
      ending = await this.runToEnding(agent, options, execution);
    } catch (error) {
      // Only a bug in the engine itself lands here; the run still ends properly.
      this.logger.error(`run ${runId} broke inside the engine: ${errorMessage(error)}`);
      ending = { status: 'failed', code: 'failed', message: 'the run failed inside the engine' };
    }
    const durationMs = Date.now() - execution.startedAt;
    const outcome: RunOutcome =
      ending.status === 'completed'
        ? { status: 'completed', output: ending.output, durationMs }
        : { status: 'failed', code: ending.code, message: ending.message, durationMs };
    // Before the terminal event is queued: whoever awaits `ended` runs first (the reactions are
    // queued in this order), and `beforeTerminal` is done, so what a client expects of a run that
    // ended (its answer on disk) is there when it sees the end.
    await announceEnding(outcome);
    await execution.finish(terminalEvent(ending, durationMs));
    this.runs.delete(runId);
    this.updateGauges();
    const label = ending.status === 'completed' ? 'completed' : ending.code;
    this.metrics.runEnded(agent.name, label, durationMs);
    if (ending.status === 'failed') {
      this.logger.warn(`run ${runId} of agent ${agent.name} ended ${label}: ${ending.message}`);
    } else {
      this.logger.debug(`run ${runId} of agent ${agent.name} completed in ${durationMs} ms`);
    }
    return outcome;
  }

  /** The caller's `beforeTerminal`, within `agentTimeoutMs`: the terminal event goes out anyway. */
  private async beforeTerminal(
    hook: RunStartOptions['beforeTerminal'],
    outcome: RunOutcome,
    runId: string,
  ): Promise<void> {
    if (hook === undefined) return;
    const limitMs = this.options.agentTimeoutMs;
    const limit = new AbortController();
    const timer = setTimeout(
      () => limit.abort(new Error(`it did not finish within ${limitMs} ms`)),
      limitMs,
    );
    try {
      await raceAbort(hook(outcome), limit.signal);
    } catch (error) {
      this.logger.warn(
        `what run ${runId} does before its terminal event failed: ${errorMessage(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private async runToEnding(
    agent: AgentDefinition<unknown>,
    options: unknown,
    execution: RunExecution,
  ): Promise<Ending> {
    // Started before shutdown began, still before its slot: queued runs end at once (see drain).
    if (!this.accepting) return stopped(shutdownError());
    const breaker = this.breakers.forAgent(agent.name);
    if (breaker.isRefusing()) return circuitOpen(agent.name, breaker);
    let release: ReleaseSlot;
    try {
      release = await this.limiter.acquire(execution.request.userId, execution.signal);
    } catch (error) {
      if (error instanceof OverloadedError) {
        return {
          status: 'failed',
          code: 'overloaded',
          message: error.message,
          retryAfterMs: error.retryAfterMs,
        };
      }
      if (error instanceof RunStoppedError) return stopped(error);
      throw error;
    }
    execution.admitted = true;
    this.updateGauges();
    try {
      const context = createRunContext(execution, options, this.tools, this.toolInvoker);
      const output = await raceAbort(
        breaker.fire(() => raceAbort(agent.run(context), execution.signal)),
        execution.signal,
      );
      if (!isAgentOutput(output)) {
        return failed(`agent ${agent.name} returned no answer (expected a string or { text })`);
      }
      return { status: 'completed', output };
    } catch (error) {
      if (isBreakerTimeout(error)) {
        const timeout = new RunStoppedError(
          'timeout',
          `agent ${agent.name} did not finish within ${this.options.agentTimeoutMs} ms`,
        );
        execution.stop(timeout);
        return stopped(timeout);
      }
      if (isBreakerOpen(error)) return circuitOpen(agent.name, breaker);
      if (error instanceof RunStoppedError) return stopped(error);
      return failed(`agent ${agent.name} failed: ${errorMessage(error)}`);
    } finally {
      release();
      this.updateGauges();
    }
  }

  private async drain(): Promise<void> {
    this.accepting = false;
    // A queued run has not started work: no reason to make it wait out the grace.
    for (const { execution } of this.runs.values()) {
      if (!execution.admitted) execution.stop(shutdownError());
    }
    if (this.runs.size === 0) return;
    const { shutdownGraceMs } = this.options;
    this.logger.log(
      `shutting down: waiting up to ${shutdownGraceMs} ms for ${this.runs.size} runs`,
    );
    if (!(await this.allDoneWithin(shutdownGraceMs))) {
      this.logger.warn(`shutting down: aborting ${this.runs.size} runs still in flight`);
      for (const { execution } of this.runs.values()) execution.stop(shutdownError());
      // A sink that never records would otherwise hold the process forever.
      if (!(await this.allDoneWithin(shutdownGraceMs))) {
        this.logger.error(
          `shutting down: ${this.runs.size} runs could not publish their last event in time`,
        );
      }
    }
  }

  private async allDoneWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = Promise.all([...this.runs.values()].map((run) => run.done)).then(() => true);
    try {
      return await Promise.race([done, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private updateGauges(): void {
    this.metrics.setRunCounts(this.limiter.runningCount(), this.limiter.queuedCount());
  }
}
