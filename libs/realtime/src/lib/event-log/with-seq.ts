import type {
  AgentEventPayloads,
  AgentEventType,
  BinaryEventEnvelope,
  EventEnvelope,
  JsonEventEnvelope,
} from '@agent-gateway/events';
import { PAYLOAD_JSON, PLAIN_PAYLOAD, isProvenPlain, type PayloadJson } from '../wire/proven-plain';
import type { UnsequencedEnvelope } from './event-log.store';

/** Every key an envelope can have, so that the copy below cannot forget one the contract adds. */
export type EveryEnvelopeKey =
  keyof JsonEventEnvelope | keyof BinaryEventEnvelope | typeof PLAIN_PAYLOAD | typeof PAYLOAD_JSON;

/**
 * `envelope` with its `seq` (and `ephemeral`, for an event that skips the log), copied field by
 * field. This runs for every event, and how an object is built costs more than one would think on
 * Node 20's V8: `{ ...envelope, seq }` (a spread, then a property) takes 0.7 to 1.7 µs, more than
 * `JSON.stringify` of the whole small event; `{ seq, ...envelope }` about 0.3 µs; this literal
 * next to nothing (docs/BENCHMARKS.md, "Small events"). Optional fields come out as `undefined`,
 * which JSON leaves out.
 */
export function withSeq(
  envelope: UnsequencedEnvelope,
  seq: number,
  ephemeral?: true,
  payloadJson?: string,
): EventEnvelope {
  const fields = envelope as Partial<Record<EveryEnvelopeKey, unknown>>;
  const { payload, payloadEncoding } = envelope;
  // `payloadJson`: the payload's text as the log took it (`PAYLOAD_JSON`).
  const json =
    payloadJson === undefined
      ? (fields[PAYLOAD_JSON] as PayloadJson | undefined)
      : { of: payload, json: payloadJson };
  return copyEnvelope(
    envelope,
    seq,
    ephemeral ?? envelope.ephemeral,
    payload,
    payloadEncoding,
    fields[PLAIN_PAYLOAD],
    json,
  );
}

/**
 * `envelope` with a new plain payload (the outbox's coalesced progress), marked proven plain when
 * `envelope` was.
 */
export function withPlainPayload<T extends AgentEventType>(
  envelope: EventEnvelope<T>,
  payload: AgentEventPayloads[T],
): EventEnvelope<T> {
  return withReplacedPayload(envelope, payload, isProvenPlain(envelope)) as EventEnvelope<T>;
}

/**
 * `envelope` with `payload`, a plain JSON value, in place of its own; marked proven plain when
 * `marked` says `envelope` was (the in-process log asks for it while the envelope holds no payload,
 * which no mark can vouch for). An unmarked one may carry a field this version does not know (read
 * from Redis, written by a newer gateway): it is copied whole and stays unmarked, so the wire keeps
 * the field.
 */
export function withReplacedPayload(
  envelope: EventEnvelope,
  payload: unknown,
  marked: boolean,
): EventEnvelope {
  if (!marked) {
    const whole = {
      ...envelope,
      payload,
      payloadEncoding: undefined,
      [PLAIN_PAYLOAD]: undefined,
      [PAYLOAD_JSON]: undefined,
    };
    return whole as EventEnvelope;
  }
  const { seq, ephemeral } = envelope;
  return copyEnvelope(envelope, seq, ephemeral, payload, undefined, payload, undefined);
}

/** The one field-by-field copy; `satisfies` makes the compiler name any key it misses. */
function copyEnvelope(
  envelope: UnsequencedEnvelope,
  seq: number,
  ephemeral: true | undefined,
  payload: unknown,
  payloadEncoding: 'json' | undefined,
  mark: unknown,
  json: PayloadJson | undefined,
): EventEnvelope {
  const copy = {
    v: envelope.v,
    threadId: envelope.threadId,
    runId: envelope.runId,
    seq,
    type: envelope.type,
    ts: envelope.ts,
    payload,
    payloadEncoding,
    ephemeral,
    [PLAIN_PAYLOAD]: mark,
    [PAYLOAD_JSON]: json,
  } satisfies Record<EveryEnvelopeKey, unknown>;
  return copy as EventEnvelope;
}
