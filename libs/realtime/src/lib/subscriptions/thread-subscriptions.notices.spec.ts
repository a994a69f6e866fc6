import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventEnvelope } from '@agent-gateway/events';
import { Registry } from 'prom-client';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { ConnectionRegistry } from '../connections/connection-registry.service';
import type { GatewaySocket } from '../connections/gateway-socket';
import type { EventLogStore, UnsequencedEnvelope } from '../event-log/event-log.store';
import { InMemoryEventLogStore } from '../event-log/in-memory-event-log.store';
import { DeliveryMetrics } from '../metrics/delivery.metrics';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import { ThreadSubscriptions } from './thread-subscriptions.service';

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

/**
 * The in-memory log, but a read can be held: it answers with what the log held when it was
 * asked, only once released. That is a replay racing an append, made deterministic.
 */
class HeldReadsLog implements EventLogStore {
  readonly inner = new InMemoryEventLogStore(1000, 3_600_000);
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  holdReads(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  releaseReads(): void {
    this.open?.();
    this.gate = undefined;
  }

  append(threadId: string, envelope: UnsequencedEnvelope): Promise<EventEnvelope> {
    return this.inner.append(threadId, envelope);
  }

  async readAfter(threadId: string, afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    const snapshot = await this.inner.readAfter(threadId, afterSeq, limit);
    if (this.gate) await this.gate;
    return snapshot;
  }

  lastSeq(threadId: string): Promise<number> {
    return this.inner.lastSeq(threadId);
  }

  sweep(now: number): Promise<number> {
    return this.inner.sweep(now);
  }
}

describe('ThreadSubscriptions, events announced by notice (real sockets)', () => {
  let http: HttpServer;
  let server: Server;
  let client: ClientSocket;
  let connectionId: string;
  const received: number[] = [];
  const log = new HeldReadsLog();
  const metrics = new DeliveryMetrics(new Registry());
  const connections = new ConnectionRegistry(DEFAULT_REALTIME_OPTIONS, metrics);
  const subscriptions = new ThreadSubscriptions(connections, log, metrics);

  beforeAll(async () => {
    http = createServer();
    server = new Server(http);
    const registered = new Promise<string>((resolve) =>
      server.on('connection', (socket) =>
        resolve(connections.register(socket as GatewaySocket, 'u').id),
      ),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    client = connectClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
      reconnection: false,
    });
    const record = (envelopes: EventEnvelope[], ack?: () => void): void => {
      received.push(...envelopes.map((envelope) => envelope.seq));
      ack?.();
    };
    client.on('agent:event', (envelope: EventEnvelope, ack?: () => void) =>
      record([envelope], ack),
    );
    client.on('agent:events', (envelopes: EventEnvelope[], ack?: () => void) =>
      record(envelopes, ack),
    );
    connectionId = await registered;
  });

  afterAll(async () => {
    client.close();
    for (const connection of [...connections.all()]) connections.unregister(connection.id);
    await server.close();
  });

  async function receivedUpTo(seq: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!received.includes(seq)) {
      if (Date.now() > deadline)
        throw new Error(`seq ${seq} never arrived; got ${received.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('reads an event announced during a replay from the log once the replay ends', async () => {
    for (let i = 1; i <= 3; i += 1) await log.append(THREAD, thinking(`e${i}`));
    log.holdReads();
    const subscribing = subscriptions.subscribe(connectionId, THREAD, 0);
    // The replay is reading 1..3; event 4 is appended and announced before it ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const announced = await log.append(THREAD, thinking('large, announced only'));
    subscriptions.dispatchNotice({ threadId: THREAD, seq: announced.seq });
    log.releaseReads();
    await subscribing;

    await receivedUpTo(4);
    expect(received).toEqual([1, 2, 3, 4]);
  });

  it('reads an announced event at once when it is not catching up, and ignores one it has', async () => {
    const announced = await log.append(THREAD, thinking('large, announced only'));
    subscriptions.dispatchNotice({ threadId: THREAD, seq: announced.seq });
    subscriptions.dispatchNotice({ threadId: THREAD, seq: 2 });

    await receivedUpTo(5);
    expect(received).toEqual([1, 2, 3, 4, 5]);
  });
});
