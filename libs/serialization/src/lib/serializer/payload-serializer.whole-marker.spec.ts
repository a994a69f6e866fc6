import type { Registry } from 'prom-client';
import { compileSerializer, type CompiledSerializer } from '../testing/compile-serializer';

jest.setTimeout(30_000);

async function truncatedTotal(registry: Registry, reason: string): Promise<number> {
  const metric = await registry
    .getSingleMetric('agent_gateway_serialization_truncated_total')
    ?.get();
  return metric?.values.find((value) => value.labels['reason'] === reason)?.value ?? 0;
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('PayloadSerializer: a payload replaced whole by the truncation marker', () => {
  let compiled: CompiledSerializer;

  beforeAll(async () => {
    compiled = await compileSerializer({ poolSize: 1 });
  });

  afterAll(() => compiled.moduleRef.close());

  it.each([
    [
      'a root toJSON that throws',
      (): unknown => ({
        toJSON(): never {
          throw new Error('no');
        },
      }),
      { truncated: true, reason: 'unserializable' },
      'inline too',
    ],
    ['a revoked Proxy', revokedProxy, { truncated: true, reason: 'unserializable' }, 'inline too'],
    [
      // Past COUNTED_CHARS_AT_ONCE: counted in slices, not inline.
      'a string over maxStringChars',
      (): unknown => 'x'.repeat(2 * 1024 * 1024),
      { truncated: true, reason: 'too_large', originalBytes: 2 * 1024 * 1024 },
      'not inline',
    ],
    [
      // A pair straddles the end of the first counted stretch, and is counted as one character.
      'a string over maxStringChars of two-byte characters and surrogate pairs',
      (): unknown => `é${'😀'.repeat(600 * 1024)}`,
      { truncated: true, reason: 'too_large', originalBytes: 2 + 4 * 600 * 1024 },
      'not inline',
    ],
    [
      'bytes whose base64 is over maxStringChars',
      (): unknown => Buffer.alloc(1024 * 1024),
      { truncated: true, reason: 'too_large', originalBytes: 1_398_104 },
      'inline too',
    ],
  ])('is reported as truncated and counted: %s', async (_name, payload, marker, inline) => {
    const before = await truncatedTotal(compiled.registry, marker.reason);

    const result = await compiled.serializer.serialize(payload());

    expect(result).toEqual({ encoding: 'truncated', value: marker });
    // The fast path answers alike, or leaves the payload to `serialize` (a string too long to
    // count in one go on the event loop): never another answer.
    const fast = compiled.serializer.serializeInline(payload());
    expect(fast).toEqual(inline === 'inline too' ? result : undefined);
    expect(await truncatedTotal(compiled.registry, marker.reason)).toBe(
      before + (inline === 'inline too' ? 2 : 1),
    );
  });

  it('leaves a marker inside a payload in its own place, inline and uncounted', async () => {
    const before = await truncatedTotal(compiled.registry, 'unserializable');

    const result = await compiled.serializer.serialize({ ok: 1, bad: revokedProxy() });

    expect(result).toMatchObject({
      encoding: 'inline',
      value: { ok: 1, bad: { truncated: true, reason: 'unserializable' } },
    });
    expect(await truncatedTotal(compiled.registry, 'unserializable')).toBe(before);
  });
});
