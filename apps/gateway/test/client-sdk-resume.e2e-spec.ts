import { ConnectionRegistry } from '@agent-gateway/realtime';
import { until } from '@agent-gateway/test-support';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { connectAs } from './support/socket-helpers';
import { metricValue } from './support/metrics-scrape';
import { oneTo, reconnected, recordEvents, sdkClients } from './support/sdk-helpers';

/** Connections cut off so far because their outbox overflowed. */
async function outboxFullCutOffs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sample = /^agent_gateway_connections_cut_off_total\{reason="outbox_full"\} (\d+)/m.exec(
    text,
  );
  return sample === null ? 0 : Number(sample[1]);
}

jest.setTimeout(20_000);

describe('the @agent-gateway/client SDK comes back and resumes where it stands', () => {
  let gateway: RunningGateway | undefined;
  const { client, closeAll } = sdkClients(() => (gateway as RunningGateway).url);

  afterEach(async () => {
    closeAll();
    await gateway?.close();
    gateway = undefined;
  });

  it('comes back by itself after the gateway disconnects it without evicting it, and loses nothing', async () => {
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1' });
    const sdk = client('alice');
    await sdk.connected();
    const events = recordEvents(sdk);
    const run = await sdk.send({
      text: 'long',
      agent: 'loadtest',
      options: { events: 60, intervalMs: 10 },
    });
    await until(() => events.seqs(run.threadId).length >= 10, 10_000);
    const registry = gateway.app.get(ConnectionRegistry);
    await reconnected(sdk, () => registry.get(sdk.socket.id as string)?.socket.disconnect(true));
    await until(() => events.ended(run.runId), 10_000);
    expect(events.seqs(run.threadId)).toEqual(oneTo(62));
  });

  it('stays offline once evicted: session:evicted is final', async () => {
    gateway = await startGateway({ MAX_CONNECTIONS_PER_USER: '1' });
    const oldest = client('alice');
    await oldest.connected();
    const evicted = new Promise<unknown>((resolve) =>
      oldest.socket.once('session:evicted', resolve),
    );
    const newest = client('alice');
    await newest.connected();
    await expect(evicted).resolves.toEqual({ reason: 'connection_limit' });
    let newestEvicted = false;
    newest.socket.on('session:evicted', () => (newestEvicted = true));
    // Were the evicted client to come back, it would evict the newest in turn.
    await sleep(500);
    await newest.history('nothing-here').catch(() => undefined);
    expect(oldest.socket.connected).toBe(false);
    expect(newestEvicted).toBe(false);
    expect(newest.socket.connected).toBe(true);
    // Nothing will connect it again: connected() says so at once, rather than wait for ever.
    await expect(oldest.connected()).rejects.toThrow(/evicted/);
  });

  it('comes back after a reconnect refused with server_full, once there is room again', async () => {
    gateway = await startGateway({ MAX_TOTAL_CONNECTIONS: '1' });
    const sdk = client('alice', { reconnectionDelay: 300, reconnectionDelayMax: 300 });
    await sdk.connected();
    const refusals: string[] = [];
    sdk.socket.on('connect_error', (error) => refusals.push(error.message));

    sdk.socket.io.engine.close();
    // Another connection takes the only place while the client is away.
    const other = await connectAs(gateway.url, { userId: 'bob' });
    await until(() => refusals.length > 0, 5000);
    other.close();

    await sdk.connected();
    expect(refusals[0]).toBe('server_full');
    expect(sdk.socket.connected).toBe(true);
  });

  it('answers connected() at once when no connection is coming, and close() rejects a pending one', async () => {
    gateway = await startGateway({});
    const closed = client('alice');
    closed.close();
    await expect(closed.connected()).rejects.toThrow(/closed/);

    // A first handshake refused is the application's to retry: the client does not, and says so.
    const refused = client('');
    await expect(refused.connected()).rejects.toThrow('unauthorized');
    await expect(refused.connected()).rejects.toThrow(/refused/);

    const pending = client('carol', { autoConnect: false });
    const waiting = pending.connected();
    pending.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });

  it('after server:shutdown waits the advised time, then comes back to the restarted gateway', async () => {
    gateway = await startGateway({ SHUTDOWN_GRACE_MS: '0' });
    const port = new URL(gateway.url).port;
    const sdk = client('alice');
    await sdk.connected();
    const advised = new Promise<{ reconnectAfterMs: number }>((resolve) =>
      sdk.socket.once('server:shutdown', resolve),
    );
    const reasons: string[] = [];
    sdk.socket.on('disconnect', (reason) => reasons.push(reason));
    let attemptsWhileAway = 0;
    sdk.socket.io.on('reconnect_attempt', () => (attemptsWhileAway += 1));
    const back = new Promise<void>((resolve) =>
      sdk.socket.once('disconnect', () => sdk.socket.once('connect', resolve)),
    );

    await gateway.close();
    gateway = await startGateway({ PORT: port });
    await expect(advised).resolves.toEqual({ reconnectAfterMs: 2000 });
    await back;
    expect(reasons).toEqual(['transport close']);
    // It did not knock at the stopping gateway (which refuses handshakes with server_full) nor
    // at a closed port before the advised time: the gateway was back well before.
    expect(attemptsWhileAway).toBe(0);
    await expect(sdk.history('nothing-here')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('after an in-process gateway restart (numbering from 1 again) hands out the thread’s new events', async () => {
    // The restarted gateway keeps the transcripts (the thread is still alice's), not the log.
    const dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-e2e-'));
    gateway = await startGateway({ SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
    const port = new URL(gateway.url).port;
    const sdk = client('alice');
    await sdk.connected();
    const events = recordEvents(sdk);
    const first = await sdk.send({ text: 'what is 2+3*4' });
    await until(() => events.ended(first.runId));
    const before = events.seqs(first.threadId);
    expect(before.length).toBeGreaterThan(1);

    const back = new Promise<void>((resolve) =>
      sdk.socket.once('disconnect', () => sdk.socket.once('connect', resolve)),
    );
    await gateway.close();
    gateway = await startGateway({ PORT: port, DATA_DIR: dataDir });
    await back;
    await until(() => sdk.lastSeq(first.threadId) === 0, 5000);

    const second = await sdk.send({ threadId: first.threadId, text: 'what is 1+1' });
    await until(() => events.ended(second.runId), 10_000);
    const after = events.seqs(first.threadId).slice(before.length);
    expect(after).toEqual(oneTo(after.length));
    expect(after.length).toBeGreaterThan(1);
    await gateway.close();
    gateway = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes a thread subscribed without afterSeq from where the subscription began, not from 0', async () => {
    gateway = await startGateway({});
    const writer = client('alice');
    await writer.connected();
    const written = recordEvents(writer);
    const first = await writer.send({ text: 'what is 2+3*4' });
    await until(() => written.ended(first.runId));
    const lastSeq = written.seqs(first.threadId).at(-1) as number;

    const reader = client('alice');
    await reader.connected();
    const read = recordEvents(reader);
    await expect(reader.subscribe(first.threadId)).resolves.toMatchObject({ lastSeq, replayed: 0 });
    expect(reader.lastSeq(first.threadId)).toBe(lastSeq);
    await reconnected(reader, () => reader.socket.io.engine.close());

    const second = await writer.send({ threadId: first.threadId, text: 'what is 1+1' });
    await until(() => read.ended(second.runId), 10_000);
    const seqs = read.seqs(first.threadId);
    expect(seqs).toEqual(oneTo(seqs.length, lastSeq + 1));
  });

  it('send on an existing thread it does not follow yet resumes that run, not the thread’s history', async () => {
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1' });
    const writer = client('alice');
    await writer.connected();
    const written = recordEvents(writer);
    const first = await writer.send({ text: 'what is 2+3*4' });
    await until(() => written.ended(first.runId));
    const lastSeq = written.seqs(first.threadId).at(-1) as number;

    const other = client('alice');
    await other.connected();
    const seen = recordEvents(other);
    const run = await other.send({
      threadId: first.threadId,
      text: 'later',
      agent: 'loadtest',
      options: { events: 5, hangMs: 200 },
    });
    expect(other.lastSeq(first.threadId)).toBeGreaterThanOrEqual(lastSeq);
    await reconnected(other, () => other.socket.io.engine.close());
    await until(() => seen.ended(run.runId), 10_000);
    expect(seen.seqs(first.threadId)).toEqual(oneTo(7, lastSeq + 1));
  });

  it('a listener that throws neither loses the event nor stops the others: it is reported and acknowledged', async () => {
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1', SEND_TIMEOUT_MS: '300' });
    const sdk = client('alice');
    await sdk.connected();
    const failures: Array<{ error: unknown; seq: number }> = [];
    sdk.onError((error, envelope) => failures.push({ error, seq: envelope.seq }));
    sdk.onEvent((e) => {
      if (e.seq === 2 && !e.ephemeral) throw new Error('render failed');
    });
    const events = recordEvents(sdk);
    const run = await sdk.send({ text: 'go', agent: 'loadtest', options: { events: 5 } });
    await until(() => events.ended(run.runId), 10_000);
    expect(events.seqs(run.threadId)).toEqual(oneTo(7));
    expect(failures).toEqual([{ error: new Error('render failed'), seq: 2 }]);
    // Acknowledged: nothing was sent again (and then dropped as a repeat).
    await sleep(600);
    await expect(metricValue(gateway.url, 'agent_gateway_events_resent_total')).resolves.toBe(0);
  });

  it('after unsubscribe, events still on their way are not handed out and do not follow the thread again', async () => {
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1', RATE_LIMIT_POINTS: '1000' });
    const writer = client('alice');
    await writer.connected();
    const written = recordEvents(writer);
    const run = await writer.send({
      text: 'long',
      agent: 'loadtest',
      options: { events: 300, intervalMs: 1 },
    });
    const reader = client('alice');
    await reader.connected();
    const read = recordEvents(reader);
    await reader.subscribe(run.threadId);
    await until(() => read.seqs(run.threadId).length >= 5, 10_000);
    const leaving = reader.unsubscribe(run.threadId);
    const handedOut = read.all.length;
    await leaving;
    await until(() => written.ended(run.runId), 10_000);
    expect(read.all.length).toBe(handedOut);
    expect(reader.lastSeq(run.threadId)).toBeUndefined();
  });

  it('a subscribe the gateway refused is not asked for again on the next reconnect', async () => {
    gateway = await startGateway({});
    const owner = client('alice');
    await owner.connected();
    const aliceThread = (await owner.send({ text: 'what is 2+3*4' })).threadId;

    const sdk = client('bob');
    await sdk.connected();
    await expect(sdk.subscribe(aliceThread)).rejects.toMatchObject({
      code: expect.stringMatching(/^(forbidden|not_found)$/),
    });
    const ownThread = (await sdk.send({ text: 'what is 1+1' })).threadId;
    const asked: string[] = [];
    sdk.socket.onAnyOutgoing((event, body: { threadId?: string }) => {
      if (event === 'thread:subscribe') asked.push(body.threadId as string);
    });
    await reconnected(sdk, () => sdk.socket.io.engine.close());
    await until(() => asked.includes(ownThread));
    expect(asked).toEqual([ownThread]);
    expect(sdk.lastSeq(aliceThread)).toBeUndefined();
  });

  it('resumes a thread with more events to replay than an outbox holds, at its own pace, never cut off', async () => {
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1' });
    const writer = client('alice');
    await writer.connected();
    const written = recordEvents(writer);
    // 12 000 events: more than the 10 000 a connection's outbox holds before it is cut off.
    const run = await writer.send({
      text: 'a busy hour',
      agent: 'loadtest',
      options: { events: 12_000, payloadBytes: 16, intervalMs: 0 },
    });
    await until(() => written.ended(run.runId), 15_000);
    const total = written.seqs(run.threadId).length;
    expect(total).toBe(12_002);

    // The writer, sent 12 000 events as fast as the run made them, may have been cut off and
    // resumed on the way: only the reader's replay is asked about below.
    const cutOffBefore = await outboxFullCutOffs(gateway.url);
    const reader = client('alice');
    await reader.connected();
    const read = recordEvents(reader);
    await expect(reader.subscribe(run.threadId, 0)).resolves.toMatchObject({
      lastSeq: total,
      replayed: total,
    });
    await until(() => read.seqs(run.threadId).length === total, 15_000);

    expect(read.seqs(run.threadId)).toEqual(oneTo(total));
    expect(reader.socket.connected).toBe(true);
    expect(await outboxFullCutOffs(gateway.url)).toBe(cutOffBefore);
  });
});
