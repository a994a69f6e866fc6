import { deferredValue } from '@agent-gateway/events';
import { setFlagsFromString } from 'node:v8';
import { isSharedArrayBuffer } from 'node:util/types';
import { runInNewContext } from 'node:vm';
import type { SerializationOptions } from '../config/serialization-options';
import { buildNestedState } from '../recipes/nested-state.recipe';
import { compileSerializer, type CompiledSerializer } from '../testing/compile-serializer';
import type { SerializedPayload } from './serialized-payload';

// A bound for a busy machine, where a worker compiling from TypeScript may take seconds to start.
jest.setTimeout(30_000);

const STATE_BYTES = 2_000_000;
const UNRETAINED = 'agent_gateway_serialization_shared_result_bytes{state="unretained"}';
const RETAINED = 'agent_gateway_serialization_shared_result_bytes{state="retained"}';

/** A state built in the worker, about STATE_BYTES of JSON. */
function largeState(): unknown {
  return { state: deferredValue('nested-state', { bytes: STATE_BYTES }) };
}

function bytesOf(result: SerializedPayload): Buffer {
  if (result.encoding !== 'json-bytes')
    throw new Error(`expected json-bytes, got ${result.encoding}`);
  return result.bytes;
}

/** What V8 counts as this isolate's external memory: the figure its collections are started by. */
function externalBytes(): number {
  return process.memoryUsage().external;
}

async function metric(compiled: CompiledSerializer, name: string): Promise<number> {
  const line = (await compiled.registry.metrics())
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`metric ${name} missing`);
  return Number(line.split(' ')[1]);
}

/** One serializer (one worker) for the specs of a describe block, closed after them. */
function serializerForBlock(options: SerializationOptions = {}): { compiled: CompiledSerializer } {
  const block = {} as { compiled: CompiledSerializer };
  beforeAll(async () => {
    block.compiled = await compileSerializer({ poolSize: 1, timeoutMs: 5000, ...options });
  });
  afterAll(() => block.compiled.moduleRef.close());
  return block;
}

describe('PayloadSerializer: how worker results reach the main thread', () => {
  describe('within sharedResultBytes', () => {
    const block = serializerForBlock();

    it('hands the bytes over in shared memory, which V8 does not count as external memory', async () => {
      const { compiled } = block;
      const before = externalBytes();
      const bytes = bytesOf(await compiled.serializer.serialize(largeState()));
      const grown = externalBytes() - before;

      expect(isSharedArrayBuffer(bytes.buffer)).toBe(true);
      expect(bytes.length).toBeGreaterThan(STATE_BYTES * 0.9);
      expect(JSON.parse(bytes.toString('utf8'))).toHaveProperty('state');
      // A transferred buffer would have grown it by the whole result (the next spec shows it).
      expect(grown).toBeLessThan(bytes.length / 4);
      // At least this result (the warm-up's few bytes may still be held as well).
      expect(await metric(compiled, UNRETAINED)).toBeGreaterThanOrEqual(bytes.length);
      expect(
        await metric(
          compiled,
          'agent_gateway_serialization_worker_results_total{handover="shared"}',
        ),
      ).toBeGreaterThanOrEqual(1);
    });

    it('stops counting a shared result once the collector has reclaimed it', async () => {
      const { compiled } = block;
      // The collector runs when V8 sees fit; expose it to make "reclaimed" happen now.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      let result: SerializedPayload | undefined = await compiled.serializer.serialize(largeState());
      const held = await metric(compiled, UNRETAINED);
      expect(held).toBeGreaterThanOrEqual(bytesOf(result).length);

      result = undefined;
      let after = held;
      for (let attempt = 0; attempt < 50 && after >= held; attempt++) {
        gc();
        // FinalizationRegistry callbacks run in a task after the collection.
        await new Promise((resolve) => setTimeout(resolve, 10));
        after = await metric(compiled, UNRETAINED);
      }
      expect(result).toBeUndefined();
      expect(after).toBeLessThan(held);
    });
  });

  describe('past sharedResultBytes', () => {
    const block = serializerForBlock({ sharedResultBytes: STATE_BYTES });

    it('transfers results, counted by V8 again, once the shared ones held reach the limit', async () => {
      const { compiled } = block;
      const kept: Buffer[] = [];
      const heldBefore: number[] = [];
      const grown: number[] = [];
      for (let i = 0; i < 3; i++) {
        heldBefore.push(await metric(compiled, UNRETAINED));
        const before = externalBytes();
        kept.push(bytesOf(await compiled.serializer.serialize(largeState())));
        grown.push(externalBytes() - before);
      }

      // Each result is shared exactly when the bytes held before it were under the limit. The
      // first always is; by the third, two kept results of about the limit each are held.
      const shared = kept.map((bytes) => isSharedArrayBuffer(bytes.buffer));
      expect(shared).toEqual(heldBefore.map((held) => held < STATE_BYTES));
      expect(shared[0]).toBe(true);
      expect(shared[2]).toBe(false);
      for (const [i, bytes] of kept.entries()) {
        expect(JSON.parse(bytes.toString('utf8'))).toHaveProperty('state');
        if (!shared[i]) expect(grown[i]).toBeGreaterThanOrEqual(bytes.length);
      }
      expect(
        await metric(
          compiled,
          'agent_gateway_serialization_worker_results_total{handover="transferred"}',
        ),
      ).toBe(shared.filter((isShared) => !isShared).length);
    });
  });

  describe('results retained for replay', () => {
    const block = serializerForBlock({ sharedResultBytes: STATE_BYTES });

    it('do not count against the limit until they are released', async () => {
      const { compiled } = block;
      const { serializer } = compiled;
      const kept: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        const bytes = bytesOf(await serializer.serialize(largeState()));
        // An event log keeping every one for replay: however many, sharing goes on.
        expect(isSharedArrayBuffer(bytes.buffer)).toBe(true);
        serializer.retainResult(bytes);
        serializer.retainResult(bytes); // counted once
        kept.push(bytes);
      }
      const keptBytes = kept.reduce((sum, bytes) => sum + bytes.length, 0);
      expect(await metric(compiled, RETAINED)).toBe(keptBytes);

      // Dropped from the log but still referenced: they count again, and results are transferred.
      for (const bytes of kept) serializer.releaseResult(bytes);
      expect(await metric(compiled, RETAINED)).toBe(0);
      expect(await metric(compiled, UNRETAINED)).toBeGreaterThanOrEqual(keptBytes);
      const next = bytesOf(await serializer.serialize(largeState()));
      expect(isSharedArrayBuffer(next.buffer)).toBe(false);
      // A transferred result is not counted by the budget, retained or not.
      serializer.retainResult(next);
      expect(await metric(compiled, RETAINED)).toBe(0);
      expect(kept).toHaveLength(3);
    });
  });

  describe('results the sliced encoder makes on the main thread', () => {
    const block = serializerForBlock();

    it('come back shared as well, and encoding them again and again grows no external memory', async () => {
      const { compiled } = block;
      const state = { state: buildNestedState(STATE_BYTES) };
      const expected = JSON.stringify(state);
      // The first encode allocates the scratch slabs the later ones use again.
      await compiled.serializer.serialize(state);
      const before = externalBytes();

      const kept: Buffer[] = [];
      for (let i = 0; i < 4; i++) kept.push(bytesOf(await compiled.serializer.serialize(state)));
      const grown = externalBytes() - before;

      for (const bytes of kept) {
        expect(isSharedArrayBuffer(bytes.buffer)).toBe(true);
        expect(bytes.toString('utf8')).toBe(expected);
      }
      // Fresh buffers for the text and the results would have grown it by twice the four results.
      expect(grown).toBeLessThan(expected.length / 2);
      expect(await metric(compiled, UNRETAINED)).toBeGreaterThanOrEqual(4 * expected.length);
    });
  });

  describe('sharedResultBytes 0', () => {
    const block = serializerForBlock({ sharedResultBytes: 0 });

    it('transfers every result', async () => {
      const { compiled } = block;
      const bytes = bytesOf(await compiled.serializer.serialize(largeState()));
      expect(isSharedArrayBuffer(bytes.buffer)).toBe(false);
      expect(await metric(compiled, UNRETAINED)).toBe(0);
    });

    it('gives the sliced encoder ordinary buffers of their own too', async () => {
      const { compiled } = block;
      const state = { state: buildNestedState(STATE_BYTES) };

      const bytes = bytesOf(await compiled.serializer.serialize(state));

      expect(isSharedArrayBuffer(bytes.buffer)).toBe(false);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.length);
      expect(bytes.toString('utf8')).toBe(JSON.stringify(state));
      expect(await metric(compiled, UNRETAINED)).toBe(0);
    });
  });
});
