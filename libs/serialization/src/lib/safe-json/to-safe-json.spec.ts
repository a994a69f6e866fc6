import { runInNewContext } from 'node:vm';
import { deferredValue } from '@agent-gateway/events';
import { CIRCULAR_MARKER, DEPTH_MARKER } from './safe-json-markers';
import { toSafeJson, toSafeJsonWithin } from './to-safe-json';

describe('toSafeJson', () => {
  it('keeps plain JSON as it is, as a copy', () => {
    const payload = { text: 'hi', n: 1.5, ok: true, none: null, list: [1, 'two', { three: 3 }] };
    const json = toSafeJson(payload);
    expect(json).toEqual(payload);
    expect(json).not.toBe(payload);
  });

  it('replaces a cycle with the circular marker and keeps shared, acyclic references', () => {
    const shared = { id: 1 };
    const state: Record<string, unknown> = { a: shared, b: shared };
    state['self'] = state;
    const list: unknown[] = [1];
    list.push(list);
    expect(toSafeJson(state)).toEqual({ a: { id: 1 }, b: { id: 1 }, self: CIRCULAR_MARKER });
    expect(toSafeJson(list)).toEqual([1, CIRCULAR_MARKER]);
  });

  it('turns a BigInt into its decimal string', () => {
    expect(toSafeJson({ big: 12345678901234567890n })).toEqual({ big: '12345678901234567890' });
  });

  it('turns a Map into an object and a Set into an array, converting their contents', () => {
    const map = new Map<unknown, unknown>([
      ['a', 1],
      [2, new Set([1n, 'x'])],
    ]);
    expect(toSafeJson({ map })).toEqual({ map: { a: 1, '2': ['1', 'x'] } });
  });

  it("names a Map's object keys by what tells them apart, not all alike", () => {
    class Point {
      constructor(readonly x: number) {}
      toString(): string {
        return `Point(${this.x})`;
      }
    }
    function named(): void {
      // a key, never called
    }
    const map = new Map<unknown, unknown>([
      [{ id: 1 }, 'first'],
      [{ id: 2 }, 'second'],
      [[1, 2], 'list'],
      [new Date(0), 'date'],
      [new Point(3), 'point'],
      [named, 'function'],
      [Symbol('s'), 'symbol'],
    ]);
    expect(toSafeJson({ map })).toEqual({
      map: {
        '{"id":1}': 'first',
        '{"id":2}': 'second',
        '[1,2]': 'list',
        '1970-01-01T00:00:00.000Z': 'date',
        'Point(3)': 'point',
        '[Function named]': 'function',
        'Symbol(s)': 'symbol',
      },
    });
  });

  it("names a Map's array and binary keys too large to name by their JSON by kind and length, not every element", () => {
    const map = new Map<unknown, unknown>([
      [new Array<number>(1_000_000).fill(7), 'many'],
      [[new Date(0)], 'not plain'],
      [new Uint8Array(3), 'bytes'],
      [Buffer.alloc(4), 'buffer'],
      [new ArrayBuffer(8), 'arrayBuffer'],
      [new DataView(new ArrayBuffer(2)), 'view'],
    ]);
    expect(toSafeJson({ map })).toEqual({
      map: {
        '[Array(1000000)]': 'many',
        '[Array(1)]': 'not plain',
        '[Uint8Array(3)]': 'bytes',
        '[Uint8Array(4)]': 'buffer',
        '[ArrayBuffer(8)]': 'arrayBuffer',
        '[DataView(2)]': 'view',
      },
    });
  });

  it('leaves out only the Map entry whose key names nothing, not the whole Map', () => {
    const nameless = Object.create(null) as object;
    const throwing = {
      toString(): string {
        throw new Error('no name');
      },
    };
    const map = new Map<unknown, unknown>([
      ['a', 1],
      [nameless, 2],
      [throwing, 3],
      ['b', 4],
    ]);
    expect(toSafeJson({ map })).toEqual({ map: { a: 1, b: 4 } });
  });

  it('turns a Date into ISO text and an invalid Date into null', () => {
    const date = new Date(Date.UTC(2026, 10, 23, 11, 40));
    expect(toSafeJson({ date, bad: new Date(Number.NaN) })).toEqual({
      date: '2026-11-23T11:40:00.000Z',
      bad: null,
    });
  });

  it('turns an Error into its name and message, never its stack', () => {
    const error = new TypeError('boom');
    const json = toSafeJson({ error });
    expect(json).toEqual({ error: { name: 'TypeError', message: 'boom' } });
    expect(JSON.stringify(json)).not.toContain('at ');
  });

  it('encodes Buffer, typed arrays and ArrayBuffer as base64 of their own bytes', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    const json = toSafeJson({
      buffer: Buffer.from('hello'),
      view: backing.subarray(1, 4),
      floats: new Float32Array([1]),
      raw: new Uint8Array([255]).buffer,
    });
    expect(json).toEqual({
      buffer: Buffer.from('hello').toString('base64'),
      view: Buffer.from([1, 2, 3]).toString('base64'),
      floats: Buffer.from(new Float32Array([1]).buffer).toString('base64'),
      raw: '/w==',
    });
  });

  it('honours toJSON on class instances and object literals', () => {
    class Money {
      constructor(private readonly cents: number) {}
      toJSON(): string {
        return `${this.cents / 100} EUR`;
      }
    }
    expect(toSafeJson({ price: new Money(250), literal: { toJSON: () => 7 } })).toEqual({
      price: '2.5 EUR',
      literal: 7,
    });
  });

  it('walks class instances without toJSON by their own enumerable properties', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    expect(toSafeJson(new Point(3, 4))).toEqual({ x: 3, y: 4 });
  });

  it('drops functions, symbols and undefined from objects and makes them null in arrays', () => {
    const json = toSafeJson({
      fn: () => 1,
      sym: Symbol('s'),
      nothing: undefined,
      [Symbol('key')]: 1,
      list: [() => 1, Symbol('s'), undefined],
    });
    expect(json).toEqual({ list: [null, null, null] });
    expect(toSafeJson(() => 1)).toBeNull();
  });

  it('turns NaN and the infinities into null', () => {
    expect(toSafeJson([Number.NaN, Infinity, -Infinity])).toEqual([null, null, null]);
  });

  it('unboxes boxed primitives, a boxed BigInt to its decimal string', () => {
    expect(
      toSafeJson([new String('s'), new Number(2), new Boolean(false), Object(5n) as object]),
    ).toEqual(['s', 2, false, '5']);
  });

  it('calls toJSON once, as JSON.stringify does: not on what it returned, whose values are converted', () => {
    const copiesItself = {
      a: 1,
      toJSON(): object {
        return { ...this, b: 2 };
      },
    };
    const returnsItself = {
      a: 1,
      toJSON(): object {
        return this;
      },
    };
    const returnsMap = { toJSON: () => new Map([['at', new Date(0)]]) };

    expect(toSafeJson(copiesItself)).toEqual({ a: 1, b: 2 });
    expect(toSafeJson(returnsItself)).toEqual({ a: 1 });
    expect(toSafeJson({ nested: copiesItself, list: [returnsItself] })).toEqual({
      nested: { a: 1, b: 2 },
      list: [{ a: 1 }],
    });
    expect(toSafeJson(returnsMap)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(JSON.stringify(toSafeJson(copiesItself))).toBe(JSON.stringify(copiesItself));
    expect(JSON.stringify(toSafeJson(returnsItself))).toBe(JSON.stringify(returnsItself));
  });

  it('replaces containers nested deeper than maxDepth with the depth marker', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(toSafeJson(deep, { maxDepth: 2 })).toEqual({ a: { b: DEPTH_MARKER } });
  });

  it('replaces a string longer than maxStringChars with the truncation marker', () => {
    expect(toSafeJson({ text: 'é'.repeat(11), ok: 'short' }, { maxStringChars: 10 })).toEqual({
      text: { truncated: true, reason: 'too_large', originalBytes: 22 },
      ok: 'short',
    });
  });

  it('applies maxStringChars to the base64 of binary values, whose length it knows', () => {
    // 12 bytes make 16 characters of base64, 13 bytes 20.
    expect(
      toSafeJson(
        { fits: Buffer.alloc(12), over: Buffer.alloc(13), shared: new SharedArrayBuffer(13) },
        { maxStringChars: 16 },
      ),
    ).toEqual({
      fits: 'A'.repeat(16),
      over: { truncated: true, reason: 'too_large', originalBytes: 20 },
      shared: { truncated: true, reason: 'too_large', originalBytes: 20 },
    });
  });

  it('reports bytes too many for any string as too large, never encoding them', () => {
    // 403 MB of base64 would be 537 M characters, over V8's longest string (2^29 - 24): encoding
    // first would throw and say `unserializable`. Zero-filled memory costs nothing until read.
    const huge = new Uint8Array(403_000_000);
    expect(toSafeJson({ huge })).toEqual({
      huge: { truncated: true, reason: 'too_large', originalBytes: 537_333_336 },
    });
  });

  it('confines a throwing getter or toJSON to its own value', () => {
    const payload = {
      get broken(): never {
        throw new Error('getter');
      },
      bad: {
        toJSON: (): never => {
          throw new Error('toJSON');
        },
      },
      fine: 1,
    };
    expect(toSafeJson(payload)).toEqual({
      broken: { truncated: true, reason: 'unserializable' },
      bad: { truncated: true, reason: 'unserializable' },
      fine: 1,
    });
  });

  it('confines an array element that throws when read to its own place', () => {
    const list = [1, 2, 3];
    Object.defineProperty(list, 1, {
      get: (): never => {
        throw new Error('element');
      },
    });
    expect(toSafeJson({ list })).toEqual({
      list: [1, { truncated: true, reason: 'unserializable' }, 3],
    });
  });

  it("honours an array's own toJSON, as JSON.stringify does", () => {
    const list = Object.assign([1, 2], { toJSON: () => ({ count: 2 }) });
    expect(toSafeJson({ list })).toEqual(JSON.parse(JSON.stringify({ list })));
    expect(toSafeJson({ list })).toEqual({ list: { count: 2 } });
  });

  it("converts another realm's built-ins as this realm's: a vm context's Map is no record", () => {
    const foreign = runInNewContext(`({
      map: new Map([['a', 1]]),
      set: new Set([1, 2]),
      date: new Date(0),
      error: new TypeError('from elsewhere'),
      bytes: new Uint8Array([1, 2, 3]).buffer,
      boxed: new String('text'),
      plain: { list: [1, 'two'] },
    })`) as Record<string, unknown>;
    expect(toSafeJson(foreign)).toEqual({
      map: { a: 1 },
      set: [1, 2],
      date: '1970-01-01T00:00:00.000Z',
      error: { name: 'TypeError', message: 'from elsewhere' },
      bytes: 'AQID',
      boxed: 'text',
      plain: { list: [1, 'two'] },
    });
  });

  it('confines a Proxy that throws, or a revoked one, to its own value', () => {
    const throwing = new Proxy(
      {},
      {
        get: (): never => {
          throw new Error('get');
        },
        ownKeys: (): never => {
          throw new Error('ownKeys');
        },
      },
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();

    expect(toSafeJson({ throwing, revoked: revoked.proxy, fine: 1 })).toEqual({
      throwing: { truncated: true, reason: 'unserializable' },
      revoked: { truncated: true, reason: 'unserializable' },
      fine: 1,
    });
  });

  it('keeps "__proto__" as an ordinary key instead of setting the prototype', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const json = toSafeJson(payload) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(JSON.stringify(json)).toBe('{"__proto__":{"polluted":true}}');
  });

  it('keeps a deferred value as data unless a resolver is given, then builds it', () => {
    const payload = { state: deferredValue('echo', { n: 2 }) };
    expect(toSafeJson(payload)).toEqual({ state: { $deferred: 'echo', args: { n: 2 } } });
    const built = toSafeJson(payload, {
      resolveDeferred: (value) => new Map([['n', value.args['n']]]),
    });
    expect(built).toEqual({ state: { n: 2 } });
  });

  it('uses a built value that is plain JSON as it is, and converts one that is not', () => {
    const plainState = { items: [{ id: 'a', score: 1 }], note: 'plain' };
    const built = toSafeJson(
      { plain: deferredValue('plain', {}), dated: deferredValue('dated', {}) },
      {
        resolveDeferred: (value) =>
          value.$deferred === 'plain' ? plainState : { at: new Date(0), list: [1n] },
      },
    ) as Record<string, unknown>;

    expect(built['plain']).toBe(plainState);
    expect(built['dated']).toEqual({ at: '1970-01-01T00:00:00.000Z', list: ['1'] });
  });

  it('applies the depth limit to a built value from where it sits', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    const built = toSafeJson(
      { x: { state: deferredValue('deep', {}) } },
      { maxDepth: 4, resolveDeferred: () => deep },
    );

    expect(built).toEqual({ x: { state: { a: { b: DEPTH_MARKER } } } });
  });

  it('counts a built plain value against the budget', () => {
    const big = { list: Array.from({ length: 100 }, () => 'abcdefgh') };
    const options = { resolveDeferred: () => big };

    expect(toSafeJsonWithin({ s: deferredValue('big', {}) }, 500, options).overBudget).toBe(true);
    expect(toSafeJsonWithin({ s: deferredValue('big', {}) }, 5000, options)).toMatchObject({
      overBudget: false,
      value: { s: big },
    });
  });

  it('produces exactly what JSON.stringify accepts for every case above', () => {
    const everything = { a: 1n, b: new Map([[1, new Set([new Date(0)])]]), c: new Error('x') };
    expect(() => JSON.stringify(toSafeJson(everything))).not.toThrow();
  });
});

describe('toSafeJsonWithin', () => {
  it('converts within the budget and reports the size and any deferred value', () => {
    const result = toSafeJsonWithin({ text: 'abc', state: deferredValue('x', {}) }, 1024);
    expect(result).toMatchObject({ overBudget: false, deferred: [{ $deferred: 'x', args: {} }] });
    if (!result.overBudget) expect(result.deferred[0]).toBe((result.value as never)['state']);
    if (!result.overBudget) expect(result.bytes).toBeGreaterThan(5);
  });

  it('gives up once the JSON outgrows the budget', () => {
    const big = { items: Array.from({ length: 1000 }, (_, index) => `item-${index}`) };
    expect(toSafeJsonWithin(big, 512)).toEqual({ overBudget: true });
  });

  it('does not count bytes that become the marker against the budget', () => {
    const result = toSafeJsonWithin({ bytes: Buffer.alloc(300) }, 128, { maxStringChars: 16 });
    expect(result).toMatchObject({
      overBudget: false,
      value: { bytes: { truncated: true, reason: 'too_large', originalBytes: 400 } },
    });
  });

  it('counts the markers it writes for what could not be read: the estimate stays an upper bound', () => {
    const broken: Record<string, unknown> = {};
    for (let index = 0; index < 100; index++) {
      Object.defineProperty(broken, `k${index}`, {
        enumerable: true,
        get: (): never => {
          throw new Error('getter');
        },
      });
    }
    const result = toSafeJsonWithin({ broken, list: [broken] }, 100_000);
    if (result.overBudget) throw new Error('expected the payload to fit');
    expect(result.bytes).toBeGreaterThanOrEqual(JSON.stringify(result.value).length);
  });

  it('estimates the byte size of ASCII JSON closely', () => {
    const payload = { text: 'hello world', list: ['a', 'bb', true, null], nested: { k: 'v' } };
    const result = toSafeJsonWithin(payload, 1024);
    if (result.overBudget) throw new Error('expected the payload to fit');
    expect(result.bytes).toBeGreaterThanOrEqual(JSON.stringify(payload).length);
    expect(result.bytes).toBeLessThan(JSON.stringify(payload).length * 1.5);
  });

  it("names a Map's keys one at a time against the budget, and stops naming there", () => {
    // Each key's JSON is about 6 KB (a lone surrogate's is 6 bytes): three fill 16 KiB. Before,
    // the entries' least size (5 bytes each) let all 3 000 be named first, in one go.
    let reads = 0;
    const key = () => ({
      get t(): string {
        reads++;
        return '\ud800'.repeat(1000);
      },
    });
    const map = new Map(Array.from({ length: 3000 }, (_, index) => [key(), index]));

    expect(toSafeJsonWithin(map, 16 * 1024)).toEqual({ overBudget: true });
    // The check reads a key once, its JSON text once more.
    expect(reads).toBeLessThanOrEqual(2 * 3);
  });

  it('counts what checking a Map key read, even when the key is named shortly', () => {
    // Records of 1 000 keys are listed and checked up to 1 KiB, then named "[object Object]".
    let listings = 0;
    const wide: Record<string, number> = {};
    for (let index = 0; index < 1000; index++) wide[`field${index}`] = index;
    const key = () =>
      new Proxy(wide, {
        ownKeys: (target) => {
          listings++;
          return Reflect.ownKeys(target);
        },
      });
    const map = new Map(Array.from({ length: 3000 }, (_, index) => [key(), index]));

    expect(toSafeJsonWithin(map, 16 * 1024)).toEqual({ overBudget: true });
    expect(listings).toBeLessThanOrEqual(16);
  });

  it('stops reading a Set at the budget, however many entries its iterator yields', () => {
    let yielded = 0;
    class EndlessSet extends Set<number> {
      override *[Symbol.iterator](): SetIterator<number> {
        for (let index = 0; index < 1_000_000; index++) {
          yielded++;
          yield index;
        }
      }
    }

    expect(toSafeJsonWithin(new EndlessSet(), 16 * 1024)).toEqual({ overBudget: true });
    expect(yielded).toBeLessThanOrEqual((16 * 1024) / 2 + 1);
  });

  it('converts a Map and a Set within a budget exactly as without one', () => {
    const value = {
      map: new Map<unknown, unknown>([
        ['b', 1],
        [2, 'two'],
        ['__proto__', { polluted: true }],
        // Keys that name alike: the last value, in the first one's place.
        [1, 'number'],
        ['1', 'string'],
        // A later value JSON has no word for takes the earlier one's out with it.
        ['gone', 'first'],
        [{ toString: () => 'gone' }, undefined],
        [Object.create(null), 'nameless'],
        [[1, 2], { at: new Date(0) }],
      ]),
      set: new Set<unknown>([1, () => 2, new Date(0), new Map([['inner', 1n]])]),
      // The object a Map becomes is a record like any other: its "toJSON" is called.
      withToJSON: new Map<unknown, unknown>([['toJSON', () => 'called']]),
    };

    const within = toSafeJsonWithin(value, 1024 * 1024);

    if (within.overBudget) throw new Error('expected the value to fit');
    expect(JSON.stringify(within.value)).toBe(JSON.stringify(toSafeJson(value)));
    const map = (within.value as { map: object }).map;
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.keys(map)).toEqual(['1', '2', 'b', '__proto__', '[1,2]']);
  });
});
