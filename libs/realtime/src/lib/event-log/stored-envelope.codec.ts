import type { EventEnvelope } from '@agent-gateway/events';
import { plainPayloadJson } from '../wire/envelope-json';
import { PAYLOAD_JSON, PLAIN_PAYLOAD, payloadJsonOf } from '../wire/proven-plain';
import type { UnsequencedEnvelope } from './event-log.store';
import type { EveryEnvelopeKey } from './with-seq';

const NEWLINE = 0x0a;

/**
 * The byte form of an envelope in Redis (log entries and pub/sub messages):
 * `<ts>\n<header JSON>\n<payload>` unsequenced, and `<seq>\n` before that once sequenced. The
 * payload stays as it was made: JSON text for a plain payload, the serializer's bytes for a binary
 * one. It is never parsed or re-encoded on its way through, and never copied on decode.
 */

/**
 * An unsequenced entry in two parts, head (`<ts>\n<header JSON>\n`) and payload, for Redis to
 * join: a large payload goes out as the buffer it already is, with no copy on the event loop.
 */
export function encodeUnsequencedParts(
  envelope: UnsequencedEnvelope,
  payloadJson = storedPayloadJson(envelope),
): [Buffer, Buffer] {
  return encodeParts('', envelope, payloadJson);
}

/** One buffer, as PUBLISH takes one message: the payload is copied once. */
export function encodeSequenced(envelope: EventEnvelope): Buffer {
  return Buffer.concat(encodeParts(`${envelope.seq}\n`, envelope, storedPayloadJson(envelope)));
}

/**
 * The JSON text a plain payload is kept as by either store, `undefined` for a binary one: the text
 * the envelope carries when it has one (`PAYLOAD_JSON`), so an event is encoded once on its way
 * through, else the wire's own writer's (byte for byte `JSON.stringify`'s). Throws an error that
 * says what to do for a payload with no JSON text.
 */
export function storedPayloadJson(envelope: UnsequencedEnvelope): string | undefined {
  if (envelope.payloadEncoding === 'json') return undefined;
  let json = payloadJsonOf(envelope);
  if (json !== undefined) return json;
  try {
    json = plainPayloadJson(envelope.type, envelope.payload);
  } catch (error: unknown) {
    throw notJson(envelope, error instanceof Error ? error.message : String(error));
  }
  if (json === undefined) throw notJson(envelope, 'it has no JSON text');
  return json;
}

function notJson(envelope: UnsequencedEnvelope, why: string): Error {
  return new Error(
    `The payload of ${envelope.type} (run ${envelope.runId}) is not JSON (${why}); ` +
      'publish through ThreadEventPublisher, whose serializer makes any value JSON.',
  );
}

function encodeParts(
  prefix: string,
  envelope: UnsequencedEnvelope,
  payloadJson: string | undefined,
): [Buffer, Buffer] {
  const header = JSON.stringify(storedHeader(envelope));
  const head = Buffer.from(`${prefix}${envelope.ts}\n${header}\n`, 'utf8');
  return [head, payloadBytes(envelope, payloadJson)];
}

type StoredHeaderKey = Exclude<
  EveryEnvelopeKey,
  'seq' | 'payload' | typeof PLAIN_PAYLOAD | typeof PAYLOAD_JSON
>;

/**
 * Every field but `seq` and `payload`, copied field by field rather than with rest
 * destructuring (`const { seq, ...rest } = envelope` costs about 0.3 µs per object on Node 20,
 * see `with-seq.ts`); `satisfies` makes the compiler name any field the copy misses. Absent
 * optional fields come out `undefined`, which JSON leaves out.
 */
function storedHeader(envelope: UnsequencedEnvelope) {
  return {
    v: envelope.v,
    threadId: envelope.threadId,
    runId: envelope.runId,
    type: envelope.type,
    ts: envelope.ts,
    payloadEncoding: envelope.payloadEncoding,
    ephemeral: envelope.ephemeral,
  } satisfies Record<StoredHeaderKey, unknown>;
}

/** The bytes of a binary payload as they are (no copy), or the UTF-8 JSON of a plain one. */
function payloadBytes(envelope: UnsequencedEnvelope, payloadJson: string | undefined): Buffer {
  const { payload } = envelope;
  // Only a binary payload has no text (`storedPayloadJson`).
  if (payloadJson !== undefined) return Buffer.from(payloadJson, 'utf8');
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) {
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  }
  return Buffer.from(payload as ArrayBuffer);
}

export function decodeSequenced(bytes: Buffer): EventEnvelope {
  const afterSeq = bytes.indexOf(NEWLINE);
  const afterTs = bytes.indexOf(NEWLINE, afterSeq + 1);
  const afterHeader = bytes.indexOf(NEWLINE, afterTs + 1);
  if (afterSeq < 0 || afterTs < 0 || afterHeader < 0) throw new Error('malformed stored envelope');
  const seq = Number(bytes.subarray(0, afterSeq).toString('utf8'));
  const header = JSON.parse(bytes.subarray(afterTs + 1, afterHeader).toString('utf8')) as Omit<
    EventEnvelope,
    'payload' | 'seq'
  >;
  // A view, not a copy: the reply buffer is this message's alone.
  const body = bytes.subarray(afterHeader + 1);
  // Not a spread first: `{ ...header, seq }` is the slow way to build an object on V8 (with-seq.ts).
  if (header.payloadEncoding === 'json') return { seq, ...header, payload: body } as EventEnvelope;
  // Just parsed from JSON text, so plain JSON by construction.
  const json = body.toString('utf8');
  const payload: unknown = JSON.parse(json);
  // A header written by a newer gateway may carry a field this version does not know. The wire
  // encoder writes a marked envelope's known fields only, so such an envelope stays unmarked and
  // goes out through JSON.stringify, the field with it: extended, never cut.
  if (!holdsOnlyKnownFields(header)) return { seq, ...header, payload } as EventEnvelope;
  // The text goes along: the wire writes it rather than stringifying the payload again.
  const payloadJson = { of: payload, json };
  return {
    seq,
    ...header,
    payload,
    [PLAIN_PAYLOAD]: payload,
    [PAYLOAD_JSON]: payloadJson,
  } as EventEnvelope;
}

const STORED_HEADER_KEYS: ReadonlySet<string> = new Set<StoredHeaderKey>(
  Object.keys(storedHeader({} as UnsequencedEnvelope)) as StoredHeaderKey[],
);

function holdsOnlyKnownFields(header: object): boolean {
  for (const key in header) if (!STORED_HEADER_KEYS.has(key)) return false;
  return true;
}
