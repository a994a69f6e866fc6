import { EnvelopePacketEncoder, unsequencedEnvelope, withSeq } from '@agent-gateway/realtime';
import type { AgentEventType } from '@agent-gateway/events';
import type { PayloadSerializer } from '@agent-gateway/serialization';
import { performance } from 'node:perf_hooks';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { startSerializer } from './bench-serializer';
import { median } from './event-loop-delay';

/** Short rounds, many of them: a noisy neighbour spoils a few rounds, not a side. */
export const SMALL_EVENT_ROUNDS = 200;
export const EVENTS_PER_ROUND = 1_000;
const WARM_UP_ROUNDS = 20;

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

/** Nanoseconds per event, median over rounds; ratios are medians of each round's own ratio. */
export interface SmallEventRow {
  type: string;
  /** `JSON.stringify(envelope)`: the baseline of the first three. */
  plainNs: number;
  /** `serializer.serializeInline(payload)` (no promise), then the same `JSON.stringify`. */
  syncNs: number;
  syncRatio: number;
  /** `await serializer.serialize(payload)`, then the same `JSON.stringify`. */
  asyncNs: number;
  asyncRatio: number;
  /** socket.io's own packet encoder on the envelope: what a plain socket.io server spends. */
  socketIoNs: number;
  /** What the gateway spends: `serializeInline`, the envelope as the publisher marks it, its encoder. */
  gatewayNs: number;
  /** gatewayNs / socketIoNs. */
  gatewayVsSocketIo: number;
}

type Way = (type: string, payload: object) => number | Promise<number>;

/**
 * Cost per event of turning a small payload into what socket.io sends, five ways:
 * - plain `JSON.stringify` of the envelope, and the fast path (`serializeInline()`, or
 *   `await serialize()`) followed by the same `JSON.stringify`: the lib's own cost;
 * - socket.io's packet encoder on the envelope, and the gateway's way (fast path, envelope marked
 *   as the publisher marks it, `EnvelopePacketEncoder`): the cost on the way to the wire.
 * Each round runs the five, in an order that rotates from round to round (what runs right after
 * the async way pays for its promises' garbage), and every ratio is the median of the rounds' own
 * ratios, so that a machine that drifts between rounds moves both sides alike.
 */
export async function runSmallEvents(): Promise<SmallEventRow[]> {
  const lib = await startSerializer({});
  const serializer = lib.serializer;
  const socketIo = new Encoder();
  const gateway = new EnvelopePacketEncoder();
  const ways: Record<string, Way> = {
    plain: plainRound,
    sync: (type, payload) => syncRound(serializer, type, payload),
    async: (type, payload) => asyncRound(serializer, type, payload),
    socketIo: (type, payload) => socketIoRound(socketIo, type, payload),
    gateway: (type, payload) => gatewayRound(serializer, gateway, type, payload),
  };
  const names = Object.keys(ways);
  try {
    const rows: SmallEventRow[] = [];
    for (const [type, payload] of Object.entries(SMALL_EVENTS)) {
      const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = -WARM_UP_ROUNDS; round < SMALL_EVENT_ROUNDS; round++) {
        for (let way = 0; way < names.length; way++) {
          const name = names[(Math.abs(round) + way) % names.length];
          const nanoseconds = await ways[name](type, payload);
          if (round >= 0) times[name].push(nanoseconds);
        }
      }
      const ratio = (side: string, base: string): number =>
        median(times[side].map((nanoseconds, round) => nanoseconds / times[base][round]));
      rows.push({
        type,
        plainNs: median(times.plain),
        syncNs: median(times.sync),
        syncRatio: ratio('sync', 'plain'),
        asyncNs: median(times.async),
        asyncRatio: ratio('async', 'plain'),
        socketIoNs: median(times.socketIo),
        gatewayNs: median(times.gateway),
        gatewayVsSocketIo: ratio('gateway', 'socketIo'),
      });
    }
    return rows;
  } finally {
    await lib.close();
  }
}

let sink = 0;

function nanosecondsPerEvent(started: number): number {
  return ((performance.now() - started) * 1e6) / EVENTS_PER_ROUND;
}

function plainRound(type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    sink += JSON.stringify(envelope(type, index, payload)).length;
  }
  return nanosecondsPerEvent(started);
}

function syncRound(serializer: PayloadSerializer, type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    sink += JSON.stringify(envelope(type, index, inlineValue(serializer, payload))).length;
  }
  return nanosecondsPerEvent(started);
}

async function asyncRound(
  serializer: PayloadSerializer,
  type: string,
  payload: object,
): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    const result = await serializer.serialize(payload);
    if (result.encoding !== 'inline') {
      throw new Error(`expected the fast path, got ${result.encoding}`);
    }
    sink += JSON.stringify(envelope(type, index, result.value)).length;
  }
  return nanosecondsPerEvent(started);
}

function socketIoRound(encoder: Encoder, type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    sink += encoder.encode(packet(index, envelope(type, index, payload)))[0].length;
  }
  return nanosecondsPerEvent(started);
}

function gatewayRound(
  serializer: PayloadSerializer,
  encoder: EnvelopePacketEncoder,
  type: string,
  payload: object,
): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    // As the publisher and the log build it: the mark and the log's copy with its seq count here.
    const result = serializer.serializeInline(payload);
    if (result?.encoding !== 'inline') throw new Error('expected the fast path');
    const unsequenced = unsequencedEnvelope(draft(type), TS, result);
    sink += encoder.encode(packet(index, withSeq(unsequenced, index)))[0].length;
  }
  return nanosecondsPerEvent(started);
}

function inlineValue(serializer: PayloadSerializer, payload: object): unknown {
  const result = serializer.serializeInline(payload);
  if (result?.encoding !== 'inline') throw new Error('expected the fast path');
  return result.value;
}

const TS = 1_700_000_000_000;

function draft(type: string) {
  return { threadId: 'bench', runId: 'bench-run', type: type as AgentEventType };
}

function envelope(type: string, seq: number, payload: unknown): object {
  return { v: 1, threadId: 'bench', runId: 'bench-run', seq, type, ts: TS, payload };
}

/** What socket.io hands its encoder for `socket.emit('agent:event', envelope, ack)`. */
function packet(id: number, body: object): Packet {
  return { type: PacketType.EVENT, nsp: '/', id, data: ['agent:event', body] };
}

export function keepResultsAlive(): number {
  return sink;
}
