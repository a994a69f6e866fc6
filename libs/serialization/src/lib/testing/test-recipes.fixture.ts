import { existsSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { threadId } from 'node:worker_threads';
import { currentThreadId } from '../priority/thread-priority';
import { registerRecipe } from '../recipes/recipe-registry';

/*
 * Recipes for the specs only, loaded into real workers through `recipeModules`. They misbehave
 * on purpose: the specs prove the pool survives them.
 */

/** Which thread built the value: proves the work ran in a worker, not on the main thread. */
registerRecipe('thread-id', () => ({ threadId }));

/** The worker thread's kernel id and nice value: proves it lowered its own priority. */
registerRecipe('thread-priority', () => {
  const kernelThreadId = currentThreadId() ?? 0;
  return { kernelThreadId, nice: getPriority(kernelThreadId) };
});

/** Objects nested `levels` deep, `{ n: { n: ... } }`: for the depth limit of built values. */
registerRecipe('deep', (args) => {
  let value: unknown = 'leaf';
  for (let level = 0; level < Number(args['levels']); level++) value = { n: value };
  return value;
});

/** Never finishes: only terminating the worker stops it. */
registerRecipe('spin-forever', () => {
  for (;;) {
    // Deliberately empty: a pathological payload.
  }
});

/** Blocks its worker for `ms`, keeping it busy so that tasks queue behind it. */
registerRecipe('block', (args) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(args['ms']));
  return { blockedMs: args['ms'] };
});

/** Kills its worker the first time (leaving `marker` behind), succeeds on the retry. */
registerRecipe('crash-once', (args) => {
  const marker = String(args['marker']);
  if (!existsSync(marker)) {
    writeFileSync(marker, 'crashed once');
    process.exit(1);
  }
  return 'survived';
});

/** Kills every worker that tries it. */
registerRecipe('crash-always', () => process.exit(1));
