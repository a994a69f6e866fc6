import { compileSerializer } from '../testing/compile-serializer';

describe('PayloadSerializer (inline path)', () => {
  it('returns a small payload inline, JSON-safe, with its size', async () => {
    const { moduleRef, serializer, registry } = await compileSerializer({ poolSize: 1 });

    const result = await serializer.serialize({ text: 'hi', at: new Date(0), big: 1n });

    expect(result).toEqual({
      encoding: 'inline',
      value: { text: 'hi', at: '1970-01-01T00:00:00.000Z', big: '1' },
      bytes: expect.any(Number) as number,
    });
    expect(
      await registry.getSingleMetricAsString('agent_gateway_serialization_duration_seconds'),
    ).toContain('agent_gateway_serialization_duration_seconds_count{path="inline"} 1');
    await moduleRef.close();
  });
});
