import type { EventEnvelope } from '@agent-gateway/events';
import { wireBodyOf } from '../testing/wire-body.fixture';
import { isProvenPlain, PAYLOAD_JSON, plainPayload } from '../wire/proven-plain';
import { decodeSequenced, encodeSequenced, encodeUnsequencedParts } from './stored-envelope.codec';

const header = { v: 1, threadId: 't-1', runId: 'r-1', seq: 7, ts: 1_700_000_000_123 } as const;

describe('the stored envelope codec', () => {
  // Plain payloads made as the publisher makes them, marked: the decoder marks what it parses.
  it('round-trips a plain, an ephemeral and a binary envelope with every field', () => {
    const plain = {
      ...header,
      type: 'agent_thinking',
      ...plainPayload({ text: 'é "quoted"\n' }),
    } as const;
    const ephemeral = {
      ...header,
      type: 'agent_progress',
      ephemeral: true,
      ...plainPayload({ delta: 'tok' }),
    } as const;
    // A decoded plain payload carries the text it was parsed from, for the wire to write.
    const withText = <E extends { payload: object }>(envelope: E) => ({
      ...envelope,
      [PAYLOAD_JSON]: { of: envelope.payload, json: JSON.stringify(envelope.payload) },
    });
    expect(decodeSequenced(encodeSequenced(plain))).toEqual(withText(plain));
    expect(decodeSequenced(encodeSequenced(ephemeral))).toEqual(withText(ephemeral));

    const binary: EventEnvelope = {
      ...header,
      type: 'agent_completed',
      payload: Buffer.from('{"output":"x","durationMs":1}'),
      payloadEncoding: 'json',
    };
    const decoded = decodeSequenced(encodeSequenced(binary));
    expect(decoded).toMatchObject({ ...header, type: 'agent_completed', payloadEncoding: 'json' });
    expect(Buffer.from(decoded.payload as Uint8Array).toString()).toBe(
      '{"output":"x","durationMs":1}',
    );
  });

  it('stores the text an envelope carries for its payload, and not one taken of another', () => {
    const payload = { text: 'changed since' };
    const taken = { ...header, type: 'agent_thinking', ...plainPayload(payload) } as const;
    const carrying = { ...taken, [PAYLOAD_JSON]: { of: payload, json: '{"text":"as taken"}' } };
    expect(decodeSequenced(encodeSequenced(carrying)).payload).toEqual({ text: 'as taken' });

    const replaced = { ...carrying, ...plainPayload({ text: 'another payload' }) };
    expect(decodeSequenced(encodeSequenced(replaced)).payload).toEqual({ text: 'another payload' });
  });

  it('stores the header without seq or payload, and the payload as it was made', () => {
    const binaryPayload = Buffer.from('{"big":true}');
    const [head, payload] = encodeUnsequencedParts({
      v: 1,
      threadId: 't-1',
      runId: 'r-1',
      type: 'agent_completed',
      ts: 42,
      payload: binaryPayload,
      payloadEncoding: 'json',
    });
    const [ts, headerJson] = head.toString().split('\n');
    expect(ts).toBe('42');
    expect(JSON.parse(headerJson)).toEqual({
      v: 1,
      threadId: 't-1',
      runId: 'r-1',
      type: 'agent_completed',
      ts: 42,
      payloadEncoding: 'json',
    });
    expect(payload).toBe(binaryPayload);
  });
});

describe('an envelope stored by a newer gateway', () => {
  const storedByNewer = (extra: Record<string, unknown>): Buffer =>
    Buffer.from(
      `7\n42\n${JSON.stringify({ v: 1, threadId: 't-1', runId: 'r-1', type: 'agent_thinking', ts: 42, ...extra })}\n{"text":"hi"}`,
    );

  it('keeps a header field this version does not know, on the wire too', () => {
    const decoded = decodeSequenced(storedByNewer({ traceId: 'trace-9' }));
    expect(decoded).toMatchObject({ seq: 7, traceId: 'trace-9', payload: { text: 'hi' } });
    // Unmarked: the wire encoder leaves it to JSON.stringify, which writes every field.
    expect(isProvenPlain(decoded)).toBe(false);
    expect(wireBodyOf(decoded)).toMatchObject({ traceId: 'trace-9', seq: 7 });
  });

  it('marks a header of known fields only as proven plain', () => {
    expect(isProvenPlain(decodeSequenced(storedByNewer({})))).toBe(true);
  });
});
