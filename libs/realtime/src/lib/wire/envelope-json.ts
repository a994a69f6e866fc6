import { AGENT_EVENT_TYPES, isTerminalEventType, type AgentEventType } from '@agent-gateway/events';
import type { EveryEnvelopeKey } from '../event-log/with-seq';
import { EpochMillisJson } from './epoch-millis-json';
import {
  payloadJsonOf,
  type PAYLOAD_JSON,
  type PayloadJson,
  type PLAIN_PAYLOAD,
} from './proven-plain';

/**
 * The fields `EnvelopeJsonWriter` writes, in the order it writes them (the order `withSeq` builds
 * them in, so the text is byte for byte what `JSON.stringify` makes of such an envelope). The
 * check below fails to compile when the contract gains a field this writer does not know.
 */
type WrittenKey =
  | 'v'
  | 'threadId'
  | 'runId'
  | 'seq'
  | 'type'
  | 'ts'
  | 'payload'
  | 'payloadEncoding'
  | 'ephemeral'
  | typeof PLAIN_PAYLOAD
  | typeof PAYLOAD_JSON;
const EVERY_KEY_IS_WRITTEN: Record<Exclude<EveryEnvelopeKey, WrittenKey>, never> = {};
void EVERY_KEY_IS_WRITTEN;

/**
 * How many runs' quoted ids are kept at most; past it the cache starts over (it is only a cache).
 * A run's head is dropped at its terminal event, so this bounds the runs whose end this process
 * never wrote (their followers left first): about 250 bytes each. Ten processes at the default
 * `MAX_CONCURRENT_RUNS` (100) stream fewer runs than this at once.
 */
export const ENVELOPE_HEADS_KEPT = 1024;

interface EnvelopeHead {
  readonly v: number;
  readonly threadId: string;
  readonly runId: string;
  /** `{"v":1,"threadId":"…","runId":"…","seq":`, quoted by JSON.stringify. */
  readonly text: string;
}

/** The envelope fields the writer reads; anything it cannot vouch for sends it to JSON.stringify. */
interface WritableEnvelope {
  readonly v?: unknown;
  readonly threadId?: unknown;
  readonly runId?: unknown;
  readonly seq?: unknown;
  readonly type?: unknown;
  readonly ts?: unknown;
  readonly payload?: unknown;
  readonly payloadEncoding?: unknown;
  readonly ephemeral?: unknown;
  readonly [PAYLOAD_JSON]?: PayloadJson;
}

interface KnownType {
  readonly quoted: string;
  /** The run's last event (`agent_completed`, `agent_error`). */
  readonly terminal: boolean;
  /** Its payload is usually a flat record (`flatRecordJson`); the tools' carry their own data. */
  readonly flatPayload: boolean;
}

const NESTED_PAYLOAD_TYPES: ReadonlySet<AgentEventType> = new Set<AgentEventType>([
  'tool_executing',
  'tool_completed',
]);

const KNOWN_TYPES: ReadonlyMap<string, KnownType> = new Map(
  AGENT_EVENT_TYPES.map((type) => [
    type,
    {
      quoted: JSON.stringify(type),
      terminal: isTerminalEventType(type),
      flatPayload: !NESTED_PAYLOAD_TYPES.has(type),
    },
  ]),
);

/** Longest flat record written by hand; past it `JSON.stringify` is the quicker. */
const FLAT_RECORD_MAX_KEYS = 4;

/**
 * What `JSON.stringify` escapes in a string (a quote, a backslash, control characters, lone
 * surrogates), and paired surrogates too (rare, and cheaper to leave than to tell apart): a string
 * this does not match is its own JSON text between quotes; one it matches goes to `JSON.stringify`.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Writes the JSON text of an envelope whose payload is proven plain JSON, for less than
 * `JSON.stringify` of the whole envelope costs. Much of that cost is the header: quoting the same
 * thread and run ids and key names for every event of a run. Here the header's fixed part is
 * quoted once per run and kept until the run's terminal event (`ENVELOPE_HEADS_KEPT` runs at
 * most), the type comes from a table, the numbers are written as JSON writes them (the timestamp's
 * leading digits converted once, `EpochMillisJson`). The payload's text is the one the envelope
 * carries from its log (`PAYLOAD_JSON`) when it has one; else a flat payload is written by hand
 * (`flatRecordJson`) and any other goes through `JSON.stringify` (docs/BENCHMARKS.md, "Small
 * events").
 *
 * Returns `undefined` for anything it cannot vouch for (a field that is not what the contract
 * says, a binary payload); the caller then uses `JSON.stringify`, so nothing is ever written
 * wrong, only slower.
 */
export class EnvelopeJsonWriter {
  private readonly heads = new Map<string, EnvelopeHead>();
  /**
   * The envelope written last and its text. Fan-out hands the same envelope object to every
   * subscribed socket in one synchronous loop, so the second to the last socket find it here and
   * the payload is stringified once per event, not once per socket. Envelopes are never changed
   * once built (the publisher, the log and the codec make new ones), which is what makes the
   * object's identity a safe key.
   */
  private lastEnvelope: WritableEnvelope | undefined;
  private lastText = '';
  private lastHead: EnvelopeHead | undefined;
  private readonly timestamps = new EpochMillisJson();

  constructor(private readonly headsKept = ENVELOPE_HEADS_KEPT) {}

  /** How many runs' headers are kept now (at most `headsKept`). */
  get keptRuns(): number {
    return this.heads.size;
  }

  /** The envelope's JSON text, or `undefined` when it must be left to `JSON.stringify`. */
  write(envelope: WritableEnvelope): string | undefined {
    if (envelope === this.lastEnvelope) return this.lastText;
    const text = this.build(envelope);
    if (text !== undefined) {
      this.lastEnvelope = envelope;
      this.lastText = text;
    }
    return text;
  }

  private build(envelope: WritableEnvelope): string | undefined {
    const { seq, type, ts, ephemeral } = envelope;
    if (
      envelope.payloadEncoding !== undefined ||
      !isJsonNumber(seq) ||
      !isJsonNumber(ts) ||
      typeof type !== 'string' ||
      (ephemeral !== undefined && ephemeral !== true)
    ) {
      return undefined;
    }
    const head = this.headOf(envelope);
    if (head === undefined) return undefined;
    const known = KNOWN_TYPES.get(type);
    // The text taken when the event was published, when there is one (`PAYLOAD_JSON`).
    const payload = payloadJsonOf(envelope) ?? payloadJsonAs(known, envelope.payload);
    if (payload === undefined) return undefined;
    const quotedType = known?.quoted ?? JSON.stringify(type);
    const tail = ephemeral === true ? ',"ephemeral":true}' : '}';
    // The run's last event: its head would only take room. Other sockets sent the same envelope
    // find its text in `lastEnvelope`; a later resend quotes the header again.
    if (known?.terminal === true) this.forget(head);
    return `${head.text}${seq},"type":${quotedType},"ts":${this.timestamps.json(ts)},"payload":${payload}${tail}`;
  }

  private forget(head: EnvelopeHead): void {
    if (this.heads.get(head.runId) === head) this.heads.delete(head.runId);
    if (this.lastHead === head) this.lastHead = undefined;
  }

  /** The run's quoted header, made on its first event and checked against every later one. */
  private headOf(envelope: WritableEnvelope): EnvelopeHead | undefined {
    const { v, threadId, runId } = envelope;
    if (typeof runId !== 'string' || typeof threadId !== 'string' || !isJsonNumber(v)) {
      return undefined;
    }
    // Events of one run mostly come in a row: the last head first, the map only on a change.
    const last = this.lastHead;
    if (last !== undefined && last.runId === runId && fits(last, threadId, v)) return last;
    const kept = this.heads.get(runId);
    if (kept !== undefined && fits(kept, threadId, v)) {
      this.lastHead = kept;
      return kept;
    }
    if (this.heads.size >= this.headsKept) this.heads.clear();
    const text = `{"v":${v},"threadId":${JSON.stringify(threadId)},"runId":${JSON.stringify(runId)},"seq":`;
    const head: EnvelopeHead = { v, threadId, runId, text };
    this.heads.set(runId, head);
    this.lastHead = head;
    return head;
  }
}

/** A kept head serves an envelope of its run only if thread and version are the head's too. */
function fits(head: EnvelopeHead, threadId: string, v: number): boolean {
  return head.threadId === threadId && head.v === v;
}

/**
 * The JSON text of a plain payload of an event of `type`, byte for byte what `JSON.stringify`
 * makes of it, and as the writer makes it (the in-process log keeps it so); `undefined` for a
 * value JSON has no text for.
 */
export function plainPayloadJson(type: string, payload: unknown): string | undefined {
  return payloadJsonAs(KNOWN_TYPES.get(type), payload);
}

function payloadJsonAs(known: KnownType | undefined, payload: unknown): string | undefined {
  return (
    (known?.flatPayload === true ? flatRecordJson(payload) : undefined) ??
    (JSON.stringify(payload) as string | undefined)
  );
}

/**
 * The JSON of a record of a few strings, finite numbers, booleans and nulls (a model's text, one
 * token, an error), or `undefined` for anything else. `JSON.stringify` escapes a string character
 * by character; a regular expression finds that nothing needs escaping about three times faster
 * (a 220-character text: 540 against 200 ns, docs/BENCHMARKS.md, "Small events"), and then the
 * string's JSON is the string between quotes. `Object.keys` gives the keys JSON.stringify writes,
 * in its order.
 */
function flatRecordJson(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const record = payload as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > FLAT_RECORD_MAX_KEYS) return undefined;
  let json = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    const value = flatValueJson(record[key]);
    if (value === undefined) return undefined;
    json += index === 0 ? `${quoted(key)}:${value}` : `,${quoted(key)}:${value}`;
  }
  return `${json}}`;
}

function flatValueJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'number':
      return isJsonNumber(value) ? `${value}` : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : undefined;
    default:
      return undefined;
  }
}

/** The JSON of a string: itself between quotes when nothing in it needs escaping. */
function quoted(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * A finite number, whose text in a template literal is its JSON text (both are the number's
 * `toString`); JSON writes NaN and the infinities as `null`, so those go to `JSON.stringify`.
 */
function isJsonNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
