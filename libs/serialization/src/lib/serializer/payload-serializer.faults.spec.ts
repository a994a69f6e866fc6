import { deferredValue } from '@agent-gateway/events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileSerializer,
  whenWorkersServe,
  type CompiledSerializer,
} from '../testing/compile-serializer';
import { TEST_RECIPE_MODULES } from '../testing/test-recipes';
import type { SerializedPayload } from './serialized-payload';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

const testRecipes = { recipeModules: TEST_RECIPE_MODULES };
const TIMEOUTS = 'agent_gateway_serialization_timeouts_total';
const CRASHES = 'agent_gateway_serialization_worker_crashes_total';

function spin(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose: a getter that holds the main thread.
  }
}

async function workerThreadId(compiled: CompiledSerializer): Promise<number> {
  const result = await compiled.serializer.serialize({ state: deferredValue('thread-id', {}) });
  if (result.encoding !== 'json-bytes') throw new Error(`no worker answered: ${result.encoding}`);
  return (JSON.parse(result.bytes.toString()) as { state: { threadId: number } }).state.threadId;
}

/** The current value of a counter series; specs compare before and after, as warm-up counts too. */
async function counter(
  compiled: CompiledSerializer,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = compiled.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const series = values.find((value) =>
    Object.entries(labels).every(([key, label]) => value.labels[key] === label),
  );
  return series?.value ?? 0;
}

describe('PayloadSerializer limits and faults', () => {
  describe('time limit', () => {
    let compiled: CompiledSerializer;
    beforeAll(async () => {
      // Long enough for a replacement worker to start from TypeScript sources (~0.4 s here).
      compiled = await compileSerializer({ ...testRecipes, poolSize: 1, timeoutMs: 1000 });
    });
    afterAll(() => compiled.moduleRef.close());

    it('terminates a worker stuck on a pathological payload, answers with the timeout marker, and replaces the worker', async () => {
      const timeoutsBefore = await counter(compiled, TIMEOUTS, { path: 'worker' });
      const stuckThread = await workerThreadId(compiled);

      const result = await compiled.serializer.serialize({
        state: deferredValue('spin-forever', {}),
      });

      expect(result).toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'timeout' },
      });
      expect(await counter(compiled, TIMEOUTS, { path: 'worker' })).toBe(timeoutsBefore + 1);
      await whenWorkersServe(compiled.serializer);
      expect(await workerThreadId(compiled)).not.toBe(stuckThread);
    });

    it('stops encoding a large main-thread value in slices once the time is up', async () => {
      let reads = 0;
      const payload: Record<string, unknown> = {};
      for (let index = 0; index < 200; index++) {
        Object.defineProperty(payload, `slow${index}`, {
          enumerable: true,
          get: () => {
            reads++;
            spin(10);
            return 'x'.repeat(20_000);
          },
        });
      }

      const result = await compiled.serializer.serialize(payload);
      const readsAtResult = reads;
      await new Promise((resolve) => setTimeout(resolve, 30));

      expect(result).toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'timeout' },
      });
      expect(readsAtResult).toBeLessThan(200);
      expect(reads).toBe(readsAtResult);
    });

    it('gives up at once when the caller aborts', async () => {
      const caller = new AbortController();
      const pending = compiled.serializer.serialize(
        { state: deferredValue('spin-forever', {}) },
        { signal: caller.signal },
      );
      caller.abort();

      await expect(pending).resolves.toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'timeout' },
      });
    });
  });

  describe('size limit', () => {
    let compiled: CompiledSerializer;
    beforeAll(async () => {
      compiled = await compileSerializer({
        poolSize: 1,
        maxEventBytes: 50_000,
        inlineThresholdBytes: 1024,
      });
    });
    afterAll(() => compiled.moduleRef.close());

    it('truncates a worker-built payload over maxEventBytes, telling its size', async () => {
      const result = await compiled.serializer.serialize({
        state: deferredValue('nested-state', { bytes: 100_000 }),
      });

      expect(result).toEqual({
        encoding: 'truncated',
        value: {
          truncated: true,
          reason: 'too_large',
          originalBytes: expect.any(Number) as number,
        },
      });
    });

    it('never answers inline with more than maxEventBytes, however the estimate falls short', async () => {
      const { moduleRef, serializer } = await compileSerializer({
        poolSize: 1,
        maxEventBytes: 16_384,
        inlineThresholdBytes: 16_384,
      });
      try {
        for (const character of ['€', '\u0001']) {
          const result = await serializer.serialize({ text: character.repeat(5000) });
          const bytes =
            result.encoding === 'json-bytes'
              ? result.bytes.length
              : Buffer.byteLength(JSON.stringify(result.value));

          expect(bytes).toBeLessThanOrEqual(16_384);
        }
        // Within a sixth of the limit the threshold stands: small events stay inline.
        expect(await serializer.serialize({ text: 'x'.repeat(2000) })).toMatchObject({
          encoding: 'inline',
        });
      } finally {
        await moduleRef.close();
      }
    });

    it('stops the worker building a piece of a payload found too large, so later payloads are served', async () => {
      const { moduleRef, serializer } = await compileSerializer({
        ...testRecipes,
        poolSize: 1,
        maxEventBytes: 50_000,
        inlineThresholdBytes: 1024,
        sliceMs: 1,
        timeoutMs: 3000,
      });
      try {
        // Large enough that the encoder finds it too large between two slices, before the end.
        const payload = {
          state: deferredValue('spin-forever', {}),
          rows: Array.from({ length: 100_000 }, (_, index) => `row number ${index}`),
        };

        const result = await serializer.serialize(payload);
        const later = await serializer.serialize({ state: deferredValue('thread-id', {}) });

        expect(result).toMatchObject({ encoding: 'truncated', value: { reason: 'too_large' } });
        expect(later.encoding).toBe('json-bytes');
      } finally {
        await moduleRef.close();
      }
    });

    it('truncates a main-thread payload over maxEventBytes', async () => {
      const payload = { rows: Array.from({ length: 5000 }, (_, index) => `row number ${index}`) };

      const result = await compiled.serializer.serialize(payload);

      expect(result).toMatchObject({
        encoding: 'truncated',
        value: { truncated: true, reason: 'too_large' },
      });
    });
  });

  describe('worker crash', () => {
    let compiled: CompiledSerializer;
    let scratch: string;
    beforeAll(async () => {
      compiled = await compileSerializer({ ...testRecipes, poolSize: 1, timeoutMs: 5000 });
      scratch = mkdtempSync(join(tmpdir(), 'serialization-crash-'));
    });
    afterAll(async () => {
      await compiled.moduleRef.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('replaces a crashed worker and tries the task once more', async () => {
      const marker = join(scratch, 'crashed');

      const result = await compiled.serializer.serialize({
        state: deferredValue('crash-once', { marker }),
      });

      expect(result.encoding).toBe('json-bytes');
      if (result.encoding === 'json-bytes') {
        expect(JSON.parse(result.bytes.toString())).toEqual({ state: 'survived' });
      }
      expect(await counter(compiled, CRASHES)).toBe(1);
    });

    it('gives up as unserializable when the retry crashes too, and keeps serving', async () => {
      const result = await compiled.serializer.serialize({
        state: deferredValue('crash-always', {}),
      });
      const after = await compiled.serializer.serialize({ state: deferredValue('thread-id', {}) });

      expect(result).toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'unserializable' },
      });
      expect(after.encoding).toBe('json-bytes');
      expect(compiled.serializer.isHealthy()).toBe(true);
    });
  });

  describe('missing worker script', () => {
    it('answers with the truncation marker and reports the pool unhealthy', async () => {
      const compiled = await compileSerializer({
        poolSize: 1,
        timeoutMs: 200,
        healthProbeMs: 50,
        workerFilename: '/nonexistent/serialization-worker.js',
        skipWarmUp: true,
      });

      const result = await compiled.serializer.serialize({ state: deferredValue('thread-id', {}) });

      expect(result).toMatchObject({ encoding: 'truncated', value: { truncated: true } });
      // The failing start or the next probe (every 50 ms) tells; allow a busy machine 40 probes.
      for (let probe = 0; probe < 40 && compiled.serializer.isHealthy(); probe++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(compiled.serializer.isHealthy()).toBe(false);
      await compiled.moduleRef.close();
    });
  });

  describe('queue bound', () => {
    it('answers overloaded at once when maxQueue tasks already wait for a worker', async () => {
      const compiled = await compileSerializer({
        ...testRecipes,
        poolSize: 1,
        maxQueue: 1,
        timeoutMs: 5000,
      });
      const settled: string[] = [];
      const block = (name: string): Promise<SerializedPayload> =>
        compiled.serializer
          .serialize({ state: deferredValue('block', { ms: 300 }) })
          .then((result) => {
            settled.push(name);
            return result;
          });

      const running = block('running');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const queued = block('queued');
      const rejected = await block('over the bound');

      expect(rejected).toEqual({
        encoding: 'truncated',
        value: { truncated: true, reason: 'overloaded' },
      });
      expect(settled).toEqual(['over the bound']);
      expect((await running).encoding).toBe('json-bytes');
      expect((await queued).encoding).toBe('json-bytes');
      await compiled.moduleRef.close();
    });
  });

  describe('many deferred values in one large payload', () => {
    it('builds each in its turn, never filling the queue that other payloads share', async () => {
      const compiled = await compileSerializer({
        ...testRecipes,
        poolSize: 1,
        maxQueue: 4,
        inlineThresholdBytes: 1024,
        timeoutMs: 10_000,
      });
      // Over the threshold, and so is its array: walked on the main thread, one piece per item.
      const payload = {
        items: Array.from({ length: 40 }, (_, index) => ({
          index,
          state: deferredValue('thread-id', {}),
          note: 'x'.repeat(100),
        })),
      };

      const large = compiled.serializer.serialize(payload);
      await new Promise((resolve) => setImmediate(resolve));
      const other = await compiled.serializer.serialize({ state: deferredValue('thread-id', {}) });
      const result = await large;

      expect(other.encoding).toBe('json-bytes');
      if (result.encoding !== 'json-bytes') throw new Error(`got ${result.encoding}`);
      const decoded = JSON.parse(result.bytes.toString()) as {
        items: Array<{ index: number; state: { threadId?: number } }>;
      };
      expect(decoded.items.map((item) => item.index)).toEqual(payload.items.map((_, i) => i));
      for (const item of decoded.items) expect(item.state.threadId).toEqual(expect.any(Number));
      await compiled.moduleRef.close();
    });
  });

  describe('shutdown', () => {
    it('resolves every task in flight as truncated and closes the pool', async () => {
      const compiled = await compileSerializer({
        ...testRecipes,
        poolSize: 1,
        inlineThresholdBytes: 1024,
        timeoutMs: 10_000,
      });
      const slowGetters: Record<string, unknown> = {};
      for (let index = 0; index < 1000; index++) {
        Object.defineProperty(slowGetters, `k${index}`, {
          enumerable: true,
          get: () => {
            spin(2);
            return 'x'.repeat(2000);
          },
        });
      }
      const inFlight = [
        compiled.serializer.serialize({ state: deferredValue('block', { ms: 5000 }) }),
        compiled.serializer.serialize({ state: deferredValue('spin-forever', {}) }),
        compiled.serializer.serialize(slowGetters),
      ];
      await new Promise((resolve) => setTimeout(resolve, 50));

      await compiled.moduleRef.close();

      const results = await Promise.all(inFlight);
      for (const result of results) {
        expect(result).toEqual({
          encoding: 'truncated',
          value: { truncated: true, reason: 'overloaded' },
        });
      }
      expect(compiled.serializer.isHealthy()).toBe(false);
      await expect(
        compiled.serializer.serialize({ state: deferredValue('thread-id', {}) }),
      ).resolves.toMatchObject({ value: { reason: 'overloaded' } });
    }, 10_000);
  });
});
