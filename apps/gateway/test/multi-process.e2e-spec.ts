import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { EventRecorder, connectAs, request } from './support/socket-helpers';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('two gateway processes on one Redis act as one', () => {
  let dataDir: string;
  let first: RunningGateway;
  let second: RunningGateway;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-shared-'));
    const env = { REDIS_URL, DATA_DIR: dataDir, ENABLE_LOADTEST_AGENT: '1' };
    first = await startGateway(env);
    second = await startGateway(env);
  });

  afterAll(async () => {
    await first.close();
    await second.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets a client start a run on one and resume it on the other, losing nothing', async () => {
    const user = `u-${randomUUID()}`;
    const onFirst = await connectAs(first.url, { userId: user });
    const firstRecorder = new EventRecorder(onFirst);
    const run = (await request(onFirst, 'chat:send', {
      text: 'drill',
      agent: 'loadtest',
      options: { events: 100, intervalMs: 5 },
    })) as unknown as { threadId: string; runId: string };
    await firstRecorder.until(() => firstRecorder.durable(run.threadId).length >= 10);
    onFirst.close();
    const seenOnFirst = firstRecorder.durable(run.threadId).map((e) => e.seq);

    const onSecond = await connectAs(second.url, { userId: user });
    const secondRecorder = new EventRecorder(onSecond);
    const afterSeq = Math.max(...seenOnFirst);
    const resumed = await request(onSecond, 'thread:subscribe', {
      threadId: run.threadId,
      afterSeq,
    });
    expect(resumed).toMatchObject({ ok: true });
    await secondRecorder.untilRunEnds(run.runId, 10_000);
    onSecond.close();

    const all = [...seenOnFirst, ...secondRecorder.durable(run.threadId).map((e) => e.seq)];
    expect(all).toEqual(Array.from({ length: 102 }, (_, i) => i + 1));
  });

  it('delivers a large state to followers on both processes, in order and intact', async () => {
    const user = `u-${randomUUID()}`;
    const onFirst = await connectAs(first.url, { userId: user });
    const onSecond = await connectAs(second.url, { userId: user });
    const firstRecorder = new EventRecorder(onFirst);
    const secondRecorder = new EventRecorder(onSecond);
    // Large enough that the bus announces it rather than carrying it (BUS_PAYLOAD_LIMIT_BYTES).
    const stateBytes = 300_000;
    const run = (await request(onFirst, 'chat:send', {
      text: 'large state',
      agent: 'loadtest',
      options: { events: 3, intervalMs: 300, stateBytes },
    })) as unknown as { threadId: string; runId: string };
    expect(
      await request(onSecond, 'thread:subscribe', { threadId: run.threadId, afterSeq: 0 }),
    ).toMatchObject({ ok: true });

    await firstRecorder.untilRunEnds(run.runId, 15_000);
    await secondRecorder.untilRunEnds(run.runId, 15_000);

    for (const recorder of [firstRecorder, secondRecorder]) {
      const events = recorder.durable(run.threadId);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      const completed = events[events.length - 1];
      expect(completed.type).toBe('agent_completed');
      const { output } = completed.payload as unknown as { output: { state: unknown } };
      expect(JSON.stringify(output.state).length).toBeGreaterThan(stateBytes * 0.9);
    }
    onFirst.close();
    onSecond.close();
  });

  it("keeps a thread its owner's on every process, and history the same everywhere", async () => {
    const ownerId = `owner-${randomUUID()}`;
    const owner = await connectAs(first.url, { userId: ownerId });
    const recorder = new EventRecorder(owner);
    const sent = (await request(owner, 'chat:send', { text: 'what is 7*6' })) as unknown as {
      threadId: string;
      runId: string;
    };
    await recorder.untilRunEnds(sent.runId);
    const intruder = await connectAs(second.url, { userId: `intruder-${randomUUID()}` });
    const refused = await request(intruder, 'thread:subscribe', {
      threadId: sent.threadId,
      afterSeq: 0,
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: expect.stringMatching(/^(forbidden|not_found)$/) },
    });
    intruder.close();
    const ownerElsewhere = await connectAs(second.url, { userId: ownerId });
    const here = await request(owner, 'thread:history', { threadId: sent.threadId });
    const there = await request(ownerElsewhere, 'thread:history', { threadId: sent.threadId });
    expect(here).toMatchObject({ ok: true, messages: [{ role: 'user' }, { role: 'assistant' }] });
    expect(there).toEqual(here);
    ownerElsewhere.close();
    owner.close();
  });

  it('does not start a second run for the same clientMessageId sent to the other process', async () => {
    const user = `u-${randomUUID()}`;
    const a = await connectAs(first.url, { userId: user });
    const b = await connectAs(second.url, { userId: user });
    const clientMessageId = randomUUID();
    const created = (await request(a, 'chat:send', {
      text: 'what is 1+2',
      clientMessageId,
    })) as unknown as {
      threadId: string;
      runId: string;
      messageId: string;
      logId: string;
    };
    const again = await request(b, 'chat:send', {
      threadId: created.threadId,
      text: 'what is 1+2',
      clientMessageId,
    });
    // The first answer again; one log in Redis, so one numbering, named alike by both.
    expect(again).toEqual({
      ok: true,
      threadId: created.threadId,
      runId: created.runId,
      messageId: created.messageId,
      logId: created.logId,
    });
    expect(created.logId).toEqual(expect.any(String));
    a.close();
    b.close();
  });
});
