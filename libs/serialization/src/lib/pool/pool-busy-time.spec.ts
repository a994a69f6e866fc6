import { deferredValue } from '@agent-gateway/events';
import type { Registry } from 'prom-client';
import { compileSerializer } from '../testing/compile-serializer';
import { BUSY_WINDOW_MS, PoolBusyTime } from './pool-busy-time';
import { TEST_RECIPE_MODULES } from '../testing/test-recipes';

jest.setTimeout(30_000);

async function utilization(registry: Registry): Promise<number> {
  const metric = await registry
    .getSingleMetric('agent_gateway_serialization_pool_utilization_ratio')
    ?.get();
  return metric?.values[0]?.value ?? Number.NaN;
}

describe('agent_gateway_serialization_pool_utilization_ratio', () => {
  it('reads the share of time a worker spent on tasks, completed and aborted alike', async () => {
    const { moduleRef, serializer, registry } = await compileSerializer({
      poolSize: 1,
      timeoutMs: 400,
      recipeModules: TEST_RECIPE_MODULES,
    });
    try {
      const completed = await serializer.serialize({ state: deferredValue('block', { ms: 300 }) });
      expect(completed.encoding).toBe('json-bytes');
      const afterCompleted = await utilization(registry);

      // Busy until the deadline aborts it, its worker terminated: busy time all the same.
      const aborted = await serializer.serialize({ state: deferredValue('block', { ms: 5000 }) });
      expect(aborted).toMatchObject({ value: { reason: 'timeout' } });
      const afterAborted = await utilization(registry);

      // Generous bounds: the worker's start-up counts as busy as well, the gaps between do not.
      expect(afterCompleted).toBeGreaterThan(0.3);
      expect(afterCompleted).toBeLessThanOrEqual(1);
      // Left out, the aborted 400 ms would have pulled it to about 0.65 with a quick start-up.
      expect(afterAborted).toBeGreaterThan(0.75);
      expect(afterAborted).toBeLessThanOrEqual(1);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('PoolBusyTime', () => {
  function clocked(threads: number): { busy: PoolBusyTime; at: (ms: number) => void } {
    let now = 1_000_000;
    return { busy: new PoolBusyTime(threads, () => now), at: (ms) => (now = 1_000_000 + ms) };
  }

  function settle(): { promise: Promise<void>; resolve: () => void; reject: () => void } {
    let resolve = (): void => undefined;
    let reject = (): void => undefined;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = () => rej(new Error('aborted'));
    });
    return { promise, resolve, reject };
  }

  it('counts a task from start to settle, a rejected one too, over elapsed time and threads', async () => {
    const { busy, at } = clocked(2);
    const done = settle();
    const failed = settle();
    const first = busy.track(() => done.promise);
    const second = busy.track(() => failed.promise).catch(() => undefined);
    at(600);
    failed.reject();
    await second;
    at(800);
    done.resolve();
    await first;
    at(1000);

    expect(busy.ratio()).toBeCloseTo((800 + 600) / (1000 * 2), 6);
  });

  it('does not count tasks beyond the threads: they wait in the queue', async () => {
    const { busy, at } = clocked(1);
    const tasks = [settle(), settle(), settle()];
    const tracked = tasks.map((task) => busy.track(() => task.promise));
    at(500);
    expect(busy.ratio()).toBe(1);
    for (const task of tasks) task.resolve();
    await Promise.all(tracked);
    at(1000);
    expect(busy.ratio()).toBeCloseTo(0.5, 6);
  });

  it('forgets what is older than its window', async () => {
    const { busy, at } = clocked(1);
    const task = settle();
    const tracked = busy.track(() => task.promise);
    at(BUSY_WINDOW_MS);
    task.resolve();
    await tracked;
    at(3 * BUSY_WINDOW_MS);
    expect(busy.ratio()).toBe(0);
  });
});
