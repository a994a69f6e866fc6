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

export interface RunHandle {
  runId: string;
  /**
   * Never rejects; resolves with the outcome as the run ends, before its terminal event is
   * published. What must follow a run before anyone can learn it ended (recording its answer)
   * starts from here: a client may act on `agent_completed` before `done` resolves.
   */
  ended: Promise<RunOutcome>;
  /** Never rejects; resolves after the terminal event was published. */
  done: Promise<RunOutcome>;
}
