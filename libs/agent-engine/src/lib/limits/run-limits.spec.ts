import { createEngineFixture, type EngineFixture } from '../../test-support/engine-fixture';
import { lifecycleViolations } from '../../test-support/lifecycle-assertions';

describe('run concurrency limits', () => {
  let fx: EngineFixture;

  beforeEach(async () => {
    jest.useFakeTimers();
    fx = await createEngineFixture({
      maxConcurrentRuns: 2,
      maxRunsPerUser: 1,
      maxQueuedRuns: 1,
      queueWaitMs: 2_000,
    });
    // Each run waits until its input is released or it is aborted.
    fx.agent.behaviour = ({ input, signal }) =>
      new Promise((resolve, reject) => {
        release.set(input, () => resolve(`done ${input}`));
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await fx.close();
  });

  const release = new Map<string, () => void>();

  async function settle(): Promise<void> {
    await jest.advanceTimersByTimeAsync(0);
  }

  it('queues a user past maxRunsPerUser and runs it when their earlier run ends', async () => {
    const first = fx.run({ userId: 'alice', input: 'a1' });
    const second = fx.run({ userId: 'alice', input: 'a2' });
    await settle();
    expect(fx.agent.invocations).toBe(1);

    release.get('a1')?.();
    await first.done;
    await settle();

    expect(fx.agent.invocations).toBe(2);
    release.get('a2')?.();
    await expect(second.done).resolves.toMatchObject({ status: 'completed', output: 'done a2' });
  });

  it('lets another user run while one user waits for their own slot', async () => {
    fx.run({ userId: 'alice', input: 'a1' });
    fx.run({ userId: 'alice', input: 'a2' });
    fx.run({ userId: 'bob', input: 'b1' });
    await settle();

    expect(fx.agent.contexts.map((context) => context.input)).toEqual(['a1', 'b1']);
    fx.engine.cancel(fx.agent.contexts[0].runId, 'alice');
    fx.engine.cancel(fx.agent.contexts[1].runId, 'bob');
  });

  it('answers overloaded with retryAfterMs at once when the queue is full', async () => {
    fx.run({ userId: 'alice', input: 'a1' });
    fx.run({ userId: 'bob', input: 'b1' });
    fx.run({ userId: 'carol', input: 'c1' });
    const refused = fx.run({ userId: 'dave', input: 'd1' });
    await settle();

    await expect(refused.done).resolves.toMatchObject({ status: 'failed', code: 'overloaded' });
    expect(fx.sink.last(refused.runId, 'agent_error')?.payload.retryAfterMs).toBe(2_000);
    expect(lifecycleViolations(fx.sink.forRun(refused.runId))).toEqual([]);
  });

  it('answers overloaded when no slot frees up within queueWaitMs', async () => {
    fx.run({ userId: 'alice', input: 'a1' });
    fx.run({ userId: 'bob', input: 'b1' });
    const waiting = fx.run({ userId: 'carol', input: 'c1' });
    await jest.advanceTimersByTimeAsync(1_999);
    expect(fx.sink.typesOf(waiting.runId)).toEqual(['agent_started']);

    await jest.advanceTimersByTimeAsync(1);

    await expect(waiting.done).resolves.toMatchObject({ code: 'overloaded' });
    expect(fx.agent.contexts.map((context) => context.input)).toEqual(['a1', 'b1']);
  });

  it('cancels a queued run without ever running it', async () => {
    fx.run({ userId: 'alice', input: 'a1' });
    const queued = fx.run({ userId: 'alice', input: 'a2' });
    await settle();

    expect(fx.engine.cancel(queued.runId, 'alice')).toBe(true);

    await expect(queued.done).resolves.toMatchObject({ code: 'cancelled' });
    release.get('a1')?.();
    await settle();
    expect(fx.agent.invocations).toBe(1);
  });

  it('counts queued runs as active and exports the running and queued gauges', async () => {
    fx.run({ userId: 'alice', input: 'a1' });
    fx.run({ userId: 'alice', input: 'a2' });
    await settle();

    expect(fx.engine.activeRunCount()).toBe(2);
    const text = await fx.metrics.metrics();
    expect(text).toContain('agent_gateway_agent_active_runs 1');
    expect(text).toContain('agent_gateway_agent_queued_runs 1');
  });
});
