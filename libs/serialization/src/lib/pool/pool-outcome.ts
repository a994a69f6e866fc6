import type { TruncationReason } from '@agent-gateway/events';

/** How work off the inline path ended: the UTF-8 JSON, or the reason there is none. */
export type PoolOutcome =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'truncated'; reason: TruncationReason; originalBytes?: number };

/**
 * Work is aborted with the truncation reason as `signal.reason`: `timeout` when its time ran out
 * or the caller gave up, `overloaded` when the serializer shuts down.
 */
export type AbortReason = Extract<TruncationReason, 'timeout' | 'overloaded'>;

export function abortedOutcome(signal: AbortSignal): PoolOutcome {
  const reason: AbortReason = signal.reason === 'overloaded' ? 'overloaded' : 'timeout';
  return { kind: 'truncated', reason };
}
