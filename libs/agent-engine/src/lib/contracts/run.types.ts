import type {
  AgentErrorCode,
  AgentEventPayloads,
  AgentEventType,
  AgentOutput,
} from '@agent-gateway/events';

/** One event of a run, before the gateway gives it a `seq` and a timestamp. */
export interface AgentEventDraft<T extends AgentEventType = AgentEventType> {
  threadId: string;
  runId: string;
  type: T;
  payload: AgentEventPayloads[T];
}

/**
 * The engine knows nothing of sockets: it emits to this. publish() resolves when the event is
 * recorded. The engine calls it strictly in order within a run and awaits each call before the
 * next (so seq order = emission order); a rejected publish is logged and must not break the
 * lifecycle promise.
 */
export interface AgentEventSink {
  publish(event: AgentEventDraft): Promise<void>;
}

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
  /** Never rejects; resolves after the terminal event was published. */
  done: Promise<RunOutcome>;
}
