import type { AgentErrorCode, AgentOutput } from '@agent-gateway/events';

/**
 * The engine publishes to the sink of `@agent-gateway/events`, one definition for engine and
 * realtime: strictly in order within a run, awaiting each publish (so seq order = emission
 * order); a rejected publish is logged and does not break the lifecycle promise.
 */
export type { AgentEventDraft, AgentEventSink } from '@agent-gateway/events';

export interface ConversationMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface RunRequest {
  runId: string;
  threadId: string;
  userId: string;
  agent: string;
  input: string;
  history: readonly ConversationMessage[];
  options?: Record<string, unknown>;
}

export type RunOutcome =
  | { status: 'completed'; output: AgentOutput; durationMs: number }
  | { status: 'failed'; code: AgentErrorCode; message: string; durationMs: number };

export interface RunStartOptions {
  /**
   * Awaited once the run has ended, before its terminal event is published: what a client must
   * find done when it sees the run end (its answer durable in the transcript). Bounded by the
   * engine at `agentTimeoutMs`; a rejection is logged, and the terminal event goes out either way.
   */
  beforeTerminal?: (outcome: RunOutcome) => Promise<void>;
}

export interface RunHandle {
  runId: string;
  /**
   * Never rejects; resolves with the outcome as the run ends, before its terminal event is
   * published (and before `beforeTerminal` is done). What must be done before anyone can learn
   * the run ended (recording its answer) belongs in `RunStartOptions.beforeTerminal`, which the
   * terminal event waits for: a client may act on `agent_completed` before `done` resolves.
   */
  ended: Promise<RunOutcome>;
  /** Never rejects; resolves after the terminal event was published. */
  done: Promise<RunOutcome>;
}
