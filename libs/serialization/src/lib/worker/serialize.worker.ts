import { isDeferredValue, type DeferredValue } from '@agent-gateway/events';
import { createRequire } from 'node:module';
import { move, workerData } from 'piscina';
import { currentThreadId, lowerThreadPriority } from '../priority/thread-priority';
import { registerBuiltinRecipes } from '../recipes/builtin-recipes';
import { buildDeferred } from '../recipes/recipe-registry';
import { truncatedPayload } from '../safe-json/safe-json-markers';
import { toSafeJson, type SafeJsonOptions } from '../safe-json/to-safe-json';
import type { SerializeTask, SerializeTaskResult, WorkerSettings } from './worker-settings';

/*
 * The piscina worker. It shares the converter with the main thread (one set of rules) and adds
 * what only a worker may do: build deferred values and stringify without holding the event loop.
 */

const settings = workerData as WorkerSettings;
const convertOptions: SafeJsonOptions = {
  maxDepth: settings.maxDepth,
  maxStringChars: settings.maxStringChars,
  resolveDeferred: buildDeferred,
};

// Serializing is background work: a worker lowers its own thread (replacements too), so that
// building and encoding a large state never keeps the event loop waiting for a core.
const threadId = settings.workerThreadNice > 0 ? currentThreadId() : undefined;
if (threadId !== undefined) lowerThreadPriority(threadId, settings.workerThreadNice);

registerBuiltinRecipes();
// createRequire rather than `require`: a bundler must leave these run-time paths alone.
const load = createRequire(__filename);
for (const file of settings.recipeModules) load(file);

export default function serializeInWorker(task: SerializeTask): SerializeTaskResult {
  try {
    const named = new Set<unknown>(task.deferred);
    const options: SafeJsonOptions = {
      ...convertOptions,
      maxDepth: settings.maxDepth - (task.depth ?? 0),
      // The task's own, or one a recipe made here.
      isDeferred: (value): value is DeferredValue => named.has(value) || isDeferredValue(value),
    };
    const json = JSON.stringify(toSafeJson(task.value, options));
    // Measured before anything is allocated, so a payload over the limit costs no buffer.
    const byteLength = Buffer.byteLength(json, 'utf8');
    if (byteLength > settings.maxEventBytes) {
      return truncatedPayload('too_large', byteLength) as SerializeTaskResult;
    }
    // A buffer of its own, sized exactly (Buffer.alloc* may hand out a pooled one, which must
    // never be shared or transferred); writing into it is as fast as TextEncoder.encode.
    const bytes = task.shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength);
    Buffer.from(bytes).write(json, 'utf8');
    return task.shared ? bytes : (move(bytes as ArrayBuffer) as ArrayBuffer);
  } catch {
    // toSafeJson does not throw; running out of memory for a giant string can.
    return truncatedPayload('unserializable') as SerializeTaskResult;
  }
}
