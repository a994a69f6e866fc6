import { Registry } from 'prom-client';
import { INLINE_SAMPLE, INLINE_SAMPLES_KEPT } from './inline-samples';
import { SerializationMetrics } from './serialization.metrics';

async function inlineSeries(registry: Registry): Promise<{ payloads: number; timed: number }> {
  const text = await registry.metrics();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    payloads: value(/agent_gateway_serialization_payloads_total\{path="inline"\} (\d+)/),
    timed: value(/agent_gateway_serialization_duration_seconds_count\{path="inline"\} (\d+)/),
  };
}

/** What the fast path does per payload, `timed` telling whether it timed this one. */
function countInline(metrics: SerializationMetrics, payloads: number): number {
  let timed = 0;
  for (let index = 0; index < payloads; index++) {
    if (metrics.inline.sampleDue()) {
      metrics.inline.keep(0.000_002);
      timed++;
    }
    metrics.inline.count();
  }
  return timed;
}

describe('SerializationMetrics, inline payloads', () => {
  it('counts every inline payload and times one in INLINE_SAMPLE, reported at scrape', async () => {
    const registry = new Registry();
    const metrics = new SerializationMetrics(registry);

    const timed = countInline(metrics, 10 * INLINE_SAMPLE);

    expect(timed).toBe(10);
    expect(await inlineSeries(registry)).toEqual({ payloads: 10 * INLINE_SAMPLE, timed: 10 });
    // Drained: a second scrape adds nothing new.
    expect(await inlineSeries(registry)).toEqual({ payloads: 10 * INLINE_SAMPLE, timed: 10 });
  });

  it('keeps the sample due until an inline payload is counted', () => {
    const metrics = new SerializationMetrics(new Registry());
    countInline(metrics, INLINE_SAMPLE);

    expect(metrics.inline.sampleDue()).toBe(true);
    expect(metrics.inline.sampleDue()).toBe(true);
    metrics.inline.count();
    expect(metrics.inline.sampleDue()).toBe(false);
  });

  it('keeps at most INLINE_SAMPLES_KEPT durations between scrapes, still counting all', async () => {
    const registry = new Registry();
    const metrics = new SerializationMetrics(registry);

    countInline(metrics, 3 * INLINE_SAMPLES_KEPT * INLINE_SAMPLE);

    expect(await inlineSeries(registry)).toEqual({
      payloads: 3 * INLINE_SAMPLES_KEPT * INLINE_SAMPLE,
      timed: INLINE_SAMPLES_KEPT,
    });
  });

  it('adds up two serializers on one registry, and keeps what one counted before it was destroyed', async () => {
    const registry = new Registry();
    const first = new SerializationMetrics(registry);
    const second = new SerializationMetrics(registry);

    countInline(first, 100);
    countInline(second, 30);
    expect((await inlineSeries(registry)).payloads).toBe(130);

    countInline(second, 7);
    second.onModuleDestroy();
    countInline(second, 50);
    countInline(first, 1);
    expect((await inlineSeries(registry)).payloads).toBe(138);
  });
});
