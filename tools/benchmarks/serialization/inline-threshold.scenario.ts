import { deferredValue } from '@agent-gateway/events';
import { buildNestedState, type PayloadSerializer } from '@agent-gateway/serialization';
import { performance } from 'node:perf_hooks';
import { startSerializer } from './bench-serializer';
import { median } from './event-loop-delay';

const SIZES_KIB = [1, 4, 16, 64, 256];
const ROUNDS = 15;

export interface ThresholdRow {
  sizeKib: number;
  /** Main thread held in one go: plain-JSON check + the JSON.stringify socket.io then does. */
  inlinePlainMs: number;
  /** The same when the payload needs converting (it holds a Date): toSafeJson + stringify. */
  inlineConvertMs: number;
  /** Latency of the sliced path for the same value (the loop is free between slices). */
  slicedMs: number;
  /** Latency of a worker round trip for a deferred value of that size. */
  workerMs: number;
}

/**
 * Where inline stops paying: what one inline conversion holds the event loop for, against the
 * latency of the paths that do not hold it. Payloads at or under the threshold go inline.
 */
export async function runInlineThreshold(): Promise<ThresholdRow[]> {
  const inline = await startSerializer({ inlineThresholdBytes: 1024 * 1024 });
  const offloaded = await startSerializer({ inlineThresholdBytes: 512 });
  try {
    const rows: ThresholdRow[] = [];
    for (const sizeKib of SIZES_KIB) {
      const bytes = sizeKib * 1024;
      const state = buildNestedState(bytes);
      const converted = { state, at: new Date(0) };
      rows.push({
        sizeKib,
        inlinePlainMs: await timed(inline.serializer, state, true),
        inlineConvertMs: await timed(inline.serializer, converted, true),
        slicedMs: await timed(offloaded.serializer, state, false),
        workerMs: await timed(
          offloaded.serializer,
          { state: deferredValue('nested-state', { bytes }) },
          false,
        ),
      });
    }
    return rows;
  } finally {
    await inline.close();
    await offloaded.close();
  }
}

async function timed(
  serializer: PayloadSerializer,
  payload: unknown,
  stringify: boolean,
): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const result = await serializer.serialize(payload);
    if (result.encoding === 'truncated')
      throw new Error(`unexpected truncation: ${result.value.reason}`);
    if (stringify && result.encoding === 'inline') JSON.stringify(result.value);
    samples.push(performance.now() - started);
  }
  return median(samples);
}
