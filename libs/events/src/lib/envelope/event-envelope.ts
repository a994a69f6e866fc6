import type { AgentEventPayloads, AgentEventType, TruncatedPayload } from './agent-event-payloads';

export const ENVELOPE_VERSION = 1;

/** Binary UTF-8 JSON: a `Buffer` in Node, an `ArrayBuffer` in a browser. */
export type BinaryJson = ArrayBuffer | Uint8Array;

interface EnvelopeHeader<T extends AgentEventType> {
  v: typeof ENVELOPE_VERSION;
  threadId: string;
  runId: string;
  /** Per-thread durable sequence; an ephemeral event carries the thread's last durable `seq`. */
  seq: number;
  type: T;
  /** Epoch milliseconds. */
  ts: number;
  ephemeral?: true;
}

/** An envelope whose payload is a plain JSON value (or the truncation marker). */
export interface JsonEventEnvelope<
  T extends AgentEventType = AgentEventType,
> extends EnvelopeHeader<T> {
  payload: AgentEventPayloads[T] | TruncatedPayload;
  payloadEncoding?: undefined;
}

/** An envelope whose payload was serialized off the event loop and ships as binary JSON. */
export interface BinaryEventEnvelope<
  T extends AgentEventType = AgentEventType,
> extends EnvelopeHeader<T> {
  payload: BinaryJson;
  payloadEncoding: 'json';
}

export type EventEnvelope<T extends AgentEventType = AgentEventType> =
  JsonEventEnvelope<T> | BinaryEventEnvelope<T>;

/** An envelope with its payload decoded, as a client application handles it. */
export type DecodedEventEnvelope<T extends AgentEventType = AgentEventType> = JsonEventEnvelope<T>;

const utf8 = new TextDecoder();

/** Turns a `payloadEncoding: "json"` envelope into the plain form; plain envelopes pass through. */
export function decodeEnvelope<T extends AgentEventType>(
  envelope: EventEnvelope<T>,
): DecodedEventEnvelope<T> {
  if (envelope.payloadEncoding !== 'json') return envelope;
  const { payloadEncoding: _encoding, payload, ...header } = envelope;
  const bytes = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
  return {
    ...header,
    payload: JSON.parse(utf8.decode(bytes)) as AgentEventPayloads[T] | TruncatedPayload,
  };
}
