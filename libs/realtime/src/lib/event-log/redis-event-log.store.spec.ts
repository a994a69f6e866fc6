import { randomUUID } from 'node:crypto';
import { PacketType } from 'socket.io-parser';
import { TestRedisServer } from '@agent-gateway/test-support';
import type { EventEnvelope } from '@agent-gateway/events';
import { BUS_PAYLOAD_LIMIT_BYTES, RedisThreadEventBus } from '../fanout/redis-thread-event-bus';
import type { LoggedEventNotice } from '../fanout/thread-event-bus';
import { RealtimeRedis } from '../redis/realtime-redis.service';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import type { UnsequencedEnvelope } from './event-log.store';
import { RedisEventLogStore } from './redis-event-log.store';
import { EnvelopePacketEncoder } from '../wire/envelope-packet-encoder';
import { plainPayload } from '../wire/proven-plain';
import { decodeSequenced, encodeSequenced } from './stored-envelope.codec';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** As the publisher makes it: a plain payload, marked as such (what the decoder marks too). */
function thinking(threadId: string, text: string, ts = Date.now()): UnsequencedEnvelope {
  return { v: 1, threadId, runId: 'r1', type: 'agent_thinking', ts, ...plainPayload({ text }) };
}

describe('RedisEventLogStore against a real Redis', () => {
  const options = { ...DEFAULT_REALTIME_OPTIONS, redisUrl: REDIS_URL, redisTimeoutMs: 2000 };
  // Two connections, as two gateway processes sharing one Redis would have.
  const processA = new RealtimeRedis(options);
  const processB = new RealtimeRedis(options);
  const logA = new RedisEventLogStore(processA, 1000, 3_600_000);
  const logB = new RedisEventLogStore(processB, 1000, 3_600_000);

  afterAll(async () => {
    await processA.onApplicationShutdown();
    await processB.onApplicationShutdown();
  });

  it('names a numbering once for every process, keeps it as the thread grows, and names anew a thread numbered from 1 again', async () => {
    const threadId = `t-${randomUUID()}`;
    // A subscribe before the first event names the numbering; the first append keeps that name.
    const before = await logA.position(threadId);
    expect(before.lastSeq).toBe(0);
    await logB.append(threadId, thinking(threadId, 'one'));
    await logA.append(threadId, thinking(threadId, 'two'));
    await expect(logB.position(threadId)).resolves.toEqual({ lastSeq: 2, logId: before.logId });

    // The thread's keys gone (expired, or a Redis that lost its data): numbered from 1 again.
    await processA.bounded('del', (client) =>
      client.del([
        `agent-gateway:thread:{${threadId}}:seq`,
        `agent-gateway:thread:{${threadId}}:events`,
        `agent-gateway:thread:{${threadId}}:log-id`,
      ]),
    );
    await logA.append(threadId, thinking(threadId, 'again'));
    const after = await logB.position(threadId);
    expect(after.lastSeq).toBe(1);
    expect(after.logId).not.toBe(before.logId);
  });

  it('names a thread numbered before log ids existed so that the name expires with its counter', async () => {
    const threadId = `t-${randomUUID()}`;
    const seq = `agent-gateway:thread:{${threadId}}:seq`;
    const logIdKey = `agent-gateway:thread:{${threadId}}:log-id`;
    // An old gateway's thread: a counter, with days left to live, and no log id.
    await processA.bounded('set', (client) => client.set(seq, '5', { PX: 5 * 86_400_000 }));

    const named = await logA.position(threadId);

    expect(named.lastSeq).toBe(5);
    const [seqTtl, nameTtl] = await processA.bounded('pttl', async (client) => [
      await client.pTTL(seq),
      await client.pTTL(logIdKey),
    ]);
    expect(nameTtl).toBeGreaterThan(0);
    expect(Math.abs(nameTtl - seqTtl)).toBeLessThan(1000);
  });

  it('numbers a thread without gap or duplicate when two processes append at once', async () => {
    const threadId = `t-${randomUUID()}`;
    const appended = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? logA : logB).append(threadId, thinking(threadId, `e${i}`)),
      ),
    );
    expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    await expect(logB.lastSeq(threadId)).resolves.toBe(40);
    const read = await logA.readAfter(threadId, 35, 100);
    expect(read.map((e) => e.seq)).toEqual([36, 37, 38, 39, 40]);
  });

  it('keeps a binary payload byte for byte and a plain one as its value', async () => {
    const threadId = `t-${randomUUID()}`;
    const bytes = Buffer.from(JSON.stringify({ output: 'ü\n\u0000'.repeat(1000), durationMs: 3 }));
    await logA.append(threadId, {
      v: 1,
      threadId,
      runId: 'r',
      type: 'agent_completed',
      ts: 5,
      payload: bytes,
      payloadEncoding: 'json',
    });
    await logA.append(threadId, thinking(threadId, 'line\nbreak'));
    const [binary, plain] = await logB.readAfter(threadId, 0, 10);
    expect(binary).toMatchObject({
      seq: 1,
      type: 'agent_completed',
      payloadEncoding: 'json',
      ts: 5,
    });
    expect(Buffer.compare(binary.payload as Buffer, bytes)).toBe(0);
    expect(plain).toMatchObject({ seq: 2, payload: { text: 'line\nbreak' } });
  });

  it('stores an event once when a retry follows a reply that timed out on a paused Redis', async () => {
    const server = await TestRedisServer.start();
    const redis = new RealtimeRedis({ ...options, redisUrl: server.url, redisTimeoutMs: 200 });
    try {
      const log = new RedisEventLogStore(redis, 1000, 3_600_000);
      const threadId = 'paused-thread';
      await log.append(threadId, thinking(threadId, 'before'));
      server.pause();
      // Sent now, run by Redis only when it resumes: the first attempt gives up before then and
      // is tried again; both reach Redis, the event must be stored once.
      const appending = log.append(threadId, thinking(threadId, 'during'));
      await new Promise((resolve) => setTimeout(resolve, 450));
      server.resume();
      await expect(appending).resolves.toMatchObject({ seq: 2 });
      const stored = await log.readAfter(threadId, 0, 10);
      expect(stored.map((e) => e.seq)).toEqual([1, 2]);
    } finally {
      server.resume();
      await redis.onApplicationShutdown();
      await server.stop();
    }
  });

  it('closes its connections on shutdown even while Redis is paused with a command in flight', async () => {
    const server = await TestRedisServer.start();
    const redis = new RealtimeRedis({ ...options, redisUrl: server.url, redisTimeoutMs: 200 });
    try {
      await new RedisEventLogStore(redis, 10, 1000).lastSeq('t');
      server.pause();
      // A command in flight: a graceful close waits for its reply, which a paused Redis never sends.
      const pending = redis.commands.get('agent-gateway:probe').catch(() => undefined);
      await redis.onApplicationShutdown();
      await pending;
      expect(redis.commands.isOpen).toBe(false);
      expect(redis.subscriber.isOpen).toBe(false);
    } finally {
      server.resume();
      await server.stop();
    }
  });

  it('trims entries both beyond the count and older than the window, keeping the rest', async () => {
    const threadId = `t-${randomUUID()}`;
    const small = new RedisEventLogStore(processA, 3, 60_000);
    const old = Date.now() - 120_000;
    for (let i = 0; i < 5; i += 1) await small.append(threadId, thinking(threadId, `old${i}`, old));
    await small.append(threadId, thinking(threadId, 'new'));
    const kept = await small.readAfter(threadId, 0, 100);
    expect(kept.map((e) => e.seq)).toEqual([4, 5, 6]);
  });

  it('fans an event out to another process through pub/sub', async () => {
    const busA = new RedisThreadEventBus(processA);
    const busB = new RedisThreadEventBus(processB);
    await Promise.all([busA.ready(), busB.ready()]);
    const threadId = `t-${randomUUID()}`;
    const received = new Promise<EventEnvelope>((resolve) => {
      const stop = busB.subscribe((envelope) => {
        if (envelope.threadId !== threadId) return;
        stop();
        resolve(envelope);
      });
    });
    const sequenced = await logA.append(threadId, thinking(threadId, 'hello'));
    await busA.publish(sequenced);
    await expect(received).resolves.toEqual(sequenced);
  });

  it('publishes an event as it was appended, whatever its producer changes afterwards', async () => {
    const threadId = `t-${randomUUID()}`;
    const result = [{ id: 7, title: 'printer on fire' }];
    const sequenced = await logA.append(threadId, {
      v: 1,
      threadId,
      runId: 'r1',
      type: 'tool_completed',
      ts: Date.now(),
      ...plainPayload({ tool: 'tickets', callId: 'r1:1', ok: true, result, durationMs: 2 }),
    });
    result.length = 0;

    // What PUBLISH carries to the other processes, and what this one's own sockets are sent.
    const delivered = decodeSequenced(encodeSequenced(sequenced));
    expect(delivered.payload).toMatchObject({ result: [{ id: 7, title: 'printer on fire' }] });
    const packet = { type: PacketType.EVENT, nsp: '/', id: 1, data: ['agent:event', sequenced] };
    expect(new EnvelopePacketEncoder().encode(packet)[0]).toContain('"printer on fire"');
    const [stored] = await logB.readAfter(threadId, 0, 10);
    expect(stored.payload).toEqual(delivered.payload);
  });

  it('refuses a payload that is not JSON with a clear error, and gives it no seq', async () => {
    const threadId = `t-${randomUUID()}`;
    const notJson = { ...thinking(threadId, 'x'), payload: { count: 1n } as never };
    await expect(logA.append(threadId, notJson)).rejects.toThrow(
      /payload of agent_thinking .* is not JSON.*serializer/,
    );
    await expect(logA.lastSeq(threadId)).resolves.toBe(0);
  });

  it('shares one read between identical reads in flight, and reads afresh after', async () => {
    const threadId = `t-${randomUUID()}`;
    for (let i = 0; i < 3; i += 1) await logA.append(threadId, thinking(threadId, `e${i}`));

    const [first, second] = await Promise.all([
      logA.readAfter(threadId, 0, 10),
      logA.readAfter(threadId, 0, 10),
    ]);
    const other = logA.readAfter(threadId, 1, 10);
    const later = await logA.readAfter(threadId, 0, 10);

    expect(second).toBe(first);
    expect((await other).map((e) => e.seq)).toEqual([2, 3]);
    expect(later).not.toBe(first);
    expect(later).toEqual(first);
  });

  it('announces a large durable event instead of carrying it: its own process gets it from memory, another a notice', async () => {
    const busA = new RedisThreadEventBus(processA);
    const busB = new RedisThreadEventBus(processB);
    await Promise.all([busA.ready(), busB.ready()]);
    const threadId = `t-${randomUUID()}`;
    const onA: EventEnvelope[] = [];
    const onB: EventEnvelope[] = [];
    const noticesOnB: LoggedEventNotice[] = [];
    const stops = [
      busA.subscribe((envelope) => envelope.threadId === threadId && onA.push(envelope)),
      busB.subscribe((envelope) => envelope.threadId === threadId && onB.push(envelope)),
      busB.subscribeNotices((notice) => notice.threadId === threadId && noticesOnB.push(notice)),
    ];
    try {
      const state = Buffer.alloc(BUS_PAYLOAD_LIMIT_BYTES + 1, 'x');
      const large = await logA.append(threadId, {
        v: 1,
        threadId,
        runId: 'r',
        type: 'agent_completed',
        ts: Date.now(),
        payload: state,
        payloadEncoding: 'json',
      });
      const small = await logA.append(threadId, thinking(threadId, 'after'));

      const publishing = busA.publish(large);
      // From memory, before any round trip to Redis.
      expect(onA).toEqual([large]);
      await publishing;
      await busA.publish(small);
      // Redis runs PUBLISHes in the order it gets them: once B's own marker is back, everything A
      // published before has reached B; had the large event been carried, it came first.
      await busB.flush();

      expect(noticesOnB).toEqual([{ threadId, seq: large.seq }]);
      expect(onB).toEqual([small]);
      const [stored] = await logB.readAfter(threadId, large.seq - 1, 1);
      expect(Buffer.compare(stored.payload as Buffer, state)).toBe(0);
    } finally {
      for (const stop of stops) stop();
    }
  });
});
