import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RequestError, type ChatSendRequest } from '@agent-gateway/events';
import { TestRedisServer } from '@agent-gateway/test-support';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { startWorkflowApp, type WorkflowTestApp } from '../../test-support/workflow-test-app';
import { replayTranscript } from '../transcripts/transcript';

const REDIS_TIMEOUT_MS = 300;

describe('chat:send with the event log in a Redis that hangs (SIGSTOP)', () => {
  let redis: TestRedisServer;
  let dataDir: string;
  let app: WorkflowTestApp;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    dataDir = await makeTempDir('hung-event-log');
    app = await startWorkflowApp(
      { dataDir, redisUrl: redis.url, redisTimeoutMs: REDIS_TIMEOUT_MS },
      { redisUrl: redis.url, redisTimeoutMs: REDIS_TIMEOUT_MS },
    );
  });

  afterAll(async () => {
    redis.resume();
    await app?.close();
    await redis?.stop();
    await removeTempDir(dataDir);
  });

  const messagesOf = async (threadId: string) =>
    replayTranscript(await readFile(join(dataDir, 'threads', `${threadId}.jsonl`))).messages;

  it('answers unavailable and writes nothing; the retry once Redis answers sends it, once', async () => {
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'start' });
    await app.settle();
    const before = await messagesOf(threadId);
    const request: ChatSendRequest = { threadId, text: 'while Redis hangs', clientMessageId: 'c1' };

    redis.pause();
    let refusal: unknown;
    try {
      refusal = await app.service.send(alice, request).catch((error: unknown) => error);
    } finally {
      redis.resume();
    }

    expect(refusal).toBeInstanceOf(RequestError);
    expect(refusal).toMatchObject({ code: 'unavailable', retryAfterMs: expect.any(Number) });
    expect(await messagesOf(threadId)).toEqual(before);

    const sent = await app.service.send(alice, request);
    await app.settle();
    const written = (await messagesOf(threadId)).filter((entry) => entry.text === request.text);
    expect(written).toEqual([expect.objectContaining({ id: sent.messageId })]);
    expect(app.sink.started().filter((event) => event.runId === sent.runId)).toHaveLength(1);
  });
});
