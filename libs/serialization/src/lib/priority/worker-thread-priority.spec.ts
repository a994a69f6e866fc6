import { deferredValue } from '@agent-gateway/events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSerializer, whenWorkersServe } from '../testing/compile-serializer';
import { TEST_RECIPE_MODULES } from '../testing/test-recipes';
import type { PayloadSerializer } from '../serializer/payload-serializer.service';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

// Per-thread nice values are a Linux feature; elsewhere the workers leave theirs alone by design.
const onLinux = process.platform === 'linux' ? describe : describe.skip;
const NICE = 13;

interface WorkerPriority {
  kernelThreadId: number;
  nice: number;
}

async function workerPriority(serializer: PayloadSerializer): Promise<WorkerPriority> {
  const result = await serializer.serialize({ state: deferredValue('thread-priority', {}) });
  if (result.encoding !== 'json-bytes') throw new Error(`no worker answered: ${result.encoding}`);
  return (JSON.parse(result.bytes.toString()) as { state: WorkerPriority }).state;
}

/** Nice value of every thread of this process, by kernel thread id. */
function threadPriorities(): Map<number, number> {
  const priorities = new Map<number, number>();
  for (const entry of readdirSync('/proc/self/task')) {
    try {
      priorities.set(Number(entry), getPriority(Number(entry)));
    } catch {
      // The thread ended between the listing and the question.
    }
  }
  return priorities;
}

onLinux('worker thread priority (workerThreadNice)', () => {
  it('lowers each worker thread, and no other thread of the process', async () => {
    const before = threadPriorities();
    const compiled = await compileSerializer({
      poolSize: 1,
      workerThreadNice: NICE,
      recipeModules: TEST_RECIPE_MODULES,
    });
    try {
      const worker = await workerPriority(compiled.serializer);

      expect(worker.kernelThreadId).not.toBe(process.pid);
      expect(worker.nice).toBe(NICE);
      // The event loop's thread and every thread that was there before keep their priority.
      const after = threadPriorities();
      for (const [threadId, nice] of before) {
        if (after.has(threadId)) expect([threadId, after.get(threadId)]).toEqual([threadId, nice]);
      }
    } finally {
      await compiled.moduleRef.close();
    }
  });

  it('has a replacement worker lower itself too', async () => {
    const markers = mkdtempSync(join(tmpdir(), 'priority-'));
    const compiled = await compileSerializer({
      poolSize: 1,
      workerThreadNice: NICE,
      recipeModules: TEST_RECIPE_MODULES,
    });
    try {
      const first = await workerPriority(compiled.serializer);
      await compiled.serializer.serialize({
        state: deferredValue('crash-once', { marker: join(markers, 'crashed') }),
      });
      await whenWorkersServe(compiled.serializer);

      const replacement = await workerPriority(compiled.serializer);

      expect(replacement.kernelThreadId).not.toBe(first.kernelThreadId);
      expect(replacement.nice).toBe(NICE);
    } finally {
      await compiled.moduleRef.close();
      rmSync(markers, { recursive: true, force: true });
    }
  });

  it('leaves the workers at the priority they start with by default', async () => {
    const compiled = await compileSerializer({ poolSize: 1, recipeModules: TEST_RECIPE_MODULES });
    try {
      expect((await workerPriority(compiled.serializer)).nice).toBe(getPriority(process.pid));
    } finally {
      await compiled.moduleRef.close();
    }
  });
});
