import type { PayloadSerializer } from '@agent-gateway/serialization';
import { performance } from 'node:perf_hooks';
import { startSerializer } from './bench-serializer';
import { median } from './event-loop-delay';

export const SMALL_EVENT_ROUNDS = 15;
export const EVENTS_PER_ROUND = 20_000;

/** Small payloads as the engine sends them, by far the most frequent events. */
const SMALL_EVENTS: Record<string, object> = {
  agent_thinking: { text: 'Let me work through this step by step before I answer. '.repeat(4) },
  tool_completed: {
    tool: 'calculator',
    callId: 'call-7f3a',
    ok: true,
    result: { expression: '2+3*4', value: 14 },
    durationMs: 3,
  },
  agent_progress: { delta: 'token ' },
};

export interface SmallEventRow {
  type: string;
  plainNs: number;
  /** `await serializer.serialize(payload)`, then the same JSON.stringify. */
  asyncNs: number;
  /** `serializer.serializeInline(payload)` (no promise), then the same JSON.stringify. */
  syncNs: number;
  /** Median over rounds of each round's asyncNs / plainNs. */
  asyncRatio: number;
  /** Median over rounds of each round's syncNs / plainNs. */
  syncRatio: number;
}

/**
 * Cost per event of turning a small payload into the text socket.io sends: plain
 * `JSON.stringify` of the envelope, versus the fast path (`await serialize()`, or the
 * synchronous `serializeInline()`) followed by the same `JSON.stringify` of the envelope with
 * its result. Each round runs the three, in an order that rotates from round to round (what
 * runs right after the async way pays for its promises' garbage); the ratios are medians of each
 * round's own ratio, so that a machine that drifts between rounds moves both sides alike.
 */
export async function runSmallEvents(): Promise<SmallEventRow[]> {
  const lib = await startSerializer({});
  try {
    const rows: SmallEventRow[] = [];
    for (const [type, payload] of Object.entries(SMALL_EVENTS)) {
      const plain: number[] = [];
      const viaAsync: number[] = [];
      const viaSync: number[] = [];
      const ways = [
        async () => plain.push(plainRound(type, payload)),
        async () => viaAsync.push(await asyncRound(lib.serializer, type, payload)),
        async () => viaSync.push(syncRound(lib.serializer, type, payload)),
      ];
      for (let round = 0; round < SMALL_EVENT_ROUNDS; round++) {
        for (let way = 0; way < ways.length; way++) await ways[(round + way) % ways.length]();
      }
      const ratios = (side: number[]): number =>
        median(side.map((nanoseconds, round) => nanoseconds / plain[round]));
      rows.push({
        type,
        plainNs: median(plain),
        asyncNs: median(viaAsync),
        syncNs: median(viaSync),
        asyncRatio: ratios(viaAsync),
        syncRatio: ratios(viaSync),
      });
    }
    return rows;
  } finally {
    await lib.close();
  }
}

let sink = 0;

function plainRound(type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    sink += JSON.stringify(envelope(type, index, payload)).length;
  }
  return ((performance.now() - started) * 1e6) / EVENTS_PER_ROUND;
}

async function asyncRound(
  serializer: PayloadSerializer,
  type: string,
  payload: object,
): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    const result = await serializer.serialize(payload);
    if (result.encoding !== 'inline')
      throw new Error(`expected the fast path, got ${result.encoding}`);
    sink += JSON.stringify(envelope(type, index, result.value)).length;
  }
  return ((performance.now() - started) * 1e6) / EVENTS_PER_ROUND;
}

function syncRound(serializer: PayloadSerializer, type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    const result = serializer.serializeInline(payload);
    if (result?.encoding !== 'inline') throw new Error('expected the fast path');
    sink += JSON.stringify(envelope(type, index, result.value)).length;
  }
  return ((performance.now() - started) * 1e6) / EVENTS_PER_ROUND;
}

function envelope(type: string, seq: number, payload: unknown): object {
  return { v: 1, threadId: 'bench', runId: 'bench-run', seq, type, ts: 1_700_000_000_000, payload };
}

export function keepResultsAlive(): number {
  return sink;
}
