import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Delivery statistics: what was sent, confirmed, sent again, timed out and dropped. */
@Injectable()
export class DeliveryMetrics {
  readonly eventsSent: Counter;
  readonly eventsConfirmed: Counter;
  readonly eventsResent: Counter;
  readonly sendTimeouts: Counter;
  readonly ephemeralDropped: Counter;
  readonly connectionsCutOff: Counter<'reason'>;
  readonly confirmationSeconds: Histogram;
  readonly connections: Gauge;
  readonly replayedEvents: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.eventsSent = new Counter({
      name: 'agent_gateway_events_sent_total',
      help: 'Durable events sent to clients for the first time',
      registers,
    });
    this.eventsConfirmed = new Counter({
      name: 'agent_gateway_events_confirmed_total',
      help: 'Durable events whose delivery a client acknowledged',
      registers,
    });
    this.eventsResent = new Counter({
      name: 'agent_gateway_events_resent_total',
      help: 'Durable events sent again after an acknowledgement timed out',
      registers,
    });
    this.sendTimeouts = new Counter({
      name: 'agent_gateway_send_timeouts_total',
      help: 'Sends (single events or batches) whose acknowledgement did not arrive in time',
      registers,
    });
    this.ephemeralDropped = new Counter({
      name: 'agent_gateway_ephemeral_events_dropped_total',
      help: 'Ephemeral events dropped or coalesced for a slow client',
      registers,
    });
    this.connectionsCutOff = new Counter({
      name: 'agent_gateway_connections_cut_off_total',
      help: 'Connections the gateway closed because they could not keep up',
      labelNames: ['reason'],
      registers,
    });
    this.confirmationSeconds = new Histogram({
      name: 'agent_gateway_event_confirmation_seconds',
      help: 'Time from sending a durable event to its acknowledgement',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.connections = new Gauge({
      name: 'agent_gateway_connections',
      help: 'Open socket.io connections on this process',
      registers,
    });
    this.replayedEvents = new Counter({
      name: 'agent_gateway_events_replayed_total',
      help: 'Durable events sent from the log on subscribe or gap repair',
      registers,
    });
  }
}
