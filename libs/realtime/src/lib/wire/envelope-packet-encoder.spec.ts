import type { Socket } from 'socket.io-client';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import type { EventEnvelope } from '@agent-gateway/events';
import { openWireSocketPair, type WireSocketPair } from '../testing/wire-socket-pair.fixture';
import { decodeSequenced, encodeSequenced } from '../event-log/stored-envelope.codec';
import { EnvelopePacketEncoder, WRITTEN_BATCH_MAX } from './envelope-packet-encoder';
import { plainPayload } from './proven-plain';

function header(seq: number) {
  return {
    v: 1 as const,
    threadId: 'thread-1',
    runId: 'run-1',
    seq,
    type: 'tool_completed' as const,
    ts: 1_700_000_000_000,
  };
}

function plainEnvelope(seq: number, payload: unknown = { tool: 'calculator', ok: true, n: seq }) {
  return { ...header(seq), ...plainPayload(payload) };
}

function batchOf(count: number) {
  return Array.from({ length: count }, (_, index) => plainEnvelope(index + 1));
}

function binaryEnvelope(seq: number) {
  return { ...header(seq), payload: Buffer.from('{"big":true}'), payloadEncoding: 'json' as const };
}

/** What socket.io's own decoder makes of an encoder's output, on the other side. */
function decodeAll(parts: string[]): Packet[] {
  const decoded: Packet[] = [];
  const decoder = new Decoder();
  decoder.on('decoded', (packet: Packet) => decoded.push(packet));
  for (const part of parts) decoder.add(part);
  return decoded;
}

function event(data: unknown[], extra: Partial<Packet> = {}): Packet {
  return { type: PacketType.EVENT, nsp: '/', data, ...extra };
}

describe('EnvelopePacketEncoder', () => {
  const ours = new EnvelopePacketEncoder();
  const socketIos = new Encoder();

  it.each([
    ['one envelope with an ack id', event(['agent:event', plainEnvelope(1)], { id: 7 })],
    ['a batch', event(['agent:events', [plainEnvelope(1), plainEnvelope(2)]], { id: 0 })],
    [
      'the longest batch written envelope by envelope',
      event(['agent:events', batchOf(WRITTEN_BATCH_MAX)], { id: 1 }),
    ],
    [
      'a longer batch, left to one JSON.stringify',
      event(['agent:events', batchOf(WRITTEN_BATCH_MAX + 1)], { id: 2 }),
    ],
    ['no ack id', event(['agent:event', plainEnvelope(3)])],
    ['another namespace', event(['agent:event', plainEnvelope(4)], { nsp: '/admin', id: 12 })],
    [
      'text that JSON escapes',
      event(['agent:event', plainEnvelope(5, { text: 'quote " slash \\ \n \u2028 é 😀' })]),
    ],
    [
      'a batch with an envelope the fast writer leaves to JSON.stringify',
      event(['agent:events', [plainEnvelope(1), { ...plainEnvelope(2), seq: Number.NaN }]]),
    ],
    [
      'an ephemeral envelope of another run',
      event(['agent:event', { ...plainEnvelope(6), runId: 'run-2', ephemeral: true }], { id: 8 }),
    ],
  ])('frames a proven-plain envelope as socket.io does: %s', (_case, packet) => {
    expect(ours.encode(packet)).toEqual(socketIos.encode(packet));
  });

  it('decodes, on the other side, to the envelope that was sent', () => {
    const envelope = plainEnvelope(9);
    const decoded = decodeAll(ours.encode(event(['agent:event', envelope], { id: 3 })));
    expect(decoded).toEqual([
      {
        type: PacketType.EVENT,
        nsp: '/',
        id: 3,
        data: ['agent:event', { ...header(9), payload: envelope.payload }],
      },
    ]);
  });

  it('decodes an envelope read back from the Redis log (keys in another order) to the same envelope', () => {
    const envelope = decodeSequenced(encodeSequenced(plainEnvelope(11) as EventEnvelope));
    const decoded = decodeAll(ours.encode(event(['agent:events', [envelope]], { id: 4 })));
    expect(decoded[0]?.data).toEqual(['agent:events', [JSON.parse(JSON.stringify(envelope))]]);
  });

  it('trusts the mark: a marked envelope is framed as text without a search for binary', () => {
    // Breaks the invariant on purpose (a marked payload holding a Buffer), to show which way it
    // went: socket.io's encoder would have found the Buffer and sent an attachment.
    const lying = { ...header(1), ...plainPayload({ hidden: Buffer.from('x') }) };
    const packet = event(['agent:event', lying], { id: 1 });
    expect(socketIos.encode(packet)).toHaveLength(2);
    expect(ours.encode(packet)).toEqual([`21${JSON.stringify(packet.data)}`]);
  });

  it.each([
    ['a binary payload', event(['agent:event', binaryEnvelope(1)], { id: 1 })],
    [
      'a batch with one binary payload',
      event(['agent:events', [plainEnvelope(1), binaryEnvelope(2)]]),
    ],
    [
      'a copy whose payload was replaced',
      event(['agent:event', { ...plainEnvelope(1), payload: Buffer.from('{}') }], { id: 2 }),
    ],
    ['an unmarked envelope', event(['agent:event', { ...header(1), payload: { ok: true } }])],
    ['more arguments than one', event(['agent:event', plainEnvelope(1), Buffer.from('x')])],
    ['an empty batch', event(['agent:events', []])],
  ])('leaves everything else to socket.io: %s', (_case, packet) => {
    expect(ours.encode(packet)).toEqual(socketIos.encode(packet));
  });

  it('leaves acknowledgement replies and other packets to socket.io', () => {
    const ack: Packet = {
      type: PacketType.ACK,
      nsp: '/',
      id: 4,
      data: [{ ok: true, b: Buffer.from('y') }],
    };
    expect(ours.encode(ack)).toEqual(socketIos.encode(ack));
    const connect: Packet = { type: PacketType.CONNECT, nsp: '/', data: { sid: 'abc' } };
    expect(ours.encode(connect)).toEqual(socketIos.encode(connect));
  });

  it('with a JSON replacer, frames every packet the way socket.io does', () => {
    const replacer = (_key: string, value: unknown): unknown => (value === 1 ? 'one' : value);
    const packet = event(['agent:event', plainEnvelope(1)], { id: 5 });
    expect(new EnvelopePacketEncoder(replacer).encode(packet)).toEqual(
      new Encoder(replacer).encode(packet),
    );
  });
});

describe('envelopeWireParser over real sockets', () => {
  let pair: WireSocketPair;
  let client: Socket;

  beforeEach(async () => {
    pair = await openWireSocketPair();
    client = pair.client;
  });

  afterEach(() => pair.close());

  it('delivers plain and binary envelopes, single and batched, with their acknowledgements', async () => {
    const received: EventEnvelope[] = [];
    client.on('agent:event', (envelope: EventEnvelope, ack: () => void) => {
      received.push(envelope);
      ack();
    });
    client.on('agent:events', (batch: EventEnvelope[], ack: () => void) => {
      received.push(...batch);
      ack();
    });
    const [socket] = await pair.server.fetchSockets();
    await socket.timeout(2000).emitWithAck('agent:event', plainEnvelope(1));
    await socket.timeout(2000).emitWithAck('agent:event', binaryEnvelope(2));
    await socket.timeout(2000).emitWithAck('agent:events', [plainEnvelope(3), plainEnvelope(4)]);

    expect(received.map((envelope) => envelope.seq)).toEqual([1, 2, 3, 4]);
    expect(received[0].payload).toEqual({ tool: 'calculator', ok: true, n: 1 });
    expect(Buffer.from(received[1].payload as Uint8Array).toString()).toBe('{"big":true}');
    expect(received[3]).toEqual({ ...header(4), payload: { tool: 'calculator', ok: true, n: 4 } });
  });
});
