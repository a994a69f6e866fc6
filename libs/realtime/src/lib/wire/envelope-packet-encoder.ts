import { Decoder, Encoder, PacketType, protocol, type Packet } from 'socket.io-parser';
import { EnvelopeJsonWriter } from './envelope-json';
import { isProvenPlain } from './proven-plain';

/**
 * socket.io's packet encoder, less one walk for the events the gateway sends most. Before it
 * stringifies an event, socket.io searches the whole of it for binary data (a recursive
 * `hasBinary`, with an `instanceof` or three and a `hasOwnProperty` call per value), for every
 * socket it sends to and every resend. An envelope whose payload was proven plain JSON
 * (`plainPayload`) holds no binary by construction, so it is framed straight away; the text is
 * exactly what socket.io's own encoder makes (`envelope-packet-encoder.spec.ts` holds the two
 * side by side). Everything else, binary payloads included, goes through socket.io's encoder
 * unchanged. The proof costs the serializer's fast path one walk per event; this saves socket.io's
 * walk per send, and `EnvelopeJsonWriter` writes the envelope's text for less than `JSON.stringify`
 * (docs/BENCHMARKS.md, "Small events").
 */
export class EnvelopePacketEncoder extends Encoder {
  /** A custom JSON replacer would change the text: then every packet takes socket.io's way. */
  private readonly framesPlainEvents: boolean;
  private readonly envelopes = new EnvelopeJsonWriter();

  constructor(replacer?: (this: unknown, key: string, value: unknown) => unknown) {
    super(replacer);
    this.framesPlainEvents = replacer === undefined;
  }

  override encode(packet: Packet): string[] {
    if (
      this.framesPlainEvents &&
      packet.type === PacketType.EVENT &&
      carriesOnlyProvenPlain(packet.data)
    ) {
      return [this.encodePlainEvent(packet)];
    }
    return super.encode(packet) as string[];
  }

  /** socket.io-parser's text form of a packet without attachments (its `encodeAsString`). */
  private encodePlainEvent(packet: Packet): string {
    // Indexed, not destructured: array destructuring goes through the iterator protocol.
    const data = packet.data as [string, object];
    const name = data[0];
    const quotedName = QUOTED_EVENT_NAMES.get(name) ?? JSON.stringify(name);
    const namespace = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
    const id: number | string = packet.id ?? '';
    return `${PacketType.EVENT}${namespace}${id}[${quotedName},${this.bodyJson(data[1])}]`;
  }

  private bodyJson(body: object): string {
    if (!Array.isArray(body)) return this.envelopeJson(body);
    if (body.length > WRITTEN_BATCH_MAX) return JSON.stringify(body);
    let json = '[';
    for (let index = 0; index < body.length; index++) {
      if (index > 0) json += ',';
      json += this.envelopeJson(body[index] as object);
    }
    return `${json}]`;
  }

  private envelopeJson(envelope: object): string {
    return this.envelopes.write(envelope) ?? JSON.stringify(envelope);
  }
}

/**
 * The longest batch whose envelopes are written one by one. One `JSON.stringify` call has a fixed
 * cost of a few hundred nanoseconds, which the writer saves per envelope; over a long array, native
 * `JSON.stringify` pays it once and wins. Measured with 100-character payloads, per envelope: 530
 * against 700 ns for 2, 550 against 645 for 5, even at 8, 580 against 540 for 20 and 570 against
 * 464 for 500 (docs/BENCHMARKS.md, "Small events").
 */
export const WRITTEN_BATCH_MAX = 6;

/** The names the gateway sends envelopes under, quoted once. */
const QUOTED_EVENT_NAMES: ReadonlyMap<string, string> = new Map(
  ['agent:event', 'agent:events'].map((name) => [name, JSON.stringify(name)]),
);

/**
 * The parser for socket.io's `parser` server option: this encoder, socket.io's own decoder. The
 * bytes on the wire are socket.io's default format, so clients need nothing of it.
 */
export const envelopeWireParser = { protocol, Encoder: EnvelopePacketEncoder, Decoder };

/** `[eventName, envelope]` or `[eventName, [envelope, ...]]`, every envelope proven plain. */
function carriesOnlyProvenPlain(data: unknown): boolean {
  if (!Array.isArray(data) || data.length !== 2 || typeof data[0] !== 'string') return false;
  const body: unknown = data[1];
  if (!Array.isArray(body)) return isProvenPlain(body);
  if (body.length === 0) return false;
  for (let index = 0; index < body.length; index++) {
    if (!isProvenPlain(body[index])) return false;
  }
  return true;
}
