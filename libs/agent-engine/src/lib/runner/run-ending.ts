import type { AgentOutput } from '@agent-gateway/events';
import type { ManagedBreaker } from '../breakers/managed-breaker';
import type { RunOutcome } from '../contracts/run.types';
import type { TerminalEvent } from './run-execution';
import { RunStoppedError } from './run-stopped.error';

type Failure = Extract<RunOutcome, { status: 'failed' }>;

/** How a run ended, before its duration is known. */
export type Ending =
  | { status: 'completed'; output: AgentOutput }
  | { status: 'failed'; code: Failure['code']; message: string; retryAfterMs?: number };

export function shutdownError(): RunStoppedError {
  return new RunStoppedError(
    'shutdown',
    'the gateway is shutting down; send the message again after reconnecting',
  );
}

export function stopped(error: RunStoppedError): Ending {
  return { status: 'failed', code: error.code, message: error.message };
}

export function failed(message: string): Ending {
  return { status: 'failed', code: 'failed', message };
}

export function circuitOpen(agentName: string, breaker: ManagedBreaker): Ending {
  const retryAfterMs = breaker.retryAfterMs();
  return {
    status: 'failed',
    code: 'circuit_open',
    message: `agent ${agentName} is failing and temporarily disabled; retry in ${retryAfterMs} ms`,
    retryAfterMs,
  };
}

export function terminalEvent(ending: Ending, durationMs: number): TerminalEvent {
  if (ending.status === 'completed') {
    return { type: 'agent_completed', payload: { output: ending.output, durationMs } };
  }
  return {
    type: 'agent_error',
    payload:
      ending.retryAfterMs === undefined
        ? { code: ending.code, message: ending.message }
        : { code: ending.code, message: ending.message, retryAfterMs: ending.retryAfterMs },
  };
}

export function isAgentOutput(value: unknown): value is AgentOutput {
  return (
    typeof value === 'string' ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { text?: unknown }).text === 'string')
  );
}
