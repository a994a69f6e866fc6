import { deferredValue } from '@agent-gateway/events';
import { performance } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { toSafeJson } from '../safe-json/to-safe-json';
import { compileSerializer, type CompiledSerializer } from '../testing/compile-serializer';
import { TEST_RECIPE_MODULES } from '../testing/test-recipes';
import type { SerializedPayload } from './serialized-payload';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

function decode(result: SerializedPayload): unknown {
  if (result.encoding !== 'json-bytes')
    throw new Error(`expected json-bytes, got ${result.encoding}`);
  return JSON.parse(result.bytes.toString('utf8'));
}

describe('PayloadSerializer', () => {
  let compiled: CompiledSerializer;

  beforeAll(async () => {
    compiled = await compileSerializer({
      poolSize: 1,
      inlineThresholdBytes: 1024,
      timeoutMs: 3000,
      recipeModules: TEST_RECIPE_MODULES,
    });
  });

  afterAll(() => compiled.moduleRef.close());

  describe('inline path', () => {
    it('returns a small payload inline, JSON-safe, with its size', async () => {
      const result = await compiled.serializer.serialize({ text: 'hi', at: new Date(0), big: 1n });

      expect(result).toEqual({
        encoding: 'inline',
        value: { text: 'hi', at: '1970-01-01T00:00:00.000Z', big: '1' },
        bytes: expect.any(Number) as number,
      });
      expect(
        await compiled.registry.getSingleMetricAsString(
          'agent_gateway_serialization_payloads_total',
        ),
      ).toMatch(/agent_gateway_serialization_payloads_total\{path="inline"\} [1-9]/);
    });

    it('hands back an object literal that already is plain JSON without copying it', async () => {
      const payload = { text: 'hello', list: [1, 2, { ok: true }] };

      const result = await compiled.serializer.serialize(payload);

      expect(result).toMatchObject({ encoding: 'inline', value: payload });
      if (result.encoding === 'inline') expect(result.value).toBe(payload);
    });

    it('never throws on getters or Proxies that throw: the marker takes their place alone', async () => {
      const throwingProxy = new Proxy(
        {},
        {
          get: (): never => {
            throw new Error('get');
          },
        },
      );
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const payload = {
        ok: 1,
        get bad(): never {
          throw new Error('getter');
        },
        proxy: throwingProxy,
        revoked: revoked.proxy,
      };
      const expected = {
        ok: 1,
        bad: { truncated: true, reason: 'unserializable' },
        proxy: { truncated: true, reason: 'unserializable' },
        revoked: { truncated: true, reason: 'unserializable' },
      };

      expect(compiled.serializer.serializeInline(payload)).toMatchObject({
        encoding: 'inline',
        value: expected,
      });
      expect(await compiled.serializer.serialize(payload)).toMatchObject({
        encoding: 'inline',
        value: expected,
      });
      // Replaced whole: a truncated result (payload-serializer.whole-marker.spec.ts).
      expect(await compiled.serializer.serialize(throwingProxy)).toMatchObject({
        encoding: 'truncated',
        value: { truncated: true, reason: 'unserializable' },
      });
    });

    it('never hands back as plain a value whose toJSON JSON.stringify would call unchecked', async () => {
      // Neither toJSON is listed by a walk of the payload: the one not enumerable, the array's.
      const hidden = Object.defineProperty({ a: 1 }, 'toJSON', {
        value: (): never => {
          throw new Error('hidden');
        },
      });
      const list = Object.assign([1], { toJSON: () => 'listed' });

      const result = await compiled.serializer.serialize({ result: hidden, list });

      expect(result).toEqual({
        encoding: 'inline',
        value: { result: { truncated: true, reason: 'unserializable' }, list: 'listed' },
        bytes: expect.any(Number) as number,
      });
    });

    it('sizes a literal that names Array as its "constructor" by its keys, not as an array', async () => {
      const text = 'x'.repeat(5000);

      const result = await compiled.serializer.serialize({ constructor: Array, length: 0, text });

      // Over the inline budget, as its keys are: encoded off the fast path.
      expect(decode(result)).toEqual({ length: 0, text });
    });

    it('copies an own "constructor" key like any other key', async () => {
      const result = await compiled.serializer.serialize({ constructor: 'x', n: 1 });

      expect(result).toMatchObject({ encoding: 'inline', value: { constructor: 'x', n: 1 } });
    });

    it('counts every inline payload exactly and times one in 64', async () => {
      const read = async (): Promise<{ payloads: number; timed: number }> => {
        const text = await compiled.registry.metrics();
        const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
        return {
          payloads: value(/agent_gateway_serialization_payloads_total\{path="inline"\} (\d+)/),
          timed: value(/agent_gateway_serialization_duration_seconds_count\{path="inline"\} (\d+)/),
        };
      };
      const before = await read();

      for (let index = 0; index < 256; index++) {
        compiled.serializer.serializeInline(index % 2 === 0 ? { delta: 'token' } : { n: 1n });
        // Not inline: neither counted nor timed as inline.
        compiled.serializer.serializeInline({ state: deferredValue('nested-state', { bytes: 1 }) });
      }

      const after = await read();
      expect(after.payloads - before.payloads).toBe(256);
      expect(after.timed - before.timed).toBeGreaterThanOrEqual(2);
      expect(after.timed - before.timed).toBeLessThanOrEqual(8);
    });

    it('answers synchronously through serializeInline, or says the payload needs serialize', () => {
      expect(compiled.serializer.serializeInline({ delta: 'token' })).toMatchObject({
        encoding: 'inline',
        value: { delta: 'token' },
      });
      expect(
        compiled.serializer.serializeInline({
          state: deferredValue('nested-state', { bytes: 10 }),
        }),
      ).toBeUndefined();
      expect(compiled.serializer.serializeInline({ big: 'x'.repeat(5000) })).toBeUndefined();
    });
  });

  describe('metrics', () => {
    it('exposes queue depth, pool utilisation and live threads under the documented names', async () => {
      const text = await compiled.registry.metrics();

      expect(text).toContain('agent_gateway_serialization_queue_depth 0');
      expect(text).toMatch(/agent_gateway_serialization_pool_utilization_ratio [0-9.e-]+/);
      expect(text).toContain('agent_gateway_serialization_pool_threads 1');
      expect(text).toContain('# TYPE agent_gateway_serialization_duration_seconds histogram');
      expect(text).toContain('# TYPE agent_gateway_serialization_truncated_total counter');
      // Series that nothing has counted yet are there from the start, at 0.
      expect(text).toContain('agent_gateway_serialization_timeouts_total{path="sliced"} 0');
      expect(text).toContain(
        'agent_gateway_serialization_worker_results_total{handover="transferred"} 0',
      );
    });
  });

  describe('worker path', () => {
    it('builds a deferred value in a worker thread, not on the main thread', async () => {
      const result = await compiled.serializer.serialize({ state: deferredValue('thread-id', {}) });

      const decoded = decode(result) as { state: { threadId: number } };
      expect(decoded.state.threadId).toEqual(expect.any(Number));
      expect(decoded.state.threadId).not.toBe(0);
    });

    it('builds the nested-state recipe to about the requested size and ships it as bytes', async () => {
      const result = await compiled.serializer.serialize({
        output: { text: 'done', state: deferredValue('nested-state', { bytes: 200_000 }) },
        durationMs: 5,
      });

      expect(result.encoding).toBe('json-bytes');
      if (result.encoding !== 'json-bytes') return;
      expect(result.bytes.length).toBeGreaterThan(180_000);
      expect(result.bytes.length).toBeLessThan(220_000);
      const decoded = decode(result) as { output: { text: string; state: object } };
      expect(decoded.output.text).toBe('done');
      expect(Object.keys(decoded.output.state).length).toBeGreaterThan(1);
    });

    it('answers with the reason when a deferred value names no known recipe', async () => {
      const result = await compiled.serializer.serialize({ state: deferredValue('no-such', {}) });

      expect(decode(result)).toEqual({ state: { truncated: true, reason: 'unserializable' } });
    });
  });

  describe('sliced path', () => {
    it('encodes a large main-thread value exactly as toSafeJson would', async () => {
      const payload = {
        rows: Array.from({ length: 3000 }, (_, index) => ({
          id: BigInt(index),
          at: new Date(index),
          tags: new Set(['a', index % 2 ? 'odd' : 'even']),
          extra: new Map([['n', index]]),
          skip: () => index,
        })),
        error: new RangeError('nope'),
      };

      const result = await compiled.serializer.serialize(payload);

      expect(decode(result)).toEqual(toSafeJson(payload));
    });

    it("agrees with toSafeJson on arrays' toJSON and on another realm's built-ins", async () => {
      const foreign = runInNewContext(
        `({ map: new Map([['a', 1]]), set: new Set([1]), error: new Error('elsewhere') })`,
      ) as object;
      const payload = {
        rows: Array.from({ length: 200 }, (_, index) => ({ index, text: 'r'.repeat(20) })),
        foreign,
        list: Object.assign([1, 2], { toJSON: () => 'listed' }),
      };

      const result = await compiled.serializer.serialize(payload);

      expect(result.encoding).toBe('json-bytes');
      expect(decode(result)).toEqual(toSafeJson(payload));
      expect(decode(result)).toMatchObject({
        foreign: { map: { a: 1 }, set: [1], error: { name: 'Error', message: 'elsewhere' } },
        list: 'listed',
      });
    });

    it('hands back results of their own: later encodes, one at a time or together, change none', async () => {
      // Each about 100 KB: the encoder's scratch slabs (1 MiB) are used again from one to the next.
      const payloads = ['a', 'é', '中', '😀'].map((character) => ({
        rows: Array.from({ length: 500 }, (_, index) => ({ index, text: character.repeat(60) })),
      }));

      const first = await compiled.serializer.serialize(payloads[0]);
      const second = await compiled.serializer.serialize(payloads[1]);
      const together = await Promise.all(
        payloads.slice(2).map((payload) => compiled.serializer.serialize(payload)),
      );

      const results = [first, second, ...together];
      results.forEach((result, index) => expect(decode(result)).toEqual(payloads[index]));
    });

    it('writes what a toJSON returns as JSON.stringify and the inline path do: keys of omitted values dropped', async () => {
      const payload = (padding: number): Record<string, unknown> => ({
        undefinedValue: { toJSON: () => undefined },
        functionValue: { toJSON: () => () => 1 },
        symbolValue: { toJSON: () => Symbol('s') },
        list: [1, { toJSON: () => undefined }],
        copiesItself: {
          a: 1,
          toJSON(): object {
            return { ...this, b: 2 };
          },
        },
        returnsItself: {
          big: 'r'.repeat(padding),
          toJSON(): object {
            return this;
          },
        },
        padding: 'p'.repeat(padding),
      });
      const inline = await compiled.serializer.serialize(payload(10));
      const sliced = await compiled.serializer.serialize(payload(5000));

      expect(inline.encoding).toBe('inline');
      expect(inline.encoding === 'inline' && JSON.stringify(inline.value)).toBe(
        JSON.stringify(payload(10)),
      );
      expect(sliced.encoding === 'json-bytes' && sliced.bytes.toString()).toBe(
        JSON.stringify(payload(5000)),
      );
    });

    it('confines a throwing getter or Proxy inside a large value to its own place', async () => {
      const throwingKeys = new Proxy(
        { big: 'k'.repeat(2000) },
        {
          ownKeys: (): never => {
            throw new Error('ownKeys');
          },
        },
      );
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const payload = {
        padding: 'p'.repeat(2000),
        nested: {
          get bad(): never {
            throw new Error('getter');
          },
          fine: 1,
        },
        throwingKeys,
        // Every check of a revoked Proxy throws, Array.isArray included.
        revoked: revoked.proxy,
        keep: 'me',
      };

      const result = await compiled.serializer.serialize(payload);

      expect(decode(result)).toEqual({
        padding: 'p'.repeat(2000),
        nested: { bad: { truncated: true, reason: 'unserializable' }, fine: 1 },
        throwingKeys: { truncated: true, reason: 'unserializable' },
        revoked: { truncated: true, reason: 'unserializable' },
        keep: 'me',
      });
    });

    it('counts the depth limit of a deferred piece from the root of the payload', async () => {
      const state = deferredValue('deep', { levels: 70 });
      let nested: unknown = state;
      for (let level = 0; level < 10; level++) nested = { n: nested };
      const depthOf = (value: unknown): number =>
        typeof value === 'object' && value !== null
          ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
          : 0;

      const small = decode(await compiled.serializer.serialize(nested));
      const large = decode(
        await compiled.serializer.serialize({ nested, padding: 'p'.repeat(2000) }),
      );

      expect(depthOf(small)).toBe(64);
      expect(depthOf((large as { nested: unknown }).nested)).toBe(63);
      expect(JSON.stringify(large)).toContain('[MaxDepth]');
    });

    it('walks a large Map or Set entry by entry, into what the other paths make of it', async () => {
      const payload = {
        map: new Map<unknown, unknown>(
          Array.from({ length: 3000 }, (_, index) => [index, { at: new Date(index), index }]),
        ),
        set: new Set(Array.from({ length: 3000 }, (_, index) => (index % 3 ? index : () => index))),
        // Keys that name alike: JSON.parse keeps the last value in the first one's place.
        clash: new Map<unknown, unknown>([
          ...Array.from({ length: 600 }, (_, index): [unknown, unknown] => [`k${index}`, index]),
          [1, 'number'],
          ['1', 'string'],
        ]),
        // Keys that are records, and one that names nothing (no toString): left out alone.
        byRecord: new Map<unknown, unknown>([
          ...Array.from({ length: 600 }, (_, index): [unknown, unknown] => [{ id: index }, index]),
          [Object.create(null), 'nameless'],
        ]),
      };

      const result = await compiled.serializer.serialize(payload);

      expect(decode(result)).toEqual(toSafeJson(payload));
      expect(Object.keys((decode(result) as { clash: object }).clash)).toEqual(
        Object.keys(toSafeJson(payload.clash) as object),
      );
      const byRecord = (decode(result) as { byRecord: Record<string, number> }).byRecord;
      expect(Object.keys(byRecord)).toHaveLength(600);
      expect(byRecord['{"id":599}']).toBe(599);
    });

    it('reads a huge Map a slice at a time, not all of it before answering', async () => {
      let read = 0;
      class CountingMap<K, V> extends Map<K, V> {
        override *[Symbol.iterator](): MapIterator<[K, V]> {
          for (const entry of super[Symbol.iterator]()) {
            read++;
            yield entry;
          }
        }
      }
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        inlineThresholdBytes: 1024,
        sliceMs: 1,
        timeoutMs: 10_000,
      });
      const entries = 200_000;
      const map = new CountingMap(Array.from({ length: entries }, (_, index) => [index, index]));

      const pending = serializer.serialize({ map });
      const readBeforeAnswer = read;
      const result = await pending;

      expect(readBeforeAnswer).toBeLessThan(entries / 2);
      expect(read).toBe(entries);
      expect(decode(result)).toEqual({ map: Object.fromEntries(map) });
      await moduleRef.close();
    });

    it('names the keys of a small Map a step at a time too, not all before answering', async () => {
      // 500 keys whose JSON is 6 KB of escaped lone surrogates: 30 ms to name all in one go.
      let reads = 0;
      const key = () => ({
        get t(): string {
          reads++;
          return '\ud800'.repeat(1000);
        },
      });
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        inlineThresholdBytes: 1024,
        sliceMs: 1,
        timeoutMs: 10_000,
      });
      const entries = 500;
      const map = new Map(Array.from({ length: entries }, (_, index) => [key(), index]));

      const pending = serializer.serialize({ map });
      const readBeforeAnswer = reads;
      const result = await pending;

      // Named once by its check and once by its JSON text, every key.
      expect(readBeforeAnswer).toBeLessThan(entries);
      expect(decode(result)).toEqual(toSafeJson({ map }));
      await moduleRef.close();
    });

    it('reads the clock after every piece that may fill a slice, not after every eighth', async () => {
      // Each piece moves a fake clock on by a whole slice when read (by its check, and by
      // JSON.stringify): as a piece of 16 KiB of lone surrogates takes about 1 ms of real time.
      const sliceMs = 2;
      let now = 0;
      const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        sliceMs,
        timeoutMs: 10_000,
        skipWarmUp: true,
      });
      const pieces = Array.from({ length: 40 }, (_, index) => ({
        text: `${index}`.padEnd(6000, 'x'),
        get slow(): number {
          now += sliceMs;
          return 0;
        },
      }));
      let turns = 0;
      let counting = true;
      const countTurn = (): void => {
        turns++;
        if (counting) setImmediate(countTurn);
      };
      setImmediate(countTurn);

      try {
        // The padding puts the payload over the inline budget before any piece is read.
        const payload = { padding: 'p'.repeat(20_000), pieces };
        const result = await serializer.serialize(payload);
        counting = false;

        expect(decode(result)).toEqual(JSON.parse(JSON.stringify(payload)));
        expect(turns).toBeGreaterThanOrEqual(pieces.length);
      } finally {
        counting = false;
        clock.mockRestore();
        await moduleRef.close();
      }
    });

    it('puts the marker in place of a large Map or Set that cannot be read to its end alone, as inline', async () => {
      class BrokenMap extends Map<unknown, unknown> {
        override *[Symbol.iterator](): MapIterator<[unknown, unknown]> {
          let read = 0;
          for (const entry of super[Symbol.iterator]()) {
            if (++read > this.size / 2) throw new Error('iterator broke');
            yield entry;
          }
        }
      }
      class NoPairMap extends Map<unknown, unknown> {
        override *[Symbol.iterator](): MapIterator<[unknown, unknown]> {
          yield [1, 1];
          yield 42 as never;
        }
      }
      class BrokenSet extends Set<unknown> {
        override *[Symbol.iterator](): SetIterator<unknown> {
          yield 1;
          throw new Error('iterator broke');
        }
      }
      const filled = <T extends Map<unknown, unknown> | Set<unknown>>(
        collection: T,
        size: number,
      ) => {
        for (let index = 0; index < size; index++) {
          if (collection instanceof Map) Map.prototype.set.call(collection, index, `v${index}`);
          else Set.prototype.add.call(collection, `v${index}`);
        }
        return collection;
      };
      const payload = (size: number) => ({
        before: 'kept',
        broken: filled(new BrokenMap(), size),
        fine: filled(new Map(), size),
        noPair: filled(new NoPairMap(), size),
        set: filled(new BrokenSet(), size),
        after: ['kept'],
      });
      const marker = { truncated: true, reason: 'unserializable' };

      const inline = await compiled.serializer.serialize(payload(10));
      const sliced = await compiled.serializer.serialize(payload(5000));

      expect(inline).toMatchObject({ encoding: 'inline' });
      expect(inline.encoding === 'inline' && inline.value).toEqual({
        before: 'kept',
        broken: marker,
        fine: Object.fromEntries(filled(new Map(), 10)),
        noPair: marker,
        set: marker,
        after: ['kept'],
      });
      expect(decode(sliced)).toEqual({
        before: 'kept',
        broken: marker,
        fine: Object.fromEntries(filled(new Map(), 5000)),
        noPair: marker,
        set: marker,
        after: ['kept'],
      });
    });

    it('gives bytes too many for any string the size marker, inline or amid large state', async () => {
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        inlineThresholdBytes: 1024,
        sliceMs: 1,
        timeoutMs: 10_000,
      });
      // 537 M characters of base64, over V8's longest string: encoded first, it would throw.
      const huge = new Uint8Array(403_000_000);
      const marker = { truncated: true, reason: 'too_large', originalBytes: 537_333_336 };
      const rows = Array.from({ length: 2_000 }, (_, index) => ({ index }));

      const alone = await serializer.serialize({ huge });
      const amid = await serializer.serialize({ rows, huge });

      expect(alone).toEqual({
        encoding: 'inline',
        value: { huge: marker },
        bytes: expect.any(Number),
      });
      expect(amid.encoding).toBe('json-bytes');
      expect(decode(amid)).toEqual({ rows, huge: marker });
      await moduleRef.close();
    });

    it('lists the keys of a large record once per kind of walk, not once per level walked', async () => {
      // Listing keys is the one unbudgeted step of a walk (14 ms per 100 000 named keys). The
      // fast path lists a record to check it, then either its converter lists it and the sliced
      // encoder uses that list, or (the check found it plain, the converter never ran) the
      // sliced encoder lists it, finds it too large for a piece, and walks it from that list.
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        inlineThresholdBytes: 1024,
        timeoutMs: 10_000,
      });
      const listingsOf = async (entry: (index: number) => unknown) => {
        let listings = 0;
        const record: Record<string, unknown> = {};
        for (let index = 0; index < 2_000; index++) record[`user-${index}`] = entry(index);
        const lookup = new Proxy(record, {
          ownKeys: (target) => {
            listings++;
            return Reflect.ownKeys(target);
          },
        });
        const payload = { note: 'state', lookup };
        const result = await serializer.serialize(payload);
        const listed = listings;
        expect(decode(result)).toEqual(toSafeJson(payload));
        return listed;
      };

      // Before the lists were shared: 7 and 4.
      expect(await listingsOf((index) => ({ id: index, at: new Date(index) }))).toBe(2);
      expect(await listingsOf((index) => ({ id: index }))).toBe(2);
      await moduleRef.close();
    });

    it('yields to the event loop while it encodes', async () => {
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        inlineThresholdBytes: 1024,
        sliceMs: 1,
        timeoutMs: 10_000,
      });
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 0);
      const payload = {
        items: Array.from({ length: 20_000 }, (_, index) => ({ index, text: 'x'.repeat(30) })),
      };

      const result = await serializer.serialize(payload);
      clearInterval(ticker);

      expect(result.encoding).toBe('json-bytes');
      expect(ticks).toBeGreaterThan(0);
      await moduleRef.close();
    });

    it('keeps cycles and depth limits when the value is walked in pieces', async () => {
      const root: Record<string, unknown> = { big: 'y'.repeat(900), list: ['z'.repeat(900)] };
      root['self'] = root;
      (root['list'] as unknown[]).push(root);

      const result = await compiled.serializer.serialize(root);

      expect(decode(result)).toEqual(toSafeJson(root));
      expect(decode(result)).toMatchObject({ self: '[Circular]' });
    });

    it('applies the depth limit to a deep value walked in pieces', async () => {
      let deep: unknown = 'leaf';
      for (let level = 0; level < 80; level++) deep = { padding: 'p'.repeat(100), next: deep };

      const result = await compiled.serializer.serialize(deep);

      expect(decode(result)).toEqual(toSafeJson(deep));
      expect(result.encoding === 'json-bytes' && result.bytes.toString()).toContain('[MaxDepth]');
    });

    it('answers a payload whose deferred piece is over maxEventBytes as the worker path does', async () => {
      const limit = 64 * 1024;
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        inlineThresholdBytes: 1024,
        maxEventBytes: limit,
        timeoutMs: 10_000,
        recipeModules: TEST_RECIPE_MODULES,
      });
      const state = deferredValue('nested-state', { bytes: 4 * limit });
      const padding = Array.from({ length: 200 }, (_, index) => `row ${index} `.repeat(5));

      const inWorker = await serializer.serialize({ state });
      const sliced = await serializer.serialize({ padding, state });
      // Answered as soon as one piece is over: not after a later piece, here one that would
      // outlast the time limit and make the answer 'timeout'.
      const withSlowPiece = await serializer.serialize({
        padding,
        state,
        slow: deferredValue('block', { ms: 60_000 }),
      });

      const tooLarge = { truncated: true, reason: 'too_large', originalBytes: expect.any(Number) };
      expect(inWorker).toEqual({ encoding: 'truncated', value: tooLarge });
      expect(sliced).toEqual({ encoding: 'truncated', value: tooLarge });
      expect(withSlowPiece).toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'too_large' },
      });
      const bytesOf = (result: typeof sliced) =>
        result.encoding === 'truncated' ? (result.value.originalBytes ?? 0) : 0;
      // The whole payload's size: the piece's, and the padding's on top.
      expect(bytesOf(sliced) - bytesOf(inWorker)).toBe(
        JSON.stringify({ padding, state: null }).length - JSON.stringify({ state: null }).length,
      );
      await moduleRef.close();
    });

    it('splices deferred values found inside a large value in from the worker', async () => {
      const payload = {
        padding: Array.from({ length: 200 }, (_, index) => `row ${index} `.repeat(5)),
        state: deferredValue('thread-id', {}),
      };

      const decoded = decode(await compiled.serializer.serialize(payload)) as {
        state: { threadId: number };
        padding: string[];
      };

      expect(decoded.padding).toHaveLength(200);
      expect(decoded.state.threadId).not.toBe(0);
    });
  });
});
