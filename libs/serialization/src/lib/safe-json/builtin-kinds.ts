import { types } from 'node:util';

/*
 * Which built-in kind an object is, for every realm. `instanceof Map` is false for a Map made in
 * another realm (a `vm` context, a tool that runs code in one): it would be walked as a record of
 * its own keys, and its entries lost. V8's own type checks (`util.types`) know any realm's, but
 * each is a call into C++; `instanceof` costs next to nothing. So this realm's objects are asked
 * by `instanceof`, and only an object that is not this realm's `Object` pays for the others.
 */

function isForeign(value: object): boolean {
  return !(value instanceof Object);
}

export function isMap(value: object): value is Map<unknown, unknown> {
  return value instanceof Map || (isForeign(value) && types.isMap(value));
}

export function isSet(value: object): value is Set<unknown> {
  return value instanceof Set || (isForeign(value) && types.isSet(value));
}

export function isDate(value: object): value is Date {
  return value instanceof Date || (isForeign(value) && types.isDate(value));
}

/** An Error, or anything whose prototype chain holds Error.prototype, as `instanceof` says. */
export function isError(value: object): value is Error {
  return value instanceof Error || (isForeign(value) && types.isNativeError(value));
}

export function isAnyArrayBuffer(value: object): value is ArrayBuffer | SharedArrayBuffer {
  return (
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer ||
    (isForeign(value) && types.isAnyArrayBuffer(value))
  );
}

/** `new Number(1)`, `new String('x')`, `Object(true)`, `Object(1n)`: unboxed by JSON as well. */
export function isBoxedPrimitive(value: object): boolean {
  if (
    value instanceof Number ||
    value instanceof String ||
    value instanceof Boolean ||
    value instanceof BigInt
  ) {
    return true;
  }
  return (
    isForeign(value) &&
    (types.isNumberObject(value) ||
      types.isStringObject(value) ||
      types.isBooleanObject(value) ||
      types.isBigIntObject(value))
  );
}
