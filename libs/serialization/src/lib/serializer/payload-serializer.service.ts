import {
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { JsonValue } from '@agent-gateway/events';
import { performance } from 'node:perf_hooks';
import {
  SERIALIZATION_OPTIONS,
  type ResolvedSerializationOptions,
} from '../config/serialization-options';
import { SerializationMetrics } from '../metrics/serialization.metrics';
import type { AbortReason, PoolOutcome } from '../pool/pool-outcome';
import { SerializationWorkerPool } from '../pool/serialization-worker-pool';
import {
  MAX_BYTES_PER_ESTIMATED_BYTE,
  NOT_PLAIN,
  OVER_BUDGET,
  plainJsonSize,
  type PlainJsonLimits,
} from '../safe-json/plain-json-size';
import { isTruncationMarker, truncatedPayload } from '../safe-json/safe-json-markers';
import { toSafeJsonWithin, type BudgetedJson, type OverBudget } from '../safe-json/to-safe-json';
import { ScratchSlabs } from '../sliced/scratch-slabs';
import { encodeInSlices, type SlicedEncodeOptions } from '../sliced/sliced-json-encoder';
import type { SerializationPath, SerializedPayload } from './serialized-payload';

export interface SerializeOptions {
  /** Aborting gives up at once: the result is `{ truncated, reason: 'timeout' }`. */
  signal?: AbortSignal;
}

/**
 * Turns an event payload into something the gateway can send without stalling the event loop:
 * - up to `inlineThresholdBytes`: checked (plain JSON, no copy) or converted inline (fast path);
 * - holding `DeferredValue`s: built and encoded in a worker, bytes transferred back;
 * - larger data that lives on the main thread: encoded in slices that yield to the event loop.
 * Every path is bounded by `timeoutMs` and ends in a result, never an exception.
 */
@Injectable()
export class PayloadSerializer implements OnModuleDestroy, OnApplicationShutdown {
  private readonly convert: SlicedEncodeOptions['convert'];
  private readonly plainLimits: PlainJsonLimits;
  /**
   * `inlineThresholdBytes`, lowered if need be so that no inline result can exceed
   * `maxEventBytes`: inline sizes are estimates (`MAX_BYTES_PER_ESTIMATED_BYTE`), and only the
   * other paths measure bytes. Only a threshold above a sixth of the limit is lowered.
   */
  private readonly inlineBudgetBytes: number;
  /** The sliced encoder's scratch space: as much as one payload can take, kept from use to use. */
  private readonly slabs: ScratchSlabs;
  /** Deadlines of the calls in progress, aborted all at once on shutdown. */
  private readonly inFlight = new Set<AbortController>();
  private closing = false;

  constructor(
    @Inject(SERIALIZATION_OPTIONS) private readonly options: ResolvedSerializationOptions,
    private readonly pool: SerializationWorkerPool,
    private readonly metrics: SerializationMetrics,
  ) {
    this.convert = { maxDepth: options.maxDepth, maxStringChars: options.maxStringChars };
    this.inlineBudgetBytes = Math.min(
      options.inlineThresholdBytes,
      Math.floor(options.maxEventBytes / MAX_BYTES_PER_ESTIMATED_BYTE),
    );
    this.plainLimits = { ...this.convert, budgetBytes: this.inlineBudgetBytes };
    this.slabs = new ScratchSlabs(options.maxEventBytes);
  }

  /** Never rejects, and settles within about `timeoutMs`. */
  serialize(payload: unknown, options: SerializeOptions = {}): Promise<SerializedPayload> {
    const fast = this.fastPath(payload);
    if (isSerialized(fast)) return Promise.resolve(fast);
    const started = performance.now();
    if (fast.overBudget) return this.serializeInSlices(payload, fast, started, options.signal);
    // Within the budget yet not inline: it holds DeferredValues only a worker can build.
    return this.serializeInWorker(fast, started, options.signal);
  }

  /*
   * The two slow paths have methods of their own, so that `serialize` holds no closure: what a
   * closure captures lives in a context V8 may set up on every call, inline ones included. One
   * more captured variable there made `await serialize()` of a small event 5 to 8% slower.
   */

  private serializeInWorker(
    skeleton: BudgetedJson,
    started: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<SerializedPayload> {
    return this.withDeadline('worker', started, callerSignal, (signal) =>
      this.pool.run(skeleton.value, skeleton.deferred, signal),
    );
  }

  /** A payload the fast path found over its budget, encoded where it lives. */
  private serializeInSlices(
    payload: unknown,
    over: OverBudget,
    started: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<SerializedPayload> {
    return this.withDeadline('sliced', started, callerSignal, (signal) =>
      encodeInSlices(payload, {
        convert: this.convert,
        maxEventBytes: this.options.maxEventBytes,
        sliceMs: this.options.sliceMs,
        pieceBytes: this.options.inlineThresholdBytes,
        signal,
        offload: (value, deferred, depth) => this.pool.run(value, deferred, signal, depth),
        maxPiecesInFlight: this.options.poolSize,
        slabs: this.slabs,
        allocateResult: (byteLength) => this.pool.resultBuffer(byteLength),
        recordKeys: over.recordKeys,
      }),
    );
  }

  /**
   * The fast path alone, synchronously: the inline result for a small payload, or `undefined`
   * when it needs `serialize` (too large for inline, or holding a `DeferredValue`). For callers
   * on a hot path that want to skip a promise per small event.
   */
  serializeInline(payload: unknown): SerializedPayload | undefined {
    const fast = this.fastPath(payload);
    return isSerialized(fast) ? fast : undefined;
  }

  /**
   * The inline result, or the budgeted conversion that tells which path to take instead. Runs
   * once per event, so the common case (a small object literal) costs one walk and one small
   * object; the rest lives in `convertInline`.
   */
  private fastPath(payload: unknown): SerializedPayload | BudgetedJson | OverBudget {
    // Timing every small event would cost more than checking it: one in 64 is timed.
    const samples = this.metrics.inline;
    const sampled = samples.sampleDue();
    const started = sampled ? performance.now() : 0;
    const result = this.checkInline(payload);
    if (isSerialized(result)) {
      samples.count();
      if (sampled) samples.keep((performance.now() - started) / 1000);
    }
    return result;
  }

  private checkInline(payload: unknown): SerializedPayload | BudgetedJson | OverBudget {
    // Most events are object literals already: check them without copying. The value handed
    // back is then the payload itself, so a payload must not change once it is sent.
    let plainBytes: number;
    try {
      plainBytes = plainJsonSize(payload, this.plainLimits);
    } catch {
      // A getter or a Proxy that throws: the converter puts a marker in its place alone.
      plainBytes = NOT_PLAIN;
    }
    return plainBytes >= 0
      ? { encoding: 'inline', value: payload as JsonValue, bytes: plainBytes }
      : this.convertInline(payload, plainBytes);
  }

  /** The payload that is not plain JSON: converted inline when small, else told where to go. */
  private convertInline(
    payload: unknown,
    plainBytes: number,
  ): SerializedPayload | BudgetedJson | OverBudget {
    // Plain but big: converting it would only find it big as well.
    if (plainBytes === OVER_BUDGET) return { overBudget: true };
    try {
      const attempt = toSafeJsonWithin(payload, this.inlineBudgetBytes, this.convert);
      if (attempt.overBudget || attempt.deferred.length > 0) return attempt;
      // Replaced whole (a root toJSON that throws, a revoked Proxy, a string or bytes over the
      // limit): a truncation like any other, reported and counted as one. Only a converted
      // payload is asked (plain data is sent as it is, whatever its keys); one that converts to
      // exactly the marker (a Map holding those entries) is reported so too: same text either way.
      if (isTruncationMarker(attempt.value)) {
        this.metrics.countTruncated('inline', attempt.value.reason);
        return { encoding: 'truncated', value: attempt.value };
      }
      return { encoding: 'inline', value: attempt.value, bytes: attempt.bytes };
    } catch {
      // toSafeJson catches what payloads throw; this is the guard for a bug in it.
      this.metrics.countTruncated('inline', 'unserializable');
      return { encoding: 'truncated', value: truncatedPayload('unserializable') };
    }
  }

  /**
   * For a store that keeps `json-bytes` payloads for replay (the in-process event log): while it
   * keeps them, a shared result's bytes do not count against `sharedResultBytes`, since no
   * collection could free them anyway. `releaseResult` when it drops them. Other bytes are
   * ignored.
   */
  retainResult(bytes: Uint8Array): void {
    this.pool.retainResult(bytes);
  }

  releaseResult(bytes: Uint8Array): void {
    this.pool.releaseResult(bytes);
  }

  /**
   * True when the pool can run a task: open, with at least one live worker thread. The inline
   * path works regardless; readiness should still fail without workers, as large payloads would.
   */
  isHealthy(): boolean {
    return !this.closing && this.pool.isHealthy();
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Resolves every call in flight as truncated (`overloaded`), then closes the pool. */
  private close(): Promise<void> {
    this.closing = true;
    for (const controller of this.inFlight) controller.abort('overloaded' satisfies AbortReason);
    return this.pool.close();
  }

  private async withDeadline(
    path: Exclude<SerializationPath, 'inline'>,
    started: number,
    callerSignal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<PoolOutcome>,
  ): Promise<SerializedPayload> {
    if (this.closing) return this.truncated(path, 'overloaded', started);
    if (callerSignal?.aborted) return this.truncated(path, 'timeout', started);
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort('timeout' satisfies AbortReason),
      this.options.timeoutMs,
    );
    const onCallerAbort = (): void => controller.abort('timeout' satisfies AbortReason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    this.inFlight.add(controller);
    try {
      const outcome = await work(controller.signal);
      if (outcome.kind === 'truncated') {
        return this.truncated(path, outcome.reason, started, outcome.originalBytes);
      }
      this.metrics.observeDuration(path, (performance.now() - started) / 1000);
      return { encoding: 'json-bytes', bytes: outcome.bytes };
    } catch {
      // Both paths turn their failures into outcomes; this is the guard for a bug in them.
      return this.truncated(path, 'unserializable', started);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      this.inFlight.delete(controller);
      // Work still running for an answer already given (a worker building a piece of a payload
      // the sliced encoder found too large) stops now, rather than hold a worker for ever.
      if (!controller.signal.aborted) controller.abort('timeout' satisfies AbortReason);
    }
  }

  private truncated(
    path: Exclude<SerializationPath, 'inline'>,
    reason: 'timeout' | 'too_large' | 'overloaded' | 'unserializable',
    started: number,
    originalBytes?: number,
  ): SerializedPayload {
    this.metrics.countTruncated(path, reason);
    this.metrics.observeDuration(path, (performance.now() - started) / 1000);
    return { encoding: 'truncated', value: truncatedPayload(reason, originalBytes) };
  }
}

function isSerialized(
  result: SerializedPayload | BudgetedJson | OverBudget,
): result is SerializedPayload {
  return (result as Partial<SerializedPayload>).encoding !== undefined;
}
