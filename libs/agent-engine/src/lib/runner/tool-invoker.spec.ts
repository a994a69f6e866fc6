import type { ToolCallResult } from '../contracts/tool-definition';
import { ToolFailure } from '../contracts/tool-failure.error';
import { createEngineFixture, type EngineFixture } from '../../test-support/engine-fixture';
import { lifecycleViolations } from '../../test-support/lifecycle-assertions';
import { forever, untilAborted } from '../../test-support/programmable-agent';

describe('tool calls', () => {
  let fx: EngineFixture;

  beforeEach(async () => {
    jest.useFakeTimers();
    fx = await createEngineFixture({
      retry: { attempts: 3, startingDelayMs: 10, maxDelayMs: 40 },
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 5_000 },
    });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await fx.close();
  });

  /** Runs the agent calling one tool and returns what callTool gave it. */
  async function callOnce(tool: string, args: unknown = {}, advanceMs = 60_000) {
    let result: ToolCallResult | undefined;
    fx.agent.behaviour = async ({ callTool }) => {
      result = await callTool(tool, args);
      return 'ok';
    };
    const handle = fx.run();
    await jest.advanceTimersByTimeAsync(advanceMs);
    await handle.done;
    const events = fx.sink.forRun(handle.runId);
    return { result, handle, events, completed: fx.sink.last(handle.runId, 'tool_completed') };
  }

  it('emits tool_executing then tool_completed with the same callId and the result', async () => {
    fx.idempotentTool.behaviour = ({ value }) => Promise.resolve({ doubled: (value ?? 0) * 2 });

    const { result, events } = await callOnce('idempotent_probe', { value: 21 });

    expect(result).toEqual({ ok: true, result: { doubled: 42 } });
    const executing = events.find((event) => event.type === 'tool_executing');
    expect(executing?.payload).toEqual({
      tool: 'idempotent_probe',
      callId: expect.any(String),
      args: { value: 21 },
    });
    expect(events.find((event) => event.type === 'tool_completed')?.payload).toEqual({
      tool: 'idempotent_probe',
      callId: (executing?.payload as { callId: string }).callId,
      ok: true,
      result: { doubled: 42 },
      durationMs: expect.any(Number),
    });
  });

  it('completes a call past toolTimeoutMs (10 s by default) with ok: false and aborts the tool', async () => {
    let toolSignal: AbortSignal | undefined;
    fx.sideEffectTool.behaviour = (_args, { signal }) => {
      toolSignal = signal;
      return forever();
    };

    const { result, completed, events } = await callOnce('side_effect_probe', {}, 10_000);

    expect(result).toEqual({
      ok: false,
      error: 'tool side_effect_probe did not answer within 10000 ms',
    });
    expect(completed?.payload).toMatchObject({
      ok: false,
      error: expect.stringContaining('10000 ms'),
    });
    expect(toolSignal?.aborted).toBe(true);
    expect(lifecycleViolations(events)).toEqual([]);
  });

  it('completes a throwing call with ok: false and the reason', async () => {
    fx.sideEffectTool.behaviour = () => Promise.reject(new Error('quota exceeded'));

    const { completed } = await callOnce('side_effect_probe');

    expect(completed?.payload).toMatchObject({
      ok: false,
      error: 'tool side_effect_probe failed: quota exceeded',
    });
  });

  it('retries an idempotent tool with backoff until it succeeds', async () => {
    fx.idempotentTool.behaviour = () =>
      fx.idempotentTool.attempts < 3
        ? Promise.reject(new Error('flaky'))
        : Promise.resolve('third time');

    const { result, events } = await callOnce('idempotent_probe');

    expect(fx.idempotentTool.attempts).toBe(3);
    expect(result).toEqual({ ok: true, result: 'third time' });
    expect(events.filter((event) => event.type === 'tool_executing')).toHaveLength(1);
  });

  it('retries an idempotent tool after a timed-out attempt', async () => {
    fx.idempotentTool.behaviour = () =>
      fx.idempotentTool.attempts === 1 ? forever() : Promise.resolve('second');

    const { result } = await callOnce('idempotent_probe', {}, 11_000);

    expect(result).toEqual({ ok: true, result: 'second' });
  });

  it('never retries a tool that is not idempotent', async () => {
    fx.sideEffectTool.behaviour = () => Promise.reject(new Error('flaky'));

    await callOnce('side_effect_probe');

    expect(fx.sideEffectTool.attempts).toBe(1);
  });

  it('does not retry a ToolFailure, which another attempt cannot fix', async () => {
    fx.idempotentTool.behaviour = () => Promise.reject(new ToolFailure('bad input'));

    const { completed } = await callOnce('idempotent_probe');

    expect(fx.idempotentTool.attempts).toBe(1);
    expect(completed?.payload).toMatchObject({
      ok: false,
      error: expect.stringContaining('bad input'),
    });
  });

  it('pairs a call of an unknown tool, naming the available ones', async () => {
    const { completed, events } = await callOnce('teleport');

    expect(completed?.payload).toMatchObject({
      tool: 'teleport',
      ok: false,
      error: expect.stringMatching(/unknown tool "teleport"; available tools: calculator, clock/),
    });
    expect(lifecycleViolations(events)).toEqual([]);
  });

  it('refuses invalid arguments without running the tool', async () => {
    const { completed } = await callOnce('idempotent_probe', { value: 'not a number' });

    expect(fx.idempotentTool.attempts).toBe(0);
    expect(completed?.payload).toMatchObject({
      ok: false,
      error: expect.stringContaining('invalid arguments for tool idempotent_probe'),
    });
  });

  it('opens the tool circuit after repeated failures and then refuses calls at once', async () => {
    fx.sideEffectTool.behaviour = () => Promise.reject(new Error('down'));
    // No time passes: the failures stay inside the breaker's rolling window.
    for (let index = 0; index < 3; index += 1) await callOnce('side_effect_probe', {}, 0);
    const attemptsBefore = fx.sideEffectTool.attempts;

    const { completed } = await callOnce('side_effect_probe', {}, 0);

    expect(fx.sideEffectTool.attempts).toBe(attemptsBefore);
    expect(completed?.payload).toMatchObject({
      ok: false,
      error: expect.stringContaining('circuit open'),
    });
    expect(fx.engine.openCircuits()).toEqual(['tool:side_effect_probe']);
    expect(await fx.metrics.metrics()).toContain(
      'agent_gateway_agent_tool_calls_total{tool="side_effect_probe",outcome="circuit_open"} 1',
    );
  });

  it('completes an open tool call with ok: false before agent_error when the run times out', async () => {
    const engineTimeout = await createEngineFixture({ agentTimeoutMs: 1_000 });
    engineTimeout.sideEffectTool.behaviour = (_args, { signal }) => untilAborted(signal);
    engineTimeout.agent.behaviour = async ({ callTool }) => {
      await callTool('side_effect_probe', {});
      return forever();
    };

    const handle = engineTimeout.run();
    await jest.advanceTimersByTimeAsync(1_000);
    await handle.done;

    const events = engineTimeout.sink.forRun(handle.runId);
    expect(events.map((event) => event.type)).toEqual([
      'agent_started',
      'tool_executing',
      'tool_completed',
      'agent_error',
    ]);
    expect(events[2].payload).toMatchObject({
      ok: false,
      error: expect.stringContaining('timeout'),
    });
    expect(lifecycleViolations(events)).toEqual([]);
    await engineTimeout.close();
  });

  it('never starts a tool for a run cancelled while the call was being announced', async () => {
    fx.sideEffectTool.behaviour = () => Promise.resolve({ charged: true });
    let call: Promise<ToolCallResult> | undefined;
    fx.agent.behaviour = async ({ callTool, signal }) => {
      call = callTool('side_effect_probe', { value: 1 });
      return untilAborted(signal);
    };
    let runId = '';
    // The client cancels while tool_executing is being recorded (a slow event log).
    fx.sink.beforePublish = async (event) => {
      if (event.type !== 'tool_executing') return;
      fx.engine.cancel(runId, 'user-1');
      await new Promise((resolve) => setTimeout(resolve, 5));
    };

    const handle = fx.run();
    runId = handle.runId;
    await jest.advanceTimersByTimeAsync(1_000);

    await expect(handle.done).resolves.toMatchObject({ status: 'failed', code: 'cancelled' });
    await expect(call).resolves.toMatchObject({ ok: false });
    expect(fx.sideEffectTool.attempts).toBe(0);
  });

  it('does not retry an idempotent tool once its run is cancelled during the backoff', async () => {
    let call: Promise<ToolCallResult> | undefined;
    let runId = '';
    fx.idempotentTool.behaviour = () => {
      // The first attempt fails, and the user cancels before the retry is due: this timer was
      // set before the backoff's, for no longer, so it fires first.
      setTimeout(() => fx.engine.cancel(runId, 'user-1'), 0);
      return Promise.reject(new Error('transient'));
    };
    fx.agent.behaviour = async ({ callTool, signal }) => {
      call = callTool('idempotent_probe', {});
      return untilAborted(signal);
    };

    const handle = fx.run();
    runId = handle.runId;
    await jest.advanceTimersByTimeAsync(1_000);

    await expect(handle.done).resolves.toMatchObject({ status: 'failed', code: 'cancelled' });
    await expect(call).resolves.toMatchObject({ ok: false });
    expect(fx.idempotentTool.attempts).toBe(1);
  });
});
