import type { AgentErrorCode } from '@agent-gateway/events';

export type RunStopCode = Extract<AgentErrorCode, 'timeout' | 'cancelled' | 'shutdown'>;

/**
 * The abort reason of a run's signal: why the engine stopped it. Breakers do not count it as
 * the agent's failure (except `timeout`, which the breaker itself detects).
 */
export class RunStoppedError extends Error {
  constructor(
    readonly code: RunStopCode,
    message: string,
  ) {
    super(message);
    this.name = 'RunStoppedError';
  }
}
