import type { DecodedEventEnvelope } from '@agent-gateway/events';
import { ThreadTracker } from './thread-tracker';

function event(threadId: string, seq: number, ephemeral = false): DecodedEventEnvelope {
  return {
    v: 1,
    threadId,
    runId: 'r',
    seq,
    ts: 0,
    type: ephemeral ? 'agent_progress' : 'agent_thinking',
    payload: ephemeral ? { delta: 'x' } : { text: 'x' },
    ...(ephemeral ? { ephemeral: true as const } : {}),
  } as DecodedEventEnvelope;
}

describe('ThreadTracker', () => {
  it('accepts each durable seq once per thread and drops a repeat', () => {
    const tracker = new ThreadTracker();
    expect([1, 2, 2, 3, 1].map((seq) => tracker.accept(event('a', seq)))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(tracker.accept(event('b', 1))).toBe(true);
    expect(tracker.lastSeq('a')).toBe(3);
  });

  it('always passes ephemeral events, which repeat the last durable seq', () => {
    const tracker = new ThreadTracker();
    tracker.accept(event('a', 4));
    expect(tracker.accept(event('a', 4, true))).toBe(true);
    expect(tracker.accept(event('a', 4, true))).toBe(true);
  });

  it('resumes from where it stands, never behind a seq it already handed out', () => {
    const tracker = new ThreadTracker();
    tracker.accept(event('a', 7));
    tracker.follow('a', 2);
    expect(tracker.followed()).toEqual([['a', 7]]);
    tracker.follow('c', 5);
    expect(tracker.accept(event('c', 5))).toBe(false);
    tracker.unfollow('a');
    expect(tracker.followed()).toEqual([['c', 5]]);
  });
});
