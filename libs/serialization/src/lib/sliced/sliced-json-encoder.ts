import {
  isDeferredValue,
  type DeferredValue,
  type JsonValue,
  type TruncatedPayload,
} from '@agent-gateway/events';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { abortedOutcome, type PoolOutcome } from '../pool/pool-outcome';
import { hasToJSON, NOT_PLAIN, OVER_BUDGET, plainJsonSize } from '../safe-json/plain-json-size';
import { isMap, isSet } from '../safe-json/builtin-kinds';
import { mapKeyName, OMIT, ORDINARY, plainShapeOf, safePrimitive } from '../safe-json/plain-shape';
import { CIRCULAR_MARKER, DEPTH_MARKER, truncatedPayload } from '../safe-json/safe-json-markers';
import { toSafeJsonWithin, type SafeJsonOptions } from '../safe-json/to-safe-json';
import { RecordKeys } from '../safe-json/record-keys';
import type { ScratchSlabs } from './scratch-slabs';
import { ESCAPED_CHARS_PER_STEP, LongStringSteps } from './long-string-steps';
import { PieceTurns } from './piece-turns';
import { SlabTextWriter } from './slab-text-writer';

export interface SlicedEncodeOptions {
  convert: Required<Pick<SafeJsonOptions, 'maxDepth' | 'maxStringChars'>>;
  maxEventBytes: number;
  /** Longest stretch of work before yielding to the event loop. */
  sliceMs: number;
  /** Subtrees up to this size are converted and stringified natively in one piece. */
  pieceBytes: number;
  /** Aborted with the truncation reason to report. */
  signal: AbortSignal;
  /**
   * Serializes a piece holding `DeferredValue`s in a worker, where they can be built; `depth` is
   * where the piece sits, so that the depth limit counts from the payload's root; `deferred`
   * names the records in it that are `DeferredValue`s (`SerializeTask.deferred`).
   */
  offload: (
    value: JsonValue,
    deferred: readonly JsonValue[],
    depth: number,
  ) => Promise<PoolOutcome>;
  /** How many offloaded pieces of this payload the pool holds at once (its size: `PieceTurns`). */
  maxPiecesInFlight: number;
  /** Where the text is encoded before the result is copied out. */
  slabs: ScratchSlabs;
  /** The result's buffer, of exactly `byteLength` bytes. */
  allocateResult: (byteLength: number) => Buffer;
  /**
   * The large records an earlier walk of this payload listed (the fast path's attempt, whose
   * budget is at most `pieceBytes`).
   */
  recordKeys?: RecordKeys;
}

interface OpenCollection {
  readonly source: Map<unknown, unknown> | Set<unknown>;
  readonly entries: Iterator<unknown>;
  readonly isMap: boolean;
}

interface Frame {
  /** The objects this frame stands for, on the ancestor stack while it is open. */
  readonly sources: readonly object[];
  readonly items: readonly unknown[] | undefined;
  readonly record: Record<string, unknown> | undefined;
  readonly keys: readonly string[];
  /** A Map or Set, walked from its own iterator rather than copied first. */
  readonly collection: OpenCollection | undefined;
  index: number;
  wrote: boolean;
}

// A Map whose toJSON returns another special object, and so on: a few hops are real, more are not.
const MAX_SHAPE_HOPS = 8;
/**
 * Most steps write a small value, and the clock is read once per this many of them. A step that
 * costs more, checking, converting or writing a piece, opening a container or naming an object
 * key, counts its estimated bytes of work instead (`unclockedWork`), and the clock is read once
 * they pass `CLOCK_READ_WORK_BYTES`: a piece of 16 KiB of lone surrogates alone takes about 1 ms,
 * and 8 of them between two reads stretched 2 ms slices to 9 to 15.
 */
const STEPS_PER_CLOCK_READ = 8;
/** About 0.25 ms of the costliest text to escape (lone surrogates, ~60 ns per estimated byte). */
const CLOCK_READ_WORK_BYTES = 4 * 1024;
/** Pending text encoded into the slabs once it reaches this many characters. */
const FLUSH_CHARS = 64 * 1024;

/**
 * Encodes a large value that lives on the main thread, as UTF-8 JSON, in slices of at most
 * about `sliceMs` with the event loop free in between. Same rules as `toSafeJson`: subtrees up
 * to `pieceBytes` go through it and native JSON.stringify; only the levels above them are
 * walked here. The value itself is taken to be over `pieceBytes` (the caller's fast path found
 * it so): it is opened without being checked again. `DeferredValue`s are built and encoded by
 * a worker and spliced in. The text goes
 * into scratch slabs used again from encode to encode, and only the result is allocated
 * (`ScratchSlabs` says why).
 */
export async function encodeInSlices(
  value: unknown,
  options: SlicedEncodeOptions,
): Promise<PoolOutcome> {
  const unreadable = new WeakSet<object>();
  for (;;) {
    try {
      return await new SlicedJsonEncoder(options, unreadable).encode(value);
    } catch (error: unknown) {
      if (!(error instanceof UnreadableCollection)) throw error;
      unreadable.add(error.collection);
    }
    // A slice of its own for the next attempt; the caller's deadline bounds them all.
    await yieldToEventLoop();
    if (options.signal.aborted) return abortedOutcome(options.signal);
  }
}

/**
 * A Map or Set whose iterator threw (or, a Map's, yielded no pair) amid its walk. The other paths
 * put the unserializable marker in its place alone, but the text of its first entries is written
 * already and cannot be taken back: the encode starts again from the top, with the marker in the
 * collection's place (`unreadable`), and gives the other paths' answer to the byte. Each attempt
 * finds at most one more such collection. The pieces an abandoned attempt offloaded are stopped
 * by the caller's deadline, aborted once the answer is given.
 */
class UnreadableCollection extends Error {
  constructor(readonly collection: object) {
    super('a Map or Set could not be read to its end');
  }
}

class SlicedJsonEncoder {
  /** Views of the slabs, and the outcomes of offloaded pieces, in the order they are written. */
  private readonly parts: Array<Buffer | Promise<PoolOutcome>> = [];
  private readonly text: SlabTextWriter;
  private readonly recordKeys: RecordKeys;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly stack: Frame[] = [];
  private readonly ancestors: object[] = [];
  /**
   * The key of the record entry being visited, written only once its value turns out to be
   * written: a value whose `toJSON` returns `undefined`, a function or a symbol takes its key
   * with it, as in JSON.stringify and the other paths.
   */
  private entryKey: { readonly text: string; readonly frame: Frame } | undefined;
  /** A long string being written (or counted) a stretch per step, before the walk goes on. */
  private longString: LongStringSteps | undefined;
  /** The marker that replaced the whole payload (an over-long string, refused args): the answer. */
  private rootMarker: TruncatedPayload | undefined;
  private readonly pieceTurns: PieceTurns<PoolOutcome>;
  /** Estimated bytes of work since the clock was last read (`CLOCK_READ_WORK_BYTES`). */
  private unclockedWork = 0;

  constructor(
    private readonly options: SlicedEncodeOptions,
    /** Collections an earlier attempt could not read to the end: the marker takes their place. */
    private readonly unreadable: WeakSet<object>,
  ) {
    this.text = new SlabTextWriter(options.slabs);
    this.recordKeys = options.recordKeys ?? new RecordKeys(options.pieceBytes);
    this.pieceTurns = new PieceTurns(options.maxPiecesInFlight);
  }

  async encode(value: unknown): Promise<PoolOutcome> {
    try {
      return await this.encodeWhole(value);
    } catch (error: unknown) {
      // Abandoned, to start again (`UnreadableCollection`): its waiting pieces need no worker.
      this.pieceTurns.abandon();
      throw error;
    } finally {
      this.text.release();
    }
  }

  private async encodeWhole(value: unknown): Promise<PoolOutcome> {
    const { signal, sliceMs, maxEventBytes } = this.options;
    let sliceStarted = performance.now();
    if (typeof value === 'object' && value !== null) this.open(value);
    else this.visit(value);
    let steps = 0;
    while (this.stack.length > 0 || this.longString !== undefined) {
      const longString = this.longString;
      if (longString === undefined) this.step();
      else this.stepLongString(longString);
      // A stretch of a long string costs as much as many steps: the clock is read after each.
      if (
        longString === undefined &&
        this.unclockedWork < CLOCK_READ_WORK_BYTES &&
        ++steps % STEPS_PER_CLOCK_READ !== 0
      ) {
        continue;
      }
      this.unclockedWork = 0;
      // Text is encoded as it accumulates, inside the measured slice: encoding a whole slice's
      // text after the clock says stop would stretch the slice past sliceMs.
      if (this.pendingChars >= FLUSH_CHARS) this.flush();
      if (performance.now() - sliceStarted < sliceMs) continue;
      this.flush();
      if (this.text.byteLength > maxEventBytes) return { kind: 'truncated', reason: 'too_large' };
      await yieldToEventLoop();
      if (signal.aborted) return abortedOutcome(signal);
      sliceStarted = performance.now();
    }
    this.flush();
    if (this.rootMarker !== undefined) {
      const { reason, originalBytes } = this.rootMarker;
      return originalBytes === undefined
        ? { kind: 'truncated', reason }
        : { kind: 'truncated', reason, originalBytes };
    }
    return this.assemble();
  }

  /** Writes the next child of the innermost open container, or closes it. */
  private step(): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame.collection !== undefined) return this.stepCollection(frame, frame.collection);
    if (frame.items !== undefined) {
      if (frame.index >= frame.items.length) return this.close(']');
      if (frame.index > 0) this.write(',');
      const item = this.read(frame.items, frame.index++);
      if (isOmitted(item)) this.write('null');
      else this.visit(item);
      return;
    }
    if (frame.index >= frame.keys.length) return this.close('}');
    const key = frame.keys[frame.index++];
    this.unclockedWork += key.length;
    const item = this.read(frame.record as Record<string, unknown>, key);
    if (isOmitted(item)) return;
    this.entryKey = { text: `${frame.wrote ? ',' : ''}${JSON.stringify(key)}:`, frame };
    this.visit(item);
    // Nothing was written for it: the value was omitted, and so is the key.
    this.entryKey = undefined;
  }

  /** Writes `value` whole when it is small, or opens it as a container to walk. */
  private visit(value: unknown): void {
    if (typeof value !== 'object' || value === null) return this.writePrimitive(value);
    // No piece can hold it, and checking it as one would list its keys once more.
    if (this.isRecordTooLargeForAPiece(value)) return this.open(value);
    const depth = this.stack.length;
    // A piece that already is plain JSON is stringified as it is: no copy, half the garbage.
    const plain = this.plainSize(value, depth);
    if (plain >= 0) {
      this.unclockedWork += plain;
      return this.writeValue(JSON.stringify(value));
    }
    // Plain but big: converting would only find it big as well.
    if (plain === OVER_BUDGET) return this.open(value);
    const position = { ancestors: this.ancestors, depth };
    const piece = toSafeJsonWithin(
      value,
      this.options.pieceBytes,
      this.options.convert,
      position,
      this.recordKeys,
    );
    if (!piece.overBudget) {
      this.unclockedWork += piece.bytes;
      if (piece.omitted) return this.omitValue();
      if (piece.deferred.length > 0) return this.offload(piece.value, piece.deferred);
      return this.writeValue(JSON.stringify(piece.value));
    }
    this.open(value);
  }

  /**
   * Whether `value` is an object literal (or has no prototype) of more keys than a piece could
   * hold: its keys are listed now for `open` to use, or were by an earlier walk. Only those: the
   * keys of a typed array are its indices, and a class instance is as rare as large here. A
   * record that might fit is left to the piece checks.
   */
  private isRecordTooLargeForAPiece(value: object): boolean {
    try {
      if (Array.isArray(value)) return false;
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      return this.recordKeys.isOverBudget(this.recordKeys.of(value).length);
    } catch {
      // A Proxy whose traps throw: the checks that follow put the marker in its place.
      return false;
    }
  }

  /** `plainJsonSize`, with a read that throws (a getter, a Proxy) left to the converter. */
  private plainSize(value: object, depth: number): number {
    try {
      return plainJsonSize(value, {
        budgetBytes: this.options.pieceBytes,
        maxDepth: this.options.convert.maxDepth - depth,
        maxStringChars: this.options.convert.maxStringChars,
      });
    } catch {
      return NOT_PLAIN;
    }
  }

  private open(value: object): void {
    // Listing a record's keys, or the piece checks that found it too large: a read's worth.
    this.unclockedWork += CLOCK_READ_WORK_BYTES;
    if (this.ancestors.includes(value)) return this.writeValue(JSON.stringify(CIRCULAR_MARKER));
    if (this.stack.length >= this.options.convert.maxDepth) {
      return this.writeValue(JSON.stringify(DEPTH_MARKER));
    }
    const sources: object[] = [value];
    let current: object = value;
    let frame: Frame;
    try {
      if (isDeferredValue(value)) return this.openDeferred(value);
      // As JSON.stringify: a toJSON result's own toJSON is not called (`plainShapeOf`).
      let honourToJSON = true;
      for (let hops = 0; hops < MAX_SHAPE_HOPS; hops++) {
        if (isMap(current) || isSet(current)) {
          if (this.unreadable.has(current)) {
            return this.writeMarker(truncatedPayload('unserializable'));
          }
          return this.openCollection(current, sources);
        }
        const shape = plainShapeOf(current, this.options.convert.maxStringChars, honourToJSON);
        // A toJSON that returns its own object: that object's keys.
        if (shape === ORDINARY || shape === current) break;
        if (typeof shape !== 'object' || shape === null) return this.writePrimitive(shape);
        // A toJSON may answer with a deferred value: built, as the other paths build it.
        if (isDeferredValue(shape)) return this.openDeferred(shape);
        if (sources.includes(shape) || this.ancestors.includes(shape)) {
          return this.writeValue(JSON.stringify(CIRCULAR_MARKER));
        }
        honourToJSON = !hasToJSON(current);
        sources.push(shape);
        current = shape;
      }
      const items = Array.isArray(current) ? (current as unknown[]) : undefined;
      const record = items === undefined ? (current as Record<string, unknown>) : undefined;
      // Inside the try: a Proxy's ownKeys may throw too.
      const keys = record === undefined ? [] : this.recordKeys.of(record);
      frame = { sources, items, record, keys, collection: undefined, index: 0, wrote: false };
    } catch {
      return this.writeMarker(truncatedPayload('unserializable'));
    }
    this.writeValue(frame.items === undefined ? '{' : '[');
    this.stack.push(frame);
    this.ancestors.push(...sources);
  }

  /**
   * A deferred value is sent to a worker whole, its `args` copied on this thread in one go and
   * cloned again by postMessage: args are a recipe's parameters, and any a piece cannot hold are
   * refused, the marker in the value's place (a million small objects in `args` held the event
   * loop 530 ms, past any time limit). The copy stops at the piece's budget, as every piece's does.
   */
  private openDeferred(value: DeferredValue): void {
    const position = { ancestors: this.ancestors, depth: this.stack.length };
    const piece = toSafeJsonWithin(value, this.options.pieceBytes, this.options.convert, position);
    if (piece.overBudget) return this.writeMarker(truncatedPayload('too_large'));
    this.offload(piece.value, piece.deferred);
  }

  /**
   * Opens a Map or Set to walk from its iterator, an entry a step, however few it holds: copying
   * it into an object or array first (what `plainShapeOf` does) costs as much as it is large, in
   * one go, and naming each Map key can cost as much as a piece (`mapKeyName`): 500 keys that were
   * arrays of lone surrogates took 30 ms. A Map's entries are written as `plainShapeOf` names
   * them; two keys that name alike (1 and "1") are both written, and JSON.parse keeps the last
   * value in the first one's place, as the copy the other paths make holds them.
   */
  private openCollection(
    collection: Map<unknown, unknown> | Set<unknown>,
    sources: object[],
  ): void {
    const isMapCollection = isMap(collection);
    const entries: Iterator<unknown> = collection[Symbol.iterator]();
    const frame: Frame = {
      sources,
      items: undefined,
      record: undefined,
      keys: [],
      collection: { source: collection, entries, isMap: isMapCollection },
      index: 0,
      wrote: false,
    };
    this.writeValue(isMapCollection ? '{' : '[');
    this.stack.push(frame);
    this.ancestors.push(...sources);
  }

  private stepCollection(frame: Frame, collection: OpenCollection): void {
    let done: boolean;
    let key: unknown;
    let item: unknown;
    try {
      const next = collection.entries.next();
      done = next.done === true;
      item = next.value;
      if (!done && collection.isMap) [key, item] = item as [unknown, unknown];
    } catch {
      throw new UnreadableCollection(collection.source);
    }
    if (done) return this.close(collection.isMap ? '}' : ']');
    if (!collection.isMap) {
      if (frame.index++ > 0) this.write(',');
      if (isOmitted(item)) this.write('null');
      else this.visit(item);
      return;
    }
    if (isOmitted(item)) return;
    // An object key is checked up to 1 KiB to be named by its JSON, up to 6 KiB once escaped.
    if (typeof key === 'object' && key !== null) this.unclockedWork += CLOCK_READ_WORK_BYTES;
    const name = mapKeyName(key);
    if (name === undefined) return;
    this.entryKey = { text: `${frame.wrote ? ',' : ''}${JSON.stringify(name)}:`, frame };
    this.visit(item);
    this.entryKey = undefined;
  }

  /** A primitive, or what stands for an object (a `toJSON` result, a Date's text, ...). */
  private writePrimitive(value: unknown): void {
    if (typeof value === 'string') {
      if (value.length > ESCAPED_CHARS_PER_STEP) return this.startLongString(value);
      this.unclockedWork += value.length;
    }
    const json = safePrimitive(value, this.options.convert.maxStringChars);
    if (json === OMIT) return this.omitValue();
    this.writeValue(JSON.stringify(json));
  }

  /** The key now (the string is never omitted), then the string's text from the steps that follow. */
  private startLongString(value: string): void {
    const steps = new LongStringSteps(value, this.options.convert.maxStringChars);
    if (steps.overLong) this.writeEntryKey();
    else this.writeValue('"');
    this.longString = steps;
  }

  private stepLongString(steps: LongStringSteps): void {
    const text = steps.step();
    if (text.length > 0) this.write(text);
    if (!steps.done) return;
    this.longString = undefined;
    if (!steps.overLong) return this.write('"');
    // Its key, if any, is written already.
    this.writeMarker(truncatedPayload('too_large', steps.originalBytes));
  }

  /**
   * A marker in a value's place; in the whole payload's place (nothing open yet), the answer
   * instead, so that it is a truncated result as on the other paths, reported and counted.
   */
  private writeMarker(marker: TruncatedPayload): void {
    if (this.stack.length === 0) this.rootMarker = marker;
    else this.writeValue(JSON.stringify(marker));
  }

  /** Writes a value's text, after its key when it is a record's entry. */
  private writeValue(text: string): void {
    this.writeEntryKey();
    this.write(text);
  }

  private writeEntryKey(): void {
    const entry = this.entryKey;
    if (entry === undefined) return;
    this.write(entry.text);
    entry.frame.wrote = true;
    this.entryKey = undefined;
  }

  /** A value JSON has no word for: a record drops its entry, an array (or the root) says null. */
  private omitValue(): void {
    if (this.entryKey === undefined) this.write('null');
    else this.entryKey = undefined;
  }

  private close(bracket: string): void {
    const frame = this.stack.pop() as Frame;
    this.ancestors.length -= frame.sources.length;
    // Walked: its key list, when one was kept, is not needed again for the rest of the encode.
    if (frame.record !== undefined) this.recordKeys.forget(frame.record);
    this.write(bracket);
  }

  private read(
    container: Record<string, unknown> | readonly unknown[],
    key: string | number,
  ): unknown {
    try {
      return (container as Record<string | number, unknown>)[key];
    } catch {
      return truncatedPayload('unserializable');
    }
  }

  private write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
  }

  private offload(value: JsonValue, deferred: readonly JsonValue[]): void {
    this.writeEntryKey();
    this.flush();
    const depth = this.stack.length;
    this.parts.push(this.pieceTurns.run(() => this.options.offload(value, deferred, depth)));
  }

  private flush(): void {
    if (this.pendingChars === 0) return;
    this.parts.push(...this.text.write(this.pending.join('')));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Waits for offloaded pieces, then copies everything into the result, in slices too. */
  private async assemble(): Promise<PoolOutcome> {
    const { signal, sliceMs, maxEventBytes } = this.options;
    const buffers: Buffer[] = [];
    for (let index = 0; index < this.parts.length; index++) {
      const part = this.parts[index];
      if (Buffer.isBuffer(part)) {
        buffers.push(part);
        continue;
      }
      const outcome = await part;
      if (signal.aborted) return abortedOutcome(signal);
      // A payload that is all one piece: a worker's result is the caller's to keep, no copy;
      // a truncated one is the whole payload's answer, as on the worker path.
      if (this.parts.length === 1) return outcome;
      if (outcome.kind === 'truncated' && outcome.reason === 'too_large') {
        return this.tooLargeFrom(index, outcome.originalBytes, buffers);
      }
      buffers.push(
        outcome.kind === 'bytes'
          ? outcome.bytes
          : Buffer.from(JSON.stringify(truncatedPayload(outcome.reason, outcome.originalBytes))),
      );
    }
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    if (total > maxEventBytes)
      return { kind: 'truncated', reason: 'too_large', originalBytes: total };
    const bytes = this.options.allocateResult(total);
    let offset = 0;
    let sliceStarted = performance.now();
    for (const buffer of buffers) {
      buffer.copy(bytes, offset);
      offset += buffer.length;
      if (performance.now() - sliceStarted >= sliceMs) {
        await yieldToEventLoop();
        if (signal.aborted) return abortedOutcome(signal);
        sliceStarted = performance.now();
      }
    }
    return { kind: 'bytes', bytes };
  }

  /**
   * The contract's limit is on the payload: one piece over it puts the whole over it, as the
   * worker path answers such a payload (a piece's other failures stay in its place). Answered at
   * once: the pieces after it are not waited for, and the caller's deadline stops them. The
   * whole's size is known when the piece's is and all that follows it is text already written.
   */
  private tooLargeFrom(
    index: number,
    pieceBytes: number | undefined,
    before: readonly Buffer[],
  ): PoolOutcome {
    const after = this.parts.slice(index + 1);
    if (pieceBytes === undefined || !after.every((part) => Buffer.isBuffer(part))) {
      return { kind: 'truncated', reason: 'too_large' };
    }
    const written = [...before, ...(after as Buffer[])].reduce((sum, part) => sum + part.length, 0);
    return { kind: 'truncated', reason: 'too_large', originalBytes: pieceBytes + written };
  }
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
