import type { JsonValue } from './agent-event-payloads';

/**
 * A value too large to build on the main thread. An agent puts one inside a payload; the
 * serialization workers build it from `recipe` and `args` where it is serialized, so neither
 * building nor encoding it ever stalls the event loop. Never sent on the wire as such.
 *
 * Only `deferredValue` makes one. Data of the same shape (a tool's result parsed from JSON, a Map
 * with those keys) is data, and is serialized as it is: a `$deferred` key must never make the
 * gateway run a recipe for whoever wrote that text.
 */
export interface DeferredValue {
  readonly $deferred: string;
  readonly args: { readonly [key: string]: JsonValue };
}

/** The objects `deferredValue` made: a brand no JSON, structured clone or spread carries. */
const made = new WeakSet<object>();

/*
 * A class, not an object literal: the serializer's fast path takes an object literal for plain
 * JSON on its `constructor` alone, and so hands an instance to the converter, which asks
 * `isDeferredValue`, without a check of its own on every small event.
 */
class Deferred implements DeferredValue {
  constructor(
    readonly $deferred: string,
    readonly args: DeferredValue['args'],
  ) {}
}

export function deferredValue(recipe: string, args: DeferredValue['args']): DeferredValue {
  const value = Object.freeze(new Deferred(recipe, args));
  made.add(value);
  return value;
}

/** True only for what `deferredValue` made in this thread, never for data of the same shape. */
export function isDeferredValue(value: unknown): value is DeferredValue {
  return typeof value === 'object' && value !== null && made.has(value);
}
