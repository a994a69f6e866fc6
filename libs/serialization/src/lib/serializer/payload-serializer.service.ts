import {
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import {
  SERIALIZATION_OPTIONS,
  type ResolvedSerializationOptions,
} from '../config/serialization-options';
import { SerializationMetrics } from '../metrics/serialization.metrics';
import type { AbortReason, PoolOutcome } from '../pool/pool-outcome';
import { SerializationWorkerPool } from '../pool/serialization-worker-pool';
import { truncatedPayload } from '../safe-json/safe-json-markers';
import { toSafeJsonWithin } from '../safe-json/to-safe-json';
import { encodeInSlices, type SlicedEncodeOptions } from '../sliced/sliced-json-encoder';
import type { SerializationPath, SerializedPayload } from './serialized-payload';

export interface SerializeOptions {
  /** Aborting gives up at once: the result is `{ truncated, reason: 'timeout' }`. */
  signal?: AbortSignal;
}

/**
 * Turns an event payload into something the gateway can send without stalling the event loop:
 * - up to `inlineThresholdBytes` of plain data: converted inline (the fast path);
 * - holding `DeferredValue`s: built and encoded in a worker, bytes transferred back;
 * - larger data that lives on the main thread: encoded in slices that yield to the event loop.
 * Every path is bounded by `timeoutMs` and ends in a result, never an exception.
 */
@Injectable()
export class PayloadSerializer implements OnModuleDestroy, OnApplicationShutdown {
  private readonly convert: SlicedEncodeOptions['convert'];
  /** Deadlines of the calls in progress, aborted all at once on shutdown. */
  private readonly inFlight = new Set<AbortController>();
  private closing = false;

  constructor(
    @Inject(SERIALIZATION_OPTIONS) private readonly options: ResolvedSerializationOptions,
    private readonly pool: SerializationWorkerPool,
    private readonly metrics: SerializationMetrics,
  ) {
    this.convert = { maxDepth: options.maxDepth, maxStringChars: options.maxStringChars };
  }

  /** Never rejects, and settles within about `timeoutMs`. */
  serialize(payload: unknown, options: SerializeOptions = {}): Promise<SerializedPayload> {
    const started = performance.now();
    let attempt;
    try {
      attempt = toSafeJsonWithin(payload, this.options.inlineThresholdBytes, this.convert);
    } catch {
      // toSafeJson catches what payloads throw; this is the guard for a bug in it.
      return Promise.resolve(this.truncated('inline', 'unserializable', started));
    }
    if (!attempt.overBudget && !attempt.hasDeferred) {
      this.metrics.observeDuration('inline', (performance.now() - started) / 1000);
      return Promise.resolve({ encoding: 'inline', value: attempt.value, bytes: attempt.bytes });
    }
    if (attempt.overBudget) {
      return this.withDeadline('sliced', started, options.signal, (signal) =>
        encodeInSlices(payload, {
          convert: this.convert,
          maxEventBytes: this.options.maxEventBytes,
          sliceMs: this.options.sliceMs,
          pieceBytes: this.options.inlineThresholdBytes,
          signal,
          offload: (value) => this.pool.run(value, signal),
        }),
      );
    }
    const skeleton = attempt.value;
    return this.withDeadline('worker', started, options.signal, (signal) =>
      this.pool.run(skeleton, signal),
    );
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
    }
  }

  private truncated(
    path: SerializationPath,
    reason: 'timeout' | 'too_large' | 'overloaded' | 'unserializable',
    started: number,
    originalBytes?: number,
  ): SerializedPayload {
    this.metrics.countTruncated(path, reason);
    this.metrics.observeDuration(path, (performance.now() - started) / 1000);
    return { encoding: 'truncated', value: truncatedPayload(reason, originalBytes) };
  }
}
