import { resolveEngineOptions } from '../config/engine-options';
import { OverloadedError } from './overloaded.error';
import { RunLimiter } from './run-limiter.service';

describe('RunLimiter', () => {
  // Queue-wait timers of the waiters left behind never fire.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const limiter = () =>
    new RunLimiter(
      resolveEngineOptions({
        maxConcurrentRuns: 2,
        maxRunsPerUser: 2,
        maxQueuedRuns: 2,
        queueWaitMs: 1_000,
      }),
    );
  const signal = () => new AbortController().signal;

  it('frees one slot per release, however often release is called', async () => {
    const subject = limiter();
    const release = await subject.acquire('a', signal());
    await subject.acquire('b', signal());

    release();
    release();

    expect(subject.runningCount()).toBe(1);
    await subject.acquire('c', signal());
    expect(subject.runningCount()).toBe(2);
  });

  it('admits waiters first come, first served', async () => {
    const subject = limiter();
    const first = await subject.acquire('a', signal());
    await subject.acquire('b', signal());
    const order: string[] = [];
    const c = subject.acquire('c', signal()).then(() => order.push('c'));
    void subject
      .acquire('d', signal())
      .then(() => order.push('d'))
      .catch(() => undefined);

    first();
    await c;

    expect(order).toEqual(['c']);
    expect(subject.queuedCount()).toBe(1);
  });

  it('removes an aborted waiter from the queue and rejects it with the abort reason', async () => {
    const subject = limiter();
    await subject.acquire('a', signal());
    await subject.acquire('b', signal());
    const controller = new AbortController();
    const waiting = subject.acquire('c', controller.signal);

    controller.abort(new Error('cancelled'));

    await expect(waiting).rejects.toThrow('cancelled');
    expect(subject.queuedCount()).toBe(0);
  });

  it('refuses with OverloadedError when the queue is full', async () => {
    const subject = limiter();
    await subject.acquire('a', signal());
    await subject.acquire('b', signal());
    void subject.acquire('c', signal()).catch(() => undefined);
    void subject.acquire('d', signal()).catch(() => undefined);

    await expect(subject.acquire('e', signal())).rejects.toBeInstanceOf(OverloadedError);
  });
});
