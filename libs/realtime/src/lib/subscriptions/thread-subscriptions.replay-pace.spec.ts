import type { UnsequencedEnvelope } from '../event-log/event-log.store';
import { InMemoryEventLogStore } from '../event-log/in-memory-event-log.store';
import { startSubscribedClient, type SubscribedClient } from './testing/subscribed-client';

function thinking(threadId: string, text: string): UnsequencedEnvelope {
  return { v: 1, threadId, runId: 'r', type: 'agent_thinking', ts: Date.now(), payload: { text } };
}

/** An outbox of 20 events, sent 5 at a time, to a client that takes 2 ms per acknowledgement. */
const SMALL_OUTBOX = { maxOutboxEvents: 20, maxBatchEvents: 5 };

describe('ThreadSubscriptions, replaying more than the outbox holds (real sockets)', () => {
  let log: InMemoryEventLogStore;
  let harness: SubscribedClient;

  beforeEach(async () => {
    log = new InMemoryEventLogStore(1000, 3_600_000);
    harness = await startSubscribedClient(log, { realtime: SMALL_OUTBOX, ackDelayMs: 2 });
  });

  afterEach(() => harness.close());

  async function appendMany(threadId: string, count: number): Promise<void> {
    for (let index = 0; index < count; index++) {
      await log.append(threadId, thinking(threadId, `event ${index + 1}`));
    }
  }

  /** Appends to the log and hands the event to the subscriptions, as the fan-out does. */
  async function publish(threadId: string, text: string): Promise<number> {
    const envelope = await log.append(threadId, thinking(threadId, text));
    harness.subscriptions.dispatch(envelope);
    return envelope.seq;
  }

  it('replays ten times what the outbox holds at the pace the client acknowledges, without cutting it off', async () => {
    await appendMany('long-gap', 200);

    const result = await harness.subscriptions.subscribe(harness.connectionId, 'long-gap', 0);

    expect(result).toEqual({ lastSeq: 200, replayed: 200, logId: expect.any(String) });
    await harness.receivedUpTo(200);
    expect([...new Set(harness.received)]).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(harness.disconnected).toBe(false);
  });

  it('answers the subscribe before a long replay is acknowledged: the rest follows at the client pace', async () => {
    await appendMany('slow-reader', 200);

    const result = await harness.subscriptions.subscribe(harness.connectionId, 'slow-reader', 0);

    // Waiting for the whole replay would hold the reply past the client's request timeout.
    expect(result).toEqual({ lastSeq: 200, replayed: 200, logId: expect.any(String) });
    expect(new Set(harness.received).size).toBeLessThan(200);
    await harness.receivedUpTo(200);
    expect([...new Set(harness.received)]).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('stops a replay that waits for room at once when the thread is unsubscribed', async () => {
    await appendMany('dropped', 200);
    await harness.subscriptions.subscribe(harness.connectionId, 'dropped', 0);

    harness.subscriptions.unsubscribe(harness.connectionId, 'dropped');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const received = new Set(harness.received).size;
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(new Set(harness.received).size).toBe(received);
    expect(received).toBeLessThan(200);
  });

  it('delivers live events that arrive during a long replay after it, in order, holding few of them', async () => {
    await appendMany('busy', 100);

    const replay = harness.subscriptions.subscribe(harness.connectionId, 'busy', 0);
    // The thread goes on while its replay waits for the client: more live events than the
    // outbox holds, which the cursor reads from the log instead of holding them all.
    const live: number[] = [];
    for (let index = 0; index < 60; index++) live.push(await publish('busy', `live ${index}`));
    await replay;

    await harness.receivedUpTo(160);
    expect(live.at(-1)).toBe(160);
    expect([...new Set(harness.received)]).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(harness.disconnected).toBe(false);
  });

  it('ends a replay that waits for the client once its connection closes, leaving nothing behind', async () => {
    await appendMany('abandoned', 200);
    const replay = harness.subscriptions.subscribe(harness.connectionId, 'abandoned', 0);
    await harness.receivedUpTo(5);

    await harness.close();

    await replay;
    const received = harness.received.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(harness.received.length).toBe(received);
    expect(received).toBeLessThan(200);
    expect(harness.subscriptions.size).toBe(0);
  });

  it('still cuts off a client whose outbox overflows with live events', async () => {
    await harness.subscriptions.subscribe(harness.connectionId, 'flood');

    for (let index = 0; index < 60; index++) await publish('flood', `live ${index}`);

    await waitFor(() => harness.disconnected);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
