import { Logger } from '@nestjs/common';
import { RequestError } from '@agent-gateway/events';
import { createEngineFixture, type EngineFixture } from '../../test-support/engine-fixture';
import { lifecycleViolations } from '../../test-support/lifecycle-assertions';
import { forever, untilAborted } from '../../test-support/programmable-agent';
import { RunStoppedError } from './run-stopped.error';

describe('AgentEngine run lifecycle', () => {
  let fx: EngineFixture;

  beforeEach(async () => {
    fx = await createEngineFixture();
  });

  afterEach(async () => {
    jest.useRealTimers();
    await fx.close();
  });

  it('publishes agent_started, the agent events, then agent_completed with the output', async () => {
    fx.agent.behaviour = async ({ emit }) => {
      await emit('agent_thinking', { text: 'pondering' });
      await emit('agent_progress', { delta: 'an' });
      return 'answer';
    };

    const handle = fx.run({ input: 'question' });
    const outcome = await handle.done;

    expect(outcome).toEqual({
      status: 'completed',
      output: 'answer',
      durationMs: expect.any(Number),
    });
    expect(fx.sink.forRun(handle.runId).map(({ type, payload }) => ({ type, payload }))).toEqual([
      { type: 'agent_started', payload: { agent: 'programmable', input: 'question' } },
      { type: 'agent_thinking', payload: { text: 'pondering' } },
      { type: 'agent_progress', payload: { delta: 'an' } },
      { type: 'agent_completed', payload: { output: 'answer', durationMs: expect.any(Number) } },
    ]);
  });

  it('announces the outcome on ended before the terminal event is published, on done after', async () => {
    fx.agent.behaviour = () => Promise.resolve('answer');
    const order: string[] = [];
    fx.sink.beforePublish = (event) => {
      if (event.type === 'agent_completed') order.push('agent_completed published');
      return Promise.resolve();
    };

    const handle = fx.run();
    const ended = handle.ended.then((outcome) => order.push(`ended ${outcome.status}`));
    const done = handle.done.then((outcome) => order.push(`done ${outcome.status}`));
    await Promise.all([ended, done]);

    expect(order).toEqual(['ended completed', 'agent_completed published', 'done completed']);
    expect(await handle.ended).toEqual(await handle.done);
  });

  it('publishes the terminal event only once beforeTerminal is done, and within agentTimeoutMs if it hangs', async () => {
    fx.agent.behaviour = () => Promise.resolve('answer');
    const order: string[] = [];
    fx.sink.beforePublish = (event) => {
      if (event.type === 'agent_completed') order.push('agent_completed published');
      return Promise.resolve();
    };
    let finishWrite!: () => void;
    const handle = fx.engine.start(
      { runId: 'held', threadId: 't', userId: 'u', agent: 'programmable', input: 'q', history: [] },
      fx.sink,
      {
        beforeTerminal: (outcome) => {
          order.push(`beforeTerminal ${outcome.status}`);
          return new Promise<void>((resolve) => (finishWrite = resolve));
        },
      },
    );
    await handle.ended;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['beforeTerminal completed']);
    finishWrite();
    await handle.done;
    expect(order).toEqual(['beforeTerminal completed', 'agent_completed published']);

    // One that never settles holds the end no longer than a run may last.
    jest.useFakeTimers();
    const hung = fx.engine.start(
      { runId: 'hung', threadId: 't', userId: 'u', agent: 'programmable', input: 'q', history: [] },
      fx.sink,
      { beforeTerminal: () => new Promise<void>(() => undefined) },
    );
    await jest.advanceTimersByTimeAsync(30_000);
    await expect(hung.done).resolves.toMatchObject({ status: 'completed' });
    expect(fx.sink.last('hung', 'agent_completed')).toBeDefined();
  });

  it('ends a run whose agent throws with agent_error failed and the reason', async () => {
    fx.agent.behaviour = () => Promise.reject(new Error('database is down'));

    const handle = fx.run();

    await expect(handle.done).resolves.toMatchObject({ status: 'failed', code: 'failed' });
    expect(fx.sink.last(handle.runId, 'agent_error')?.payload).toEqual({
      code: 'failed',
      message: 'agent programmable failed: database is down',
    });
    expect(lifecycleViolations(fx.sink.forRun(handle.runId))).toEqual([]);
  });

  it('fails a run whose agent returns something that is not an answer', async () => {
    fx.agent.behaviour = () => Promise.resolve(undefined as never);

    await expect(fx.run().done).resolves.toMatchObject({ status: 'failed', code: 'failed' });
  });

  it('refuses an unknown agent with not_found naming the available ones, publishing nothing', () => {
    let thrown: unknown;
    try {
      fx.run({ agent: 'nope' });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(RequestError);
    expect(thrown).toMatchObject({ code: 'not_found' });
    expect((thrown as Error).message).toContain('available: assistant, programmable');
    expect(fx.sink.events).toEqual([]);
    expect(fx.engine.activeRunCount()).toBe(0);
  });

  it('checks an agent and its options as start would, starting nothing', async () => {
    const withLoadtest = await createEngineFixture({ enableLoadtestAgent: true });
    try {
      const { engine } = withLoadtest;
      expect(() => engine.checkRun('nope')).toThrow(expect.objectContaining({ code: 'not_found' }));
      expect(() => engine.checkRun('loadtest', { events: -1 })).toThrow(
        expect.objectContaining({ code: 'invalid_request' }),
      );
      expect(() => engine.checkRun('loadtest', { events: 1 })).not.toThrow();
      expect(engine.activeRunCount()).toBe(0);
      expect(withLoadtest.sink.events).toEqual([]);
    } finally {
      await withLoadtest.close();
    }
  });

  it('refuses a run id that is already running', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const first = fx.run({ runId: 'same', userId: 'owner' });

    expect(() => fx.run({ runId: 'same' })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    fx.engine.cancel(first.runId, 'owner');
    await first.done;
  });

  it('times a hung agent out after agentTimeoutMs (30 s by default), aborting its signal', async () => {
    jest.useFakeTimers();
    fx.agent.behaviour = () => forever();
    const handle = fx.run();
    await jest.advanceTimersByTimeAsync(29_999);
    expect(fx.sink.typesOf(handle.runId)).toEqual(['agent_started']);

    await jest.advanceTimersByTimeAsync(1);
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'failed', code: 'timeout' });
    expect(fx.sink.last(handle.runId, 'agent_error')?.payload.message).toContain('30000 ms');
    const { signal } = fx.agent.contexts[0];
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(RunStoppedError);
    expect((signal.reason as RunStoppedError).code).toBe('timeout');
  });

  it('drops what a timed-out agent emits afterwards', async () => {
    jest.useFakeTimers();
    let lateEmit: Promise<void> | undefined;
    fx.agent.behaviour = async ({ emit }) => {
      await new Promise((resolve) => setTimeout(resolve, 40_000));
      lateEmit = emit('agent_thinking', { text: 'too late' });
      return 'late answer';
    };
    const handle = fx.run();

    await jest.advanceTimersByTimeAsync(40_000);
    await handle.done;
    await lateEmit;

    expect(fx.sink.typesOf(handle.runId)).toEqual(['agent_started', 'agent_error']);
  });

  it('cancels a running agent: its signal aborts and the run ends with agent_error cancelled', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const handle = fx.run({ userId: 'owner' });
    await Promise.resolve();

    expect(fx.engine.cancel(handle.runId, 'owner')).toBe(true);
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'failed', code: 'cancelled' });
    expect(fx.sink.last(handle.runId, 'agent_error')?.payload.code).toBe('cancelled');
    expect(lifecycleViolations(fx.sink.forRun(handle.runId))).toEqual([]);
    expect(fx.engine.activeRunCount()).toBe(0);
  });

  it('ends a cancelled run at once even when the agent ignores its signal', async () => {
    fx.agent.behaviour = () => forever();
    const handle = fx.run({ userId: 'owner' });
    await Promise.resolve();

    fx.engine.cancel(handle.runId, 'owner');

    await expect(handle.done).resolves.toMatchObject({ code: 'cancelled' });
  });

  it('does not let another user cancel a run, nor cancel an unknown one', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const handle = fx.run({ userId: 'owner' });

    expect(fx.engine.cancel(handle.runId, 'intruder')).toBe(false);
    expect(fx.engine.cancel('no-such-run', 'owner')).toBe(false);
    expect(fx.engine.activeRunCount()).toBe(1);
    fx.engine.cancel(handle.runId, 'owner');
    await handle.done;
  });

  it('keeps the lifecycle when the sink rejects publishes, and logs instead of failing', async () => {
    fx.sink.beforePublish = (event) =>
      event.type === 'agent_thinking' ? Promise.reject(new Error('disk full')) : Promise.resolve();
    fx.agent.behaviour = async ({ emit }) => {
      await emit('agent_thinking', { text: 'lost' });
      return 'still answered';
    };

    const handle = fx.run();

    await expect(handle.done).resolves.toMatchObject({ status: 'completed' });
    expect(fx.sink.typesOf(handle.runId)).toEqual(['agent_started', 'agent_completed']);
  });

  it('publishes strictly in order, awaiting each publish before the next', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    fx.sink.beforePublish = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
    };
    fx.agent.behaviour = async ({ emit }) => {
      // Not awaited on purpose: the engine must still serialize them.
      void emit('agent_progress', { delta: 'a' });
      void emit('agent_progress', { delta: 'b' });
      await emit('agent_progress', { delta: 'c' });
      return 'done';
    };

    const handle = fx.run();
    await handle.done;

    expect(maxInFlight).toBe(1);
    expect(
      fx.sink
        .forRun(handle.runId)
        .filter((event) => event.type === 'agent_progress')
        .map((event) => (event.payload as { delta: string }).delta),
    ).toEqual(['a', 'b', 'c']);
  });

  it('refuses an agent that emits lifecycle events itself', async () => {
    fx.agent.behaviour = async ({ emit }) => {
      await emit('agent_completed' as 'agent_thinking', { text: 'sneaky' });
      return 'never';
    };

    const handle = fx.run();

    await expect(handle.done).resolves.toMatchObject({ status: 'failed', code: 'failed' });
    expect(fx.sink.typesOf(handle.runId)).toEqual(['agent_started', 'agent_error']);
  });

  it('passes input, history, options and the tool list to the agent', async () => {
    fx.agent.behaviour = () => Promise.resolve('ok');

    await fx.run({
      input: 'now',
      history: [{ role: 'user', text: 'before' }],
      options: { depth: 2 },
    }).done;

    const context = fx.agent.contexts[0];
    expect(context).toMatchObject({
      input: 'now',
      history: [{ role: 'user', text: 'before' }],
      options: { depth: 2 },
    });
    expect(context.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['calculator', 'clock', 'idempotent_probe']),
    );
    expect(context.tools.find((tool) => tool.name === 'calculator')?.parameters).toMatchObject({
      type: 'object',
      properties: { expression: { type: 'string' } },
    });
  });

  it('runs several agents in parallel under one overall limit', async () => {
    fx.agent.behaviour = ({ input, signal }) =>
      input === 'slow' ? untilAborted(signal) : Promise.resolve(`fast ${input}`);
    const base = { threadId: 't', userId: 'u', agent: 'programmable', history: [] };

    const outcomes = await fx.engine.runParallel(
      [
        { ...base, runId: 'p1', input: 'one' },
        { ...base, runId: 'p2', input: 'slow' },
      ],
      fx.sink,
      { timeoutMs: 50 },
    );

    expect(outcomes[0]).toMatchObject({ status: 'completed', output: 'fast one' });
    expect(outcomes[1]).toMatchObject({ status: 'failed', code: 'timeout' });
    expect(lifecycleViolations(fx.sink.forRun('p2'))).toEqual([]);
  });

  it('never writes the message text to the logs', async () => {
    const calls: unknown[][] = [];
    const spies = (['log', 'warn', 'error', 'debug', 'verbose'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        calls.push(args);
      }),
    );
    fx.agent.behaviour = async ({ emit }) => {
      await emit('agent_thinking', { text: 'thinking about it' });
      throw new Error('gave up');
    };
    fx.sink.beforePublish = () => Promise.reject(new Error('store down'));

    await fx.run({ input: 'my bank password is hunter2' }).done;

    for (const spy of spies) spy.mockRestore();
    expect(calls.length).toBeGreaterThan(0);
    expect(JSON.stringify(calls)).not.toContain('hunter2');
  });

  it('counts ended runs by agent and outcome in the metrics', async () => {
    fx.agent.behaviour = () => Promise.resolve('ok');
    await fx.run().done;
    fx.agent.behaviour = () => Promise.reject(new Error('x'));
    await fx.run().done;

    const text = await fx.metrics.metrics();
    expect(text).toContain(
      'agent_gateway_agent_runs_total{agent="programmable",outcome="completed"} 1',
    );
    expect(text).toContain(
      'agent_gateway_agent_runs_total{agent="programmable",outcome="failed"} 1',
    );
    expect(text).toContain(
      'agent_gateway_agent_run_duration_seconds_count{agent="programmable",outcome="completed"} 1',
    );
  });
});
