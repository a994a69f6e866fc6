import { Inject, Injectable } from '@nestjs/common';
import {
  isDurableEventType,
  isTerminalEventType,
  type AgentEventDraft,
  type AgentEventSink,
} from '@agent-gateway/events';
import { PayloadSerializer } from '@agent-gateway/serialization';
import { EVENT_LOG_STORE, type EventLogStore } from '../event-log/event-log.store';
import { withSeq } from '../event-log/with-seq';
import { THREAD_EVENT_BUS, type ThreadEventBus } from '../fanout/thread-event-bus';
import { unsequencedEnvelope } from './unsequenced-envelope';

/**
 * The sink every agent run emits to. A durable event is serialized (off the event loop when
 * large), given its seq by the log, then fanned out; an ephemeral one skips the log and carries
 * the thread's last durable seq.
 */
@Injectable()
export class ThreadEventPublisher implements AgentEventSink {
  /**
   * The last seq this process appended, per thread with a run in flight: progress deltas (one per
   * model token) read it here instead of asking the log each time. Forgotten at the run's terminal
   * event, so it holds only threads with a run in progress.
   */
  private readonly lastAppended = new Map<string, number>();

  constructor(
    @Inject(EVENT_LOG_STORE) private readonly log: EventLogStore,
    @Inject(THREAD_EVENT_BUS) private readonly bus: ThreadEventBus,
    private readonly serializer: PayloadSerializer,
  ) {}

  async publish(event: AgentEventDraft): Promise<void> {
    const ts = Date.now();
    // Most events are small: the synchronous fast path spares them a promise round trip.
    const serialized =
      this.serializer.serializeInline(event.payload) ??
      (await this.serializer.serialize(event.payload));
    const unsequenced = unsequencedEnvelope(event, ts, serialized);
    if (!isDurableEventType(event.type)) {
      const seq = this.lastAppended.get(event.threadId) ?? (await this.log.lastSeq(event.threadId));
      await this.bus.publish(withSeq(unsequenced, seq, true));
      return;
    }
    const sequenced = await this.log.append(event.threadId, unsequenced);
    if (isTerminalEventType(event.type)) this.lastAppended.delete(event.threadId);
    else this.lastAppended.set(event.threadId, sequenced.seq);
    await this.bus.publish(sequenced);
  }
}
