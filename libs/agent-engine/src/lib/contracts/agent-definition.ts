import type { AgentEventPayloads, AgentOutput } from '@agent-gateway/events';
import type { z } from 'zod';
import type { ConversationMessage } from './run.types';
import type { ToolCallResult, ToolDescriptor } from './tool-definition';

/**
 * What an agent may emit itself. `agent_started` and the terminal events belong to the engine
 * (it guarantees the lifecycle), tool events to `callTool` (it guarantees the pairing).
 */
export type AgentEmittableType = 'agent_thinking' | 'agent_progress';

export interface AgentRunContext<TOptions = Record<string, unknown>> {
  readonly runId: string;
  readonly threadId: string;
  readonly userId: string;
  readonly input: string;
  /** The conversation before `input`, oldest first. */
  readonly history: readonly ConversationMessage[];
  /** Parsed with the agent's `optionsSchema` when it has one. */
  readonly options: TOptions;
  /**
   * Aborts when the run times out, is cancelled or the gateway shuts down; `signal.reason` is a
   * `RunStoppedError`. Pass it to fetch and timers: after it aborts, emits are dropped.
   */
  readonly signal: AbortSignal;
  /** The registered tools. */
  readonly tools: readonly ToolDescriptor[];
  /**
   * Resolves once the event is recorded; never rejects (a failed publish is logged). The payload
   * is handed over, not copied: do not change it before this resolves (a run's events are
   * recorded one after another, so it may not be yet). What was recorded is what clients are sent
   * and replayed; an ephemeral event is sent from the payload itself, so do not change it at all.
   */
  emit<T extends AgentEmittableType>(type: T, payload: AgentEventPayloads[T]): Promise<void>;
  /**
   * Runs a registered tool under its time limit and breaker, emitting `tool_executing` and
   * `tool_completed`. Never rejects: a failure is `{ ok: false, error }`.
   */
  callTool(name: string, args: unknown): Promise<ToolCallResult>;
}

/**
 * An agent. Implement it on an `@Injectable()` class and register the class with
 * `AgentEngineModule.forFeature({ agents: [...] })`. Return the answer or throw; the engine
 * sends `agent_started`, `agent_completed` and `agent_error`.
 */
export interface AgentDefinition<TOptions = Record<string, unknown>> {
  /** Unique among agents: `[A-Za-z0-9_-]{1,64}`, what `chat:send` names in `agent`. */
  readonly name: string;
  /** Validates `options` when a run is started; a failure refuses the request with `invalid_request`. */
  readonly optionsSchema?: z.ZodType<TOptions>;
  run(context: AgentRunContext<TOptions>): Promise<AgentOutput>;
}
