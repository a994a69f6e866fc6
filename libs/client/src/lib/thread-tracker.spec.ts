import type { DecodedEventEnvelope } from '@agent-gateway/events';
import { MAX_DROPPED_THREADS, ThreadTracker } from './thread-tracker';

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
    tracker.subscribed('a', 2, { lastSeq: 9 });
    expect(tracker.followed()).toEqual([['a', 7]]);
    tracker.subscribed('c', 5, { lastSeq: 9 });
    expect(tracker.accept(event('c', 5))).toBe(false);
    tracker.unfollow('a');
    expect(tracker.followed()).toEqual([['c', 5]]);
  });

  it('stands at the lastSeq a subscribe without afterSeq answered, not at 0', () => {
    const tracker = new ThreadTracker();
    tracker.subscribed('a', undefined, { lastSeq: 12 });
    expect(tracker.followed()).toEqual([['a', 12]]);
    // Released live while the subscribe was answered: still handed out, not taken for a repeat.
    expect(tracker.accept(event('a', 12))).toBe(true);
    expect(tracker.accept(event('a', 13))).toBe(true);
    expect(tracker.followed()).toEqual([['a', 13]]);
    tracker.followNew('new');
    expect(tracker.lastSeq('new')).toBe(0);
  });

  it('starts over when the gateway answers a resume below its afterSeq (its log was lost): all it replays is new', () => {
    const tracker = new ThreadTracker();
    tracker.accept(event('a', 40));
    tracker.subscribed('a', 40, { lastSeq: 3 });
    expect(tracker.lastSeq('a')).toBe(0);
    expect([1, 2, 2, 3, 4].map((seq) => tracker.accept(event('a', seq)))).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(tracker.lastSeq('a')).toBe(4);
  });

  it('after unfollow drops what still comes for the thread and does not follow it again', () => {
    const tracker = new ThreadTracker();
    tracker.accept(event('a', 1));
    tracker.unfollow('a');
    expect(tracker.accept(event('a', 2))).toBe(false);
    expect(tracker.accept(event('a', 2, true))).toBe(false);
    expect(tracker.followed()).toEqual([]);
    tracker.subscribed('a', 2, { lastSeq: 5 });
    expect(tracker.accept(event('a', 3))).toBe(true);
  });

  it('ignores the reply of a subscribe sent before an unfollow of the thread, not of one sent after', () => {
    const tracker = new ThreadTracker();
    const before = tracker.mark();
    tracker.unfollow('a');
    tracker.subscribed('a', undefined, { lastSeq: 8 }, before);
    expect(tracker.follows('a')).toBe(false);
    expect(tracker.accept(event('a', 9))).toBe(false);
    const after = tracker.mark();
    tracker.subscribed('a', undefined, { lastSeq: 8 }, after);
    expect(tracker.followed()).toEqual([['a', 8]]);
    // An unfollow of another thread does not make this thread's reply stale.
    const other = tracker.mark();
    tracker.unfollow('b');
    tracker.subscribed('c', undefined, { lastSeq: 2 }, other);
    expect(tracker.follows('c')).toBe(true);
  });

  it('remembers the last MAX_DROPPED_THREADS unfollowed threads, not every one ever left', () => {
    const tracker = new ThreadTracker();
    for (let index = 0; index <= MAX_DROPPED_THREADS; index++) tracker.unfollow(`t${index}`);
    // The newest are still dropped; the oldest is forgotten, its late events like any new thread's.
    expect(tracker.accept(event(`t${MAX_DROPPED_THREADS}`, 1))).toBe(false);
    expect(tracker.accept(event('t1', 1))).toBe(false);
    expect(tracker.accept(event('t0', 1))).toBe(true);
  });

  it('keeps where a followed thread stands when it is subscribed again without afterSeq', () => {
    const tracker = new ThreadTracker();
    tracker.accept(event('a', 5));
    // Events 6 to 9 are still on their way through the subscription the gateway keeps.
    tracker.subscribed('a', undefined, { lastSeq: 9 });
    expect(tracker.followed()).toEqual([['a', 5]]);
    expect(tracker.accept(event('a', 6))).toBe(true);
  });

  it('starts over when a resume is answered under another logId, though its lastSeq is past afterSeq', () => {
    const tracker = new ThreadTracker();
    tracker.subscribed('a', undefined, { lastSeq: 0, logId: 'first' });
    [1, 2, 3].forEach((seq) => tracker.accept(event('a', seq)));
    expect(tracker.logIdOf('a')).toBe('first');
    // The same numbering: a resume, its replay's repeats dropped.
    tracker.subscribed('a', 3, { lastSeq: 5, logId: 'first' });
    expect(tracker.accept(event('a', 3))).toBe(false);
    expect(tracker.accept(event('a', 4))).toBe(true);
    // A restarted gateway that numbered 1 to 9 meanwhile: all of them new.
    tracker.subscribed('a', 4, { lastSeq: 9, logId: 'second' });
    expect(tracker.logIdOf('a')).toBe('second');
    expect(tracker.accept(event('a', 1))).toBe(true);
    expect(tracker.lastSeq('a')).toBe(1);
  });

  it('keeps the logId a followed thread was seen under when subscribed again without afterSeq', () => {
    const tracker = new ThreadTracker();
    tracker.followNew('a', 'first');
    [1, 2, 3].forEach((seq) => tracker.accept(event('a', seq)));
    // A restarted gateway answers a plain subscribe under its own numbering, replaying nothing.
    tracker.subscribed('a', undefined, { lastSeq: 9, logId: 'second' });
    expect(tracker.logIdOf('a')).toBe('first');
    // The resume naming the old one is replayed all of the new numbering, and starts over.
    tracker.subscribed('a', 3, { lastSeq: 9, logId: 'second' });
    expect(tracker.logIdOf('a')).toBe('second');
    expect(tracker.accept(event('a', 1))).toBe(true);
    // A send on a followed thread does not rename it either.
    tracker.followNew('a', 'third');
    expect(tracker.logIdOf('a')).toBe('second');
  });
});
