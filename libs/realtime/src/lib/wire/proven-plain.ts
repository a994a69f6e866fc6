/**
 * Marks an envelope whose payload is known to be plain JSON (object literals, arrays and
 * primitives: no Buffer, no typed array, no class instance), so that the wire encoder can frame it
 * without socket.io's own search for binary data (`EnvelopePacketEncoder`). The code that knows sets
 * it: the publisher, for a payload the serializer checked or converted inline; the Redis codec, for
 * a payload it has just parsed from JSON text. A marked envelope also holds only the fields this
 * version knows, since the encoder writes those alone (`EnvelopeJsonWriter`): the codec leaves an
 * envelope with a field from a newer gateway unmarked, and a copy of it stays unmarked.
 *
 * The mark holds the payload it vouches for, and is trusted only while `payload` is still that
 * value: a copy whose payload was replaced (`{ ...envelope, payload }`) is no longer trusted, and is
 * framed the usual way. Symbol-keyed, so JSON, socket.io and clients never see it; object spread
 * carries it, and the log's `withSeq` copies it.
 */
export const PLAIN_PAYLOAD = Symbol('agent-gateway.plainPayload');

interface MarkedEnvelope {
  readonly payload?: unknown;
  readonly [PLAIN_PAYLOAD]?: unknown;
}

/** The `payload` of an envelope together with the mark that vouches for it; spread it in. */
export function plainPayload<P>(payload: P): { payload: P; [PLAIN_PAYLOAD]: P } {
  return { payload, [PLAIN_PAYLOAD]: payload };
}

/** True for an envelope marked by `plainPayload` whose payload is still the one marked. */
export function isProvenPlain(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const mark = (value as MarkedEnvelope)[PLAIN_PAYLOAD];
  return mark !== undefined && mark === (value as MarkedEnvelope).payload;
}

/**
 * The JSON text of an envelope's payload, taken when the event was published: by the in-process
 * log at append (which keeps that text for replay), by the Redis codec from the message it parsed.
 * The wire writes this text instead of stringifying the payload again, so a live client gets the
 * event as it was published even when the producer changes its object while the send waits in an
 * outbox, and the payload is encoded once, not twice. Trusted only while `payload` is still the
 * value the text was taken of: a copy with another payload (`{ ...envelope, payload }`) carries a
 * text that no longer applies, and is written from its payload.
 */
export const PAYLOAD_JSON = Symbol('agent-gateway.payloadJson');

export interface PayloadJson {
  /** The payload the text was taken of. */
  readonly of: unknown;
  readonly json: string;
}

/** The payload's JSON text an envelope carries for its payload, if any. */
export function payloadJsonOf(envelope: {
  readonly payload?: unknown;
  readonly [PAYLOAD_JSON]?: PayloadJson;
}): string | undefined {
  const kept = envelope[PAYLOAD_JSON];
  return kept !== undefined && kept.of === envelope.payload ? kept.json : undefined;
}
