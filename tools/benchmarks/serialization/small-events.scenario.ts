import * as realtime from '@agent-gateway/realtime';
import type { AgentEventType } from '@agent-gateway/events';
import type { PayloadSerializer } from '@agent-gateway/serialization';
import { performance } from 'node:perf_hooks';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { startSerializer } from './bench-serializer';
import { median } from './event-loop-delay';

/**
 * The gateway's own calls, taken out of the lib's index once. Compiled to CommonJS, as here and in
 * the gateway's bundle, every name read through an `export *` index runs a getter shared by all
 * its names (one megamorphic load, 20 to 30 ns). The publisher and the log call these through
 * plain imports inside the lib, which pay none of it; this loop should not pay it either.
 */
const { EnvelopePacketEncoder, unsequencedEnvelope, withSeq } = realtime;

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
  /** `bareWalk(payload)`, then the same `JSON.stringify`: the least any walk of it costs. */
  floorNs: number;
  floorRatio: number;
  /** socket.io's own packet encoder on the envelope: what a plain socket.io server spends. */
  socketIoNs: number;
  /** The least any server spends: `JSON.stringify` of the packet's data, in socket.io's framing. */
  plainWireNs: number;
  /** What the gateway spends: `serializeInline`, the envelope as the publisher marks it, its encoder. */
  gatewayNs: number;
  /** gatewayNs / socketIoNs. */
  gatewayVsSocketIo: number;
  /** gatewayNs / plainWireNs: the target's row, the whole fast path on the way to the wire. */
  gatewayVsPlainWire: number;
}

type Way = (type: string, payload: object) => number | Promise<number>;

/**
 * Cost per event of turning a small payload into what socket.io sends, seven ways:
 * - plain `JSON.stringify` of the envelope, and the fast path (`serializeInline()`, or
 *   `await serialize()`) followed by the same `JSON.stringify`: the lib's own check, alone;
 *   beside them the floor, a bare `for...in` walk that checks nothing, and the same stringify;
 * - on the way to the wire, each side ending with what engine.io and ws then do with the text
 *   (`'4' + text`, `Buffer.byteLength`): `JSON.stringify` of the packet's data in socket.io's
 *   framing (the least a server can spend), socket.io's packet encoder, and the gateway's way
 *   (fast path, envelope built and marked as the publisher and the log build it,
 *   `EnvelopePacketEncoder`).
 * Every envelope gets its own `ts`, and the run id changes every `EVENTS_PER_RUN` events among
 * `RUNS` runs, as a busy gateway's events do. Each round runs the seven, in an order that rotates
 * from round to round (what runs right after the async way pays for its promises' garbage), and
 * every ratio is the median of the rounds' own ratios, so that a machine that drifts between
 * rounds moves both sides alike. Each event is measured twice: first as the walk finds it, then
 * after the serializer has passed the records `recordsOffTheFastPath` makes.
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
    floor: floorRound,
    socketIo: (type, payload) => socketIoRound(socketIo, type, payload),
    plainWire: plainWireRound,
    gateway: (type, payload) => gatewayRound(serializer, gateway, type, payload),
  };
  const names = Object.keys(ways);
  try {
    const rows = await measureEachEvent(ways, names, '');
    // What every gateway meets soon: tool results a property loop cannot read by its fast path.
    for (const record of recordsOffTheFastPath()) {
      if (serializer.serializeInline({ tool: 'lookup', ok: true, result: record }) === undefined) {
        throw new Error('expected the fast path');
      }
      sink += bareWalk({ tool: 'lookup', ok: true, result: record });
    }
    rows.push(...(await measureEachEvent(ways, names, AFTER_SLOW_RECORDS)));
    return rows;
  } finally {
    await lib.close();
  }
}

/** The label of the second pass's rows. */
export const AFTER_SLOW_RECORDS = ' (after slow records)';

async function measureEachEvent(
  ways: Record<string, Way>,
  names: string[],
  label: string,
): Promise<SmallEventRow[]> {
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
      type: `${type}${label}`,
      plainNs: median(times.plain),
      syncNs: median(times.sync),
      syncRatio: ratio('sync', 'plain'),
      asyncNs: median(times.async),
      asyncRatio: ratio('async', 'plain'),
      floorNs: median(times.floor),
      floorRatio: ratio('floor', 'plain'),
      socketIoNs: median(times.socketIo),
      plainWireNs: median(times.plainWire),
      gatewayNs: median(times.gateway),
      gatewayVsSocketIo: ratio('gateway', 'socketIo'),
      gatewayVsPlainWire: ratio('gateway', 'plainWire'),
    });
  }
  return rows;
}

/**
 * Records V8 keeps in dictionary mode or with indexed elements, as tools return them every day: a
 * lookup built key by key (past about 16 computed keys), a record after a `delete`, one keyed by
 * ids. A `for...in` that has met one such record reads every later record's values by a generic
 * lookup instead of the enumeration cache's field index, for the rest of the process: the fast
 * path's walk costs more from then on (docs/BENCHMARKS.md, "2026-12-06: after slow records").
 */
function recordsOffTheFastPath(): object[] {
  const lookup: Record<string, number> = {};
  for (let index = 0; index < 40; index++) lookup[`user-${index}`] = index;
  const trimmed: Record<string, unknown> = { id: 'a', draft: true, title: 't' };
  delete trimmed['draft'];
  const byId: Record<string, string> = { 17: 'open', 42: 'closed' };
  return [lookup, trimmed, byId];
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

/**
 * The floor under any check written in JavaScript: a `for...in` over every record of the payload
 * that reads each value and checks nothing (no limits, no types, no cycles), then the same
 * `JSON.stringify`. What it costs over `JSON.stringify` alone, no walk of the payload can avoid.
 */
function floorRound(type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    sink += bareWalk(payload);
    sink += JSON.stringify(envelope(type, index, payload)).length;
  }
  return nanosecondsPerEvent(started);
}

function bareWalk(record: object): number {
  let total = 2;
  for (const key in record) {
    const entry: unknown = (record as Record<string, unknown>)[key];
    total += key.length + (typeof entry === 'object' && entry !== null ? bareWalk(entry) : 8);
  }
  return total;
}

function socketIoRound(encoder: Encoder, type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    sink += toWire(encoder.encode(packet(index, envelope(type, index, payload)))[0]);
  }
  return nanosecondsPerEvent(started);
}

/** socket.io's `encodeAsString` without its search for binary data: the JSON.stringify baseline. */
function plainWireRound(type: string, payload: object): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    const { id, data } = packet(index, envelope(type, index, payload));
    sink += toWire(`${PacketType.EVENT}${id}${JSON.stringify(data)}`);
  }
  return nanosecondsPerEvent(started);
}

/**
 * What engine.io's websocket transport and ws do with a packet's text: engine.io prefixes its
 * message type, ws takes the UTF-8 length (`Sender.send`), which flattens a string built of pieces.
 */
function toWire(text: string): number {
  return Buffer.byteLength(`4${text}`);
}

function gatewayRound(
  serializer: PayloadSerializer,
  encoder: realtime.EnvelopePacketEncoder,
  type: string,
  payload: object,
): number {
  const started = performance.now();
  for (let index = 0; index < EVENTS_PER_ROUND; index++) {
    // As the publisher and the log build it: the mark and the log's copy with its seq count here.
    const result = serializer.serializeInline(payload);
    if (result?.encoding !== 'inline') throw new Error('expected the fast path');
    const unsequenced = unsequencedEnvelope(draft(type, index), TS + index, result);
    sink += toWire(encoder.encode(packet(index, withSeq(unsequenced, index)))[0]);
  }
  return nanosecondsPerEvent(started);
}

function inlineValue(serializer: PayloadSerializer, payload: object): unknown {
  const result = serializer.serializeInline(payload);
  if (result?.encoding !== 'inline') throw new Error('expected the fast path');
  return result.value;
}

const TS = 1_700_000_000_000;
const EVENTS_PER_RUN = 10;
const RUNS = 100;
const RUN_IDS = Array.from({ length: RUNS }, (_, run) => `bench-run-${run}`);

function runIdOf(index: number): string {
  return RUN_IDS[Math.floor(index / EVENTS_PER_RUN) % RUNS];
}

function draft(type: string, index: number) {
  return { threadId: 'bench', runId: runIdOf(index), type: type as AgentEventType };
}

function envelope(type: string, seq: number, payload: unknown): object {
  return { v: 1, threadId: 'bench', runId: runIdOf(seq), seq, type, ts: TS + seq, payload };
}

/** What socket.io hands its encoder for `socket.emit('agent:event', envelope, ack)`. */
function packet(id: number, body: object): Packet {
  return { type: PacketType.EVENT, nsp: '/', id, data: ['agent:event', body] };
}

export function keepResultsAlive(): number {
  return sink;
}
