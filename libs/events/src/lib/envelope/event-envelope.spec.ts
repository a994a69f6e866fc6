import { decodeEnvelope, type EventEnvelope } from './event-envelope';

describe('decodeEnvelope', () => {
  const header = {
    v: 1,
    threadId: 't1',
    runId: 'r1',
    seq: 3,
    ts: 1,
    type: 'agent_thinking',
  } as const;

  it('parses a binary JSON payload into the plain form', () => {
    const envelope: EventEnvelope = {
      ...header,
      payload: Buffer.from(JSON.stringify({ text: 'ünïcode' })),
      payloadEncoding: 'json',
    };
    expect(decodeEnvelope(envelope)).toEqual({ ...header, payload: { text: 'ünïcode' } });
  });

  it('decodes an ArrayBuffer as a browser receives it', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ text: 'x' }));
    const envelope: EventEnvelope = { ...header, payload: bytes.buffer, payloadEncoding: 'json' };
    expect(decodeEnvelope(envelope).payload).toEqual({ text: 'x' });
  });

  it('passes a plain envelope through unchanged', () => {
    const envelope: EventEnvelope = { ...header, payload: { text: 'x' } };
    expect(decodeEnvelope(envelope)).toBe(envelope);
  });
});
