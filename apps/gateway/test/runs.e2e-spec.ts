import {
  FakeChatCompletionsServer,
  sendChunk,
  startStream,
  textChunk,
  type Responder,
} from '@agent-gateway/test-support';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { EventRecorder, connectAs, request, type TestSocket } from './support/socket-helpers';

interface Accepted {
  threadId: string;
  runId: string;
}

async function send(socket: TestSocket, body: Record<string, unknown>): Promise<Accepted> {
  const reply = await request(socket, 'chat:send', body);
  if (!reply.ok) throw new Error(`chat:send refused: ${JSON.stringify(reply.error)}`);
  return reply as unknown as Accepted;
}

function terminalOf(recorder: EventRecorder, run: Accepted) {
  return recorder
    .durable(run.threadId)
    .filter((e) => e.runId === run.runId)
    .at(-1);
}

describe('how runs end, through the gateway', () => {
  let gateway: RunningGateway;
  let socket: TestSocket;
  let recorder: EventRecorder;

  async function boot(env: Record<string, string>): Promise<void> {
    // A short grace: runs left hanging by a test must not hold up closing the gateway.
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1', SHUTDOWN_GRACE_MS: '100', ...env });
    socket = await connectAs(gateway.url, { userId: 'alice' });
    recorder = new EventRecorder(socket);
  }

  afterEach(async () => {
    socket?.close();
    await gateway?.close();
  });

  it('run:cancel ends the run with agent_error cancelled; another user cannot cancel it', async () => {
    await boot({});
    const run = await send(socket, {
      text: 'wait',
      agent: 'loadtest',
      options: { hangMs: 10_000 },
    });
    const mallory = await connectAs(gateway.url, { userId: 'mallory' });
    const refused = await request(mallory, 'run:cancel', { runId: run.runId });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: expect.stringMatching(/^(not_found|forbidden)$/) },
    });
    mallory.close();

    await expect(request(socket, 'run:cancel', { runId: run.runId })).resolves.toEqual({
      ok: true,
    });
    await recorder.untilRunEnds(run.runId);
    expect(terminalOf(recorder, run)).toMatchObject({
      type: 'agent_error',
      payload: { code: 'cancelled' },
    });
  });

  it('a run past AGENT_TIMEOUT_MS ends with agent_error timeout', async () => {
    await boot({ AGENT_TIMEOUT_MS: '200' });
    const run = await send(socket, { text: 'wait', agent: 'loadtest', options: { hangMs: 5000 } });
    await recorder.untilRunEnds(run.runId);
    expect(terminalOf(recorder, run)).toMatchObject({
      type: 'agent_error',
      payload: { code: 'timeout' },
    });
  });

  it('past MAX_CONCURRENT_RUNS and the queue, a run ends with overloaded and retryAfterMs', async () => {
    await boot({ MAX_CONCURRENT_RUNS: '1', MAX_QUEUED_RUNS: '0' });
    const busy = await send(socket, { text: 'wait', agent: 'loadtest', options: { hangMs: 5000 } });
    const refused = await send(socket, { text: 'me too', threadId: busy.threadId });
    await recorder.untilRunEnds(refused.runId);
    expect(terminalOf(recorder, refused)).toMatchObject({
      type: 'agent_error',
      payload: { code: 'overloaded', retryAfterMs: expect.any(Number) },
    });
  });

  it('an agent that keeps failing opens its circuit: the next run answers circuit_open at once', async () => {
    await boot({ BREAKER_VOLUME_THRESHOLD: '2', BREAKER_ERROR_THRESHOLD_PERCENTAGE: '50' });
    const failing = { text: 'fail', agent: 'loadtest', options: { failRate: 1, events: 1 } };
    const first = await send(socket, failing);
    await recorder.untilRunEnds(first.runId);
    const second = await send(socket, { ...failing, threadId: first.threadId });
    await recorder.untilRunEnds(second.runId);
    expect(terminalOf(recorder, second)).toMatchObject({
      type: 'agent_error',
      payload: { code: 'failed' },
    });

    const third = await send(socket, { ...failing, threadId: first.threadId });
    await recorder.untilRunEnds(third.runId);
    expect(terminalOf(recorder, third)).toMatchObject({
      type: 'agent_error',
      payload: { code: 'circuit_open', retryAfterMs: expect.any(Number) },
    });
    await expect(fetch(`${gateway.url}/health/ready`).then((r) => r.json())).resolves.toMatchObject(
      {
        details: { circuits: { open: ['agent:loadtest'] } },
      },
    );
  });

  it('ships a large state as binary JSON built off the event loop, and one over MAX_EVENT_BYTES as the marker', async () => {
    await boot({ MAX_EVENT_BYTES: '1048576' });
    const large = await send(socket, {
      text: 'state',
      agent: 'loadtest',
      options: { events: 0, stateBytes: 800_000 },
    });
    await recorder.untilRunEnds(large.runId);
    const completed = terminalOf(recorder, large);
    expect(completed?.type).toBe('agent_completed');
    expect(JSON.stringify(completed?.payload).length).toBeGreaterThan(700_000);
    const onTheWire = recorder.raw.find(
      (e) => e.runId === large.runId && e.type === 'agent_completed',
    );
    expect(onTheWire?.payloadEncoding).toBe('json');
    expect(Buffer.isBuffer(onTheWire?.payload)).toBe(true);
    // It came back from the worker in shared memory, and the in-process log, which keeps it for
    // replay, told the serializer so: it does not count against SERIALIZATION_SHARED_RESULT_BYTES.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const retained = /^agent_gateway_serialization_shared_result_bytes\{state="retained"\} (\d+)$/m;
    expect(Number(retained.exec(metrics)?.[1])).toBeGreaterThan(700_000);
    expect(metrics).toMatch(
      /^agent_gateway_serialization_worker_results_total\{handover="shared"\} [1-9]/m,
    );

    const tooLarge = await send(socket, {
      text: 'state',
      agent: 'loadtest',
      threadId: large.threadId,
      options: { events: 0, stateBytes: 3_000_000 },
    });
    await recorder.untilRunEnds(tooLarge.runId);
    const marker = terminalOf(recorder, tooLarge);
    expect(marker).toMatchObject({
      type: 'agent_completed',
      payload: { truncated: true, reason: 'too_large' },
    });
    expect(marker?.seq).toBe((completed?.seq ?? 0) + 2);
  });
});

/** Streams `deltas` `gapMs` apart, as a model producing tokens does. */
function pacedStream(gapMs: number, ...deltas: string[]): Responder {
  return (response) => {
    startStream(response);
    const next = (index: number): void => {
      if (index === deltas.length) {
        sendChunk(response, textChunk('', 'stop'));
        response.end('data: [DONE]\n\n');
        return;
      }
      sendChunk(response, textChunk(deltas[index]));
      setTimeout(() => next(index + 1), gapMs);
    };
    setTimeout(() => next(0), gapMs);
  };
}

describe('the llm agent against a local OpenAI-compatible endpoint', () => {
  const llm = new FakeChatCompletionsServer();
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway({ LLM_BASE_URL: await llm.listen(), LLM_MODEL: 'test-model' });
  });

  afterAll(async () => {
    await gateway.close();
    await llm.close();
  });

  it('streams text deltas as ephemeral progress carrying the last durable seq, never replayed', async () => {
    llm.script(pacedStream(30, 'Hel', 'lo ', 'there'));
    const socket = await connectAs(gateway.url, { userId: 'alice' });
    const recorder = new EventRecorder(socket);
    const run = await send(socket, { text: 'hi', agent: 'llm' });
    await recorder.untilRunEnds(run.runId);

    const progress = recorder.received.filter((e) => e.type === 'agent_progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((e) => (e.payload as { delta: string }).delta).join('')).toBe(
      'Hello there',
    );
    for (const event of progress) {
      expect(event.ephemeral).toBe(true);
      const lastDurableBefore = recorder.received
        .slice(0, recorder.received.indexOf(event))
        .filter((e) => !e.ephemeral)
        .at(-1);
      expect(event.seq).toBe(lastDurableBefore?.seq);
    }
    expect(recorder.durable(run.threadId).at(-1)).toMatchObject({
      type: 'agent_completed',
      payload: { output: 'Hello there' },
    });
    expect(llm.requests[0].body).toMatchObject({ model: 'test-model', stream: true });

    const replay = await connectAs(gateway.url, { userId: 'alice' });
    const replayRecorder = new EventRecorder(replay);
    await request(replay, 'thread:subscribe', { threadId: run.threadId, afterSeq: 0 });
    await replayRecorder.untilRunEnds(run.runId);
    expect(replayRecorder.received.some((e) => e.ephemeral)).toBe(false);
    replay.close();
    socket.close();
  });
});
