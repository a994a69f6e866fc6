import type { JsonValue, TruncatedPayload } from '@agent-gateway/events';

/** A payload ready for the wire, in one of the three forms the gateway knows how to send. */
export type SerializedPayload =
  /** Small and already JSON-safe; socket.io encodes it with the envelope. */
  | { encoding: 'inline'; value: JsonValue; bytes: number }
  /** UTF-8 JSON made off the event loop (or in yielding slices); send with `payloadEncoding: "json"`. */
  | { encoding: 'json-bytes'; bytes: Buffer }
  /** The contract's marker: timeout, too_large, overloaded or unserializable. */
  | { encoding: 'truncated'; value: TruncatedPayload };

export type SerializationPath = 'inline' | 'worker' | 'sliced';
