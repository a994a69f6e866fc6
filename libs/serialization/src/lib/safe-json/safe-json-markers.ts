import {
  isTruncatedPayload,
  TRUNCATION_REASONS,
  type JsonValue,
  type TruncatedPayload,
  type TruncationReason,
} from '@agent-gateway/events';

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

const MARKER_KEYS: ReadonlySet<string> = new Set(['truncated', 'reason', 'originalBytes']);

/**
 * The marker `truncatedPayload` makes and nothing else: a known reason, and no key but the
 * marker's. Data that happens to have this shape is told apart by nothing, and needs not be: its
 * JSON is the marker's either way.
 */
export function isTruncationMarker(value: unknown): value is JsonValue & TruncatedPayload {
  if (!isTruncatedPayload(value) || !TRUNCATION_REASONS.includes(value.reason)) return false;
  const originalBytes = (value as { originalBytes?: unknown }).originalBytes;
  return (
    (originalBytes === undefined || Number.isFinite(originalBytes)) &&
    Object.keys(value).every((key) => MARKER_KEYS.has(key))
  );
}
