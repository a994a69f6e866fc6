import { AgentEngine } from '../../runner/agent-engine.service';
import { createEngineTestApp, type EngineTestApp } from '../../../test-support/engine-test-module';
import { RecordingSink } from '../../../test-support/recording-sink';

describe('assistant agent', () => {
  let app: EngineTestApp;
  let engine: AgentEngine;

  beforeEach(async () => {
    app = await createEngineTestApp({});
    engine = app.moduleRef.get(AgentEngine);
  });

  afterEach(() => app.moduleRef.close());

  function ask(input: string, sink = new RecordingSink()) {
    const handle = engine.start(
      {
        runId: `r-${input.length}`,
        threadId: 't1',
        userId: 'u1',
        agent: 'assistant',
        input,
        history: [],
      },
      sink,
    );
    return { sink, handle };
  }

  it('answers "what is 2+3*4" with 14 through the calculator, events in lifecycle order', async () => {
    const { sink, handle } = ask('what is 2+3*4');
    const outcome = await handle.done;

    expect(outcome.status).toBe('completed');
    expect(JSON.stringify(outcome.status === 'completed' && outcome.output)).toContain('14');
    const types = sink.typesOf(handle.runId);
    expect(types[0]).toBe('agent_started');
    expect(types).toContain('agent_thinking');
    expect(types.at(-1)).toBe('agent_completed');
    const executing = sink.last(handle.runId, 'tool_executing');
    const completed = sink.last(handle.runId, 'tool_completed');
    expect(executing?.payload).toMatchObject({ tool: 'calculator', args: { expression: '2+3*4' } });
    expect(completed?.payload).toMatchObject({
      tool: 'calculator',
      callId: executing?.payload.callId,
      ok: true,
      result: { value: 14 },
    });
    expect(JSON.stringify(sink.last(handle.runId, 'agent_completed')?.payload.output)).toContain(
      '14',
    );
  });

  it('tells the time through the clock tool', async () => {
    const { sink, handle } = ask('what time is it?');
    await handle.done;

    expect(sink.last(handle.runId, 'tool_completed')?.payload).toMatchObject({
      tool: 'clock',
      ok: true,
    });
  });

  it('reports a calculator error in its answer instead of failing the run', async () => {
    const { sink, handle } = ask('what is 1/0 + 2');
    const outcome = await handle.done;

    expect(outcome.status).toBe('completed');
    expect(sink.last(handle.runId, 'tool_completed')?.payload).toMatchObject({
      ok: false,
      error: expect.stringContaining('division by zero'),
    });
  });

  it('says what it can do when the input has nothing for its tools', async () => {
    const { sink, handle } = ask('hello there');
    const outcome = await handle.done;

    expect(outcome.status).toBe('completed');
    expect(sink.typesOf(handle.runId)).not.toContain('tool_executing');
  });
});
