import { decodeEnvelope, type EventEnvelope } from '@agent-gateway/events';
import type { GatewaySocket } from '../connections/gateway-socket';
import type { DeliveryMetrics } from '../metrics/delivery.metrics';
import type { RealtimeOptions } from '../realtime.options';
import { withPlainPayload } from '../event-log/with-seq';

export type OutboxOptions = Pick<
  RealtimeOptions,
  | 'sendTimeoutMs'
  | 'sendRetryBaseMs'
  | 'sendRetryMaxMs'
  | 'connectionFailureThreshold'
  | 'maxOutboxEvents'
  | 'maxBatchEvents'
>;

export type CutOffReason = 'unacknowledged' | 'outbox_full';

/** Longest coalesced progress text held for a busy client; past it, older text is dropped. */
const MAX_COALESCED_DELTA_CHARS = 64 * 1024;

/**
 * One connection's outbound queue. Durable events go out with an acknowledgement, one send at a
 * time: whatever queued up while a send was in flight leaves as one `agent:events` batch under one
 * acknowledgement. An unacknowledged send is repeated (same events, same seq) with exponential
 * backoff; after `connectionFailureThreshold` consecutive misses, or a queue past its bound, the
 * connection is cut off: its events stay in the log and the client resumes on reconnect.
 * Ephemeral events never wait: a busy client gets them coalesced per run, or not at all.
 */
export class ConnectionOutbox {
  private readonly queue: EventEnvelope[] = [];
  private inFlight: EventEnvelope[] | null = null;
  private attempts = 0;
  private consecutiveFailures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly pendingProgress = new Map<string, EventEnvelope<'agent_progress'>>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly roomWaiters: Array<{ level: number; resolve: () => void }> = [];

  constructor(
    private readonly socket: GatewaySocket,
    private readonly options: OutboxOptions,
    private readonly metrics: DeliveryMetrics,
    private readonly cutOff: (reason: CutOffReason) => void,
  ) {}

  /** Durable events not yet acknowledged (queued or in flight). */
  get pending(): number {
    return this.queue.length + (this.inFlight?.length ?? 0);
  }

  enqueue(envelope: EventEnvelope): void {
    if (this.closed) return;
    // The run moved on: its buffered progress text is superseded by what comes now.
    if (this.pendingProgress.delete(envelope.runId)) this.metrics.ephemeralDropped.inc();
    this.queue.push(envelope);
    if (this.queue.length > this.options.maxOutboxEvents) {
      this.fail('outbox_full');
      return;
    }
    this.flush();
  }

  offerEphemeral(envelope: EventEnvelope<'agent_progress'>): void {
    if (this.closed) return;
    if (this.pending === 0) {
      this.sendVolatile(envelope);
      return;
    }
    const held = this.pendingProgress.get(envelope.runId);
    if (held) {
      const delta = decodeDelta(held) + decodeDelta(envelope);
      this.pendingProgress.set(
        envelope.runId,
        withPlainPayload(envelope, { delta: delta.slice(-MAX_COALESCED_DELTA_CHARS) }),
      );
    } else {
      this.pendingProgress.set(envelope.runId, envelope);
    }
    this.metrics.ephemeralDropped.inc();
  }

  /** How many durable events may wait here before the connection is cut off (`outbox_full`). */
  get capacity(): number {
    return this.options.maxOutboxEvents;
  }

  /** Durable events waiting to be sent (not those in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves once fewer than `level` durable events wait to be sent, or the outbox closed. For a
   * sender with more events than the queue holds (a replay of a long gap), to go at the client's
   * pace rather than overflow the queue and cut off the very client it is for, again at every
   * reconnect.
   */
  whenQueuedBelow(level: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || this.queue.length < level || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      // Given up by its sender (the subscription was replaced or removed): resolved and
      // forgotten at once, rather than parked with what the sender holds until the next flush.
      const onAbort = (): void => {
        const index = this.roomWaiters.indexOf(waiter);
        if (index >= 0) this.roomWaiters.splice(index, 1);
        resolve();
      };
      const waiter = {
        level,
        resolve: (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.roomWaiters.push(waiter);
    });
  }

  /** Resolves once everything queued was acknowledged, or the outbox closed. */
  whenIdle(): Promise<void> {
    if (this.pending === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    this.queue.length = 0;
    this.inFlight = null;
    this.pendingProgress.clear();
    this.notifyIdle();
    this.notifyRoom();
  }

  private flush(): void {
    if (this.closed || this.inFlight || this.queue.length === 0) return;
    this.inFlight = this.queue.splice(0, this.options.maxBatchEvents);
    this.attempts = 0;
    this.send(this.inFlight);
    this.notifyRoom();
  }

  private send(batch: EventEnvelope[]): void {
    if (this.closed || this.inFlight !== batch) return;
    this.attempts += 1;
    (this.attempts === 1 ? this.metrics.eventsSent : this.metrics.eventsResent).inc(batch.length);
    const sentAt = performance.now();
    // Our own timer rather than socket.timeout(): socket.io keeps its ack timers running after a
    // disconnect, holding the batch for the whole timeout; ours is cleared when the outbox closes.
    clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => {
      if (!this.closed && this.inFlight === batch) this.onUnacknowledged(batch);
    }, this.options.sendTimeoutMs);
    const onAck = (): void => {
      // A late acknowledgement of an earlier attempt confirms the same batch just as well.
      if (this.closed || this.inFlight !== batch) return;
      clearTimeout(this.ackTimer);
      this.onAcknowledged(batch, sentAt);
    };
    if (batch.length === 1) this.socket.emit('agent:event', batch[0], onAck);
    else this.socket.emit('agent:events', batch, onAck);
  }

  private onAcknowledged(batch: EventEnvelope[], sentAt: number): void {
    this.metrics.eventsConfirmed.inc(batch.length);
    this.metrics.confirmationSeconds.observe((performance.now() - sentAt) / 1000);
    this.consecutiveFailures = 0;
    this.inFlight = null;
    if (this.queue.length > 0) {
      this.flush();
      return;
    }
    for (const progress of this.pendingProgress.values()) this.sendVolatile(progress);
    this.pendingProgress.clear();
    this.notifyIdle();
  }

  private onUnacknowledged(batch: EventEnvelope[]): void {
    this.metrics.sendTimeouts.inc();
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= this.options.connectionFailureThreshold) {
      this.fail('unacknowledged');
      return;
    }
    const exponential = this.options.sendRetryBaseMs * 2 ** (this.attempts - 1);
    const capped = Math.min(exponential, this.options.sendRetryMaxMs);
    // Full jitter keeps many clients that timed out together from being retried together.
    const delay = Math.round(capped / 2 + (Math.random() * capped) / 2);
    this.retryTimer = setTimeout(() => this.send(batch), delay);
  }

  private sendVolatile(envelope: EventEnvelope): void {
    // With an acknowledgement callback as the contract promises; the timeout frees its slot.
    this.socket.volatile
      .timeout(this.options.sendTimeoutMs)
      .emit('agent:event', envelope, () => undefined);
  }

  private fail(reason: CutOffReason): void {
    if (this.closed) return;
    this.metrics.connectionsCutOff.inc({ reason });
    this.close();
    this.cutOff(reason);
  }

  private notifyIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private notifyRoom(): void {
    if (this.roomWaiters.length === 0) return;
    for (const waiter of this.roomWaiters.splice(0)) {
      if (this.closed || this.queue.length < waiter.level) waiter.resolve();
      else this.roomWaiters.push(waiter);
    }
  }
}

function decodeDelta(envelope: EventEnvelope<'agent_progress'>): string {
  const payload = decodeEnvelope(envelope).payload;
  return 'truncated' in payload ? '' : payload.delta;
}
