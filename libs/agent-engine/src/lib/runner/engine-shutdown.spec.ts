import { RequestError } from '@agent-gateway/events';
import { createEngineFixture, type EngineFixture } from '../../test-support/engine-fixture';
import { lifecycleViolations } from '../../test-support/lifecycle-assertions';
import { forever, untilAborted } from '../../test-support/programmable-agent';

describe('engine shutdown with runs in flight', () => {
  let fx: EngineFixture;

  beforeEach(async () => {
    jest.useFakeTimers();
    fx = await createEngineFixture({ shutdownGraceMs: 5_000, maxRunsPerUser: 1 });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await fx.close();
  });

  it('lets a run that finishes within shutdownGraceMs complete', async () => {
    fx.agent.behaviour = () =>
      new Promise((resolve) => setTimeout(() => resolve('made it'), 4_000));
    const handle = fx.run();
    await jest.advanceTimersByTimeAsync(0);

    const shutdown = fx.engine.shutdown();
    await jest.advanceTimersByTimeAsync(4_000);
    await shutdown;

    await expect(handle.done).resolves.toMatchObject({ status: 'completed', output: 'made it' });
  });

  it('aborts runs still going after the grace with agent_error shutdown', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const polite = fx.run({ userId: 'a' });
    fx.agent.behaviour = () => forever();
    const stubborn = fx.run({ userId: 'b' });
    await jest.advanceTimersByTimeAsync(0);

    const shutdown = fx.engine.shutdown();
    await jest.advanceTimersByTimeAsync(4_999);
    expect(fx.sink.typesOf(polite.runId)).toEqual(['agent_started']);
    await jest.advanceTimersByTimeAsync(1);
    await shutdown;

    for (const handle of [polite, stubborn]) {
      await expect(handle.done).resolves.toMatchObject({ status: 'failed', code: 'shutdown' });
      expect(fx.sink.last(handle.runId, 'agent_error')?.payload.message).toContain('shutting down');
      expect(lifecycleViolations(fx.sink.forRun(handle.runId))).toEqual([]);
    }
    expect(fx.engine.activeRunCount()).toBe(0);
  });

  it('ends a queued run with shutdown at once, without waiting out the grace', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    fx.run({ userId: 'a' });
    const queued = fx.run({ userId: 'a' });
    await jest.advanceTimersByTimeAsync(0);

    const shutdown = fx.engine.shutdown();
    await jest.advanceTimersByTimeAsync(0);

    await expect(queued.done).resolves.toMatchObject({ code: 'shutdown' });
    expect(fx.agent.invocations).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000);
    await shutdown;
  });

  it('refuses a run started after shutdown began with unavailable, emitting nothing', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    fx.run({ userId: 'a' });
    await jest.advanceTimersByTimeAsync(0);
    const shutdown = fx.engine.shutdown();
    await jest.advanceTimersByTimeAsync(1_000);

    let refusal: unknown;
    try {
      fx.run({ runId: 'late-run' });
    } catch (error) {
      refusal = error;
    }

    expect(refusal).toBeInstanceOf(RequestError);
    expect(refusal).toMatchObject({ code: 'unavailable', retryAfterMs: 4_000 });
    expect(() => fx.engine.assertAccepting()).toThrow('shutting down');
    expect(fx.sink.typesOf('late-run')).toEqual([]);
    expect(fx.agent.invocations).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000);
    await shutdown;
    // Past the announced reconnect time: still refused, told to come back at once.
    expect(() => fx.engine.assertAccepting()).toThrow(
      expect.objectContaining({ code: 'unavailable', retryAfterMs: 1 }),
    );
  });

  it('tells a refused caller to wait as long as the stopping gateway announced', async () => {
    const shutdown = fx.engine.shutdown({ retryAfterMs: 12_000 });
    await jest.advanceTimersByTimeAsync(2_000);

    expect(() => fx.engine.assertAccepting()).toThrow(
      expect.objectContaining({ code: 'unavailable', retryAfterMs: 10_000 }),
    );
    await shutdown;
  });

  it('accepts runs until shutdown begins', () => {
    expect(() => fx.engine.assertAccepting()).not.toThrow();
  });

  it('drains through the Nest shutdown hooks when the app closes', async () => {
    fx.agent.behaviour = () => forever();
    const handle = fx.run();
    await jest.advanceTimersByTimeAsync(0);

    const closing = fx.close();
    await jest.advanceTimersByTimeAsync(5_000);
    await closing;

    await expect(handle.done).resolves.toMatchObject({ code: 'shutdown' });
  });
});
