import type { AgentEventType } from '@agent-gateway/events';
import type { AgentEventDraft, AgentEventSink } from '../lib/contracts/run.types';

/** A sink that records what the engine published, per run, for tests to observe. */
export class RecordingSink implements AgentEventSink {
  readonly events: AgentEventDraft[] = [];
  /** Set to make publish slow or failing. */
  beforePublish: ((event: AgentEventDraft) => Promise<void>) | undefined;

  async publish(event: AgentEventDraft): Promise<void> {
    if (this.beforePublish !== undefined) await this.beforePublish(event);
    this.events.push(event);
  }

  forRun(runId: string): AgentEventDraft[] {
    return this.events.filter((event) => event.runId === runId);
  }

  typesOf(runId: string): AgentEventType[] {
    return this.forRun(runId).map((event) => event.type);
  }

  last<T extends AgentEventType>(runId: string, type: T): AgentEventDraft<T> | undefined {
    return this.forRun(runId)
      .filter((event): event is AgentEventDraft<T> => event.type === type)
      .at(-1);
  }
}
