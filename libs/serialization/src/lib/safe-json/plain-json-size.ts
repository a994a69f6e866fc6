import type { DeferredValue } from '@agent-gateway/events';

export interface PlainJsonLimits {
  readonly budgetBytes: number;
  readonly maxDepth: number;
  readonly maxStringChars: number;
}

/** `plainJsonSize` answers: the value needs converting (or is nested too deep). */
export const NOT_PLAIN = -1;
/** `plainJsonSize` answers: plain as far as it looked, but larger than the budget. */
export const OVER_BUDGET = -2;

const OBJECT_PROTOTYPE = Object.prototype;
const DEFERRED_KEY: keyof DeferredValue = '$deferred';

/**
 * The estimated JSON size of `value` when it already is plain JSON that `toSafeJson` would
 * copy unchanged (object literals, arrays, finite numbers, strings up to `maxStringChars`,
 * booleans, null, within `maxDepth`, no `undefined`, functions, symbols or special objects),
 * `NOT_PLAIN` when it is not, or `OVER_BUDGET` when its JSON would exceed `budgetBytes`. It only reads, never copies or
 * allocates: the fast path for the small events that make up most traffic. A cycle is caught
 * by the depth limit or the budget, whichever comes first.
 */
export function plainJsonSize(value: unknown, limits: PlainJsonLimits): number {
  return sizeOf(value, 0, limits);
}

function sizeOf(value: unknown, depth: number, limits: PlainJsonLimits): number {
  switch (typeof value) {
    case 'string':
      return value.length > limits.maxStringChars ? NOT_PLAIN : value.length + 2;
    case 'number':
      return Number.isFinite(value) ? 8 : NOT_PLAIN;
    case 'boolean':
      return 5;
    case 'object':
      if (value === null) return 4;
      if (depth >= limits.maxDepth) return NOT_PLAIN;
      return Array.isArray(value)
        ? arraySize(value, depth, limits)
        : recordSize(value, depth, limits);
    default:
      return NOT_PLAIN;
  }
}

function arraySize(value: readonly unknown[], depth: number, limits: PlainJsonLimits): number {
  let total = 2 + value.length;
  for (let index = 0; index < value.length; index++) {
    const size = sizeOf(value[index], depth + 1, limits);
    if (size < 0) return size;
    total += size;
    if (total > limits.budgetBytes) return OVER_BUDGET;
  }
  return total;
}

function recordSize(value: object, depth: number, limits: PlainJsonLimits): number {
  if (Object.getPrototypeOf(value) !== OBJECT_PROTOTYPE) return NOT_PLAIN;
  let total = 2;
  for (const key in value) {
    // Own keys suffice: an object literal inherits neither toJSON nor $deferred.
    if (key === 'toJSON' || key === DEFERRED_KEY) return NOT_PLAIN;
    const size = sizeOf((value as Record<string, unknown>)[key], depth + 1, limits);
    if (size < 0) return size;
    total += key.length + 4 + size;
    if (total > limits.budgetBytes) return OVER_BUDGET;
  }
  return total;
}
