import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventEnvelope } from '@agent-gateway/events';
import { isProvenPlain } from '../wire/proven-plain';
import type { EventLogStore, LogPosition, UnsequencedEnvelope } from './event-log.store';
import { storedPayloadJson } from './stored-envelope.codec';
import { withReplacedPayload, withSeq } from './with-seq';

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

/**
 * Text parsed on the event loop before a read yields: about 2 ms of `JSON.parse` for nested
 * records on these machines (512 Ki characters took 4 ms), 0.2 ms for long strings.
 */
const PARSE_SLICE_CHARS = 256 * 1024;

/**
 * A retained event. A plain payload is kept as the JSON text it had when appended, not as the
 * object: the serializer's fast path hands the producer's own object back (a tool's result, an
 * agent's record), and a change the producer makes to it afterwards must not rewrite what a
 * resuming client replays. The Redis store keeps bytes, so the two replay alike. The text is
 * parsed on the first read and the copy kept: most events are never replayed. The live envelope
 * carries the same text (`PAYLOAD_JSON`), which the wire writes as it is, so an event pays one
 * encoding (`plainPayloadJson`, about 1 µs for a tool's result here) for the log and the wire.
 * Ephemeral progress, one event per token, never comes here. A binary payload is the serializer's
 * own bytes, never changed, and stays in the envelope.
 */
interface KeptEvent {
  /** Once `payloadJson` is parsed, the envelope reads hand out; until then it holds no payload. */
  envelope: EventEnvelope;
  payloadJson: string | undefined;
  /** Whether the envelope was marked proven plain when appended (its copy is marked again). */
  readonly marked: boolean;
}

interface ThreadLog {
  lastSeq: number;
  /** Retained events, oldest first, contiguous in `seq`. */
  events: KeptEvent[];
}

/** The embedded default: one process, no Redis. */
export class InMemoryEventLogStore implements EventLogStore {
  private readonly threads = new Map<string, ThreadLog>();
  /** Threads idle past retention: only their last seq is kept, so numbering never restarts. */
  private readonly idleLastSeqs = new Map<string, number>();
  /**
   * One numbering for every thread, as long as the process lives (idle threads keep their last
   * seq): a restarted gateway's log has another, which tells a resuming client that the seqs it
   * saw are not this log's.
   */
  private readonly logId = randomUUID();

  constructor(
    private readonly retention: number,
    private readonly retentionMs: number,
    private readonly kept: KeptPayloads = KEEPS_NOTHING,
  ) {}

  async append(threadId: string, envelope: UnsequencedEnvelope): Promise<EventEnvelope> {
    const bytes = binaryPayload(envelope);
    // Before the seq: a payload that cannot be kept takes no number (the text the Redis store
    // keeps too, refused alike).
    const payloadJson = storedPayloadJson(envelope);
    const log = this.threadLog(threadId);
    log.lastSeq += 1;
    // The live envelope carries the text too: the wire writes it, not the producer's object.
    const sequenced = withSeq(envelope, log.lastSeq, undefined, payloadJson);
    if (payloadJson === undefined) {
      log.events.push({ envelope: sequenced, payloadJson, marked: false });
      if (bytes !== undefined) this.kept.retainResult(bytes);
    } else {
      const marked = isProvenPlain(sequenced);
      const header = withReplacedPayload(sequenced, undefined, marked);
      log.events.push({ envelope: header, payloadJson, marked });
    }
    return sequenced;
  }

  async readAfter(threadId: string, afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    const log = this.threads.get(threadId);
    if (!log || log.events.length === 0) return [];
    const firstSeq = log.events[0].envelope.seq;
    const start = Math.max(0, afterSeq + 1 - firstSeq);
    const page: EventEnvelope[] = [];
    let parsedChars = 0;
    // A page of 500 inline payloads can hold megabytes of text: parsed a slice at a time, with the
    // event loop free in between, never in one go.
    for (const event of log.events.slice(start, start + limit)) {
      if (event.payloadJson !== undefined) {
        if (parsedChars > 0 && parsedChars + event.payloadJson.length > PARSE_SLICE_CHARS) {
          await yieldToEventLoop();
          parsedChars = 0;
        }
        parsedChars += event.payloadJson.length;
      }
      page.push(replayed(event));
    }
    return page;
  }

  async lastSeq(threadId: string): Promise<number> {
    return this.threads.get(threadId)?.lastSeq ?? this.idleLastSeqs.get(threadId) ?? 0;
  }

  async position(threadId: string): Promise<LogPosition> {
    return { lastSeq: await this.lastSeq(threadId), logId: this.logId };
  }

  async sweep(now: number): Promise<number> {
    const cutoff = now - this.retentionMs;
    let dropped = 0;
    for (const [threadId, log] of this.threads) {
      const newest = log.events.at(-1)?.envelope;
      if (!newest) continue;
      // A thread idle past the retention window forgets its events (as a Redis key would expire)
      // but keeps its last seq, so numbering never restarts and a resuming client sees no reuse.
      let drop = newest.ts < cutoff ? log.events.length : 0;
      while (drop < log.events.length - this.retention && log.events[drop].envelope.ts < cutoff) {
        drop += 1;
      }
      if (drop > 0) {
        for (const event of log.events.splice(0, drop)) {
          const bytes = binaryPayload(event.envelope);
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

/** The envelope reads hand out, its payload parsed from the text kept (once). */
function replayed(event: KeptEvent): EventEnvelope {
  if (event.payloadJson !== undefined) {
    const payload: unknown = JSON.parse(event.payloadJson);
    event.envelope = withReplacedPayload(event.envelope, payload, event.marked);
    event.payloadJson = undefined;
  }
  return event.envelope;
}

function binaryPayload(envelope: UnsequencedEnvelope): Uint8Array | undefined {
  // isView rather than instanceof: the bytes may come from another realm (a vm context).
  return envelope.payloadEncoding === 'json' && ArrayBuffer.isView(envelope.payload)
    ? (envelope.payload as Uint8Array)
    : undefined;
}
