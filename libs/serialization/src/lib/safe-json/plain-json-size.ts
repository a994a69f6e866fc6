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

/**
 * How far a size estimate (this one's or `toSafeJsonWithin`'s) can fall short of the UTF-8 JSON:
 * a string or key is estimated at its UTF-16 length, and a control character's JSON (`\u0001`)
 * takes 6 bytes; a number is estimated at 8 bytes, and its text takes at most 24. A result
 * estimated at `n` bytes is at most `6 n` bytes long.
 */
export const MAX_BYTES_PER_ESTIMATED_BYTE = 6;

const DEFERRED_KEY: keyof DeferredValue = '$deferred';

/**
 * The estimated JSON size of `value` when it already is plain JSON that `toSafeJson` would
 * copy unchanged (object literals, arrays, finite numbers, strings up to `maxStringChars`,
 * booleans, null, within `maxDepth`, no `undefined`, functions, symbols or special objects),
 * `NOT_PLAIN` when it is not, or `OVER_BUDGET` when its JSON would exceed `budgetBytes`. It only
 * reads, never copies or allocates: the fast path for the small events that make up most
 * traffic. A cycle is caught by the depth limit or the budget, whichever comes first.
 *
 * It runs once per small event, so it is written for speed (docs/BENCHMARKS.md, "Small
 * events"): a `for...in` over a record is the floor, and everything else is kept off it. Limits
 * travel as numbers, not an object; a level is handed only the budget its parent has left.
 */
export function plainJsonSize(value: unknown, limits: PlainJsonLimits): number {
  const { budgetBytes, maxDepth, maxStringChars } = limits;
  if (typeof value === 'object' && value !== null) {
    return (value as { constructor?: unknown }).constructor === Object && maxDepth > 0
      ? payloadRecordSize(value as Record<string, unknown>, maxDepth, maxStringChars, budgetBytes)
      : containerSize(value, maxDepth, maxStringChars, budgetBytes);
  }
  const size = primitiveSize(value, maxStringChars);
  return size > budgetBytes ? OVER_BUDGET : size;
}

/**
 * Size of one entry of a record or an array, or a negative answer. Strings, the most common
 * entry, are sized without a further call; `budgetBytes` is what the container has left.
 */
function entrySize(
  entry: unknown,
  depthLeft: number,
  maxStringChars: number,
  budgetBytes: number,
): number {
  if (typeof entry === 'string') {
    return entry.length > maxStringChars ? NOT_PLAIN : entry.length + 2;
  }
  if (typeof entry === 'object') {
    return entry === null ? 4 : containerSize(entry, depthLeft - 1, maxStringChars, budgetBytes);
  }
  return primitiveSize(entry, maxStringChars);
}

/** Size of a non-object JSON value, or `NOT_PLAIN` for what JSON has no word for. */
function primitiveSize(value: unknown, maxStringChars: number): number {
  switch (typeof value) {
    case 'string':
      return value.length > maxStringChars ? NOT_PLAIN : value.length + 2;
    case 'number':
      return Number.isFinite(value) ? 8 : NOT_PLAIN;
    case 'boolean':
      return 5;
    default:
      return NOT_PLAIN;
  }
}

/** `depthLeft` counts down, so the limit is one comparison with zero. */
function containerSize(
  value: object,
  depthLeft: number,
  maxStringChars: number,
  budgetBytes: number,
): number {
  if (depthLeft <= 0) return NOT_PLAIN;
  // `constructor`, not Object.getPrototypeOf: V8 reads it as a cached property load, measurably
  // cheaper per event. An object literal inherits Object; a class instance, a Map, a Date, a
  // Buffer, an Error or a null-prototype object does not, and goes to the converter. So does a
  // literal with an own `constructor` key: slower, still correct.
  const constructor: unknown = (value as { constructor?: unknown }).constructor;
  if (constructor === Array) {
    return arraySize(value as unknown[], depthLeft, maxStringChars, budgetBytes);
  }
  if (constructor !== Object) return NOT_PLAIN;
  return recordSize(value as Record<string, unknown>, depthLeft, maxStringChars, budgetBytes);
}

/*
 * Two copies of one loop, on purpose. A `for...in` reads each value by its enumeration cache's
 * field index until it meets a record V8 keeps in dictionary mode or with indexed elements (a
 * lookup built key by key, a record after a `delete`, one keyed by ids: tool results every gateway
 * sees); from then on that loop reads every record's values by a generic lookup, for the rest of
 * the process. The payload's own record, one of the few literals the engine builds, has a loop of
 * its own, which keeps its fast reads while a tool's result slows only the loop over nested
 * records (docs/BENCHMARKS.md, "after slow records"). Sharing one function would share the loop.
 */

function recordSize(
  record: Record<string, unknown>,
  depthLeft: number,
  maxStringChars: number,
  budgetBytes: number,
): number {
  let total = 2;
  for (const key in record) {
    total = withEntry(total, key, record[key], depthLeft, maxStringChars, budgetBytes);
    if (total < 0) return total;
  }
  return total;
}

/** `recordSize` for the payload's own record, an object literal within the depth limit. */
function payloadRecordSize(
  record: Record<string, unknown>,
  depthLeft: number,
  maxStringChars: number,
  budgetBytes: number,
): number {
  let total = 2;
  for (const key in record) {
    total = withEntry(total, key, record[key], depthLeft, maxStringChars, budgetBytes);
    if (total < 0) return total;
  }
  return total;
}

/** A record's running total with one more entry, or a negative answer. */
function withEntry(
  total: number,
  key: string,
  entry: unknown,
  depthLeft: number,
  maxStringChars: number,
  budgetBytes: number,
): number {
  // `toJSON` needs no check of its own: as a function it is refused like any function, and one
  // that is not a function is an ordinary key to JSON.stringify as well.
  if (key === DEFERRED_KEY && typeof entry === 'string') return NOT_PLAIN;
  const size = entrySize(entry, depthLeft, maxStringChars, budgetBytes - total);
  if (size < 0) return size;
  const sum = total + key.length + 4 + size;
  return sum > budgetBytes ? OVER_BUDGET : sum;
}

function arraySize(
  value: readonly unknown[],
  depthLeft: number,
  maxStringChars: number,
  budgetBytes: number,
): number {
  let total = 2 + value.length;
  if (total > budgetBytes) return OVER_BUDGET;
  for (let index = 0; index < value.length; index++) {
    // A hole reads as undefined: refused like undefined itself.
    const size = entrySize(value[index], depthLeft, maxStringChars, budgetBytes - total);
    if (size < 0) return size;
    total += size;
    if (total > budgetBytes) return OVER_BUDGET;
  }
  return total;
}
