import { appendFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { StuckDisk } from '../../test-support/stuck-disk';
import { resolveChatWorkflowOptions } from '../chat-workflow.options';
import { ChatWorkflowMetrics } from '../metrics/chat-workflow.metrics';
import { TimeoutError } from '../shared/timeout.error';
import type { TranscriptRecord } from './transcript-record';
import { TranscriptStore } from './transcript.store';

/** Generous for ordinary operations, so a loaded machine does not fail them... */
const FILE_TIMEOUT_MS = 2000;
/** ...and short where a test waits out a hung operation on purpose. */
const SHORT_FILE_TIMEOUT_MS = 200;

const message = (id: string, text = `text of ${id}`): TranscriptRecord => ({
  kind: 'message',
  id,
  role: 'user',
  text,
  ts: Date.now(),
});

describe('TranscriptStore', () => {
  let dataDir: string;
  let registry: Registry;
  let store: TranscriptStore;

  const makeStore = async (fileTimeoutMs: number): Promise<TranscriptStore> => {
    const created = new TranscriptStore(
      resolveChatWorkflowOptions({ dataDir, fileTimeoutMs }),
      new ChatWorkflowMetrics(registry),
    );
    await created.onModuleInit();
    return created;
  };

  beforeEach(async () => {
    dataDir = await makeTempDir('transcripts');
    registry = new Registry();
    store = await makeStore(FILE_TIMEOUT_MS);
  });

  afterEach(async () => {
    await removeTempDir(dataDir);
  });

  const fileOf = (threadId: string) => join(dataDir, 'threads', `${threadId}.jsonl`);
  const counterValue = async (name: string, labels: Record<string, string> = {}) => {
    const metric = registry.getSingleMetric(name);
    const values = (await metric?.get())?.values ?? [];
    const match = values.find((value) =>
      Object.entries(labels).every(([key, label]) => value.labels[key] === label),
    );
    return match?.value ?? 0;
  };

  it('creates a thread with its owner and first message, then appends more', async () => {
    await expect(store.create('t1', 'alice', [message('m1')])).resolves.toBe('created');
    await store.append('t1', [message('m2')]);
    const transcript = await store.read('t1');
    expect(transcript?.owner).toBe('alice');
    expect(transcript?.messages.map((entry) => entry.id)).toEqual(['m1', 'm2']);
    await expect(store.readOwner('t1')).resolves.toBe('alice');
  });

  it('never creates a thread twice: the second creator learns it exists and the owner stays', async () => {
    const results = await Promise.all([
      store.create('t1', 'alice', [message('m1')]),
      store.create('t1', 'mallory', [message('m2')]),
    ]);
    expect(results.sort()).toEqual(['created', 'exists']);
    const owner = await store.readOwner('t1');
    const transcript = await store.read('t1');
    expect(transcript?.messages).toHaveLength(1);
    expect(transcript?.owner).toBe(owner);
  });

  it('answers undefined for a thread that does not exist, and refuses to append to it', async () => {
    await expect(store.read('missing')).resolves.toBeUndefined();
    await expect(store.readOwner('missing')).resolves.toBeUndefined();
    await expect(store.append('missing', [message('m1')])).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('refuses a traversing thread id before touching the disk', async () => {
    await expect(store.create('../../escape', 'alice', [])).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(store.read('..')).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('keeps the call order of concurrent appends to one thread, every record whole', async () => {
    // The limit counts from the call, queueing included: 60 fsyncs in a row need time.
    const patient = await makeStore(10_000);
    await patient.create('t1', 'alice', []);
    const ids = Array.from({ length: 60 }, (_, index) => `m${index}`);
    await Promise.all(ids.map((id) => patient.append('t1', [message(id, 'x'.repeat(3000))])));
    const transcript = await patient.read('t1');
    expect(transcript?.messages.map((entry) => entry.id)).toEqual(ids);
    expect(transcript?.tornRecords).toBe(0);
  });

  it('skips a torn last record and appends the next one intact after it', async () => {
    await store.create('t1', 'alice', [message('m1')]);
    await store.append('t1', [message('m2')]);
    const size = (await readFile(fileOf('t1'))).length;
    await truncate(fileOf('t1'), size - 7);

    const torn = await store.read('t1');
    expect(torn?.messages.map((entry) => entry.id)).toEqual(['m1']);
    expect(torn?.tornRecords).toBe(1);

    await store.append('t1', [message('m3')]);
    const repaired = await store.read('t1');
    expect(repaired?.messages.map((entry) => entry.id)).toEqual(['m1', 'm3']);
    expect(await counterValue('agent_gateway_transcript_torn_records_total')).toBe(2);
  });

  it('reports whether an append directly followed the length it started from', async () => {
    await store.create('t1', 'alice', []);
    const first = await store.append('t1', [message('m1')]);
    expect(first.contiguous).toBe(true);
    const second = await store.append('t1', [message('m2')]);
    expect(second.bytesBefore).toBe(first.bytesAfter);
  });

  it('gives up on a hung read after FILE_TIMEOUT_MS and counts it', async () => {
    const impatient = await makeStore(SHORT_FILE_TIMEOUT_MS);
    const hung = StuckDisk.fifoAt(fileOf('hung'));
    try {
      const started = Date.now();
      await expect(impatient.read('hung')).rejects.toBeInstanceOf(TimeoutError);
      await expect(impatient.readOwner('hung')).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(2 * SHORT_FILE_TIMEOUT_MS + 500);
      expect(
        await counterValue('agent_gateway_transcript_file_timeouts_total', { operation: 'read' }),
      ).toBe(1);
    } finally {
      await hung.release();
    }
  });

  it('gives up on an append stuck behind a stalled disk; the write still lands in order later', async () => {
    const impatient = await makeStore(SHORT_FILE_TIMEOUT_MS);
    await store.create('t1', 'alice', [message('m1')]);
    const jam = StuckDisk.jamPool(dataDir);
    try {
      const late = impatient.append('t1', [message('m2')]).catch((error: unknown) => error);
      await expect(late).resolves.toBeInstanceOf(TimeoutError);
      // Queued behind the stalled one on the same thread: it must not overtake it.
      void impatient.append('t1', [message('m3')]).catch(() => undefined);
    } finally {
      await jam.release();
    }
    await impatient.append('t1', [message('m4')]);
    const transcript = await store.read('t1');
    expect(transcript?.messages.map((entry) => entry.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(
      await counterValue('agent_gateway_transcript_file_timeouts_total', { operation: 'append' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('checkWritable resolves on a writable DATA_DIR and rejects when it cannot write', async () => {
    await expect(store.checkWritable()).resolves.toBeUndefined();
    await rm(join(dataDir, 'tmp'), { recursive: true });
    await writeFile(join(dataDir, 'tmp'), 'not a directory');
    await expect(store.checkWritable()).rejects.toThrow();
  });

  it('ignores a foreign line in the middle of a transcript', async () => {
    await store.create('t1', 'alice', [message('m1')]);
    await appendFile(fileOf('t1'), 'garbage that is not a record\n');
    await store.append('t1', [message('m2')]);
    const transcript = await store.read('t1');
    expect(transcript?.messages.map((entry) => entry.id)).toEqual(['m1', 'm2']);
  });
});
