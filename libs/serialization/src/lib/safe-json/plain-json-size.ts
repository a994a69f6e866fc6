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
    return (value as { constructor?: unknown }).constructor === Object &&
      maxDepth > 0 &&
      !Array.isArray(value) &&
      !hasToJSON(value)
      ? payloadRecordSize(value as Record<string, unknown>, maxDepth, maxStringChars, budgetBytes)
      : containerSize(value, maxDepth, maxStringChars, budgetBytes);
  }
  const size = leafSize(value, maxStringChars);
  return size > budgetBytes ? OVER_BUDGET : size;
}

/**
 * Size of a value that is not a container, or `NOT_PLAIN` for what JSON has no word for. One
 * `typeof x === '...'` test after another, not a `switch (typeof x)`: each test is one bytecode
 * that checks the value's type (TestTypeOf), where a switch first makes the type's name and then
 * compares it, case by case: 73 ns against 66 for the walk of a `tool_completed` payload
 * (docs/BENCHMARKS.md, "2026-12-06 night").
 */
function leafSize(value: unknown, maxStringChars: number): number {
  if (typeof value === 'string')
    return value.length > maxStringChars ? NOT_PLAIN : value.length + 2;
  if (typeof value === 'number') return Number.isFinite(value) ? 8 : NOT_PLAIN;
  if (typeof value === 'boolean') return 5;
  return value === null ? 4 : NOT_PLAIN;
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
  // literal with an own `constructor` key holding anything but Array: slower, still correct.
  const constructor: unknown = (value as { constructor?: unknown }).constructor;
  if (constructor === Array) {
    // A literal can hold Array as its own `constructor`, and would be sized as an array of its
    // `length`, its other keys unseen: `Array.isArray` tells, and it runs for arrays alone.
    return Array.isArray(value) && !hasToJSON(value)
      ? arraySize(value as unknown[], depthLeft, maxStringChars, budgetBytes)
      : NOT_PLAIN;
  }
  // An array whose prototype is Object's: a `for...in` skips its holes, which JSON writes as null.
  if (constructor !== Object || Array.isArray(value) || hasToJSON(value)) return NOT_PLAIN;
  return recordSize(value as Record<string, unknown>, depthLeft, maxStringChars, budgetBytes);
}

/**
 * Whether `value` has a `toJSON` that JSON.stringify would call (and so `plainShapeOf` too). The
 * walk asks every container: one that is not enumerable, an array's own, or one a prototype
 * between the value and Object.prototype holds is never listed by a `for...in`, and whatever it
 * returned would be sent unchecked, past every limit; one that throws would throw where the
 * payload is sent. One property load per container.
 */
export function hasToJSON(value: object): value is { toJSON(key: string): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/*
 * Each loop sizes an entry in place: a container by a call, anything else by `leafSize`, its key
 * added to the total here. Through a helper that took the running total and gave it back, the
 * walk of a `tool_completed` payload took 66 ns instead of 59 (docs/BENCHMARKS.md, "2026-12-06
 * night").
 *
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
    const entry = record[key];
    const size =
      typeof entry === 'object' && entry !== null
        ? containerSize(entry, depthLeft - 1, maxStringChars, budgetBytes - total)
        : leafSize(entry, maxStringChars);
    if (size < 0) return size;
    total += key.length + 4 + size;
    if (total > budgetBytes) return OVER_BUDGET;
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
    const entry = record[key];
    const size =
      typeof entry === 'object' && entry !== null
        ? containerSize(entry, depthLeft - 1, maxStringChars, budgetBytes - total)
        : leafSize(entry, maxStringChars);
    if (size < 0) return size;
    total += key.length + 4 + size;
    if (total > budgetBytes) return OVER_BUDGET;
  }
  return total;
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
    const entry = value[index];
    const size =
      typeof entry === 'object' && entry !== null
        ? containerSize(entry, depthLeft - 1, maxStringChars, budgetBytes - total)
        : leafSize(entry, maxStringChars);
    if (size < 0) return size;
    total += size;
    if (total > budgetBytes) return OVER_BUDGET;
  }
  return total;
}
