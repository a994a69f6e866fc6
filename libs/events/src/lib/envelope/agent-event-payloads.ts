/** JSON as it travels on the wire. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const AGENT_ERROR_CODES = [
  'timeout',
  'circuit_open',
  'failed',
  'cancelled',
  'overloaded',
  'shutdown',
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** What an agent answered: plain text, or an object (its `text` is what the transcript keeps). */
export type AgentOutput = string | { text: string; [key: string]: unknown };

/** The payload of each event type, exactly as the contract lists them. */
export interface AgentEventPayloads {
  agent_started: { agent: string; input: string };
  agent_thinking: { text: string };
  tool_executing: { tool: string; callId: string; args: unknown };
  tool_completed: {
    tool: string;
    callId: string;
    ok: boolean;
    result?: unknown;
    error?: string;
    durationMs: number;
  };
  agent_completed: { output: AgentOutput; durationMs: number };
  agent_error: { code: AgentErrorCode; message: string; retryAfterMs?: number };
  agent_progress: { delta: string };
}

export type AgentEventType = keyof AgentEventPayloads;

export const AGENT_EVENT_TYPES = [
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_completed',
  'agent_error',
  'agent_progress',
] as const satisfies readonly AgentEventType[];

/** Which types are durable (kept in the log, acknowledged, replayed) is data, not scattered `if`s. */
export const DURABLE_EVENT_TYPES: ReadonlySet<AgentEventType> = new Set<AgentEventType>([
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_completed',
  'agent_error',
]);

export const TERMINAL_EVENT_TYPES: ReadonlySet<AgentEventType> = new Set<AgentEventType>([
  'agent_completed',
  'agent_error',
]);

export function isDurableEventType(type: AgentEventType): boolean {
  return DURABLE_EVENT_TYPES.has(type);
}

export function isTerminalEventType(type: AgentEventType): boolean {
  return TERMINAL_EVENT_TYPES.has(type);
}

export const TRUNCATION_REASONS = ['timeout', 'too_large', 'unserializable', 'overloaded'] as const;
export type TruncationReason = (typeof TRUNCATION_REASONS)[number];

/** What a payload becomes when it cannot be serialized in time or is over `MAX_EVENT_BYTES`. */
export interface TruncatedPayload {
  truncated: true;
  reason: TruncationReason;
  originalBytes?: number;
}

export function isTruncatedPayload(value: unknown): value is TruncatedPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { truncated?: unknown }).truncated === true &&
    typeof (value as { reason?: unknown }).reason === 'string'
  );
}
