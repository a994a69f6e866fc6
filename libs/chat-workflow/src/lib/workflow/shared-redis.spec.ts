import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { RequestError, type ChatSendRequest, type ChatSendResult } from '@agent-gateway/events';
import { StuckDisk } from '../../test-support/stuck-disk';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { startWorkflowApp, type WorkflowTestApp } from '../../test-support/workflow-test-app';
import { replayTranscript } from '../transcripts/transcript';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Short enough for the stalled-disk test to wait out, long enough for a loaded machine. */
const FILE_TIMEOUT_MS = 1000;

/** What names the message and its run: the same in every answer to one clientMessageId. */
function idsOf({ threadId, runId, messageId }: ChatSendResult): Partial<ChatSendResult> {
  return { threadId, runId, messageId };
}

describe('two gateway processes sharing one Redis (127.0.0.1:6379) and one DATA_DIR', () => {
  const redisKeyPrefix = `chat-workflow-test-${randomUUID()}`;
  let dataDir: string;
  let gatewayA: WorkflowTestApp;
  let gatewayB: WorkflowTestApp;

  beforeAll(async () => {
    dataDir = await makeTempDir('shared-redis');
    const options = {
      dataDir,
      redisUrl: REDIS_URL,
      redisKeyPrefix,
      fileTimeoutMs: FILE_TIMEOUT_MS,
    };
    gatewayA = await startWorkflowApp(options);
    gatewayB = await startWorkflowApp(options);
  });

  afterAll(async () => {
    await gatewayA?.close();
    await gatewayB?.close();
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${redisKeyPrefix}:*`, COUNT: 100 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
    await removeTempDir(dataDir);
  });

  const transcriptOf = async (threadId: string) =>
    replayTranscript(await readFile(join(dataDir, 'threads', `${threadId}.jsonl`)));
  const runsStarted = () => gatewayA.sink.started().length + gatewayB.sink.started().length;

  it('de-duplicates a clientMessageId sent to both gateways: one message, one run', async () => {
    const aliceOnA = gatewayA.connect('alice');
    const aliceOnB = gatewayB.connect('alice');
    const { threadId } = await gatewayA.service.send(aliceOnA, { text: 'start' });
    const runsBefore = runsStarted();
    const request: ChatSendRequest = {
      threadId,
      text: 'sent twice',
      clientMessageId: randomUUID(),
    };

    const [onA, onB] = await Promise.all([
      gatewayA.service.send(aliceOnA, request),
      gatewayB.service.send(aliceOnB, request),
    ]);
    const later = await gatewayB.service.send(aliceOnB, request);
    await Promise.all([gatewayA.settle(), gatewayB.settle()]);

    // The first answer again; its logId is each gateway's own log's (in process here).
    expect(idsOf(onB)).toEqual(idsOf(onA));
    expect(idsOf(later)).toEqual(idsOf(onA));
    expect(later.logId).toBe(onB.logId);
    const copies = (await transcriptOf(threadId)).messages.filter(
      (message) => message.text === 'sent twice',
    );
    expect(copies).toHaveLength(1);
    expect(runsStarted()).toBe(runsBefore + 1);
  });

  it('de-duplicates a thread-creating send across gateways: one thread', async () => {
    const request: ChatSendRequest = { text: 'new thread', clientMessageId: randomUUID() };
    const onA = await gatewayA.service.send(gatewayA.connect('bob'), request);
    const onB = await gatewayB.service.send(gatewayB.connect('bob'), request);
    expect(idsOf(onB)).toEqual(idsOf(onA));
  });

  it("enforces a thread's owner on the other gateway too", async () => {
    const { threadId } = await gatewayA.service.send(gatewayA.connect('carol'), { text: 'mine' });
    const error = await gatewayB.service
      .history(gatewayB.connect('mallory'), { threadId })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('forbidden');
    await expect(
      gatewayB.service.history(gatewayB.connect('carol'), { threadId }),
    ).resolves.toBeDefined();
  });

  it('serves history from the Redis cache and keeps it right when both gateways write', async () => {
    const onA = gatewayA.connect('dave');
    const onB = gatewayB.connect('dave');
    const { threadId } = await gatewayA.service.send(onA, { text: 'from A' });
    await gatewayA.settle();
    await gatewayA.service.history(onA, { threadId });
    await gatewayA.settle();

    const hitsOnB = await gatewayB.metric('agent_gateway_history_cache_hits_total');
    await gatewayB.service.history(onB, { threadId });
    expect(await gatewayB.metric('agent_gateway_history_cache_hits_total')).toBe(hitsOnB + 1);

    await gatewayB.service.send(onB, { threadId, text: 'from B' });
    await Promise.all([gatewayA.settle(), gatewayB.settle()]);
    const seenByA = (await gatewayA.service.history(onA, { threadId })).messages.map(
      (message) => message.text,
    );
    expect(seenByA).toEqual(['from A', expect.any(String), 'from B', expect.any(String)]);
  });

  it('answers history on a gateway that never saw the thread even while the disk stalls', async () => {
    const onA = gatewayA.connect('erin');
    const { threadId } = await gatewayA.service.send(onA, { text: 'written on A' });
    await gatewayA.settle();
    await gatewayA.service.history(onA, { threadId });
    await gatewayA.settle();

    const jam = StuckDisk.jamPool(dataDir);
    let texts: string[];
    try {
      // Owner from the shared directory, history from the shared cache: no file read needed.
      const history = await gatewayB.service.history(gatewayB.connect('erin'), { threadId });
      texts = history.messages.map((message) => message.text);
    } finally {
      await jam.release();
    }
    expect(texts[0]).toBe('written on A');
  });
});
