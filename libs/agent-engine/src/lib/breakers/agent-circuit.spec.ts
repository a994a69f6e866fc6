import { Logger } from '@nestjs/common';
import { createEngineFixture, type EngineFixture } from '../../test-support/engine-fixture';
import { lifecycleViolations } from '../../test-support/lifecycle-assertions';
import { untilAborted } from '../../test-support/programmable-agent';

describe('agent circuit breaker', () => {
  let fx: EngineFixture;

  beforeEach(async () => {
    jest.useFakeTimers();
    fx = await createEngineFixture({
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 1_000 },
    });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await fx.close();
  });

  async function failTwice(): Promise<void> {
    fx.agent.behaviour = () => Promise.reject(new Error('upstream down'));
    await fx.run().done;
    await fx.run().done;
  }

  async function circuitGauge(state: string): Promise<number | undefined> {
    const metric = await fx.metrics.getSingleMetric('agent_gateway_agent_circuit_state')?.get();
    return metric?.values.find(
      (value) => value.labels['name'] === 'programmable' && value.labels['state'] === state,
    )?.value;
  }

  it('opens after the failure threshold and answers at once with circuit_open and retryAfterMs', async () => {
    await failTwice();
    fx.agent.invocations = 0;

    const handle = fx.run();
    const outcome = await handle.done;

    expect(outcome).toMatchObject({ status: 'failed', code: 'circuit_open' });
    expect(fx.agent.invocations).toBe(0);
    const error = fx.sink.last(handle.runId, 'agent_error')?.payload;
    expect(error?.retryAfterMs).toBeGreaterThan(0);
    expect(error?.retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(lifecycleViolations(fx.sink.forRun(handle.runId))).toEqual([]);
    expect(fx.engine.openCircuits()).toEqual(['agent:programmable']);
    expect(await circuitGauge('open')).toBe(1);
    expect(await circuitGauge('closed')).toBe(0);
  });

  it('logs every state change', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const log = jest.spyOn(Logger.prototype, 'log');

    await failTwice();
    await jest.advanceTimersByTimeAsync(1_000);
    fx.agent.behaviour = () => Promise.resolve('ok');
    await fx.run().done;

    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('circuit of agent programmable opened'),
    );
    expect(log).toHaveBeenCalledWith(
      expect.stringContaining('circuit of agent programmable half-open'),
    );
    expect(log).toHaveBeenCalledWith('circuit of agent programmable closed');
    warn.mockRestore();
    log.mockRestore();
  });

  it('half-opens after resetTimeoutMs and closes again when the probe succeeds', async () => {
    await failTwice();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await circuitGauge('half_open')).toBe(1);

    fx.agent.behaviour = () => Promise.resolve('recovered');
    const probe = await fx.run().done;

    expect(probe).toMatchObject({ status: 'completed', output: 'recovered' });
    expect(fx.engine.openCircuits()).toEqual([]);
    expect(await circuitGauge('closed')).toBe(1);
    await expect(fx.run().done).resolves.toMatchObject({ status: 'completed' });
  });

  it('opens again when the half-open probe fails', async () => {
    await failTwice();
    await jest.advanceTimersByTimeAsync(1_000);

    await expect(fx.run().done).resolves.toMatchObject({ code: 'failed' });

    await expect(fx.run().done).resolves.toMatchObject({ code: 'circuit_open' });
    expect(await circuitGauge('open')).toBe(1);
  });

  it('refuses runs other than the single half-open probe while it is in flight', async () => {
    await failTwice();
    await jest.advanceTimersByTimeAsync(1_000);
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const probe = fx.run({ userId: 'prober' });
    await jest.advanceTimersByTimeAsync(0);

    await expect(fx.run().done).resolves.toMatchObject({ code: 'circuit_open' });
    fx.engine.cancel(probe.runId, 'prober');
    await probe.done;
  });

  it('stays open, not closed, when the half-open probe is cancelled: it proved nothing', async () => {
    await failTwice();
    await jest.advanceTimersByTimeAsync(1_000);
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const probe = fx.run({ userId: 'prober' });
    await jest.advanceTimersByTimeAsync(0);

    fx.engine.cancel(probe.runId, 'prober');
    await probe.done;

    expect(fx.engine.openCircuits()).toEqual(['agent:programmable']);
    expect(await circuitGauge('open')).toBe(1);
  });

  it('counts timeouts as failures', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    const first = fx.run();
    const second = fx.run();
    await jest.advanceTimersByTimeAsync(30_000);
    await expect(first.done).resolves.toMatchObject({ code: 'timeout' });
    await second.done;

    await expect(fx.run().done).resolves.toMatchObject({ code: 'circuit_open' });
  });

  it('does not count cancelled runs against the agent', async () => {
    fx.agent.behaviour = ({ signal }) => untilAborted(signal);
    for (let index = 0; index < 4; index += 1) {
      const handle = fx.run({ userId: 'canceller' });
      await jest.advanceTimersByTimeAsync(0);
      fx.engine.cancel(handle.runId, 'canceller');
      await handle.done;
    }

    fx.agent.behaviour = () => Promise.resolve('fine');
    await expect(fx.run().done).resolves.toMatchObject({ status: 'completed' });
    expect(fx.engine.openCircuits()).toEqual([]);
  });
});
