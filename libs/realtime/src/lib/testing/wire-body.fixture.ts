import { PacketType } from 'socket.io-parser';
import { EnvelopePacketEncoder } from '../wire/envelope-packet-encoder';

/** The envelope as a client reads it: sent as `agent:event` through the gateway's wire encoder. */
export function wireBodyOf(envelope: object): Record<string, unknown> {
  const [text] = new EnvelopePacketEncoder().encode({
    type: PacketType.EVENT,
    nsp: '/',
    data: ['agent:event', envelope],
  });
  return (JSON.parse(text.slice(1)) as [string, Record<string, unknown>])[1];
}
