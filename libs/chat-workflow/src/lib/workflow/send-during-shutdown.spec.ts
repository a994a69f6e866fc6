import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RequestError } from '@agent-gateway/events';
import { AgentEngine } from '@agent-gateway/agent-engine';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { startWorkflowApp, type WorkflowTestApp } from '../../test-support/workflow-test-app';
import { replayTranscript } from '../transcripts/transcript';

async function refusal(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestError);
  return error as RequestError;
}

describe('chat:send while the engine shuts down (real files, real engine)', () => {
  let dataDir: string;
  let app: WorkflowTestApp | undefined;

  beforeEach(async () => {
    dataDir = await makeTempDir('shutdown');
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await removeTempDir(dataDir);
  });

  const start = async () => {
    app = await startWorkflowApp({ dataDir });
    return app;
  };
  const restart = async () => {
    await app?.close();
    return start();
  };
  const userTexts = async (threadId: string) =>
    replayTranscript(await readFile(join(dataDir, 'threads', `${threadId}.jsonl`)))
      .messages.filter((message) => message.role === 'user')
      .map((message) => message.text);

  it('refuses with unavailable and retryAfterMs once shutdown has begun, writing nothing', async () => {
    const first = await start();
    const alice = first.connect('alice');
    const { threadId } = await first.service.send(alice, { text: 'what is 1+1' });
    await first.settle();
    const engine = first.app.get(AgentEngine);
    const stopping = engine.shutdown({ retryAfterMs: 12_000 });

    const onThread = await refusal(
      first.service.send(alice, { threadId, text: 'too late', clientMessageId: 'late-1' }),
    );
    const newThread = await refusal(first.service.send(alice, { text: 'too late as well' }));
    await stopping;

    for (const error of [onThread, newThread]) {
      expect(error.code).toBe('unavailable');
      expect(error.retryAfterMs).toBeGreaterThan(10_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(12_000);
    }
    expect(await userTexts(threadId)).toEqual(['what is 1+1']);
    expect(first.sink.started()).toHaveLength(1);
  });

  it('withdraws a send that was past the check when shutdown began, so its retry after a restart gets a run', async () => {
    const first = await start();
    const alice = first.connect('alice');
    const created = await first.service.send(alice, { text: 'what is 1+1' });
    await first.settle();
    const threadId = created.threadId;
    const send = { threadId, text: 'what is 6*7', clientMessageId: 'in-the-window' };

    // send() runs up to its first await (the ownership check) before shutdown begins.
    const inFlight = first.service.send(alice, send);
    const stopping = first.app.get(AgentEngine).shutdown();
    const refused = await refusal(inFlight);
    await stopping;

    expect(refused.code).toBe('unavailable');
    expect(first.sink.started()).toHaveLength(1);
    // Written, then taken back: the transcript no longer holds it.
    expect(await userTexts(threadId)).toEqual(['what is 1+1']);

    const second = await restart();
    const again = second.connect('alice');
    const retried = await second.service.send(again, send);
    await second.settle();

    const types = second.sink.ofRun(retried.runId).map((event) => event.type);
    expect(types[0]).toBe('agent_started');
    expect(types.at(-1)).toBe('agent_completed');
    expect(await userTexts(threadId)).toEqual(['what is 1+1', 'what is 6*7']);
    await expect(second.service.send(again, send)).resolves.toEqual(retried);
  });
});
