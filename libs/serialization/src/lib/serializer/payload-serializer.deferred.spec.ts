import { deferredValue } from '@agent-gateway/events';
import { compileSerializer, type CompiledSerializer } from '../testing/compile-serializer';
import { TEST_RECIPE_MODULES } from '../testing/test-recipes';
import type { SerializedPayload } from './serialized-payload';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

const INLINE_THRESHOLD = 1024;
/** What an untrusted tool could return: 82 bytes asking for 3 MB of state. */
const INJECTED_TEXT =
  '{"tool":"http_get","result":{"$deferred":"nested-state","args":{"bytes":3000000}}}';

function injected(): Record<string, unknown> {
  return JSON.parse(INJECTED_TEXT) as Record<string, unknown>;
}

function decode(result: SerializedPayload): unknown {
  if (result.encoding !== 'json-bytes')
    throw new Error(`expected json-bytes, got ${result.encoding}`);
  return JSON.parse(result.bytes.toString('utf8'));
}

describe('PayloadSerializer and deferred values', () => {
  let compiled: CompiledSerializer;

  beforeAll(async () => {
    compiled = await compileSerializer({
      poolSize: 1,
      inlineThresholdBytes: INLINE_THRESHOLD,
      timeoutMs: 5000,
      recipeModules: TEST_RECIPE_MODULES,
    });
  });

  afterAll(() => compiled.moduleRef.close());

  describe('plain data with a "$deferred" key is data, on every path', () => {
    it('inline: sent as it is, whether parsed JSON or a Map with those keys', async () => {
      const fromMap = new Map<string, unknown>([
        ['$deferred', 'nested-state'],
        ['args', { bytes: 3_000_000 }],
      ]);

      expect(await compiled.serializer.serialize(injected())).toEqual({
        encoding: 'inline',
        value: injected(),
        bytes: expect.any(Number) as number,
      });
      expect(await compiled.serializer.serialize({ result: fromMap })).toEqual({
        encoding: 'inline',
        value: { result: { $deferred: 'nested-state', args: { bytes: 3_000_000 } } },
        bytes: expect.any(Number) as number,
      });
    });

    it('worker: beside a real deferred value, which alone is built', async () => {
      const fromMap = new Map<string, unknown>([
        ['$deferred', 'thread-id'],
        ['args', {}],
      ]);
      const result = await compiled.serializer.serialize({
        tool: injected(),
        fromMap,
        real: deferredValue('thread-id', {}),
      });

      expect(decode(result)).toEqual({
        tool: injected(),
        fromMap: { $deferred: 'thread-id', args: {} },
        real: { threadId: expect.any(Number) as number },
      });
    });

    it('sliced: in a piece, in a record opened level by level, and beside a real one', async () => {
      // Too large for a piece: the sliced encoder opens it as it opens any record.
      const opened = {
        $deferred: 'nested-state',
        args: { bytes: 3_000_000 },
        padding: 'x'.repeat(2 * INLINE_THRESHOLD),
      };
      const payload = {
        tool: injected(),
        opened,
        rows: Array.from({ length: 200 }, (_, index) => ({ index, at: new Date(index) })),
        real: deferredValue('thread-id', {}),
      };

      const result = await compiled.serializer.serialize(payload);

      const decoded = decode(result) as Record<string, unknown>;
      expect(decoded['tool']).toEqual(injected());
      expect(decoded['opened']).toEqual(opened);
      expect(decoded['real']).toEqual({ threadId: expect.any(Number) as number });
      expect(result.encoding === 'json-bytes' && result.bytes.length).toBeLessThan(20_000);
    });
  });

  it('builds a deferred value a toJSON returns on every path, a record opened key by key too', async () => {
    function answeringDeferred(keys: number): Record<string, unknown> {
      const record: Record<string, unknown> = {};
      for (let index = 0; index < keys; index++) record[`k${index}`] = index;
      Object.defineProperty(record, 'toJSON', {
        value: () => deferredValue('thread-id', {}),
        enumerable: false,
      });
      return record;
    }

    const inline = await compiled.serializer.serialize({ state: answeringDeferred(2) });
    // Too many keys for any piece: the sliced encoder opens it before anything else.
    const sliced = await compiled.serializer.serialize({
      state: answeringDeferred(5000),
      padding: 'x'.repeat(2 * INLINE_THRESHOLD),
    });

    expect(decode(inline)).toEqual({ state: { threadId: expect.any(Number) as number } });
    expect(decode(sliced)).toEqual({
      state: { threadId: expect.any(Number) as number },
      padding: 'x'.repeat(2 * INLINE_THRESHOLD),
    });
  });

  describe('args on the sliced path', () => {
    it("refuses args no piece can hold: the marker in the value's place, copied no further", async () => {
      const ids = Array.from({ length: 200_000 }, (_, index) => ({ index }));
      const payload = {
        text: 'x'.repeat(2 * INLINE_THRESHOLD),
        huge: deferredValue('nested-state', { bytes: 10, ids }),
        fits: deferredValue('thread-id', { note: 'y'.repeat(INLINE_THRESHOLD / 2) }),
      };

      const result = await compiled.serializer.serialize(payload);

      expect(decode(result)).toEqual({
        text: payload.text,
        huge: { truncated: true, reason: 'too_large' },
        fits: { threadId: expect.any(Number) as number },
      });
    });

    it('refuses them at the root of a payload too', async () => {
      const ids = Array.from({ length: 200_000 }, (_, index) => index);
      const result = await compiled.serializer.serialize(deferredValue('nested-state', { ids }));

      // The whole payload replaced: a truncated result, as the other paths answer one.
      expect(result).toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'too_large' },
      });
    });
  });

  it("keeps a marker at the depth limit in the worker's result, as the inline path does", async () => {
    // The deepest record the limit lets through (depth 63 of 64), with a getter that throws.
    function deepWithThrowingGetter(): Record<string, unknown> {
      const deepest: Record<string, unknown> = { ok: 1 };
      Object.defineProperty(deepest, 'bad', {
        enumerable: true,
        get(): never {
          throw new Error('unreadable');
        },
      });
      let value = deepest;
      for (let level = 0; level < 62; level++) value = { n: value };
      return value;
    }

    const inline = await compiled.serializer.serialize({ deep: deepWithThrowingGetter() });
    const worker = await compiled.serializer.serialize({
      deep: deepWithThrowingGetter(),
      real: deferredValue('thread-id', {}),
    });

    if (inline.encoding !== 'inline') throw new Error(`expected inline, got ${inline.encoding}`);
    expect(JSON.stringify(inline.value)).toContain(
      '"bad":{"truncated":true,"reason":"unserializable"}',
    );
    expect(decode(worker)).toEqual({ ...(inline.value as object), real: expect.any(Object) });
  });
});
