import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventEnvelope } from '@agent-gateway/events';
import { Registry } from 'prom-client';
import { Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { ConnectionRegistry } from '../../connections/connection-registry.service';
import type { GatewaySocket } from '../../connections/gateway-socket';
import type { EventLogStore } from '../../event-log/event-log.store';
import { DeliveryMetrics } from '../../metrics/delivery.metrics';
import { DEFAULT_REALTIME_OPTIONS, type RealtimeOptions } from '../../realtime.options';
import { ThreadSubscriptions } from '../thread-subscriptions.service';

/** `ThreadSubscriptions` over `log`, with one real socket.io client that acknowledges everything. */
export interface SubscribedClient {
  subscriptions: ThreadSubscriptions;
  connectionId: string;
  /** Seqs the client received, in arrival order (resends included). */
  received: number[];
  receivedUpTo(seq: number): Promise<void>;
  /** Whether the gateway side cut the client off (or it lost its connection otherwise). */
  readonly disconnected: boolean;
  /** Closes the client, its connection and the server; again, does nothing. */
  close(): Promise<void>;
}

export interface SubscribedClientOptions {
  /** The realtime options the connection is registered with, over the defaults. */
  realtime?: Partial<RealtimeOptions>;
  /** How long the client takes to acknowledge each delivery: a slow client. */
  ackDelayMs?: number;
}

export async function startSubscribedClient(
  log: EventLogStore,
  options: SubscribedClientOptions = {},
): Promise<SubscribedClient> {
  const http = createServer();
  const server = new Server(http);
  const metrics = new DeliveryMetrics(new Registry());
  const connections = new ConnectionRegistry(
    { ...DEFAULT_REALTIME_OPTIONS, ...options.realtime },
    metrics,
  );
  const subscriptions = new ThreadSubscriptions(connections, log, metrics);
  const registered = new Promise<string>((resolve) =>
    server.on('connection', (socket) =>
      resolve(connections.register(socket as GatewaySocket, 'u').id),
    ),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = connectClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    reconnection: false,
  });
  let disconnected = false;
  let closed = false;
  client.on('disconnect', () => {
    disconnected = true;
  });
  const received: number[] = [];
  const record = (envelopes: EventEnvelope[], ack?: () => void): void => {
    received.push(...envelopes.map((envelope) => envelope.seq));
    if (options.ackDelayMs === undefined) ack?.();
    else setTimeout(() => ack?.(), options.ackDelayMs);
  };
  client.on('agent:event', (envelope: EventEnvelope, ack?: () => void) => record([envelope], ack));
  client.on('agent:events', (envelopes: EventEnvelope[], ack?: () => void) =>
    record(envelopes, ack),
  );
  const connectionId = await registered;
  return {
    subscriptions,
    connectionId,
    received,
    get disconnected() {
      return disconnected;
    },
    async receivedUpTo(seq) {
      const deadline = Date.now() + 5000;
      while (!received.includes(seq)) {
        if (Date.now() > deadline)
          throw new Error(`seq ${seq} never arrived; got ${received.join(',')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      client.close();
      for (const connection of [...connections.all()]) connections.unregister(connection.id);
      await server.close();
    },
  };
}
