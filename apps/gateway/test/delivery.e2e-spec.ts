import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { metricValue } from './support/metrics-scrape';
import {
  EventRecorder,
  connectAs,
  refusalOf,
  request,
  type TestSocket,
} from './support/socket-helpers';

interface Accepted {
  threadId: string;
  runId: string;
}

async function startLoadtest(
  socket: TestSocket,
  options: Record<string, number>,
  threadId?: string,
): Promise<Accepted> {
  const reply = await request(socket, 'chat:send', {
    text: 'drill',
    agent: 'loadtest',
    options,
    ...(threadId ? { threadId } : {}),
  });
  if (!reply.ok) throw new Error(`chat:send refused: ${JSON.stringify(reply.error)}`);
  return reply as unknown as Accepted;
}

function seqs(recorder: EventRecorder, threadId: string): number[] {
  return recorder.durable(threadId).map((e) => e.seq);
}

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

const STORAGE_MODES: Array<[string, Record<string, string>]> = [
  ['in process', {}],
  ['on Redis', { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' }],
];

describe.each(STORAGE_MODES)(
  'zero-loss delivery over real sockets, storage %s',
  (_mode, storage) => {
    let gateway: RunningGateway;
    const sockets: TestSocket[] = [];

    async function connect(userId: string): Promise<TestSocket> {
      const socket = await connectAs(gateway.url, { userId });
      sockets.push(socket);
      return socket;
    }

    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.close();
      await gateway?.close();
    });

    it('loses and repeats nothing through 100 random disconnects and resumes during one long run', async () => {
      gateway = await startGateway({
        ...storage,
        ENABLE_LOADTEST_AGENT: '1',
        SEND_TIMEOUT_MS: '300',
        RATE_LIMIT_POINTS: '1000',
      });
      const socket = await connect('alice');
      const recorder = new EventRecorder(socket);
      const firstSeen: number[] = [];
      const seenOnce = new Set<number>();
      const track = (): void => {
        for (const e of recorder.received) {
          if (!e.ephemeral && !seenOnce.has(e.seq)) {
            seenOnce.add(e.seq);
            firstSeen.push(e.seq);
          }
        }
      };
      const run = await startLoadtest(socket, { events: 400, intervalMs: 5, payloadBytes: 200 });

      for (let drop = 0; drop < 100; drop += 1) {
        await sleep(5 + Math.floor(Math.random() * 20));
        socket.disconnect();
        socket.connect();
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        track();
        const afterSeq = firstSeen.length === 0 ? 0 : Math.max(...firstSeen);
        const resumed = await request(socket, 'thread:subscribe', {
          threadId: run.threadId,
          afterSeq,
        });
        expect(resumed).toMatchObject({ ok: true, threadId: run.threadId });
      }
      await recorder.untilRunEnds(run.runId, 20_000);
      track();

      const total = 1 + 400 + 1;
      expect(firstSeen).toEqual(oneTo(total));
      expect(recorder.durable(run.threadId).at(-1)?.type).toBe('agent_completed');
    }, 60_000);

    it('sends an unacknowledged event again with the same seq, and stops once it is acknowledged', async () => {
      gateway = await startGateway({
        ...storage,
        ENABLE_LOADTEST_AGENT: '1',
        SEND_TIMEOUT_MS: '150',
        CONNECTION_FAILURE_THRESHOLD: '10',
      });
      const socket = await connect('alice');
      const recorder = new EventRecorder(socket);
      recorder.withholdAcks = true;
      const run = await startLoadtest(socket, { events: 0 });
      // agent_started arrives, is not acknowledged, and must come again with seq 1.
      await recorder.until(
        () =>
          recorder.received.filter((e) => e.seq === 1 && e.type === 'agent_started').length >= 2,
      );
      recorder.withholdAcks = false;
      await recorder.untilRunEnds(run.runId);
      await recorder.until(
        () => recorder.acknowledged > 0 && recorder.received.at(-1)?.type === 'agent_completed',
      );
      expect(seqs(recorder, run.threadId)).toEqual([1, 2]);
      await expect(
        metricValue(gateway.url, 'agent_gateway_events_resent_total'),
      ).resolves.toBeGreaterThanOrEqual(1);
    });

    it('cuts off a client that stops acknowledging, without slowing a healthy one, and it resumes losing nothing', async () => {
      gateway = await startGateway({
        ...storage,
        ENABLE_LOADTEST_AGENT: '1',
        SEND_TIMEOUT_MS: '100',
        CONNECTION_FAILURE_THRESHOLD: '3',
      });
      const stalled = await connect('stalled-user');
      const healthy = await connect('healthy-user');
      const stalledRecorder = new EventRecorder(stalled);
      stalledRecorder.withholdAcks = true;
      const healthyRecorder = new EventRecorder(healthy);
      const cutOff = new Promise<string>((resolve) =>
        stalled.once('disconnect', (reason) => resolve(reason)),
      );

      const stalledRun = await startLoadtest(stalled, { events: 50, intervalMs: 2 });
      const healthyRun = await startLoadtest(healthy, { events: 50, intervalMs: 2 });

      await healthyRecorder.untilRunEnds(healthyRun.runId, 3000);
      expect(seqs(healthyRecorder, healthyRun.threadId)).toEqual(oneTo(52));
      // A transport closed, not a server disconnect: socket.io-client comes back by itself.
      await expect(cutOff).resolves.toBe('transport close');
      await expect(metricValue(gateway.url, 'agent_gateway_connections')).resolves.toBe(1);

      const back = await connect('stalled-user');
      const backRecorder = new EventRecorder(back);
      const resumed = await request(back, 'thread:subscribe', {
        threadId: stalledRun.threadId,
        afterSeq: 0,
      });
      expect(resumed).toMatchObject({ ok: true, lastSeq: 52, replayed: 52 });
      await backRecorder.until(() => backRecorder.durable(stalledRun.threadId).length === 52);
      expect(seqs(backRecorder, stalledRun.threadId)).toEqual(oneTo(52));
    });

    it('replays and switches to live with no gap and no repeat while the thread is producing', async () => {
      gateway = await startGateway({
        ...storage,
        ENABLE_LOADTEST_AGENT: '1',
        RATE_LIMIT_POINTS: '1000',
      });
      const producer = await connect('alice');
      const producerRecorder = new EventRecorder(producer);
      const run = await startLoadtest(producer, { events: 300, intervalMs: 1 });
      await producerRecorder.until(() => producerRecorder.received.length > 50);

      const late = await connect('alice');
      const lateRecorder = new EventRecorder(late);
      const reply = await request(late, 'thread:subscribe', {
        threadId: run.threadId,
        afterSeq: 0,
      });
      expect(reply).toMatchObject({ ok: true });
      expect((reply as unknown as { replayed: number }).replayed).toBeGreaterThan(0);
      await lateRecorder.untilRunEnds(run.runId, 10_000);

      // Raw receipts, not de-duplicated: nothing missing and nothing twice at the seam.
      const raw = lateRecorder.received.filter((e) => !e.ephemeral).map((e) => e.seq);
      expect(raw).toEqual(oneTo(302));
    });

    it('batches what queued up during a send into one agent:events under one acknowledgement', async () => {
      gateway = await startGateway({ ...storage, ENABLE_LOADTEST_AGENT: '1' });
      const socket = await connect('alice');
      const batches: number[] = [];
      const received: number[] = [];
      const slowAck = (envelopes: Array<{ seq: number }>, ack: () => void): void => {
        batches.push(envelopes.length);
        received.push(...envelopes.map((e) => e.seq));
        setTimeout(ack, 30);
      };
      socket.on('agent:event', (envelope, ack) => slowAck([envelope], ack));
      socket.on('agent:events', (envelopes, ack) => slowAck(envelopes, ack));
      await startLoadtest(socket, { events: 200, intervalMs: 0 });
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (received.length >= 202) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      expect(received).toEqual(oneTo(202));
      expect(batches.length).toBeLessThan(50);
      expect(Math.max(...batches)).toBeGreaterThan(1);
    });

    it('evicts the oldest connection of a user past MAX_CONNECTIONS_PER_USER, telling it why', async () => {
      gateway = await startGateway({
        ...storage,
        MAX_CONNECTIONS_PER_USER: '2',
      });
      const oldest = await connect('alice');
      const evicted = new Promise<unknown>((resolve) => oldest.once('session:evicted', resolve));
      const disconnected = new Promise<string>((resolve) =>
        oldest.once('disconnect', (reason) => resolve(reason)),
      );
      await connect('alice');
      const newest = await connect('alice');
      await expect(evicted).resolves.toEqual({ reason: 'connection_limit' });
      await expect(disconnected).resolves.toBe('io server disconnect');
      expect(newest.connected).toBe(true);
    });

    it('refuses a handshake past MAX_TOTAL_CONNECTIONS with server_full, evicting nobody', async () => {
      gateway = await startGateway({
        ...storage,
        MAX_TOTAL_CONNECTIONS: '2',
      });
      const first = await connect('alice');
      const second = await connect('bob');
      await expect(refusalOf(gateway.url, { userId: 'carol' })).resolves.toBe('server_full');
      expect(first.connected && second.connected).toBe(true);
      second.close();
      await sleep(50);
      const third = await connect('carol');
      expect(third.connected).toBe(true);
    });

    it('answers rate_limited with retryAfterMs past the per-connection request budget', async () => {
      gateway = await startGateway({
        ...storage,
        RATE_LIMIT_POINTS: '3',
        RATE_LIMIT_WINDOW_MS: '60000',
      });
      const socket = await connect('alice');
      for (let i = 0; i < 3; i += 1) {
        await expect(
          request(socket, 'thread:history', { threadId: 'missing' }),
        ).resolves.toMatchObject({ ok: false });
      }
      const refused = await request(socket, 'thread:history', { threadId: 'missing' });
      expect(refused).toEqual({
        ok: false,
        error: {
          code: 'rate_limited',
          message: expect.stringContaining('retry in'),
          retryAfterMs: expect.any(Number),
        },
      });
    });

    it('on shutdown mid-run announces it, ends the run with agent_error shutdown, then closes the transport so the client may come back', async () => {
      gateway = await startGateway({
        ...storage,
        ENABLE_LOADTEST_AGENT: '1',
        SHUTDOWN_GRACE_MS: '200',
      });
      const socket = await connect('alice');
      const recorder = new EventRecorder(socket);
      const announced = new Promise<{ reconnectAfterMs: number }>((resolve) =>
        socket.once('server:shutdown', resolve),
      );
      const disconnected = new Promise<string>((resolve) =>
        socket.once('disconnect', (reason) => resolve(reason)),
      );
      const run = await startLoadtest(socket, { events: 1000, intervalMs: 50 });
      await recorder.until(() => recorder.received.length >= 2);

      const closing = gateway.close();
      await expect(announced).resolves.toEqual({ reconnectAfterMs: expect.any(Number) });
      await recorder.untilRunEnds(run.runId);
      const last = recorder.durable(run.threadId).at(-1);
      expect(last).toMatchObject({ type: 'agent_error', payload: { code: 'shutdown' } });
      await expect(disconnected).resolves.toBe('transport close');
      await closing;
      gateway = undefined as unknown as RunningGateway;
    });
  },
);
