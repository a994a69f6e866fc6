import {
  isDeferredValue,
  type DeferredValue,
  type JsonValue,
  type TruncatedPayload,
} from '@agent-gateway/events';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_STRING_CHARS } from '../config/serialization-options';
import { isAnyArrayBuffer, isMap, isSet } from './builtin-kinds';
import { hasToJSON, plainJsonSize } from './plain-json-size';
import { RecordKeys } from './record-keys';
import {
  COUNTED_CHARS_AT_ONCE,
  LEAST_MAP_ENTRY_BYTES,
  LEAST_SET_ENTRY_BYTES,
  OMIT,
  ORDINARY,
  plainShapeOf,
  safePrimitive,
  type EntryCounter,
} from './plain-shape';
import {
  CIRCULAR_MARKER,
  DEPTH_MARKER,
  isTruncationMarker,
  truncatedPayload,
} from './safe-json-markers';

export interface SafeJsonOptions {
  /** Containers nested deeper than this become `DEPTH_MARKER`. Default 64. */
  maxDepth?: number;
  /** Strings longer than this become `{ truncated: true, reason: 'too_large', originalBytes }`. */
  maxStringChars?: number;
  /**
   * Builds a `DeferredValue` into the value it stands for. Only the workers pass one; without
   * it a `DeferredValue` stays the plain data it is, for a worker to build later.
   */
  resolveDeferred?: (value: DeferredValue) => unknown;
  /**
   * Which objects are deferred values. Default `isDeferredValue`: only what `deferredValue` made.
   * A worker passes its task's list, since the brand does not survive the structured clone.
   */
  isDeferred?: (value: object) => value is DeferredValue;
}

/** A conversion that stopped early because its byte budget ran out. */
export interface OverBudget {
  readonly overBudget: true;
  /** The large records it listed, for the next walk of the same payload to use. */
  readonly recordKeys?: RecordKeys;
}

export interface BudgetedJson {
  readonly overBudget: false;
  readonly value: JsonValue;
  /** Size of the JSON text, estimated while walking (exact for ASCII without escapes). */
  readonly bytes: number;
  /**
   * The records in `value` that stand for the `DeferredValue`s only a worker can build, for the
   * worker's task to name (`SerializeTask.deferred`): in `value` they are data like any other.
   */
  readonly deferred: readonly JsonValue[];
  /**
   * True when the value itself is one JSON omits as a property (its `toJSON` returned
   * `undefined`, a function or a symbol); `value` is then `null`, what JSON writes in an array.
   */
  readonly omitted: boolean;
}

/** Where a value sits inside a larger one that is being converted piece by piece. */
export interface Position {
  readonly ancestors: readonly object[];
  readonly depth: number;
}

const OVER_BUDGET: OverBudget = { overBudget: true };
/**
 * Bounds the plain check of a built value: past it, the value is converted the usual way. About
 * the longest string V8 can make, so no JSON that can exist is refused the check; a value
 * shared many times over (a DAG) cannot make the walk run away.
 */
const MAX_PLAIN_CHECK_BYTES = 512 * 1024 * 1024;
// Numbers are not stringified just to count them; 8 is a fair average for ids, counts and times.
const NUMBER_BYTES = 8;
const UNSERIALIZABLE_MARKER_BYTES = JSON.stringify(truncatedPayload('unserializable')).length;

/**
 * Turns any value into JSON-safe data without throwing: cycles become `CIRCULAR_MARKER`, BigInt
 * a string, Map an object, Set an array, Date ISO text, Error `{ name, message }`, Buffer and
 * typed arrays base64, `toJSON` is honoured, functions, symbols and `undefined` are dropped
 * (`null` in arrays, as JSON.stringify does), NaN and Infinity become `null`. Always a copy of
 * the caller's data; what a `resolveDeferred` builds is new, and used as it is when plain.
 */
export function toSafeJson(value: unknown, options: SafeJsonOptions = {}): JsonValue {
  return new SafeJsonConverter(options, Infinity).run(value);
}

/**
 * `toSafeJson` that gives up once the JSON grows past `budgetBytes`, so that trying the inline
 * path on a huge payload costs at most the budget (and the listing of its records' keys, once
 * per encode when the walks of an encode share `recordKeys`).
 */
export function toSafeJsonWithin(
  value: unknown,
  budgetBytes: number,
  options: SafeJsonOptions = {},
  within?: Position,
  recordKeys = new RecordKeys(budgetBytes),
): BudgetedJson | OverBudget {
  const converter = new SafeJsonConverter(options, budgetBytes, within, recordKeys);
  try {
    const json = converter.convertRoot(value);
    return {
      overBudget: false,
      value: json === OMIT ? null : json,
      bytes: converter.bytes,
      deferred: converter.deferred,
      omitted: json === OMIT,
    };
  } catch (error: unknown) {
    if (error !== OVER_BUDGET) throw error;
    return recordKeys.isEmpty ? OVER_BUDGET : { overBudget: true, recordKeys };
  }
}

/**
 * The least JSON a collection or binary value converts to, known without converting it: a Map
 * entry is at least `"":0,`, a Set entry `0,`, bytes their base64 between quotes (or nothing
 * much, when that text is too long and becomes the marker).
 */
function leastJsonBytes(value: object, maxStringChars: number): number {
  if (isMap(value)) return value.size * LEAST_MAP_ENTRY_BYTES;
  if (isSet(value)) return value.size * LEAST_SET_ENTRY_BYTES;
  if (ArrayBuffer.isView(value) || isAnyArrayBuffer(value)) {
    const chars = Math.ceil(value.byteLength / 3) * 4;
    return chars > maxStringChars ? 0 : chars + 2;
  }
  return 0;
}

function estimateBytes(json: JsonValue | typeof OMIT): number {
  switch (typeof json) {
    case 'string':
      return json.length + 2;
    case 'number':
      return NUMBER_BYTES;
    case 'boolean':
      return 5;
    default:
      // null, or the truncation marker that replaced an over-long string.
      return json === null ? 4 : 64;
  }
}

class SafeJsonConverter {
  bytes = 0;
  readonly deferred: JsonValue[] = [];
  private readonly maxDepth: number;
  private readonly maxStringChars: number;
  private readonly resolveDeferred: SafeJsonOptions['resolveDeferred'];
  private readonly isDeferred: NonNullable<SafeJsonOptions['isDeferred']>;
  // An array, not a Set: payloads are shallow, and indexOf over a few entries beats hashing.
  private readonly ancestors: object[];
  private readonly startDepth: number;
  /** The least JSON of the Map or Set being copied, as far as the copy went. */
  private collectionBytes = 0;
  /**
   * Stops the copy of a Map or Set at the budget, entry by entry: a Map's keys can each cost as
   * much to name as a piece to convert (`mapKeyName`), and 3 000 of them held the event loop
   * 190 ms within the 16 KiB the entries' least size allowed. Unbudgeted, there is nothing to stop.
   */
  private readonly countCollectionEntry: EntryCounter | undefined;

  constructor(
    options: SafeJsonOptions,
    private readonly budgetBytes: number,
    within?: Position,
    private readonly recordKeys = new RecordKeys(budgetBytes),
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxStringChars = options.maxStringChars ?? DEFAULT_MAX_STRING_CHARS;
    this.resolveDeferred = options.resolveDeferred;
    this.isDeferred = options.isDeferred ?? isDeferredValue;
    this.ancestors = within === undefined ? [] : [...within.ancestors];
    this.startDepth = within?.depth ?? 0;
    this.countCollectionEntry =
      budgetBytes === Infinity
        ? undefined
        : (leastBytes) => this.countAtLeast((this.collectionBytes += leastBytes));
  }

  run(value: unknown): JsonValue {
    const json = this.convertRoot(value);
    return json === OMIT ? null : json;
  }

  convertRoot(value: unknown): JsonValue | typeof OMIT {
    return this.convert(value, this.startDepth);
  }

  /** `honourToJSON` false for what a `toJSON` returned (`plainShapeOf` says why). */
  private convert(value: unknown, depth: number, honourToJSON = true): JsonValue | typeof OMIT {
    if (typeof value === 'object' && value !== null) {
      return this.object(value, depth, honourToJSON);
    }
    // Counting its bytes for the marker would take too long in one go (`COUNTED_CHARS_AT_ONCE`).
    if (
      typeof value === 'string' &&
      value.length > COUNTED_CHARS_AT_ONCE &&
      value.length > this.maxStringChars &&
      this.budgetBytes !== Infinity
    ) {
      throw OVER_BUDGET;
    }
    const json = safePrimitive(value, this.maxStringChars);
    this.count(estimateBytes(json));
    return json;
  }

  private marker(text: string): string {
    this.count(text.length + 2);
    return text;
  }

  private object(value: object, depth: number, honourToJSON: boolean): JsonValue | typeof OMIT {
    if (this.ancestors.includes(value)) return this.marker(CIRCULAR_MARKER);
    if (depth >= this.maxDepth) return this.atDepthLimit(value);
    this.ancestors.push(value);
    try {
      return this.container(value, depth, honourToJSON);
    } catch (error: unknown) {
      if (error === OVER_BUDGET) throw error;
      // A throwing toJSON or recipe spoils only its own value, not the whole payload.
      return this.unserializable();
    } finally {
      this.ancestors.pop();
    }
  }

  /**
   * A container past the limit is the depth marker; a truncation marker stays itself. A value
   * converted once is converted again by a worker (a deferred value's skeleton, a sliced piece):
   * the marker an unreadable property or an over-long string left at the limit itself, as an
   * object one level deeper than its container, would turn into "[MaxDepth]" there alone.
   */
  private atDepthLimit(value: object): JsonValue {
    let marker: TruncatedPayload | undefined;
    try {
      marker = isTruncationMarker(value) ? value : undefined;
    } catch {
      // A Proxy whose traps throw is no marker, and spoils nothing around it.
    }
    if (marker === undefined) return this.marker(DEPTH_MARKER);
    const { reason, originalBytes } = marker;
    const copy = truncatedPayload(reason, originalBytes);
    this.count(JSON.stringify(copy).length);
    return { ...copy };
  }

  private container(value: object, depth: number, honourToJSON: boolean): JsonValue | typeof OMIT {
    if (this.isDeferred(value)) {
      if (this.resolveDeferred !== undefined) return this.built(this.resolveDeferred(value), depth);
      const skeleton = this.record(value as unknown as Record<string, unknown>, depth);
      this.deferred.push(skeleton);
      return skeleton;
    }
    // Before the copy, which costs as much as the collection is large: a Map of millions of
    // entries found over a small budget only once copied would hold the event loop for seconds.
    if (this.budgetBytes !== Infinity) {
      this.countAtLeast(leastJsonBytes(value, this.maxStringChars));
      this.collectionBytes = 0;
    }
    // The copy is counted as it goes (`countCollectionEntry`), and converted as any record after.
    const shape = plainShapeOf(value, this.maxStringChars, honourToJSON, this.countCollectionEntry);
    // A toJSON that returns its own object: that object's keys, as JSON.stringify writes them.
    if (shape !== ORDINARY && shape !== value) {
      return this.convert(shape, depth, !hasToJSON(value));
    }
    if (Array.isArray(value)) return this.array(value, depth);
    return this.record(value as Record<string, unknown>, depth);
  }

  /**
   * What a recipe built is most often plain JSON already (an agent's state is data): checked
   * without a copy, it is used as it is. For a 20 MB state that spares the worker a second
   * 20 MB object graph, and the garbage collections that come with it.
   */
  private built(value: unknown, depth: number): JsonValue | typeof OMIT {
    if (typeof value === 'object' && value !== null) {
      const plainBytes = plainJsonSize(value, {
        budgetBytes: Math.min(this.budgetBytes - this.bytes, MAX_PLAIN_CHECK_BYTES),
        maxDepth: this.maxDepth - depth,
        maxStringChars: this.maxStringChars,
      });
      if (plainBytes >= 0) {
        this.count(plainBytes);
        return value as JsonValue;
      }
    }
    return this.convert(value, depth);
  }

  private array(value: readonly unknown[], depth: number): JsonValue[] {
    const out: JsonValue[] = new Array<JsonValue>(value.length);
    this.count(2 + value.length);
    for (let index = 0; index < value.length; index++) {
      const item = this.entry(value, index, depth + 1);
      out[index] = item === OMIT ? null : item;
    }
    return out;
  }

  private record(value: Record<string, unknown>, depth: number): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    this.count(2);
    for (const key of this.recordKeys.of(value)) {
      const item = this.entry(value, key, depth + 1);
      if (item === OMIT) continue;
      this.count(key.length + 4);
      // Assigning "__proto__" would set the prototype instead of adding the key.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = item;
      }
    }
    return out;
  }

  /** A record's property or an array's element, read and converted. */
  private entry(container: object, key: string | number, depth: number): JsonValue | typeof OMIT {
    let raw: unknown;
    try {
      raw = (container as Readonly<Record<string | number, unknown>>)[key];
    } catch {
      // A throwing getter (or a Proxy's trap) spoils only its own entry, not the whole payload.
      return this.unserializable();
    }
    return this.convert(raw, depth);
  }

  /** The marker for a value that could not be read, counted as the bytes it takes. */
  private unserializable(): JsonValue {
    this.count(UNSERIALIZABLE_MARKER_BYTES);
    return { ...truncatedPayload('unserializable') };
  }

  /** Fails the budget when `bytes` would, counting nothing: the value is counted when converted. */
  private countAtLeast(bytes: number): void {
    if (this.bytes + bytes > this.budgetBytes) throw OVER_BUDGET;
  }

  private count(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.budgetBytes) throw OVER_BUDGET;
  }
}
