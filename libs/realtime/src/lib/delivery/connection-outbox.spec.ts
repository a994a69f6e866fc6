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
});
