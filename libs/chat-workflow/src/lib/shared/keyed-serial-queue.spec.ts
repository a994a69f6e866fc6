import { KeyedSerialQueue } from './keyed-serial-queue';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key one at a time, in queue order', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    let running = 0;
    const tasks = Array.from({ length: 20 }, (_, index) =>
      queue.run('thread-a', async () => {
        running += 1;
        expect(running).toBe(1);
        log.push(`start ${index}`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${index}`);
        running -= 1;
      }),
    );
    await Promise.all(tasks);
    const expected = Array.from({ length: 20 }, (_, index) => [`start ${index}`, `end ${index}`]);
    expect(log).toEqual(expected.flat());
  });

  it('lets another key proceed while one key is stuck', async () => {
    const queue = new KeyedSerialQueue();
    const stuck = deferred();
    const blocked = queue.run('thread-a', () => stuck.promise);
    await expect(queue.run('thread-b', async () => 'b done')).resolves.toBe('b done');
    stuck.resolve();
    await blocked;
  });

  it('starts the next task only after a failed one settled, and keeps the failure to its caller', async () => {
    const queue = new KeyedSerialQueue();
    const failing = queue.run('thread-a', async () => {
      throw new Error('disk full');
    });
    const next = queue.run('thread-a', async () => 'next ran');
    await expect(failing).rejects.toThrow('disk full');
    await expect(next).resolves.toBe('next ran');
  });

  it('forgets a key once its work is done', async () => {
    const queue = new KeyedSerialQueue();
    await queue.run('thread-a', async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.activeKeys).toBe(0);
  });
});
