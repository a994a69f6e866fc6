import type { TruncatedPayload, TruncationReason } from '@agent-gateway/events';

/** What a reference back to one of its own ancestors becomes. */
export const CIRCULAR_MARKER = '[Circular]';
/** What a value nested deeper than `maxDepth` becomes. */
export const DEPTH_MARKER = '[MaxDepth]';

export function truncatedPayload(
  reason: TruncationReason,
  originalBytes?: number,
): TruncatedPayload {
  return originalBytes === undefined
    ? { truncated: true, reason }
    : { truncated: true, reason, originalBytes };
}
