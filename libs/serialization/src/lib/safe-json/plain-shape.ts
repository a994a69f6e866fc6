import type { JsonValue } from '@agent-gateway/events';
import { isAnyArrayBuffer, isBoxedPrimitive, isDate, isError, isMap, isSet } from './builtin-kinds';
import { hasToJSON, plainJsonSize } from './plain-json-size';
import { truncatedPayload } from './safe-json-markers';

/** Returned by `safePrimitive` for undefined, functions and symbols: JSON has no word for them. */
export const OMIT = Symbol('omit');

/**
 * An over-long string is replaced by the marker, whose `originalBytes` is the string's UTF-8
 * length: `Buffer.byteLength` reads every character, about 1 ns each (100 Mi characters: 85 ms on
 * Node 20). On the main thread, a string is counted this many characters at a time: the sliced
 * encoder counts a longer one in steps, and a budgeted conversion (the inline path, a piece) leaves
 * a longer one to it (`toSafeJsonWithin` answers over budget).
 */
export const COUNTED_CHARS_AT_ONCE = 256 * 1024;

/**
 * The conversion rules for everything that is not an object: NaN and Infinity become null,
 * BigInt its decimal text, an over-long string the truncation marker.
 */
export function safePrimitive(value: unknown, maxStringChars: number): JsonValue | typeof OMIT {
  switch (typeof value) {
    case 'string':
      return value.length > maxStringChars
        ? { ...truncatedPayload('too_large', Buffer.byteLength(value)) }
        : value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return safePrimitive(value.toString(), maxStringChars);
    case 'object':
      return null;
    default:
      return OMIT;
  }
}

/** Returned by `plainShapeOf` for an object that is walked key by key as it is. */
export const ORDINARY = Symbol('ordinary');

/** The least JSON a Map entry converts to, `"":0,`, and a Set entry, `0,`. */
export const LEAST_MAP_ENTRY_BYTES = 5;
export const LEAST_SET_ENTRY_BYTES = 2;

/** Told the least JSON of each Map or Set entry `plainShapeOf` copies; may throw to stop it. */
export type EntryCounter = (leastBytes: number) => void;

const OBJECT_PROTOTYPE = Object.prototype;

/**
 * The conversion rules for objects JSON.stringify gets wrong, in one place so the inline
 * converter, the workers and the sliced encoder agree. Returns what stands for `value` in JSON
 * (itself converted further by the caller), or `ORDINARY` for a plain object or array.
 * May throw when a `toJSON` throws; callers turn that into the `unserializable` marker.
 * `maxStringChars` applies to the base64 text of binary values before it is made.
 *
 * `honourToJSON` false for what a `toJSON` returned: as with JSON.stringify, a `toJSON` result's
 * own `toJSON` is not called (one that returns `{ ...this }` would recurse without end); the
 * values inside it are converted as usual.
 *
 * `countEntry`, when given, is told the least JSON of each Map or Set entry as the copy takes it
 * (a Map's with its key's name, or what naming the key read: `KeyReading`), and may throw to stop
 * the copy there: a budgeted walk stops a Map whose keys are costly to name at its budget, rather
 * than after naming every one.
 */
export function plainShapeOf(
  value: object,
  maxStringChars: number,
  honourToJSON = true,
  countEntry?: EntryCounter,
): unknown {
  // As JSON.stringify: an array's own toJSON is called too.
  if (Array.isArray(value)) return honourToJSON && hasToJSON(value) ? value.toJSON('') : ORDINARY;
  const prototype: unknown = Object.getPrototypeOf(value);
  // Object literals are by far the most common case: one prototype check, no instanceof chain.
  if (prototype === OBJECT_PROTOTYPE || prototype === null) {
    return honourToJSON && hasToJSON(value) ? value.toJSON('') : ORDINARY;
  }
  // Before `toJSON`: Buffer has one, and it yields an array of numbers, not base64.
  if (ArrayBuffer.isView(value)) {
    return base64Within(
      Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      maxStringChars,
    );
  }
  if (isAnyArrayBuffer(value)) return base64Within(Buffer.from(value), maxStringChars);
  if (isDate(value)) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  // Name and message only: a stack tells a client about our code, not about its request.
  if (isError(value)) return { name: String(value.name), message: String(value.message) };
  if (isMap(value)) return mapAsRecord(value, countEntry);
  if (isSet(value)) {
    if (countEntry === undefined) return Array.from(value);
    return Array.from(value, (item: unknown) => {
      countEntry(LEAST_SET_ENTRY_BYTES);
      return item;
    });
  }
  if (isBoxedPrimitive(value)) return (value as { valueOf(): unknown }).valueOf();
  return honourToJSON && hasToJSON(value) ? value.toJSON('') : ORDINARY;
}

/**
 * The object that stands for a Map: each entry under its key's name (`mapKeyName`), a later entry
 * of the same name in the first one's place, as an assignment keeps it. Null-prototype, so that a
 * key named "__proto__" is a key like any other.
 */
function mapAsRecord(
  map: ReadonlyMap<unknown, unknown>,
  countEntry: EntryCounter | undefined,
): Record<string, unknown> {
  const object: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const reading: KeyReading = { checkedBytes: 0 };
  for (const [key, entry] of map) {
    reading.checkedBytes = 0;
    const name = mapKeyName(key, reading);
    countEntry?.(LEAST_MAP_ENTRY_BYTES + Math.max(name?.length ?? 0, reading.checkedBytes));
    if (name !== undefined) object[name] = entry;
  }
  return object;
}

/** How large a plain key object may be to be named by its JSON text. */
const KEY_JSON_LIMITS = { budgetBytes: 1024, maxDepth: 8, maxStringChars: 1024 };

/**
 * What `mapKeyName` read of a key beyond the name it gave, in JSON bytes, for a budgeted walk to
 * count: a record or array key that its JSON did not name (too large, or not plain) still took
 * the check, which lists the key's own keys and reads up to its budget. Such keys name shortly
 * and alike ("[object Object]", `[Array(n)]`): counted by their names alone, a Map of 3 000 keys
 * that were records of 1 000 entries took 87 ms to name within a 16 KiB budget.
 */
export interface KeyReading {
  checkedBytes: number;
}

/**
 * The property name a Map's key gets in the object that stands for the Map, or `undefined` for a
 * key that names nothing (its `toString` throws, or it has none): that entry alone is left out.
 * A primitive is named as JavaScript names a property, by `String` (so `1` and `"1"` still name
 * alike). An object is named by what tells it apart: a plain record or array by its JSON text, up
 * to 1 KiB (`String` names every record "[object Object]", and the Map's entries would overwrite
 * one another), a Date by its ISO text as a Date value gets, a function by its name (never its
 * source), a larger array or any binary value by its kind and length (`[Array(100000)]`): `String`
 * would join every element, as long as the value and as slow, in one go on the calling thread.
 * Anything else by `String`, which gives a class's own `toString`.
 */
export function mapKeyName(key: unknown, reading?: KeyReading): string | undefined {
  if (typeof key === 'string') return key;
  if (typeof key === 'function') return `[Function ${key.name}]`;
  try {
    if (typeof key !== 'object' || key === null) return String(key);
    if (isDate(key)) return Number.isNaN(key.getTime()) ? 'null' : key.toISOString();
    if (plainJsonSize(key, KEY_JSON_LIMITS) >= 0) return JSON.stringify(key);
    if (reading !== undefined && isWalkedByKeyCheck(key)) {
      reading.checkedBytes = KEY_JSON_LIMITS.budgetBytes;
    }
    if (Array.isArray(key)) return `[Array(${key.length})]`;
    if (ArrayBuffer.isView(key) || isAnyArrayBuffer(key)) {
      return `[${Object.prototype.toString.call(key).slice(8, -1)}(${key.byteLength})]`;
    }
    return String(key);
  } catch {
    return undefined;
  }
}

/**
 * Whether the key check walked `key` (what inherits Object or Array, as `plainJsonSize` tells
 * records and arrays) rather than refusing it at once. Its own `try`: a read that throws here
 * must not change the key's name.
 */
function isWalkedByKeyCheck(key: object): boolean {
  try {
    const { constructor } = key as { constructor?: unknown };
    return constructor === Object || constructor === Array;
  } catch {
    return true;
  }
}

/**
 * The base64 text of `bytes`, or the marker an over-long string gets (as `safePrimitive` would
 * make of that text). The text's length is known before it is made, so bytes that would only be
 * replaced by the marker are never encoded: 20 MB take 10 to 25 ms in one go on the calling
 * thread, and over about 400 MB the text would exceed V8's longest string and throw.
 */
function base64Within(bytes: Buffer, maxStringChars: number): JsonValue {
  const chars = Math.ceil(bytes.byteLength / 3) * 4;
  return chars > maxStringChars
    ? { ...truncatedPayload('too_large', chars) }
    : bytes.toString('base64');
}
