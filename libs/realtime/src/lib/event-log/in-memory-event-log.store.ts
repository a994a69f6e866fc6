import type { EventEnvelope } from '@agent-gateway/events';
import type { EventLogStore, UnsequencedEnvelope } from './event-log.store';
import { withSeq } from './with-seq';

/**
 * Told which binary payloads the log keeps for replay and when it drops them: the serializer
 * (`PayloadSerializer.retainResult`) does not count bytes kept on purpose against its limit of
 * uncounted shared memory (libs/serialization/README.md, "Shared results").
 */
export interface KeptPayloads {
  retainResult(bytes: Uint8Array): void;
  releaseResult(bytes: Uint8Array): void;
}

const KEEPS_NOTHING: KeptPayloads = {
  retainResult: () => undefined,
  releaseResult: () => undefined,
};

interface ThreadLog {
  lastSeq: number;
  /** Retained events, oldest first, contiguous in `seq`. */
  events: EventEnvelope[];
}

/** The embedded default: one process, no Redis. */
export class InMemoryEventLogStore implements EventLogStore {
  private readonly threads = new Map<string, ThreadLog>();
  /** Threads idle past retention: only their last seq is kept, so numbering never restarts. */
  private readonly idleLastSeqs = new Map<string, number>();

  constructor(
    private readonly retention: number,
    private readonly retentionMs: number,
    private readonly kept: KeptPayloads = KEEPS_NOTHING,
  ) {}

  async append(threadId: string, envelope: UnsequencedEnvelope): Promise<EventEnvelope> {
    const log = this.threadLog(threadId);
    log.lastSeq += 1;
    const sequenced = withSeq(envelope, log.lastSeq);
    log.events.push(sequenced);
    const bytes = binaryPayload(sequenced);
    if (bytes !== undefined) this.kept.retainResult(bytes);
    return sequenced;
  }

  async readAfter(threadId: string, afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    const log = this.threads.get(threadId);
    if (!log || log.events.length === 0) return [];
    const firstSeq = log.events[0].seq;
    const start = Math.max(0, afterSeq + 1 - firstSeq);
    return log.events.slice(start, start + limit);
  }

  async lastSeq(threadId: string): Promise<number> {
    return this.threads.get(threadId)?.lastSeq ?? this.idleLastSeqs.get(threadId) ?? 0;
  }

  async sweep(now: number): Promise<number> {
    const cutoff = now - this.retentionMs;
    let dropped = 0;
    for (const [threadId, log] of this.threads) {
      const newest = log.events.at(-1);
      if (!newest) continue;
      // A thread idle past the retention window forgets its events (as a Redis key would expire)
      // but keeps its last seq, so numbering never restarts and a resuming client sees no reuse.
      let drop = newest.ts < cutoff ? log.events.length : 0;
      while (drop < log.events.length - this.retention && log.events[drop].ts < cutoff) drop += 1;
      if (drop > 0) {
        for (const event of log.events.splice(0, drop)) {
          const bytes = binaryPayload(event);
          if (bytes !== undefined) this.kept.releaseResult(bytes);
        }
      }
      dropped += drop;
      if (log.events.length === 0) {
        this.threads.delete(threadId);
        this.idleLastSeqs.set(threadId, log.lastSeq);
      }
    }
    return dropped;
  }

  private threadLog(threadId: string): ThreadLog {
    let log = this.threads.get(threadId);
    if (!log) {
      log = { lastSeq: this.idleLastSeqs.get(threadId) ?? 0, events: [] };
      this.idleLastSeqs.delete(threadId);
      this.threads.set(threadId, log);
    }
    return log;
  }
}

function binaryPayload(envelope: EventEnvelope): Uint8Array | undefined {
  // isView rather than instanceof: the bytes may come from another realm (a vm context).
  return envelope.payloadEncoding === 'json' && ArrayBuffer.isView(envelope.payload)
    ? (envelope.payload as Uint8Array)
    : undefined;
}
