import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { ChatWorkflowMetrics, type TranscriptOperation } from '../metrics/chat-workflow.metrics';
import { KeyedSerialQueue } from '../shared/keyed-serial-queue';
import { TimeoutError } from '../shared/timeout.error';
import { withTimeout } from '../shared/with-timeout';
import {
  appendDurably,
  createExclusive,
  readHead,
  readWhole,
  replaceAtomically,
  sizeOf,
  type AppendResult,
} from './transcript-file';
import { encodeRecord, decodeRecord, type TranscriptRecord } from './transcript-record';
import { TranscriptPaths } from './transcript-paths';
import { replayTranscript, type Transcript } from './transcript';

/** Header lines are small; this bounds how much of a file an ownership check reads. */
const HEAD_BYTES = 16 * 1024;
/** A temporary file this old belongs to a create that died; younger ones may be in flight elsewhere. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;

/**
 * The durable record of every thread: one append-only JSON-lines file per thread under
 * DATA_DIR/threads. Every operation waits at most FILE_TIMEOUT_MS (a timeout rejects with
 * `TimeoutError` and is counted); writes to one thread run one at a time in call order, writes
 * to different threads in parallel.
 */
@Injectable()
export class TranscriptStore implements OnModuleInit {
  private readonly logger = new Logger(TranscriptStore.name);
  private readonly paths: TranscriptPaths;
  private readonly writes = new KeyedSerialQueue();
  private readonly timeoutMs: number;

  constructor(
    @Inject(CHAT_WORKFLOW_OPTIONS) options: ResolvedChatWorkflowOptions,
    private readonly metrics: ChatWorkflowMetrics,
  ) {
    this.paths = new TranscriptPaths(options.dataDir);
    this.timeoutMs = options.fileTimeoutMs;
  }

  async onModuleInit(): Promise<void> {
    try {
      await mkdir(this.paths.threadsDir, { recursive: true });
      await mkdir(this.paths.tmpDir, { recursive: true });
    } catch (error) {
      throw new Error(
        `Cannot create the transcript folders under ${this.paths.root} (${String(error)}): ` +
          'set DATA_DIR to a writable directory',
      );
    }
    await this.bounded('sweep', this.sweepStaleTemporaries()).catch((error: unknown) =>
      this.logger.warn(
        `Could not sweep old temporary files in ${this.paths.tmpDir}: ${String(error)}`,
      ),
    );
  }

  /**
   * Creates the thread's transcript with its owner header and first records, durable on return.
   * 'exists' when the thread already exists (the caller checks who owns it).
   */
  async create(
    threadId: string,
    owner: string,
    records: readonly TranscriptRecord[],
  ): Promise<'created' | 'exists'> {
    const file = this.paths.threadFile(threadId);
    const header: TranscriptRecord = { kind: 'thread', threadId, owner, ts: Date.now() };
    const content = [header, ...records].map(encodeRecord).join('');
    return this.bounded(
      'create',
      this.writes.run(threadId, () => createExclusive(this.paths.tmpDir, file, content)),
    );
  }

  /** Appends records to an existing thread; durable (fsynced) once the promise resolves. */
  async append(threadId: string, records: readonly TranscriptRecord[]): Promise<AppendResult> {
    const file = this.paths.threadFile(threadId);
    const content = records.map(encodeRecord).join('');
    return this.bounded(
      'append',
      this.writes.run(threadId, () => appendDurably(file, content)),
    );
  }

  /** The whole transcript, or undefined when the thread does not exist. */
  async read(threadId: string): Promise<Transcript | undefined> {
    const file = this.paths.threadFile(threadId);
    const content = await this.bounded('read', readWhole(file));
    if (!content) return undefined;
    const transcript = replayTranscript(content);
    if (transcript.tornRecords > 0) {
      this.metrics.tornRecords.inc(transcript.tornRecords);
      this.logger.warn(
        `Skipped ${transcript.tornRecords} torn record(s) in the transcript of thread ${threadId}`,
      );
    }
    return transcript;
  }

  /** The transcript's length in bytes (its version), or undefined when the thread does not exist. */
  async size(threadId: string): Promise<number | undefined> {
    return this.bounded('stat', sizeOf(this.paths.threadFile(threadId)));
  }

  /** The thread's owner; undefined when the thread does not exist or its creation never completed. */
  async readOwner(threadId: string): Promise<string | undefined> {
    const file = this.paths.threadFile(threadId);
    const head = await this.bounded('read_owner', readHead(file, HEAD_BYTES));
    if (!head) return undefined;
    const firstLine = head.toString('utf8').split('\n', 1)[0] ?? '';
    const record = decodeRecord(firstLine);
    return record?.kind === 'thread' ? record.owner : undefined;
  }

  /** Health probe: DATA_DIR takes a durable atomic write within FILE_TIMEOUT_MS, else rejects. */
  async checkWritable(): Promise<void> {
    await this.bounded(
      'check_writable',
      replaceAtomically(
        this.paths.tmpDir,
        join(this.paths.root, '.writable-probe'),
        `${process.pid} ${Date.now()}\n`,
      ),
    );
  }

  private async bounded<T>(operation: TranscriptOperation, work: Promise<T>): Promise<T> {
    try {
      return await withTimeout(work, this.timeoutMs, `transcript ${operation}`);
    } catch (error) {
      if (error instanceof TimeoutError) this.metrics.fileTimeouts.inc({ operation });
      throw error;
    }
  }

  private async sweepStaleTemporaries(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.paths.tmpDir)) {
      const file = join(this.paths.tmpDir, name);
      const { mtimeMs } = await stat(file);
      if (now - mtimeMs > STALE_TEMPORARY_MS) await unlink(file);
    }
  }
}
