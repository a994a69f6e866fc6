import type { EventEnvelope } from '@agent-gateway/events';
import { wireBodyOf } from '../testing/wire-body.fixture';
import { isProvenPlain, plainPayload } from '../wire/proven-plain';
import { withPlainPayload } from './with-seq';

const progress = {
  v: 1,
  threadId: 't-1',
  runId: 'r-1',
  seq: 3,
  type: 'agent_progress',
  ts: 42,
  ephemeral: true,
} as const;

describe('withPlainPayload (coalesced progress)', () => {
  it('marks the copy of a marked envelope, with the new payload', () => {
    const envelope: EventEnvelope<'agent_progress'> = {
      ...progress,
      ...plainPayload({ delta: 'a' }),
    };
    const coalesced = withPlainPayload(envelope, { delta: 'ab' });
    expect(isProvenPlain(coalesced)).toBe(true);
    expect(wireBodyOf(coalesced)).toEqual({ ...progress, payload: { delta: 'ab' } });
  });

  it('keeps a field this version does not know, leaving the copy unmarked', () => {
    // As the Redis codec decodes an envelope from a newer gateway: unmarked, with its extra field.
    const envelope = {
      ...progress,
      traceId: 'trace-9',
      payload: { delta: 'a' },
    } as EventEnvelope<'agent_progress'>;
    const coalesced = withPlainPayload(envelope, { delta: 'ab' });
    expect(isProvenPlain(coalesced)).toBe(false);
    expect(wireBodyOf(coalesced)).toEqual({
      ...progress,
      traceId: 'trace-9',
      payload: { delta: 'ab' },
    });
  });
});
