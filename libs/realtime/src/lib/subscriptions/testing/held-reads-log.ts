import type { EventEnvelope } from '@agent-gateway/events';
import type {
  EventLogStore,
  LogPosition,
  UnsequencedEnvelope,
} from '../../event-log/event-log.store';
import { InMemoryEventLogStore } from '../../event-log/in-memory-event-log.store';

/**
 * The in-memory log, but its reads can be held, or made to fail as a Redis that does not answer
 * does: a held read answers only once released. That is a subscribe racing an append, made
 * deterministic.
 */
export class HeldReadsLog implements EventLogStore {
  readonly inner = new InMemoryEventLogStore(1000, 3_600_000);
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  /** Set: every read rejects with it. */
  failure: Error | undefined;

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
    return this.held(await this.inner.readAfter(threadId, afterSeq, limit));
  }

  /** Unlike `readAfter`, answers with the last seq when released: an append got in first. */
  async lastSeq(threadId: string): Promise<number> {
    await this.held(undefined);
    return this.inner.lastSeq(threadId);
  }

  /** As `lastSeq`: answers once released. */
  async position(threadId: string): Promise<LogPosition> {
    await this.held(undefined);
    return this.inner.position(threadId);
  }

  sweep(now: number): Promise<number> {
    return this.inner.sweep(now);
  }

  private async held<T>(snapshot: T): Promise<T> {
    if (this.failure) throw this.failure;
    if (this.gate) await this.gate;
    return snapshot;
  }
}
