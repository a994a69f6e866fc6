import type { UnsequencedEnvelope } from '../event-log/event-log.store';
import { HeldReadsLog } from './testing/held-reads-log';
import { startSubscribedClient, type SubscribedClient } from './testing/subscribed-client';

const THREAD = 'announced-thread';

function thinking(text: string): UnsequencedEnvelope {
  return {
    v: 1,
    threadId: THREAD,
    runId: 'r',
    type: 'agent_thinking',
    ts: Date.now(),
    payload: { text },
  };
}

describe('ThreadSubscriptions, events announced by notice (real sockets)', () => {
  const log = new HeldReadsLog();
  let harness: SubscribedClient;

  beforeAll(async () => {
    harness = await startSubscribedClient(log);
  });

  afterAll(() => harness.close());

  it('reads an event announced during a replay from the log once the replay ends', async () => {
    for (let i = 1; i <= 3; i += 1) await log.append(THREAD, thinking(`e${i}`));
    log.holdReads();
    const subscribing = harness.subscriptions.subscribe(harness.connectionId, THREAD, 0);
    // The replay is reading 1..3; event 4 is appended and announced before it ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const announced = await log.append(THREAD, thinking('large, announced only'));
    harness.subscriptions.dispatchNotice({ threadId: THREAD, seq: announced.seq });
    log.releaseReads();
    await subscribing;

    await harness.receivedUpTo(4);
    expect(harness.received).toEqual([1, 2, 3, 4]);
  });

  it('reads an announced event at once when it is not catching up, and ignores one it has', async () => {
    const announced = await log.append(THREAD, thinking('large, announced only'));
    harness.subscriptions.dispatchNotice({ threadId: THREAD, seq: announced.seq });
    harness.subscriptions.dispatchNotice({ threadId: THREAD, seq: 2 });

    await harness.receivedUpTo(5);
    expect(harness.received).toEqual([1, 2, 3, 4, 5]);
  });
});
