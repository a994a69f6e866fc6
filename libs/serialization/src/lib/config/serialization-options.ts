import { availableParallelism } from 'node:os';
import { MAX_NICE } from '../priority/thread-priority';

/** What `SerializationModule.forRoot` accepts; every field has a default. */
export interface SerializationOptions {
  /** Worker threads in the pool. Default: one less than the cores, at least one. */
  poolSize?: number;
  /** Time limit per payload; past it the payload becomes `{ truncated, reason: 'timeout' }`. */
  timeoutMs?: number;
  /** Payloads whose JSON is larger become `{ truncated, reason: 'too_large' }`. */
  maxEventBytes?: number;
  /** Payloads up to this many bytes of JSON are converted inline, on the calling thread. */
  inlineThresholdBytes?: number;
  /** Tasks allowed to wait for a worker; beyond it a payload becomes `{ reason: 'overloaded' }`. */
  maxQueue?: number;
  /** Strings longer than this become the truncation marker. */
  maxStringChars?: number;
  /** Nesting deeper than this becomes `DEPTH_MARKER`. */
  maxDepth?: number;
  /** Where the worker script is; see `resolveWorkerLaunch` for the default. */
  workerFilename?: string;
  /** Modules the workers load at start-up, each registering recipes with `registerRecipe`. */
  recipeModules?: string[];
  /** Longest stretch the sliced encoder works on the event loop before it yields. */
  sliceMs?: number;
  /** How often an idle pool runs a tiny probe task, so that `isHealthy` stays true to fact. */
  healthProbeMs?: number;
  /**
   * Nice value (0 to 19) each worker gives its own thread, so that building and encoding a large
   * state never keeps the event loop waiting for a core. 0 leaves it alone. Linux only.
   */
  workerThreadNice?: number;
  /**
   * Bytes of worker results the main thread may hold as shared memory, which V8 does not count
   * and so never collects for (see `SharedResultBudget`); past it, results are transferred,
   * counted as usual. 0: always transferred.
   */
  sharedResultBytes?: number;
}

export type ResolvedSerializationOptions = Required<Omit<SerializationOptions, 'workerFilename'>> &
  Pick<SerializationOptions, 'workerFilename'>;

/** DI token of the resolved options. */
export const SERIALIZATION_OPTIONS = Symbol('SERIALIZATION_OPTIONS');

export const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 1000;
/**
 * Chosen by measurement (docs/BENCHMARKS.md, "Serialization"): converting 16 KiB inline holds
 * the event loop for well under a millisecond, and below it a worker round trip costs more
 * than the conversion it saves.
 */
export const DEFAULT_INLINE_THRESHOLD_BYTES = 16 * 1024;
export const DEFAULT_MAX_QUEUE = 256;
export const DEFAULT_MAX_STRING_CHARS = 1024 * 1024;
/**
 * The least `maxStringChars` taken: the marker's longest string, `'unserializable'`, has 14. A
 * payload crosses to a worker as data, markers included, and is converted there again.
 */
export const MIN_MAX_STRING_CHARS = 16;
export const DEFAULT_MAX_DEPTH = 64;
/**
 * Measured (docs/BENCHMARKS.md, "Serialization"): with 4 ms slices the event-loop p99 while
 * encoding a 20 MB main-thread state was 10 to 11 ms, as a slice plus a scavenge could exceed
 * 10; with 2 ms it is 6 to 8 ms, for about 10% more wall time.
 */
export const DEFAULT_SLICE_MS = 2;
export const DEFAULT_HEALTH_PROBE_MS = 5000;
/** A library leaves thread priorities alone unless asked; the gateway asks (10). */
export const DEFAULT_WORKER_THREAD_NICE = 0;
/**
 * Chosen by measurement (docs/BENCHMARKS.md, "Shared results"): what is held past the limit is
 * reclaimed in one collection, whose pause frees it all (about 12 ms for 260 MB here, with
 * --single-threaded-gc). At 256 MiB a stream of 20 MB states in Redis mode saw single turns of
 * 21 to 42 ms; at 64 MiB none reached 16 ms, for at most this much finished memory unreclaimed.
 * Payloads an event log retains for replay do not count.
 */
export const DEFAULT_SHARED_RESULT_BYTES = 64 * 1024 * 1024;

/**
 * The longest delay Node's timers take: 2^31 - 1 ms (about 24.8 days). A longer one is set to
 * 1 ms with only a TimeoutOverflowWarning, so a `timeoutMs` of 3e9 would time a payload out
 * after a millisecond and a `healthProbeMs` of 3e9 would probe without pause.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Fills defaults and checks every number once, at start-up. The environment is the app's to
 * read (one configuration module); this lib takes only what it is given.
 */
export function resolveSerializationOptions(
  options: SerializationOptions = {},
): ResolvedSerializationOptions {
  const resolved: ResolvedSerializationOptions = {
    poolSize: options.poolSize ?? defaultPoolSize(),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
    inlineThresholdBytes: options.inlineThresholdBytes ?? DEFAULT_INLINE_THRESHOLD_BYTES,
    maxQueue: options.maxQueue ?? DEFAULT_MAX_QUEUE,
    maxStringChars: options.maxStringChars ?? DEFAULT_MAX_STRING_CHARS,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    recipeModules: options.recipeModules ?? [],
    sliceMs: options.sliceMs ?? DEFAULT_SLICE_MS,
    healthProbeMs: options.healthProbeMs ?? DEFAULT_HEALTH_PROBE_MS,
    workerThreadNice: options.workerThreadNice ?? DEFAULT_WORKER_THREAD_NICE,
    sharedResultBytes: options.sharedResultBytes ?? DEFAULT_SHARED_RESULT_BYTES,
    workerFilename: options.workerFilename,
  };
  requirePositiveInteger('poolSize', resolved.poolSize);
  requireTimerMs('timeoutMs', resolved.timeoutMs, 'SERIALIZATION_TIMEOUT_MS in the gateway');
  requirePositiveInteger('maxEventBytes', resolved.maxEventBytes);
  requirePositiveInteger('inlineThresholdBytes', resolved.inlineThresholdBytes);
  requirePositiveInteger('maxQueue', resolved.maxQueue);
  requirePositiveInteger('maxStringChars', resolved.maxStringChars);
  if (resolved.maxStringChars < MIN_MAX_STRING_CHARS) {
    throw new Error(
      `Serialization option maxStringChars must be at least ${MIN_MAX_STRING_CHARS} ` +
        `(got ${resolved.maxStringChars}): the truncation marker's own strings ('unserializable') ` +
        'must fit, or a worker converting a marker again would cut it.',
    );
  }
  requirePositiveInteger('maxDepth', resolved.maxDepth);
  requirePositiveInteger('sliceMs', resolved.sliceMs);
  requireTimerMs('healthProbeMs', resolved.healthProbeMs);
  const nice = resolved.workerThreadNice;
  if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) {
    throw new Error(
      `Serialization option workerThreadNice must be a whole number from 0 to ${MAX_NICE} ` +
        `(got ${String(nice)}); 0 leaves thread priorities alone.`,
    );
  }
  const shared = resolved.sharedResultBytes;
  if (!Number.isSafeInteger(shared) || shared < 0) {
    throw new Error(
      `Serialization option sharedResultBytes must be a whole number of bytes, 0 or more ` +
        `(got ${String(shared)}); 0 hands every worker result over as a transferred buffer.`,
    );
  }
  if (resolved.inlineThresholdBytes > resolved.maxEventBytes) {
    throw new Error(
      `Serialization: inlineThresholdBytes (${resolved.inlineThresholdBytes}) must not exceed ` +
        `maxEventBytes (${resolved.maxEventBytes}); lower the threshold or raise MAX_EVENT_BYTES.`,
    );
  }
  return resolved;
}

/** A positive integer a Node timer can wait for, `MAX_TIMER_MS` at most. */
function requireTimerMs(name: string, value: number, source?: string): void {
  requirePositiveInteger(name, value);
  if (value > MAX_TIMER_MS) {
    throw new Error(
      `Serialization option ${name}${source === undefined ? '' : ` (${source})`} must be at most ` +
        `${MAX_TIMER_MS} ms (got ${value}): Node's timers cannot wait longer, and would fire ` +
        'after 1 ms instead.',
    );
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(
      `Serialization option ${name} must be a positive integer (got ${String(value)}); ` +
        'fix the value passed to SerializationModule.forRoot.',
    );
  }
}
