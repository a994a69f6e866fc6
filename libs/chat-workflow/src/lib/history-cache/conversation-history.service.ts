import { Injectable, Logger } from '@nestjs/common';
import { BackgroundWork } from '../shared/background-work.service';
import { KeyedSerialQueue } from '../shared/keyed-serial-queue';
import { TimeoutError } from '../shared/timeout.error';
import type { AppendResult } from '../transcripts/transcript-file';
import type { StoredMessage, TranscriptRecord } from '../transcripts/transcript-record';
import { TranscriptStore } from '../transcripts/transcript.store';
import { ChatWorkflowMetrics } from '../metrics/chat-workflow.metrics';
import { HistoryCache, type CachedHistory } from './history.cache';
import { LruMap } from '../shared/lru-map';

type Patch = (messages: readonly StoredMessage[]) => readonly StoredMessage[];

/**
 * A thread's conversation: the transcript is the durable record, the cache a copy in front of it.
 * Reads try the cache, then the file; writes go to the file (durable on return) and then patch
 * the cache in the background, in write order, so refreshing never delays an answer.
 */
@Injectable()
export class ConversationHistory {
  private readonly logger = new Logger(ConversationHistory.name);
  /** Cache refreshes of one thread run in the order its writes completed. */
  private readonly refreshes = new KeyedSerialQueue();
  /** Transcript length after this process's latest append per thread: a rebuild read before it is stale. */
  private readonly latestBytes = new LruMap<string, number>(100_000);

  constructor(
    private readonly transcripts: TranscriptStore,
    private readonly cache: HistoryCache,
    private readonly background: BackgroundWork,
    private readonly metrics: ChatWorkflowMetrics,
  ) {}

  /**
   * The conversation, oldest first. A cached copy is used only while the transcript still has
   * the length it was made from (one stat instead of reading and parsing the file), which keeps it
   * right across gateway processes and across writes made while Redis was unreachable. A
   * transcript read that times out gives an empty history (and a warning) rather than a stalled
   * request.
   */
  async load(threadId: string): Promise<readonly StoredMessage[]> {
    const cached = await this.cache.get(threadId);
    if (cached && (await this.isCurrent(threadId, cached))) {
      this.metrics.cacheHits.inc();
      return cached.messages;
    }
    this.metrics.cacheMisses.inc();
    let transcript;
    try {
      transcript = await this.transcripts.read(threadId);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      this.logger.warn(
        `History of thread ${threadId} unavailable (${error.message}); continuing with an empty history`,
      );
      return [];
    }
    if (!transcript) return [];
    const { messages, bytes } = transcript;
    this.refreshLater(threadId, async () => {
      if ((this.latestBytes.get(threadId) ?? -1) > bytes) return;
      await this.cache.set(threadId, { messages, bytes });
    });
    return messages;
  }

  private async isCurrent(threadId: string, cached: CachedHistory): Promise<boolean> {
    try {
      return (await this.transcripts.size(threadId)) === cached.bytes;
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      // The disk is too slow to tell; a possibly stale copy beats the empty history a read would give.
      this.logger.warn(
        `Serving the cached history of thread ${threadId} unchecked: ${error.message}`,
      );
      return true;
    }
  }

  /** Creates the thread's transcript with its owner and first messages; durable on return. */
  async create(
    threadId: string,
    owner: string,
    messages: readonly StoredMessage[],
  ): Promise<'created' | 'exists'> {
    return this.transcripts.create(threadId, owner, messages.map(messageRecord));
  }

  /** Appends messages; durable (fsynced) once this resolves. Rejects with TimeoutError when the disk is too slow. */
  async append(threadId: string, messages: readonly StoredMessage[]): Promise<void> {
    // Like the transcript's reader, a message id already present counts once.
    await this.write(threadId, messages.map(messageRecord), (cached) => {
      const present = new Set(cached.map((message) => message.id));
      return [...cached, ...messages.filter((message) => !present.has(message.id))];
    });
  }

  /** Withdraws a message (its run was refused after it was written). */
  async retract(threadId: string, messageId: string): Promise<void> {
    await this.write(threadId, [{ kind: 'retract', id: messageId, ts: Date.now() }], (cached) =>
      cached.filter((message) => message.id !== messageId),
    );
  }

  private async write(threadId: string, records: TranscriptRecord[], patch: Patch): Promise<void> {
    let result: AppendResult;
    try {
      result = await this.transcripts.append(threadId, records);
    } catch (error) {
      // The write may still land after we gave up; a cached copy could then miss it.
      this.refreshLater(threadId, () => this.cache.delete(threadId));
      throw error;
    }
    this.latestBytes.set(
      threadId,
      Math.max(this.latestBytes.get(threadId) ?? 0, result.bytesAfter),
    );
    this.refreshLater(threadId, () => this.patchCache(threadId, result, patch));
  }

  /**
   * Extends the cached copy when it is exactly the file as it was before this append; otherwise
   * (another writer came in between, or the copy is stale) drops it, so the next read rebuilds it.
   */
  private async patchCache(threadId: string, result: AppendResult, patch: Patch): Promise<void> {
    const cached = await this.cache.get(threadId);
    if (!cached) return;
    if (result.contiguous && cached.bytes === result.bytesBefore) {
      await this.cache.set(threadId, {
        messages: patch(cached.messages),
        bytes: result.bytesAfter,
      });
    } else {
      await this.cache.delete(threadId);
    }
  }

  private refreshLater(threadId: string, work: () => Promise<void>): void {
    this.background.run(`cache refresh of thread ${threadId}`, () =>
      this.refreshes.run(threadId, work),
    );
  }
}

function messageRecord(message: StoredMessage): TranscriptRecord {
  return { kind: 'message', ...message };
}
