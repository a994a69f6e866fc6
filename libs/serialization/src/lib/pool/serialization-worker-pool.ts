import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { JsonValue } from '@agent-gateway/events';
import { performance } from 'node:perf_hooks';
import { isArrayBuffer, isSharedArrayBuffer } from 'node:util/types';
import { Piscina } from 'piscina';
import {
  SERIALIZATION_OPTIONS,
  type ResolvedSerializationOptions,
} from '../config/serialization-options';
import { SerializationMetrics } from '../metrics/serialization.metrics';
import { PoolBusyTime } from './pool-busy-time';
import { abortedOutcome, type PoolOutcome } from './pool-outcome';
import { SharedResultBudget } from './shared-result-budget';
import { resolveWorkerLaunch, toAbsolutePaths } from '../worker/worker-launch';
import type { SerializeTask, SerializeTaskResult, WorkerSettings } from '../worker/worker-settings';

/**
 * The piscina pool, owned by DI: started with the module, destroyed on shutdown. It turns every
 * way a task can end (done, aborted, queue full, worker died, pool closed) into a `PoolOutcome`.
 */
@Injectable()
export class SerializationWorkerPool implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(SerializationWorkerPool.name);
  private readonly piscina: Piscina<SerializeTask, SerializeTaskResult>;
  private closed: Promise<void> | undefined;
  /** What the last task or probe showed; optimistic until one says otherwise. */
  private canRunTasks = true;
  private lastSuccessAt = 0;
  private probing = false;
  private readonly probeTimer: NodeJS.Timeout;
  private readonly sharedResults: SharedResultBudget;
  private readonly busyTime: PoolBusyTime;

  constructor(
    @Inject(SERIALIZATION_OPTIONS) private readonly options: ResolvedSerializationOptions,
    private readonly metrics: SerializationMetrics,
  ) {
    this.sharedResults = new SharedResultBudget(options.sharedResultBytes);
    this.busyTime = new PoolBusyTime(options.poolSize);
    const launch = resolveWorkerLaunch(options.workerFilename);
    const workerData: WorkerSettings = {
      maxDepth: options.maxDepth,
      maxStringChars: options.maxStringChars,
      maxEventBytes: options.maxEventBytes,
      recipeModules: toAbsolutePaths(options.recipeModules),
      workerThreadNice: options.workerThreadNice,
    };
    this.piscina = new Piscina<SerializeTask, SerializeTaskResult>({
      filename: launch.filename,
      execArgv: launch.execArgv,
      env: launch.env,
      workerData,
      minThreads: options.poolSize,
      maxThreads: options.poolSize,
      // Threads stay up: starting one costs far more than any payload it would serialize.
      idleTimeout: Number.POSITIVE_INFINITY,
      maxQueue: options.maxQueue,
      concurrentTasksPerWorker: 1,
    });
    // Without a listener, an error event from a dying worker would take the process down.
    this.piscina.on('error', (error: unknown) => {
      this.canRunTasks = false;
      this.logger.error(`Serialization worker failed: ${describe(error)}${hint(error)}`);
    });
    // A pool that cannot run tasks must show in readiness even when no large payload comes
    // along to find out, and must show recovery the same way: probe when traffic is silent.
    this.probeTimer = setInterval(() => void this.probe(), options.healthProbeMs);
    this.probeTimer.unref();
    metrics.watchPool({
      queueDepth: () => this.piscina.queueSize,
      utilization: () => this.busyTime.ratio(),
      threads: () => this.piscina.threads.length,
      sharedResultBytes: () => this.sharedResults.bytesHeld,
    });
  }

  /**
   * True while the pool is open, has a live worker thread, and the last task or probe it ran
   * succeeded. A worker that cannot even load fails every task while piscina keeps respawning
   * it; a probe task every `healthProbeMs` without other successes notices, and notices recovery.
   */
  isHealthy(): boolean {
    return this.closed === undefined && this.piscina.threads.length > 0 && this.canRunTasks;
  }

  get queueDepth(): number {
    return this.piscina.queueSize;
  }

  /**
   * Runs one task. `signal` carries the reason to report when it aborts (`timeout` or
   * `overloaded`); aborting a running task terminates its worker, so the work really stops.
   * A task lost to a dying worker is tried once more on the replacement thread. `deferred` and
   * `depth`: see `SerializeTask`.
   */
  async run(
    value: JsonValue,
    deferred: readonly JsonValue[],
    signal: AbortSignal,
    depth?: number,
  ): Promise<PoolOutcome> {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return abortedOutcome(signal);
      if (this.closed !== undefined) return { kind: 'truncated', reason: 'overloaded' };
      // A full queue answers at once rather than adding to a backlog that would only time out.
      if (this.piscina.queueSize >= this.options.maxQueue) {
        return { kind: 'truncated', reason: 'overloaded' };
      }
      try {
        const shared = this.sharedResults.allowsShared();
        const task: SerializeTask = { value, deferred, shared, depth };
        const result = await this.busyTime.track(() => this.piscina.run(task, { signal }));
        const outcome = this.toOutcome(result);
        this.succeeded();
        return outcome;
      } catch (error: unknown) {
        if (signal.aborted) return abortedOutcome(signal);
        if (this.closed !== undefined || isQueueFull(error)) {
          return { kind: 'truncated', reason: 'overloaded' };
        }
        this.metrics.countWorkerCrash();
        this.logger.warn(
          `Serialization task lost (attempt ${attempt} of 2): ${describe(error)}${hint(error)}` +
            (attempt < 2 ? '; retrying on a fresh worker' : '; giving up on this payload'),
        );
        if (attempt >= 2) return { kind: 'truncated', reason: 'unserializable' };
      }
    }
  }

  /**
   * A buffer for a result made on the main thread, shared like the workers' results while the
   * limit allows (`SharedResultBudget.allocate`), so that it starts no collection either.
   */
  resultBuffer(byteLength: number): Buffer {
    return this.sharedResults.allocate(byteLength);
  }

  /** See `SharedResultBudget.retain`: bytes kept for replay do not count against the limit. */
  retainResult(bytes: Uint8Array): void {
    this.sharedResults.retain(bytes);
  }

  releaseResult(bytes: Uint8Array): void {
    this.sharedResults.release(bytes);
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Idempotent. Tasks still queued or running reject inside piscina and resolve as truncated. */
  close(): Promise<void> {
    clearInterval(this.probeTimer);
    this.closed ??= this.piscina.destroy().catch((error: unknown) => {
      this.logger.warn(`Serialization pool did not close cleanly: ${describe(error)}`);
    });
    return this.closed;
  }

  private toOutcome(result: SerializeTaskResult): PoolOutcome {
    // Realm-blind checks: a message from a worker is built in the thread's main context, which
    // need not be the caller's (a vm context, as under Jest).
    if (isSharedArrayBuffer(result)) {
      this.metrics.countWorkerResult('shared');
      return { kind: 'bytes', bytes: this.sharedResults.adopt(result) };
    }
    if (isArrayBuffer(result)) {
      this.metrics.countWorkerResult('transferred');
      return { kind: 'bytes', bytes: Buffer.from(result) };
    }
    return result.originalBytes === undefined
      ? { kind: 'truncated', reason: result.reason }
      : { kind: 'truncated', reason: result.reason, originalBytes: result.originalBytes };
  }

  private succeeded(): void {
    this.canRunTasks = true;
    this.lastSuccessAt = performance.now();
  }

  private async probe(): Promise<void> {
    const recentlySucceeded = performance.now() - this.lastSuccessAt < this.options.healthProbeMs;
    if (this.probing || this.closed !== undefined || recentlySucceeded) return;
    this.probing = true;
    try {
      const signal = AbortSignal.timeout(this.options.timeoutMs);
      await this.busyTime.track(() => this.piscina.run({ value: null }, { signal }));
      this.succeeded();
    } catch {
      this.canRunTasks = this.closed === undefined ? false : this.canRunTasks;
    } finally {
      this.probing = false;
    }
  }
}

function isQueueFull(error: unknown): boolean {
  return error instanceof Error && /queue is at limit/i.test(error.message);
}

/** What to do about the failures a deployment, rather than a payload, causes. */
function hint(error: unknown): string {
  const message = describe(error);
  if (/Cannot find module|No handler function exported/.test(message)) {
    return (
      '. The worker script is missing or exports no handler: build it as its own entry and ' +
      'pass its path as workerFilename (see libs/serialization/README.md, "Where the worker is")'
    );
  }
  return '';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
