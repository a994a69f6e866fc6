import { deferredValue } from '@agent-gateway/events';
import { NOT_PLAIN, OVER_BUDGET, plainJsonSize } from './plain-json-size';

const size = (value: unknown, budgetBytes = 10_000): number =>
  plainJsonSize(value, { budgetBytes, maxDepth: 8, maxStringChars: 100 });

function arrayWithHole(): number[] {
  const list = [1, 2, 3];
  delete list[1];
  return list;
}

/** `value` with a toJSON that `for...in` does not list: a common way to shape a value's JSON. */
function hiddenToJSON<T extends object>(value: T): T {
  return Object.defineProperty(value, 'toJSON', {
    value: () => 'y'.repeat(1000),
    enumerable: false,
  });
}

describe('plainJsonSize', () => {
  it('sizes plain JSON close to its real length', () => {
    const payload = { text: 'hello', list: [1, true, null, 'x'], nested: { k: 'v' } };
    const bytes = size(payload);
    expect(bytes).toBeGreaterThanOrEqual(JSON.stringify(payload).length);
    expect(bytes).toBeLessThan(JSON.stringify(payload).length * 1.5);
  });

  it.each([
    ['a Date', { at: new Date(0) }],
    ['a Map', { map: new Map() }],
    ['a class instance', { error: new Error('x') }],
    ['a BigInt', { big: 1n }],
    ['NaN', { n: Number.NaN }],
    ['undefined', { u: undefined }],
    ['a function', { f: () => 1 }],
    ['a toJSON', { value: { toJSON: () => 1 } }],
    ['a null-prototype object', { value: Object.create(null) as object }],
    ['a class instance without toJSON', { value: new (class Point {})() }],
    ['an array hole', { list: arrayWithHole() }],
    ['a nested deferred value', { a: [{ b: deferredValue('nested-state', { bytes: 1 }) }] }],
    ['a deferred value', { state: deferredValue('nested-state', { bytes: 1 }) }],
    ['a string over maxStringChars', { text: 'x'.repeat(101) }],
    [
      'nesting deeper than maxDepth',
      { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
    ],
  ])('refuses a value holding %s, leaving it to the converter', (_name, value) => {
    expect(size(value)).toBe(NOT_PLAIN);
  });

  it('sizes every value JSON has a word for, alone as inside a container', () => {
    expect([null, true, false, 3, 'ab'].map((value) => size(value))).toEqual([4, 5, 5, 8, 4]);
    expect(size([null, false, 'ab'])).toBe(2 + 3 + 4 + 5 + 4);
    expect(size({ a: null })).toBe(2 + 1 + 4 + 4);
    // A `$deferred` key is data: only what `deferredValue` made is a deferred value.
    expect(size({ $deferred: 1 })).toBe(2 + 9 + 4 + 8);
    expect(size(JSON.parse('{"$deferred":"x","args":{}}'))).toBe(2 + 9 + 4 + 3 + 4 + 4 + 2);
  });

  it.each([
    ['Infinity', Number.POSITIVE_INFINITY],
    ['undefined', undefined],
    ['a symbol', Symbol('s')],
    ['a BigInt', 1n],
  ])('refuses %s alone, as inside a container', (_name, value) => {
    expect(size(value)).toBe(NOT_PLAIN);
    expect(size([value])).toBe(NOT_PLAIN);
  });

  it.each([
    ['an own toJSON that is not enumerable', () => hiddenToJSON({ a: 1 })],
    ['an array with a toJSON', () => Object.assign([1, 2], { toJSON: () => 'z'.repeat(1000) })],
    [
      "a toJSON on a literal's prototype that is not enumerable",
      () => Object.create(hiddenToJSON({})) as object,
    ],
  ])('refuses %s, which JSON.stringify would call though a walk never meets it', (_name, make) => {
    expect(size(make())).toBe(NOT_PLAIN);
    expect(size({ nested: { value: make() } })).toBe(NOT_PLAIN);
    expect(size([make()])).toBe(NOT_PLAIN);
  });

  it('refuses a literal whose own "constructor" is Array instead of sizing it as an array', () => {
    // Sized as an array of `length` 0, its other keys would go out unseen, past every limit.
    const impostor = { constructor: Array, length: 0, text: 'x'.repeat(1000) };
    expect(size(impostor)).toBe(NOT_PLAIN);
    expect(size({ nested: impostor })).toBe(NOT_PLAIN);
  });

  it("refuses an array given Object's prototype, whose holes a for...in never visits", () => {
    const holes = Object.setPrototypeOf(new Array(1_000_000), Object.prototype) as object;
    expect(size(holes)).toBe(NOT_PLAIN);
    expect(size({ nested: holes })).toBe(NOT_PLAIN);
  });

  it('accepts a "toJSON" key that is not a function, as JSON.stringify ignores it too', () => {
    const payload = { toJSON: 'just a key' };
    expect(size(payload)).toBeGreaterThanOrEqual(JSON.stringify(payload).length);
  });

  it('checks the budget at every level, and for a lone string', () => {
    expect(size({ a: { b: { c: 'x'.repeat(90) } } }, 60)).toBe(OVER_BUDGET);
    expect(size([[['x'.repeat(90)]]], 60)).toBe(OVER_BUDGET);
    expect(size('x'.repeat(90), 60)).toBe(OVER_BUDGET);
    expect(size('x'.repeat(50), 60)).toBe(52);
  });

  it('refuses a value over the budget, saying so', () => {
    expect(size({ list: Array.from({ length: 100 }, () => 'abcdef') }, 200)).toBe(OVER_BUDGET);
  });

  it('stops on a cycle instead of looping', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(size(cyclic)).toBeLessThan(0);
  });
});
