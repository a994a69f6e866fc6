import { until } from '@agent-gateway/test-support';
import { Registry } from 'prom-client';
import type { Socket } from 'socket.io-client';
import type { EventEnvelope } from '@agent-gateway/events';
import type { GatewaySocket } from '../connections/gateway-socket';
import { DeliveryMetrics } from '../metrics/delivery.metrics';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import { openWireSocketPair, type WireSocketPair } from '../testing/wire-socket-pair.fixture';
import { plainPayload } from '../wire/proven-plain';
import { ConnectionOutbox } from './connection-outbox';

const header = { v: 1, threadId: 't-1', runId: 'r-1', ts: 1 } as const;

function thinking(seq: number): EventEnvelope {
  return { ...header, seq, type: 'agent_thinking', ...plainPayload({ text: `step ${seq}` }) };
}

function progress(delta: string): EventEnvelope<'agent_progress'> {
  return { ...header, seq: 1, type: 'agent_progress', ephemeral: true, ...plainPayload({ delta }) };
}

describe('ConnectionOutbox over a real socket', () => {
  let pair: WireSocketPair;
  let client: Socket;
  let socket: GatewaySocket;

  beforeEach(async () => {
    pair = await openWireSocketPair();
    ({ client, socket } = pair);
  });

  afterEach(() => pair.close());

  it("coalesces a busy client's progress per run and sends it once the durable event is acknowledged", async () => {
    let releaseAck: () => void = () => undefined;
    let thinkingArrived: () => void = () => undefined;
    const thinkingHeld = new Promise<void>((resolve) => (thinkingArrived = resolve));
    const received: EventEnvelope[] = [];
    const progressArrived = new Promise<void>((resolve) => {
      client.on('agent:event', (envelope: EventEnvelope, ack: () => void) => {
        received.push(envelope);
        if (envelope.type === 'agent_progress') {
          ack();
          resolve();
        } else {
          releaseAck = ack;
          thinkingArrived();
        }
      });
    });
    const outbox = new ConnectionOutbox(
      socket,
      DEFAULT_REALTIME_OPTIONS,
      new DeliveryMetrics(new Registry()),
      () => undefined,
    );

    outbox.enqueue(thinking(1));
    // The durable event is in flight, unacknowledged: progress waits, coalesced.
    outbox.offerEphemeral(progress('Hel'));
    outbox.offerEphemeral(progress('lo'));
    await thinkingHeld;
    // Time for progress to arrive, were it wrongly sent before the acknowledgement.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((envelope) => envelope.type)).toEqual(['agent_thinking']);

    releaseAck();
    await progressArrived;
    expect(received[1]).toEqual({
      ...header,
      seq: 1,
      type: 'agent_progress',
      ephemeral: true,
      payload: { delta: 'Hello' },
    });
    // Let the client's acknowledgement of the progress reach the server: socket.io would keep
    // that emit's ack timer past the disconnect otherwise.
    await new Promise((resolve) => setTimeout(resolve, 50));
    outbox.close();
  });

  describe('whenQueuedBelow, for a sender that goes at the client pace', () => {
    function outboxOf(): ConnectionOutbox {
      return new ConnectionOutbox(
        socket,
        { ...DEFAULT_REALTIME_OPTIONS, maxBatchEvents: 2 },
        new DeliveryMetrics(new Registry()),
        () => undefined,
      );
    }
    const settled = async (promise: Promise<void>): Promise<boolean> => {
      let done = false;
      void promise.then(() => (done = true));
      await new Promise((resolve) => setImmediate(resolve));
      return done;
    };

    it('waits while the queue is at the level and goes on once an acknowledgement makes room', async () => {
      const acks: Array<() => void> = [];
      client.on('agent:event', (_envelope: EventEnvelope, ack: () => void) => acks.push(ack));
      client.on('agent:events', (_envelopes: EventEnvelope[], ack: () => void) => acks.push(ack));
      const outbox = outboxOf();
      // The first in flight alone, five queued.
      for (let seq = 1; seq <= 6; seq++) outbox.enqueue(thinking(seq));

      const room = outbox.whenQueuedBelow(4);
      expect(await settled(room)).toBe(false);
      await until(() => acks.length === 1);
      acks[0]();

      // Acknowledged: the next two go in flight, three stay queued.
      await expect(room).resolves.toBeUndefined();
      expect(outbox.queued).toBe(3);
      outbox.close();
    });

    it('lets a sender that gave up go at once, and forgets it', async () => {
      const outbox = outboxOf();
      for (let seq = 1; seq <= 6; seq++) outbox.enqueue(thinking(seq));
      const giveUp = new AbortController();

      const room = outbox.whenQueuedBelow(4, giveUp.signal);
      giveUp.abort();

      expect(await settled(room)).toBe(true);
      expect(await settled(outbox.whenQueuedBelow(4, giveUp.signal))).toBe(true);
      outbox.close();
    });

    it('lets every waiting sender go when the outbox closes', async () => {
      const outbox = outboxOf();
      for (let seq = 1; seq <= 6; seq++) outbox.enqueue(thinking(seq));
      const room = outbox.whenQueuedBelow(1);

      outbox.close();

      expect(await settled(room)).toBe(true);
    });
  });
});
