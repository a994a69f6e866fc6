import { COUNTED_CHARS_AT_ONCE } from '../safe-json/plain-shape';
import { ESCAPED_CHARS_PER_STEP } from '../sliced/long-string-steps';
import { compileSerializer, type CompiledSerializer } from '../testing/compile-serializer';
import type { SerializedPayload } from './serialized-payload';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

function text(result: SerializedPayload): string {
  if (result.encoding !== 'json-bytes')
    throw new Error(`expected json-bytes, got ${result.encoding}`);
  return result.bytes.toString('utf8');
}

/** Resolves `work`, counting the timer callbacks the event loop ran meanwhile. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 0);
  try {
    return { result: await work(), ticks };
  } finally {
    clearInterval(ticker);
  }
}

/** The longest string `work` handed to `method` of `owner` in one call. */
async function longestStringPassed<T>(
  owner: object,
  method: string,
  work: () => Promise<T>,
): Promise<{ result: T; longest: number }> {
  const spy = jest.spyOn(owner as Record<string, (...args: unknown[]) => unknown>, method);
  try {
    const result = await work();
    const lengths = spy.mock.calls.map(([first]) => (typeof first === 'string' ? first.length : 0));
    return { result, longest: Math.max(0, ...lengths) };
  } finally {
    spy.mockRestore();
  }
}

// Everything JSON escapes, and a surrogate pair and lone surrogates, which it must keep apart.
const MIXED = 'ab"\\\n\u0001\u001f😀\ud800x\udc00é';

describe('PayloadSerializer: long strings on the sliced path', () => {
  let compiled: CompiledSerializer;

  beforeAll(async () => {
    compiled = await compileSerializer({
      poolSize: 1,
      inlineThresholdBytes: 1024,
      sliceMs: 1,
      timeoutMs: 10_000,
    });
  });

  afterAll(() => compiled.moduleRef.close());

  it('writes a long string a stretch at a time, byte for byte as JSON.stringify does', async () => {
    const boundary = 'x'.repeat(ESCAPED_CHARS_PER_STEP - 1);
    const payload = {
      // A pair whose halves straddle the end of a stretch, and a lone high surrogate that ends one.
      pair: `${boundary}😀${MIXED.repeat(5000)}`,
      lone: `${boundary}\ud800${boundary}\udbff`,
      list: [MIXED.repeat(3000), 'short'],
      n: 1,
    };

    const result = await compiled.serializer.serialize(payload);

    expect(text(result)).toBe(JSON.stringify(payload));
    const root = `${boundary}😀${MIXED.repeat(2000)}`;
    expect(text(await compiled.serializer.serialize(root))).toBe(JSON.stringify(root));
  });

  it('escapes one string that is slow to escape a stretch at a time, never in one go', async () => {
    // 1 Mi lone surrogates (six bytes of JSON each): 75 ms for JSON.stringify in one go.
    const payload = { text: '\ud800'.repeat(1024 * 1024) };

    const { result, longest } = await longestStringPassed(JSON, 'stringify', () =>
      compiled.serializer.serialize(payload),
    );

    expect(text(result)).toBe(JSON.stringify(payload));
    expect(longest).toBeLessThanOrEqual(ESCAPED_CHARS_PER_STEP + 1);
  });

  it('counts an over-long string for its marker in slices, not in one go on the inline path', async () => {
    const long = 'x'.repeat(32 * 1024 * 1024);
    const payload = { text: long, n: 1 };

    expect(compiled.serializer.serializeInline(payload)).toBeUndefined();
    const {
      result: { result, ticks },
      longest,
    } = await longestStringPassed(Buffer, 'byteLength', () =>
      ticksDuring(() => compiled.serializer.serialize(payload)),
    );

    expect(JSON.parse(text(result))).toEqual({
      text: { truncated: true, reason: 'too_large', originalBytes: long.length },
      n: 1,
    });
    expect(ticks).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(COUNTED_CHARS_AT_ONCE + 1);
  });
});
