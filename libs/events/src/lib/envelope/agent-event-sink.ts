import type { AgentEventPayloads, AgentEventType } from './agent-event-payloads';

/** An event as an agent run produces it, before the event log gives it a `seq` and a `ts`. */
export interface AgentEventDraft<T extends AgentEventType = AgentEventType> {
  threadId: string;
  runId: string;
  type: T;
  payload: AgentEventPayloads[T];
}

/**
 * Where a run's events go. The engine knows nothing of sockets; the realtime lib implements this.
 * `publish` resolves once the event is recorded (a durable one in the event log); callers publish
 * one run's events strictly in order, awaiting each.
 */
export interface AgentEventSink {
  publish(event: AgentEventDraft): Promise<void>;
}
