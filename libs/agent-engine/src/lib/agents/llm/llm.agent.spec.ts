import type { AgentEventDraft } from '../../contracts/run.types';
import { AgentEngine } from '../../runner/agent-engine.service';
import { createEngineTestApp, type EngineTestApp } from '../../../test-support/engine-test-module';
import {
  FakeChatCompletionsServer,
  type Responder,
  sendChunk,
  startStream,
  streamText,
  textChunk,
  toolCallChunk,
} from '@agent-gateway/test-support';
import { lifecycleViolations } from '../../../test-support/lifecycle-assertions';
import { RecordingSink } from '../../../test-support/recording-sink';

describe('llm agent against a streaming Chat Completions server', () => {
  let server: FakeChatCompletionsServer;
  let baseUrl: string;
  let app: EngineTestApp;
  let engine: AgentEngine;
  let sink: RecordingSink;
  let runs = 0;

  /** Generous by default: a loaded CI machine must not turn a slow first fetch into a timeout. */
  async function boot(agentTimeoutMs = 10_000): Promise<void> {
    app = await createEngineTestApp({
      llm: { baseUrl, apiKey: 'sk-test', model: 'test-model' },
      agentTimeoutMs,
      retry: { attempts: 3, startingDelayMs: 1, maxDelayMs: 5 },
    });
    engine = app.moduleRef.get(AgentEngine);
  }

  beforeEach(async () => {
    server = new FakeChatCompletionsServer();
    baseUrl = await server.listen();
    sink = new RecordingSink();
  });

  afterEach(async () => {
    await app.moduleRef.close();
    await server.close();
  });

  function ask(input: string, history: { role: 'user' | 'assistant'; text: string }[] = []) {
    runs += 1;
    return engine.start(
      { runId: `llm-${runs}`, threadId: 't', userId: 'u', agent: 'llm', input, history },
      sink,
    );
  }

  function deltas(runId: string): string[] {
    return sink
      .forRun(runId)
      .filter(
        (event): event is AgentEventDraft<'agent_progress'> => event.type === 'agent_progress',
      )
      .map((event) => event.payload.delta);
  }

  it('streams text deltas as agent_progress and completes with the whole text', async () => {
    await boot();
    server.script(streamText('Hel', 'lo ', 'world'));

    const handle = ask('greet me', [
      { role: 'user', text: 'hi' },
      { role: 'assistant', text: 'hello' },
    ]);
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'completed', output: 'Hello world' });
    expect(deltas(handle.runId)).toEqual(['Hel', 'lo ', 'world']);
    expect(lifecycleViolations(sink.forRun(handle.runId))).toEqual([]);
    const [request] = server.requests;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers['authorization']).toBe('Bearer sk-test');
    expect(request.body).toMatchObject({
      model: 'test-model',
      stream: true,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'greet me' },
      ],
    });
    expect(request.body['tools']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'function',
          function: expect.objectContaining({ name: 'calculator' }),
        }),
      ]),
    );
  });

  it('runs the tool calls the model streams and sends the results back', async () => {
    await boot();
    server.script(
      (response) => {
        startStream(response);
        sendChunk(
          response,
          toolCallChunk(0, { id: 'call_a', name: 'calculator', arguments: '{"expr' }),
        );
        sendChunk(response, toolCallChunk(0, { arguments: 'ession":"2+3*4"}' }, 'tool_calls'));
        response.end('data: [DONE]\n\n');
      },
      streamText('It is ', '14.'),
    );

    const handle = ask('what is 2+3*4?');
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'completed', output: 'It is 14.' });
    expect(sink.last(handle.runId, 'tool_executing')?.payload).toMatchObject({
      tool: 'calculator',
      args: { expression: '2+3*4' },
    });
    expect(sink.last(handle.runId, 'tool_completed')?.payload).toMatchObject({
      tool: 'calculator',
      ok: true,
      result: { value: 14 },
    });
    const followUp = server.requests[1].body['messages'] as Record<string, unknown>[];
    expect(followUp.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'calculator' } }],
    });
    expect(followUp.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_a',
      content: JSON.stringify({ expression: '2+3*4', value: 14 }),
    });
    expect(lifecycleViolations(sink.forRun(handle.runId))).toEqual([]);
  });

  it('stops a model that keeps asking for tools after 8 rounds', async () => {
    await boot();
    const askForClock: Responder = (response) => {
      startStream(response);
      sendChunk(
        response,
        toolCallChunk(0, { id: 'c', name: 'clock', arguments: '{}' }, 'tool_calls'),
      );
      response.end('data: [DONE]\n\n');
    };
    server.script(...Array.from({ length: 10 }, () => askForClock));

    const handle = ask('loop forever');
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'failed', code: 'failed' });
    expect(outcome.status === 'failed' && outcome.message).toContain('more than 8 times');
    expect(server.requests).toHaveLength(9);
    expect(lifecycleViolations(sink.forRun(handle.runId))).toEqual([]);
  });

  it('times a stalled stream out and closes the connection', async () => {
    await boot(1_000);
    server.script((response) => {
      startStream(response);
      sendChunk(response, textChunk('Let me think'));
      // ...and never another byte.
    });

    const handle = ask('stall');
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'failed', code: 'timeout' });
    expect(lifecycleViolations(sink.forRun(handle.runId))).toEqual([]);
    await waitFor(() => server.abortedRequests === 1);
  });

  it('fails a stream that breaks after output without retrying it', async () => {
    await boot();
    server.script((response) => {
      startStream(response);
      sendChunk(response, textChunk('Half an'));
      setTimeout(() => response.socket?.destroy(), 20);
    }, streamText('never asked for'));

    const handle = ask('break');
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'failed', code: 'failed' });
    expect(outcome.status === 'failed' && outcome.message).toContain('the model stream broke');
    expect(server.requests).toHaveLength(1);
    expect(lifecycleViolations(sink.forRun(handle.runId))).toEqual([]);
  });

  it('retries a request that broke before any output', async () => {
    await boot();
    server.script((response) => {
      startStream(response);
      setTimeout(() => response.socket?.destroy(), 20);
    }, streamText('second try'));

    const outcome = await ask('retry me').done;

    expect(outcome).toMatchObject({ status: 'completed', output: 'second try' });
    expect(server.requests).toHaveLength(2);
  });

  it('retries a 503 and a 429, but not a 400', async () => {
    await boot();
    server.script(
      (response) => response.writeHead(503).end('busy'),
      (response) => response.writeHead(429).end('slow down'),
      streamText('finally'),
    );
    await expect(ask('a').done).resolves.toMatchObject({ status: 'completed', output: 'finally' });
    expect(server.requests).toHaveLength(3);

    server.script((response) => response.writeHead(400).end('{"error":"bad model"}'));
    const refused = await ask('b').done;

    expect(refused).toMatchObject({ status: 'failed', code: 'failed' });
    expect(refused.status === 'failed' && refused.message).toContain('answered 400');
    expect(server.requests).toHaveLength(4);
  });

  it('treats a stream that ends without [DONE] as broken', async () => {
    await boot();
    server.script((response) => {
      startStream(response);
      response.end();
    }, streamText('complete'));

    await expect(ask('short').done).resolves.toMatchObject({ output: 'complete' });
    expect(server.requests).toHaveLength(2);
  });

  it('is not registered without an llm configuration', async () => {
    await boot();
    const plain = await createEngineTestApp({});
    try {
      expect(plain.moduleRef.get(AgentEngine).hasAgent('llm')).toBe(false);
      expect(engine.hasAgent('llm')).toBe(true);
    } finally {
      await plain.moduleRef.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
