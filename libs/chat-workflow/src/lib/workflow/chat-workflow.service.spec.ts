import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RequestError,
  type ChatSendRequest,
  type ChatSendResult,
  type ThreadHistoryResult,
} from '@agent-gateway/events';
import { AgentEngine } from '@agent-gateway/agent-engine';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { StuckDisk } from '../../test-support/stuck-disk';
import { startWorkflowApp, type WorkflowTestApp } from '../../test-support/workflow-test-app';
import { replayTranscript, type Transcript } from '../transcripts/transcript';

/** Generous, so a loaded machine never turns an ordinary write into `unavailable`. */
const FILE_TIMEOUT_MS = 2000;
/** For the stalled-disk test, which waits this out on purpose. */
const SHORT_FILE_TIMEOUT_MS = 300;

async function refusal(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestError);
  return error as RequestError;
}

describe('ChatWorkflowService (in process, real files, real engine and realtime)', () => {
  let dataDir: string;
  let app: WorkflowTestApp;

  beforeEach(async () => {
    dataDir = await makeTempDir('workflow');
    app = await startWorkflowApp({ dataDir, fileTimeoutMs: FILE_TIMEOUT_MS, maxMessageChars: 100 });
  });

  afterEach(async () => {
    await app.close();
    await removeTempDir(dataDir);
  });

  const transcriptOf = async (threadId: string): Promise<Transcript> =>
    replayTranscript(await readFile(join(dataDir, 'threads', `${threadId}.jsonl`)));
  const threadFiles = async () => readdir(join(dataDir, 'threads'));

  it('creates a thread owned by the sender, with the message on disk before it answers', async () => {
    const alice = app.connect('alice');
    const answer = await app.service.send(alice, { text: 'what is 2+3*4' });

    const transcript = await transcriptOf(answer.threadId);
    expect(transcript.owner).toBe('alice');
    expect(transcript.messages).toEqual([
      expect.objectContaining({
        id: answer.messageId,
        role: 'user',
        text: 'what is 2+3*4',
        runId: answer.runId,
      }),
    ]);
  });

  it('subscribes the sending connection before the run emits anything', async () => {
    const alice = app.connect('alice');
    const answer = await app.service.send(alice, { text: 'hello' });
    await app.settle();
    const events = app.sink.ofRun(answer.runId);
    expect(events[0]?.type).toBe('agent_started');
    for (const event of app.sink.events.filter((entry) => entry.runId === answer.runId)) {
      expect(event.subscribers).toContain(alice.connectionId);
    }
  });

  it('has the answer on disk when agent_completed goes out, as a crash at that moment would leave it', async () => {
    const seen: string[][] = [];
    app.sink.onRecorded = (event) => {
      if (event.type !== 'agent_completed') return;
      // The file as it is now: what a SIGKILL at this instant would leave.
      const file = join(dataDir, 'threads', `${event.threadId}.jsonl`);
      seen.push(replayTranscript(readFileSync(file)).messages.map((message) => message.role));
    };
    try {
      const alice = app.connect('alice');
      for (let index = 0; index < 3; index++) {
        await app.service.send(alice, { text: `what is ${index}+1` });
      }
      await app.settle();
    } finally {
      app.sink.onRecorded = undefined;
    }

    expect(seen).toEqual([
      ['user', 'assistant'],
      ['user', 'assistant'],
      ['user', 'assistant'],
    ]);
  });

  it('records the completed answer after its question and serves the history oldest first', async () => {
    const alice = app.connect('alice');
    const first = await app.service.send(alice, { text: 'what is 2+3*4' });
    await app.settle();
    const second = await app.service.send(alice, { threadId: first.threadId, text: 'and 1+1' });
    await app.settle();

    const { messages } = await app.service.history(alice, { threadId: first.threadId });
    expect(messages.map((message) => [message.role, message.runId])).toEqual([
      ['user', first.runId],
      ['assistant', first.runId],
      ['user', second.runId],
      ['assistant', second.runId],
    ]);
    expect(messages[1]?.text).toContain('14');
    const lastTwo = await app.service.history(alice, { threadId: first.threadId, limit: 2 });
    expect(lastTwo.messages).toEqual(messages.slice(-2));
    expect((await transcriptOf(first.threadId)).messages).toHaveLength(4);
  });

  it('gives the history and the next run the answer of a run whose agent_completed was just recorded', async () => {
    const alice = app.connect('alice');
    const start = jest.spyOn(app.app.get(AgentEngine), 'start');
    const { threadId } = await app.service.send(alice, { text: 'hello' });
    await app.settle();
    // As a client does that asks again the moment it sees the answer arrive.
    const actedOnAnswer = new Promise<[ThreadHistoryResult, ChatSendResult]>((resolve, reject) => {
      app.sink.onRecorded = (event) => {
        if (event.type !== 'agent_completed') return;
        app.sink.onRecorded = undefined;
        Promise.all([
          app.service.history(alice, { threadId }),
          app.service.send(alice, { threadId, text: 'and 1+1' }),
        ]).then(resolve, reject);
      };
    });
    const asked = await app.service.send(alice, { threadId, text: 'what is 2+3*4' });

    const [history, next] = await actedOnAnswer;
    await app.settle();
    expect(history.messages.map(({ role, runId }) => [role, runId]).slice(-2)).toEqual([
      ['user', asked.runId],
      ['assistant', asked.runId],
    ]);
    const nextRun = start.mock.calls.find(([request]) => request.runId === next.runId)?.[0];
    expect(nextRun?.history.at(-1)).toEqual({
      role: 'assistant',
      text: history.messages.at(-1)?.text,
    });
    expect(nextRun?.history).toHaveLength(4);
  });

  it("refuses every request on another user's thread with forbidden and changes nothing", async () => {
    const alice = app.connect('alice');
    const mallory = app.connect('mallory');
    const { threadId } = await app.service.send(alice, { text: 'private' });
    await app.settle();
    const before = await readFile(join(dataDir, 'threads', `${threadId}.jsonl`));
    const runsBefore = app.sink.started().length;

    for (const attempt of [
      app.service.send(mallory, { threadId, text: 'let me in' }),
      app.service.subscribe(mallory, { threadId, afterSeq: 0 }),
      app.service.unsubscribe(mallory, { threadId }),
      app.service.history(mallory, { threadId }),
    ]) {
      expect((await refusal(attempt)).code).toBe('forbidden');
    }
    expect(await readFile(join(dataDir, 'threads', `${threadId}.jsonl`))).toEqual(before);
    expect(app.sink.started()).toHaveLength(runsBefore);
    expect(app.sink.subscriptions?.isSubscribed(mallory.connectionId, threadId)).toBe(false);
  });

  it('answers not_found for a thread that does not exist, and for an unknown agent without writing', async () => {
    const alice = app.connect('alice');
    expect((await refusal(app.service.history(alice, { threadId: 'no-such-thread' }))).code).toBe(
      'not_found',
    );
    expect(
      (await refusal(app.service.send(alice, { threadId: 'no-such-thread', text: 'hi' }))).code,
    ).toBe('not_found');
    expect((await refusal(app.service.send(alice, { text: 'hi', agent: 'nobody' }))).code).toBe(
      'not_found',
    );
    expect(await threadFiles()).toEqual([]);
  });

  it.each(['../../etc/passwd', '..', 'a/b', '%2e%2e', 'x'.repeat(65)])(
    'refuses the traversal attempt %j as invalid_request and touches no file',
    async (threadId) => {
      const alice = app.connect('alice');
      expect((await refusal(app.service.send(alice, { threadId, text: 'hi' }))).code).toBe(
        'invalid_request',
      );
      expect((await refusal(app.service.history(alice, { threadId }))).code).toBe(
        'invalid_request',
      );
      expect(await threadFiles()).toEqual([]);
    },
  );

  it('answers payload_too_large for text over maxMessageChars', async () => {
    const alice = app.connect('alice');
    const error = await refusal(app.service.send(alice, { text: 'x'.repeat(101) }));
    expect(error.code).toBe('payload_too_large');
    expect(await threadFiles()).toEqual([]);
  });

  it('counts characters as users do: an emoji is one, not two UTF-16 units', async () => {
    const alice = app.connect('alice');
    await expect(app.service.send(alice, { text: '🙂'.repeat(100) })).resolves.toBeDefined();
    const error = await refusal(app.service.send(alice, { text: '🙂'.repeat(101) }));
    expect(error).toMatchObject({
      code: 'payload_too_large',
      message: 'text is 101 characters; at most 100 are accepted',
    });
  });

  it('returns the first answer for a repeated clientMessageId and starts no second run', async () => {
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'start' });
    const request: ChatSendRequest = { threadId, text: 'once only', clientMessageId: 'c-1' };
    const first = await app.service.send(alice, request);
    const again = await app.service.send(alice, request);
    const twins = await Promise.all([1, 2, 3, 4].map(() => app.service.send(alice, request)));
    await app.settle();

    for (const answer of [again, ...twins]) expect(answer).toEqual(first);
    const messages = (await transcriptOf(threadId)).messages.filter(
      (message) => message.text === 'once only',
    );
    expect(messages).toHaveLength(1);
    expect(app.sink.started().filter((event) => event.runId === first.runId)).toHaveLength(1);
    expect(app.sink.started()).toHaveLength(2);
  });

  it('de-duplicates a thread-creating send by clientMessageId: one thread, one run', async () => {
    const alice = app.connect('alice');
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        app.service.send(alice, { text: 'new thread', clientMessageId: 'c-new' }),
      ),
    );
    await app.settle();
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(await threadFiles()).toHaveLength(1);
    expect(app.sink.started()).toHaveLength(1);
  });

  it('keeps every message of concurrent sends to one thread whole, once, each answer after its question', async () => {
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'start' });
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, index) =>
        app.service.send(alice, {
          threadId,
          text: `question ${index}`,
          clientMessageId: `q-${index}`,
        }),
      ),
    );
    await app.settle();

    const transcript = await transcriptOf(threadId);
    expect(transcript.tornRecords).toBe(0);
    const texts = transcript.messages
      .filter((message) => message.role === 'user')
      .map((message) => message.text);
    expect(texts.sort()).toEqual(
      ['start', ...Array.from({ length: 15 }, (_, index) => `question ${index}`)].sort(),
    );
    for (const answer of answers) {
      const question = transcript.messages.findIndex((message) => message.id === answer.messageId);
      const reply = transcript.messages.findIndex(
        (message) => message.role === 'assistant' && message.runId === answer.runId,
      );
      expect(question).toBeGreaterThanOrEqual(0);
      expect(reply).toBeGreaterThan(question);
    }
  });

  it('answers unavailable within the file limit when the disk stalls; the retry completes without a duplicate', async () => {
    await app.close();
    app = await startWorkflowApp({ dataDir, fileTimeoutMs: SHORT_FILE_TIMEOUT_MS });
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'start' });
    await app.settle();
    const request: ChatSendRequest = {
      threadId,
      text: 'during the stall',
      clientMessageId: 'c-stall',
    };

    const jam = StuckDisk.jamPool(dataDir);
    let error: RequestError;
    const started = Date.now();
    try {
      error = await refusal(app.service.send(alice, request));
    } finally {
      await jam.release();
    }
    // A send makes at most two bounded file calls: the history read and the append.
    expect(Date.now() - started).toBeLessThan(2 * SHORT_FILE_TIMEOUT_MS + 1000);
    expect(error.code).toBe('unavailable');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(await app.metric('agent_gateway_transcript_file_timeouts_total')).toBeGreaterThan(0);

    const retried = await app.service.send(alice, request);
    await app.settle();
    const stalled = (await transcriptOf(threadId)).messages.filter(
      (message) => message.text === 'during the stall',
    );
    expect(stalled).toEqual([expect.objectContaining({ id: retried.messageId })]);
    expect(app.sink.started().filter((event) => event.runId === retried.runId)).toHaveLength(1);
  });

  it('serves an empty history, with a counted warning, when the transcript read stalls', async () => {
    await app.close();
    app = await startWorkflowApp({ dataDir, fileTimeoutMs: SHORT_FILE_TIMEOUT_MS });
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'start' });
    await app.settle();

    const jam = StuckDisk.jamPool(dataDir);
    let history: Awaited<ReturnType<typeof app.service.history>>;
    const started = Date.now();
    try {
      history = await app.service.history(alice, { threadId });
    } finally {
      await jam.release();
    }
    expect(Date.now() - started).toBeLessThan(SHORT_FILE_TIMEOUT_MS + 1000);
    expect(history.messages).toEqual([]);
    expect(
      await app.metric('agent_gateway_transcript_file_timeouts_total', { operation: 'read' }),
    ).toBe(1);
    expect((await app.service.history(alice, { threadId })).messages).toHaveLength(2);
  });

  it('refuses options the agent does not accept before anything is written; a corrected retry is new', async () => {
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'start' });
    await app.settle();
    const transcriptBefore = await readFile(join(dataDir, 'threads', `${threadId}.jsonl`));
    const bad: ChatSendRequest = {
      threadId,
      text: 'drill',
      agent: 'loadtest',
      clientMessageId: 'c-drill',
      options: { events: -1 },
    };
    expect((await refusal(app.service.send(alice, bad))).code).toBe('invalid_request');
    const { threadId: _, ...creating } = bad;
    expect((await refusal(app.service.send(alice, creating))).code).toBe('invalid_request');
    expect(await readFile(join(dataDir, 'threads', `${threadId}.jsonl`))).toEqual(transcriptBefore);
    expect(await threadFiles()).toEqual([`${threadId}.jsonl`]);

    const good = await app.service.send(alice, { ...bad, options: { events: 1 } });
    await app.settle();
    const drills = (await app.service.history(alice, { threadId })).messages.filter(
      (message) => message.text === 'drill',
    );
    expect(drills).toEqual([expect.objectContaining({ id: good.messageId })]);
  });

  it('cancels only an active run of the caller', async () => {
    const alice = app.connect('alice');
    const mallory = app.connect('mallory');
    const { runId } = await app.service.send(alice, {
      text: 'hang',
      agent: 'loadtest',
      options: { hangMs: 5000 },
    });
    expect((await refusal(app.service.cancel(mallory, { runId }))).code).toBe('not_found');
    await app.service.cancel(alice, { runId });
    await app.settle();
    expect(app.sink.ofRun(runId).at(-1)).toMatchObject({
      type: 'agent_error',
      payload: { code: 'cancelled' },
    });
    expect((await refusal(app.service.cancel(alice, { runId }))).code).toBe('not_found');
  });

  it('subscribes and unsubscribes the owner, reporting the last seq', async () => {
    const alice = app.connect('alice');
    const other = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'hello' });
    const result = await app.service.subscribe(other, { threadId });
    expect(result).toEqual({
      threadId,
      lastSeq: expect.any(Number),
      replayed: 0,
      logId: expect.any(String),
    });
    expect(app.sink.subscriptions?.isSubscribed(other.connectionId, threadId)).toBe(true);
    await app.service.unsubscribe(other, { threadId });
    expect(app.sink.subscriptions?.isSubscribed(other.connectionId, threadId)).toBe(false);
  });
});

describe('ChatWorkflowService history cache (in process)', () => {
  it('serves repeated history reads from the cache, but never caches a transcript over maxCachedHistoryBytes', async () => {
    const dataDir = await makeTempDir('cache-bound');
    const app = await startWorkflowApp({ dataDir, maxCachedHistoryBytes: 2000 });
    try {
      const alice = app.connect('alice');
      const hits = () => app.metric('agent_gateway_history_cache_hits_total');
      const small = await app.service.send(alice, { text: 'short' });
      const large = await app.service.send(alice, { text: 'x'.repeat(3000) });
      await app.settle();
      for (const threadId of [small.threadId, large.threadId]) {
        await app.service.history(alice, { threadId });
        await app.settle();
      }

      const before = await hits();
      await app.service.history(alice, { threadId: small.threadId });
      expect(await hits()).toBe(before + 1);
      const { messages } = await app.service.history(alice, { threadId: large.threadId });
      expect(await hits()).toBe(before + 1);
      expect(messages[0]?.text).toHaveLength(3000);
    } finally {
      await app.close();
      await removeTempDir(dataDir);
    }
  });
});

describe('ChatWorkflowService across a restart', () => {
  it('still recognises a clientMessageId from the transcript after the process restarted', async () => {
    const dataDir = await makeTempDir('restart');
    try {
      const first = await startWorkflowApp({ dataDir });
      const alice = first.connect('alice');
      const { threadId } = await first.service.send(alice, { text: 'start' });
      const request: ChatSendRequest = { threadId, text: 'remember me', clientMessageId: 'c-r' };
      const answer = await first.service.send(alice, request);
      await first.settle();
      await first.close();

      const second = await startWorkflowApp({ dataDir });
      try {
        const retrying = second.connect('alice');
        const again = await second.service.send(retrying, request);
        // The first answer again, under the restarted log's numbering.
        expect(again).toEqual({ ...answer, logId: expect.any(String) });
        expect(again.logId).not.toBe(answer.logId);
        expect(second.sink.started()).toHaveLength(0);
        expect(second.sink.subscriptions?.isSubscribed(retrying.connectionId, threadId)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await removeTempDir(dataDir);
    }
  });
});
