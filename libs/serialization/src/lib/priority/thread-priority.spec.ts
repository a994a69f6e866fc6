import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { currentThreadId, lowerThreadPriority } from './thread-priority';

// Per-thread nice values are a Linux feature; elsewhere these functions do nothing by design.
const onLinux = process.platform === 'linux' ? describe : describe.skip;

/** A real thread that reports its kernel id, then waits until terminated. */
async function startThread(): Promise<{ threadId: number; stop: () => Promise<number> }> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const id = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
     parentPort.postMessage(id);
     setInterval(() => {}, 1000);`,
    { eval: true },
  );
  const threadId = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { threadId, stop: () => worker.terminate() };
}

onLinux('thread priority', () => {
  it('tells the main thread by the process id', () => {
    expect(currentThreadId()).toBe(process.pid);
  });

  it('lowers one background thread and leaves the event loop thread alone', async () => {
    const mainNice = getPriority(process.pid);
    const thread = await startThread();
    try {
      expect(thread.threadId).not.toBe(process.pid);
      expect(existsSync(`/proc/self/task/${thread.threadId}`)).toBe(true);
      const niceBefore = getPriority(thread.threadId);
      const target = Math.min(19, niceBefore + 5);

      expect(lowerThreadPriority(thread.threadId, target)).toBe(true);

      expect(getPriority(thread.threadId)).toBe(target);
      expect(getPriority(process.pid)).toBe(mainNice);
    } finally {
      await thread.stop();
    }
  });

  it('never raises a priority back, as that would need privileges', async () => {
    const thread = await startThread();
    try {
      const high = Math.min(19, getPriority(thread.threadId) + 6);
      lowerThreadPriority(thread.threadId, high);

      expect(lowerThreadPriority(thread.threadId, high - 3)).toBe(true);

      expect(getPriority(thread.threadId)).toBe(high);
    } finally {
      await thread.stop();
    }
  });

  it('answers false for a thread that is gone', async () => {
    const thread = await startThread();
    await thread.stop();

    expect(lowerThreadPriority(thread.threadId, 10)).toBe(false);
  });
});
