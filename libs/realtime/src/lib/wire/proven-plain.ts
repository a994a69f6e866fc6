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
