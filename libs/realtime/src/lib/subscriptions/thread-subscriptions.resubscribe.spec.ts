import { RequestError } from '@agent-gateway/events';
import type { UnsequencedEnvelope } from '../event-log/event-log.store';
import { HeldReadsLog } from './testing/held-reads-log';
import { startSubscribedClient, type SubscribedClient } from './testing/subscribed-client';

function thinking(threadId: string, text: string): UnsequencedEnvelope {
  return { v: 1, threadId, runId: 'r', type: 'agent_thinking', ts: Date.now(), payload: { text } };
}

describe('ThreadSubscriptions, subscribing again, a log that does not answer, a bus that lost messages (real sockets)', () => {
  let log: HeldReadsLog;
  let harness: SubscribedClient;

  beforeEach(async () => {
    log = new HeldReadsLog();
    harness = await startSubscribedClient(log);
  });

  afterEach(() => harness.close());

  /** Appends to the log and hands the event to the subscriptions, as the fan-out does. */
  async function publish(threadId: string, text: string): Promise<number> {
    const envelope = await log.append(threadId, thinking(threadId, text));
    harness.subscriptions.dispatch(envelope);
    return envelope.seq;
  }

  it('loses nothing that arrives while a followed thread is subscribed again without afterSeq', async () => {
    const { subscriptions, connectionId } = harness;
    await subscriptions.subscribe(connectionId, 'busy');
    await publish('busy', 'one');

    // chat:send subscribes its connection on every send; a run is streaming meanwhile. Event 2 is
    // logged before the log answers the subscribe's question and reaches this process after.
    log.holdReads();
    const again = subscriptions.subscribe(connectionId, 'busy');
    const logged = await log.append('busy', thinking('busy', 'two'));
    log.releaseReads();
    subscriptions.dispatch(logged);
    await publish('busy', 'three');

    await expect(again).resolves.toEqual({ lastSeq: 3, replayed: 0, logId: expect.any(String) });
    await harness.receivedUpTo(3);
    expect([...new Set(harness.received)]).toEqual([1, 2, 3]);
  });

  it('replays the whole log to a client ahead of it (it saw seqs of a log since lost)', async () => {
    const { subscriptions, connectionId } = harness;
    for (const text of ['one', 'two', 'three']) await publish('restarted', text);

    // The client saw seq 40 from the gateway before an in-process restart; this log began again.
    await expect(subscriptions.subscribe(connectionId, 'restarted', 40)).resolves.toEqual({
      lastSeq: 3,
      replayed: 3,
      logId: expect.any(String),
    });
    await harness.receivedUpTo(3);
    expect(harness.received).toEqual([1, 2, 3]);
  });

  it('replays the whole log to a client that names another numbering, whatever its afterSeq', async () => {
    const { subscriptions, connectionId } = harness;
    for (const text of ['one', 'two', 'three', 'four']) await publish('renumbered', text);
    const { logId } = await log.position('renumbered');

    // It saw seq 2 of a log since lost; this one has numbered past it.
    await expect(
      subscriptions.subscribe(connectionId, 'renumbered', 2, 'a-lost-log'),
    ).resolves.toEqual({ lastSeq: 4, replayed: 4, logId });
    await harness.receivedUpTo(4);
    expect(harness.received).toEqual([1, 2, 3, 4]);
    // Naming this numbering, it is replayed what follows its afterSeq alone.
    const other = await startSubscribedClient(log);
    try {
      await expect(
        other.subscriptions.subscribe(other.connectionId, 'renumbered', 2, logId),
      ).resolves.toMatchObject({ replayed: 2 });
    } finally {
      await other.close();
    }
  });

  it('answers unavailable when the log does not answer, and leaves no subscription that holds events forever', async () => {
    const { subscriptions, connectionId } = harness;
    log.failure = new Error('redis lastSeq did not answer within 2000 ms');

    const refusal = await subscriptions
      .subscribe(connectionId, 'stalled', 0)
      .catch((error) => error);

    expect(refusal).toBeInstanceOf(RequestError);
    expect(refusal).toMatchObject({ code: 'unavailable', retryAfterMs: expect.any(Number) });
    expect(subscriptions.isSubscribed(connectionId, 'stalled')).toBe(false);
    log.failure = undefined;
    await subscriptions.subscribe(connectionId, 'stalled', 0);
    await publish('stalled', 'after the outage');
    await harness.receivedUpTo(1);
  });

  it('keeps a working subscription when subscribing again fails', async () => {
    const { subscriptions, connectionId } = harness;
    await subscriptions.subscribe(connectionId, 'kept');
    log.failure = new Error('redis lastSeq did not answer within 2000 ms');

    await expect(subscriptions.subscribe(connectionId, 'kept')).rejects.toMatchObject({
      code: 'unavailable',
    });

    log.failure = undefined;
    await publish('kept', 'still followed');
    await harness.receivedUpTo(1);
  });

  it('reads from the log what the bus lost, when told it may have lost messages', async () => {
    const { subscriptions, connectionId } = harness;
    await subscriptions.subscribe(connectionId, 'run-end');
    await publish('run-end', 'delivered');
    // agent_completed is logged while the pub/sub connection is down: no later event will come.
    await log.append('run-end', thinking('run-end', 'the last event, lost on the bus'));

    await subscriptions.checkFollowedThreads();

    await harness.receivedUpTo(2);
    expect([...new Set(harness.received)]).toEqual([1, 2]);
  });
});
