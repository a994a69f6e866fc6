import { deferredValue } from '@agent-gateway/events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSerializer, whenWorkersServe } from '../testing/compile-serializer';
import { TEST_RECIPE_MODULES } from '../testing/test-recipes';
import type { PayloadSerializer } from '../serializer/payload-serializer.service';
import { backgroundThreadIds } from './thread-priority';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

const onLinux = process.platform === 'linux' ? describe : describe.skip;
/** Above any value another spec in this process may have set: lowering is one-way. */
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

onLinux('BackgroundThreadPriority', () => {
  it('lowers the workers and the threads the process already had, never the event loop', async () => {
    const mainNice = getPriority(process.pid);
    const before = backgroundThreadIds().filter((threadId) => getPriority(threadId) < NICE);
    // A Node process always has V8's helper threads: without them this test would prove nothing.
    expect(before.length).toBeGreaterThan(0);
    const compiled = await compileSerializer({
      poolSize: 1,
      backgroundThreadNice: NICE,
      recipeModules: TEST_RECIPE_MODULES,
    });
    try {
      const worker = await workerPriority(compiled.serializer);

      expect(worker.kernelThreadId).not.toBe(process.pid);
      expect(worker.nice).toBe(NICE);
      const stillAlive = before.filter((threadId) => existsSync(`/proc/self/task/${threadId}`));
      expect(stillAlive.map((threadId) => getPriority(threadId))).toEqual(
        stillAlive.map(() => NICE),
      );
      expect(getPriority(process.pid)).toBe(mainNice);
    } finally {
      await compiled.moduleRef.close();
    }
  });

  it('has a replacement worker lower itself too', async () => {
    const markers = mkdtempSync(join(tmpdir(), 'priority-'));
    const compiled = await compileSerializer({
      poolSize: 1,
      backgroundThreadNice: NICE + 1,
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
      expect(replacement.nice).toBe(NICE + 1);
    } finally {
      await compiled.moduleRef.close();
      rmSync(markers, { recursive: true, force: true });
    }
  });

  it('leaves every priority alone at 0, the library default', async () => {
    const compiled = await compileSerializer({ poolSize: 1, recipeModules: TEST_RECIPE_MODULES });
    try {
      expect((await workerPriority(compiled.serializer)).nice).toBe(getPriority(process.pid));
    } finally {
      await compiled.moduleRef.close();
    }
  });
});
