import type { AgentGatewayClient } from '@agent-gateway/client';
import { ThreadSubscriptions } from '@agent-gateway/realtime';
import { TestRedisServer, until } from '@agent-gateway/test-support';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { oneTo, reconnected, recordEvents, sdkClients } from './support/sdk-helpers';

jest.setTimeout(40_000);

/*
 * What can happen while the SDK comes back and resumes its threads one by one: the gateway limits
 * its requests, the application unsubscribes or sends, the gateway restarted meanwhile. Each case
 * loses an event or follows a thread it should not when the SDK gets it wrong.
 */
describe('the @agent-gateway/client SDK resuming while things happen', () => {
  let gateway: RunningGateway | undefined;
  const { client, closeAll } = sdkClients(() => (gateway as RunningGateway).url);

  /** `count` threads of `userId`, each with one finished run, written by a client of their own. */
  async function threadsWithOneRun(userId: string, count: number, paceMs = 0): Promise<string[]> {
    const writer = client(userId);
    await writer.connected();
    const events = recordEvents(writer);
    const runs: Array<{ threadId: string; runId: string }> = [];
    for (let index = 0; index < count; index++) {
      runs.push(await writer.send({ text: 'what is 1+1' }));
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    await until(() => runs.every((run) => events.ended(run.runId)), 20_000);
    writer.close();
    return runs.map((run) => run.threadId);
  }

  afterEach(async () => {
    closeAll();
    await gateway?.close();
    gateway = undefined;
  });

  it('resumes every followed thread though the gateway answers some resumes rate_limited', async () => {
    gateway = await startGateway({ RATE_LIMIT_POINTS: '4', RATE_LIMIT_WINDOW_MS: '1000' });
    const threads = await threadsWithOneRun('alice', 6, 300);
    const reader = client('alice');
    await reader.connected();
    for (const threadId of threads) {
      await reader.subscribe(threadId);
      // Paced, to stay under the limit here; the resume below cannot be.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const events = recordEvents(reader);

    await reconnected(reader, () => reader.socket.io.engine.close());
    const writer = client('alice');
    await writer.connected();
    const written = recordEvents(writer);
    const last = threads[threads.length - 1];
    const run = await writer.send({ threadId: last, text: 'what is 2+2' });
    await until(() => written.ended(run.runId), 10_000);

    await until(() => events.ended(run.runId), 10_000);
    expect(events.seqs(last)).toEqual(written.seqs(last));
  });

  it('answers a send on a thread whose resume the gateway keeps refusing unavailable, rather than wait for ever', async () => {
    const redis = await TestRedisServer.start();
    try {
      gateway = await startGateway({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '200' });
      const reader = client('frank', {}, { requestTimeoutMs: 1000 });
      await reader.connected();
      const events = recordEvents(reader);
      const run = await reader.send({ text: 'what is 1+1' });
      await until(() => events.ended(run.runId));

      // The event log stops answering: every resume is refused unavailable, and tried again.
      redis.pause();
      await reconnected(reader, () => reader.socket.io.engine.close());
      await expect(reader.send({ threadId: run.threadId, text: 'again' })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringContaining('not resumed') as string,
      });
    } finally {
      redis.resume();
      await gateway?.close();
      gateway = undefined;
      await redis.stop();
    }
  });

  it('does not undo an unsubscribe the application makes while the resume works through its threads', async () => {
    gateway = await startGateway({ RATE_LIMIT_POINTS: '1000' });
    const threads = await threadsWithOneRun('bob', 4);
    const reader = client('bob');
    await reader.connected();
    for (const threadId of threads) await reader.subscribe(threadId);
    const events = recordEvents(reader);
    const target = threads[3];

    let unsubscribed: Promise<void> | undefined;
    await reconnected(reader, () => {
      // The user closes the thread's view right as the client comes back.
      reader.socket.once('connect', () => {
        unsubscribed = reader.unsubscribe(target);
      });
      reader.socket.io.engine.close();
    });
    await until(() => unsubscribed !== undefined);
    await unsubscribed;
    // The resume of the threads before it is done once the first is followed again.
    await until(() =>
      threads.slice(0, 3).every((threadId) => reader.lastSeq(threadId) !== undefined),
    );
    const subscriptions = (gateway as RunningGateway).app.get(ThreadSubscriptions);
    await until(() =>
      threads
        .slice(0, 3)
        .every((threadId) => subscriptions.isSubscribed(reader.socket.id as string, threadId)),
    );

    const writer = client('bob');
    await writer.connected();
    const written = recordEvents(writer);
    const run = await writer.send({ threadId: target, text: 'what is 2+2' });
    await until(() => written.ended(run.runId), 10_000);
    expect(reader.lastSeq(target)).toBeUndefined();
    expect(subscriptions.isSubscribed(reader.socket.id as string, target)).toBe(false);
    expect(events.all.filter((e) => e.runId === run.runId)).toEqual([]);
  });

  it('loses nothing of a thread it sends on while coming back, whatever its place in the resume', async () => {
    gateway = await startGateway({ RATE_LIMIT_POINTS: '10000' });
    // Many followed threads before the target, so that its resume comes late.
    const earlier = await threadsWithOneRun('carol', 40);
    const reader = client('carol', { reconnectionDelay: 1000, reconnectionDelayMax: 1000 });
    await reader.connected();
    for (const threadId of earlier) await reader.subscribe(threadId);
    const events = recordEvents(reader);
    const first = await reader.send({ text: 'what is 1+1' });
    const target = first.threadId;
    await until(() => events.ended(first.runId));
    const writer = client('carol');
    await writer.connected();
    const written = recordEvents(writer);

    let sending: Promise<{ runId: string }> | undefined;
    await reconnected(reader, async () => {
      reader.socket.io.engine.close();
      await until(() => !reader.socket.connected);
      // While the reader is away another device runs on the thread...
      const away = await writer.send({ threadId: target, text: 'what is 2+2' });
      await until(() => written.ended(away.runId), 10_000);
      // ...and the user types a follow-up, which socket.io sends first thing on reconnecting.
      sending = reader.send({ threadId: target, text: 'what is 3+3' });
    });
    const followUp = await (sending as Promise<{ runId: string }>);
    await until(() => events.ended(followUp.runId), 10_000);

    const seqs = events.seqs(target);
    expect(seqs).toEqual(oneTo(seqs.length));
  });

  it('after an in-process restart hands out the events the new gateway numbered before it came back', async () => {
    // The restarted gateway keeps the transcripts (the thread is still dave's), not the log.
    const dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-e2e-'));
    try {
      gateway = await startGateway({ SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
      const port = new URL(gateway.url).port;
      const reader = client('dave');
      await reader.connected();
      const events = recordEvents(reader);
      const first = await reader.send({ text: 'what is 2+3*4' });
      await until(() => events.ended(first.runId));
      const threadId = first.threadId;
      const second = await reader.send({ threadId, text: 'what is 1+1' });
      await until(() => events.ended(second.runId));
      const seenBefore = events.seqs(threadId).length;

      await reconnected(reader, async () => {
        await (gateway as RunningGateway).close();
        gateway = await startGateway({ PORT: port, SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
        // Another device writes on the thread while the reader waits the advised time.
        const writer = client('dave');
        await writer.connected();
        const written = recordEvents(writer);
        const run = await writer.send({ threadId, text: 'what is 1+1' });
        await until(() => written.ended(run.runId), 10_000);
      });

      await until(() => events.seqs(threadId).length > seenBefore);
      await until(() => events.all.filter((e) => e.type === 'agent_completed').length === 3);
      const after = events.seqs(threadId).slice(seenBefore);
      expect(after).toEqual(oneTo(after.length));
      expect(after.length).toBeGreaterThan(1);
    } finally {
      await gateway?.close();
      gateway = undefined;
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  /**
   * The reader follows two threads it created, the in-process gateway restarts, and another
   * device runs twice on the second before the reader is back: the new numbering passes the
   * reader's seq there, and only the logId tells. `onBack` runs as the reader reconnects.
   */
  async function restartPastWhereTheReaderStood(
    userId: string,
    onBack: (reader: AgentGatewayClient, threadId: string) => void = () => undefined,
  ): Promise<void> {
    const dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-e2e-'));
    try {
      // Grace for runs in flight (none here): the advised wait before coming back is longer.
      gateway = await startGateway({ SHUTDOWN_GRACE_MS: '2000', DATA_DIR: dataDir });
      const port = new URL(gateway.url).port;
      const reader = client(userId);
      await reader.connected();
      const events = recordEvents(reader);
      for (let index = 0; index < 2; index++) {
        const run = await reader.send({ text: 'what is 1+1' });
        await until(() => events.ended(run.runId));
      }
      const threadId = events.all[events.all.length - 1].threadId;
      const seenBefore = events.seqs(threadId).length;

      let writtenSeqs: number[] = [];
      await reconnected(reader, async () => {
        await (gateway as RunningGateway).close();
        gateway = await startGateway({ PORT: port, SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
        const writer = client(userId);
        await writer.connected();
        const written = recordEvents(writer);
        for (const text of ['what is 2+2', 'what is 3+3']) {
          const run = await writer.send({ threadId, text });
          await until(() => written.ended(run.runId), 10_000);
        }
        writtenSeqs = written.seqs(threadId);
        expect(reader.socket.connected).toBe(false);
        reader.socket.once('connect', () => onBack(reader, threadId));
      });
      expect(writtenSeqs.length).toBeGreaterThan(seenBefore);

      await until(() => events.seqs(threadId).length >= seenBefore + writtenSeqs.length, 10_000);
      expect(events.seqs(threadId).slice(seenBefore)).toEqual(oneTo(writtenSeqs.length));
    } finally {
      await gateway?.close();
      gateway = undefined;
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  it('after an in-process restart whose new numbering passed its afterSeq, hands out all of it (logId)', async () => {
    // The threads' logIds come from chat:send: the reader never subscribed itself.
    await restartPastWhereTheReaderStood('erin');
  });

  it('does so too when the application subscribes to the thread without afterSeq as it comes back', async () => {
    await restartPastWhereTheReaderStood('gina', (reader, threadId) => {
      void reader.subscribe(threadId).catch(() => undefined);
    });
  });
});
