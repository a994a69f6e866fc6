import type { JsonValue } from './agent-event-payloads';

/**
 * A value too large to build on the main thread. An agent puts one inside a payload; the
 * serialization workers build it from `recipe` and `args` where it is serialized, so neither
 * building nor encoding it ever stalls the event loop. Never sent on the wire as such.
 */
export interface DeferredValue {
  readonly $deferred: string;
  readonly args: { readonly [key: string]: JsonValue };
}

export function deferredValue(recipe: string, args: DeferredValue['args']): DeferredValue {
  return { $deferred: recipe, args };
}

export function isDeferredValue(value: unknown): value is DeferredValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $deferred?: unknown }).$deferred === 'string'
  );
}
