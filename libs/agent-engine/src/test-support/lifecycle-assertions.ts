import { isTerminalEventType } from '@agent-gateway/events';
import type { AgentEventDraft } from '../lib/contracts/run.types';

/**
 * The engine's promise for one run's events: `agent_started` first, exactly one terminal event
 * and it last, and every `tool_executing` completed exactly once, after it. Returns the problems.
 */
export function lifecycleViolations(events: readonly AgentEventDraft[]): string[] {
  const problems: string[] = [];
  if (events[0]?.type !== 'agent_started') problems.push(`first event is ${events[0]?.type}`);
  if (events.filter((event) => event.type === 'agent_started').length !== 1) {
    problems.push('agent_started is not sent exactly once');
  }
  const terminals = events.filter((event) => isTerminalEventType(event.type));
  if (terminals.length !== 1) problems.push(`${terminals.length} terminal events`);
  const last = events.at(-1);
  if (last === undefined || !isTerminalEventType(last.type)) {
    problems.push(`last event is ${last?.type}`);
  }
  const open = new Set<string>();
  for (const event of events) {
    if (event.type === 'tool_executing') {
      open.add((event as AgentEventDraft<'tool_executing'>).payload.callId);
    } else if (event.type === 'tool_completed') {
      const { callId } = (event as AgentEventDraft<'tool_completed'>).payload;
      if (!open.delete(callId)) problems.push(`tool_completed ${callId} without tool_executing`);
    }
  }
  for (const callId of open) problems.push(`tool_executing ${callId} never completed`);
  return problems;
}
