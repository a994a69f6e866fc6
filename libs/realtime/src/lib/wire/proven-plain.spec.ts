import { decodeSequenced, encodeSequenced } from '../event-log/stored-envelope.codec';
import type { EventEnvelope } from '@agent-gateway/events';
import { isProvenPlain, plainPayload } from './proven-plain';

const header = { v: 1, threadId: 't', runId: 'r', seq: 3, type: 'agent_thinking', ts: 1 } as const;

describe('proven-plain envelopes', () => {
  it('are marked by plainPayload, and stay marked through the copies the log makes', () => {
    const marked = { ...header, ...plainPayload({ text: 'hi' }) };
    expect(isProvenPlain(marked)).toBe(true);
    expect(isProvenPlain({ ...marked, seq: 4 })).toBe(true);
  });

  it('are not trusted once their payload is replaced, or when never marked', () => {
    const marked = { ...header, ...plainPayload({ text: 'hi' }) };
    expect(isProvenPlain({ ...marked, payload: { text: 'hi' } })).toBe(false);
    expect(isProvenPlain({ ...header, payload: { text: 'hi' } })).toBe(false);
    expect(isProvenPlain({ ...header, payload: undefined })).toBe(false);
    expect(isProvenPlain(null)).toBe(false);
  });

  it('keep the mark out of JSON', () => {
    expect(JSON.parse(JSON.stringify({ ...header, ...plainPayload({ text: 'hi' }) }))).toEqual({
      ...header,
      payload: { text: 'hi' },
    });
  });

  it('come marked out of the Redis codec when their payload was JSON text, not when binary', () => {
    const plain = decodeSequenced(encodeSequenced({ ...header, payload: { text: 'hi' } }));
    expect(plain.payload).toEqual({ text: 'hi' });
    expect(isProvenPlain(plain)).toBe(true);

    const binary = decodeSequenced(
      encodeSequenced({
        ...header,
        payload: Buffer.from('{"text":"hi"}'),
        payloadEncoding: 'json',
      } as EventEnvelope),
    );
    expect(isProvenPlain(binary)).toBe(false);
  });
});
