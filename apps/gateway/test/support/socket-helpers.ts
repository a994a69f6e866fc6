import { io } from 'socket.io-client';
import type { GatewaySocketClient } from '@agent-gateway/client';
import {
  decodeEnvelope,
  type DecodedEventEnvelope,
  type EventEnvelope,
  type HandshakeAuth,
  type Reply,
  type ClientToServerEvents,
} from '@agent-gateway/events';

export type TestSocket = GatewaySocketClient;

/** A raw socket.io-client connection, resolved once connected. */
export async function connectAs(url: string, auth: HandshakeAuth): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    auth: { ...auth },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** The `connect_error` message a refused handshake gets. */
export async function refusalOf(url: string, auth: HandshakeAuth): Promise<string> {
  const socket: TestSocket = io(url, {
    auth: { ...auth },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('the handshake was accepted')));
      socket.once('connect_error', (error) => resolve(error.message));
    });
  } finally {
    socket.close();
  }
}

/** Sends a request and returns the reply, as `emitWithAck` would. */
export function request(
  socket: TestSocket,
  name: keyof ClientToServerEvents,
  body: unknown,
): Promise<Reply<Record<string, unknown>>> {
  const timed = socket.timeout(5000);
  return (
    timed.emitWithAck.bind(timed) as (
      event: string,
      payload: unknown,
    ) => Promise<Reply<Record<string, unknown>>>
  )(name, body);
}

/**
 * Records every envelope a socket receives (single and batched), acknowledging each delivery
 * unless told to withhold, and counts what it acknowledged.
 */
export class EventRecorder {
  readonly received: DecodedEventEnvelope[] = [];
  /** As they came off the wire, binary payloads undecoded. */
  readonly raw: EventEnvelope[] = [];
  deliveries = 0;
  acknowledged = 0;
  withholdAcks = false;
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  constructor(readonly socket: TestSocket) {
    socket.on('agent:event', (envelope, ack) => this.deliver([envelope], ack));
    socket.on('agent:events', (envelopes, ack) => this.deliver(envelopes, ack));
  }

  /** Durable events of a thread, repeats (same seq) dropped as the contract tells clients to. */
  durable(threadId: string): DecodedEventEnvelope[] {
    const seen = new Set<number>();
    return this.received.filter((e) => {
      if (e.threadId !== threadId || e.ephemeral || seen.has(e.seq)) return false;
      seen.add(e.seq);
      return true;
    });
  }

  until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { check, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `condition not met within ${timeoutMs} ms; received ${this.received.map((e) => `${e.seq}:${e.type}`).join(', ')}`,
          ),
        );
      }, timeoutMs).unref();
    });
  }

  /** Waits for the run's terminal event. */
  untilRunEnds(runId: string, timeoutMs?: number): Promise<void> {
    return this.until(
      () =>
        this.received.some(
          (e) => e.runId === runId && (e.type === 'agent_completed' || e.type === 'agent_error'),
        ),
      timeoutMs,
    );
  }

  private deliver(envelopes: EventEnvelope[], ack: (() => void) | undefined): void {
    this.deliveries += 1;
    this.raw.push(...envelopes);
    this.received.push(...envelopes.map((e) => decodeEnvelope(e)));
    if (!this.withholdAcks && ack) {
      ack();
      this.acknowledged += 1;
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
