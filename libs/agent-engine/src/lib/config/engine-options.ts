/** Configuration of the engine, as the gateway passes it to `AgentEngineModule.forRoot`. Every field is optional. */
export interface AgentEngineOptions {
  /** Limit of one run, from when it leaves the queue (AGENT_TIMEOUT_MS). Default 30 000. */
  agentTimeoutMs?: number;
  /** Limit of one tool call attempt (TOOL_TIMEOUT_MS). Default 10 000. */
  toolTimeoutMs?: number;
  breaker?: {
    /** Failure share (percent) in the rolling window that opens a circuit. Default 50. */
    errorThresholdPercentage?: number;
    /** Calls in the rolling window before a circuit may open at all. Default 5. */
    volumeThreshold?: number;
    /** How long a circuit stays open before one probe is let through (half-open). Default 30 000. */
    resetTimeoutMs?: number;
    /** Length of the rolling statistics window. Default 60 000. */
    rollingCountTimeoutMs?: number;
  };
  /** Runs executing at once across all users. Default 100. */
  maxConcurrentRuns?: number;
  /** Runs executing at once for one user. Default 5. */
  maxRunsPerUser?: number;
  /** Runs waiting for a slot; beyond it a run ends at once with `overloaded`. Default 50. */
  maxQueuedRuns?: number;
  /** How long a run may wait for a slot before it ends with `overloaded`. Default 5 000. */
  queueWaitMs?: number;
  /** On shutdown, how long runs in flight may finish before they are aborted with `shutdown`. Default 10 000. */
  shutdownGraceMs?: number;
  /** Retries of idempotent tool calls and of model requests that produced no output. */
  retry?: {
    /** Attempts in all, the first one included. Default 3. */
    attempts?: number;
    /** Delay before the first retry; doubled each time, with full jitter. Default 200. */
    startingDelayMs?: number;
    /** Cap of one delay. Default 2 000. */
    maxDelayMs?: number;
  };
  /** Registers the `loadtest` agent (ENABLE_LOADTEST_AGENT=1). Default false. */
  enableLoadtestAgent?: boolean;
  /** Registers the `llm` agent (LLM_BASE_URL, LLM_API_KEY, LLM_MODEL). Default: absent. */
  llm?: { baseUrl: string; apiKey?: string; model: string };
}

export interface ResolvedEngineOptions {
  agentTimeoutMs: number;
  toolTimeoutMs: number;
  breaker: {
    errorThresholdPercentage: number;
    volumeThreshold: number;
    resetTimeoutMs: number;
    rollingCountTimeoutMs: number;
  };
  maxConcurrentRuns: number;
  maxRunsPerUser: number;
  maxQueuedRuns: number;
  queueWaitMs: number;
  shutdownGraceMs: number;
  retry: { attempts: number; startingDelayMs: number; maxDelayMs: number };
  enableLoadtestAgent: boolean;
  llm?: { baseUrl: string; apiKey?: string; model: string };
}

export const DEFAULT_ENGINE_OPTIONS: Readonly<Omit<ResolvedEngineOptions, 'llm'>> = {
  agentTimeoutMs: 30_000,
  toolTimeoutMs: 10_000,
  breaker: {
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeoutMs: 30_000,
    rollingCountTimeoutMs: 60_000,
  },
  maxConcurrentRuns: 100,
  maxRunsPerUser: 5,
  maxQueuedRuns: 50,
  queueWaitMs: 5_000,
  shutdownGraceMs: 10_000,
  retry: { attempts: 3, startingDelayMs: 200, maxDelayMs: 2_000 },
  enableLoadtestAgent: false,
};

/** DI token of the resolved options. */
export const AGENT_ENGINE_OPTIONS = Symbol('AGENT_ENGINE_OPTIONS');

/**
 * The longest delay Node's timers take: above it setTimeout warns (TimeoutOverflowWarning) and
 * fires after 1 ms, so a run limit meant as weeks would end every run at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration a timer waits for: positive (or zero when `allowZero`) and at most MAX_TIMER_MS. */
function duration(
  name: string,
  value: number | undefined,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero) || value > MAX_TIMER_MS) {
    throw new Error(
      `agent-engine option ${name} must be a duration in ms from ${allowZero ? 0 : 'above 0'} to ${MAX_TIMER_MS}, got ${value}`,
    );
  }
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`agent-engine option ${name} must be a positive number, got ${value}`);
  }
  return value;
}

function atLeastZero(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`agent-engine option ${name} must be zero or more, got ${value}`);
  }
  return value;
}

/** Fills in defaults and refuses nonsense at start-up rather than at the first run. */
export function resolveEngineOptions(options: AgentEngineOptions = {}): ResolvedEngineOptions {
  const d = DEFAULT_ENGINE_OPTIONS;
  const llm = options.llm;
  if (llm !== undefined) {
    if (!/^https?:\/\//.test(llm.baseUrl)) {
      throw new Error(
        `agent-engine option llm.baseUrl must be an http(s) URL, got "${llm.baseUrl}"`,
      );
    }
    if (llm.model.trim() === '') {
      throw new Error('agent-engine option llm.model must name a model (set LLM_MODEL)');
    }
  }
  const errorThresholdPercentage = positive(
    'breaker.errorThresholdPercentage',
    options.breaker?.errorThresholdPercentage,
    d.breaker.errorThresholdPercentage,
  );
  if (errorThresholdPercentage > 100) {
    throw new Error('agent-engine option breaker.errorThresholdPercentage must be at most 100');
  }
  return {
    agentTimeoutMs: duration('agentTimeoutMs', options.agentTimeoutMs, d.agentTimeoutMs),
    toolTimeoutMs: duration('toolTimeoutMs', options.toolTimeoutMs, d.toolTimeoutMs),
    breaker: {
      errorThresholdPercentage,
      volumeThreshold: atLeastZero(
        'breaker.volumeThreshold',
        options.breaker?.volumeThreshold,
        d.breaker.volumeThreshold,
      ),
      resetTimeoutMs: duration(
        'breaker.resetTimeoutMs',
        options.breaker?.resetTimeoutMs,
        d.breaker.resetTimeoutMs,
      ),
      rollingCountTimeoutMs: duration(
        'breaker.rollingCountTimeoutMs',
        options.breaker?.rollingCountTimeoutMs,
        d.breaker.rollingCountTimeoutMs,
      ),
    },
    maxConcurrentRuns: positive(
      'maxConcurrentRuns',
      options.maxConcurrentRuns,
      d.maxConcurrentRuns,
    ),
    maxRunsPerUser: positive('maxRunsPerUser', options.maxRunsPerUser, d.maxRunsPerUser),
    maxQueuedRuns: atLeastZero('maxQueuedRuns', options.maxQueuedRuns, d.maxQueuedRuns),
    queueWaitMs: duration('queueWaitMs', options.queueWaitMs, d.queueWaitMs, true),
    shutdownGraceMs: duration('shutdownGraceMs', options.shutdownGraceMs, d.shutdownGraceMs, true),
    retry: {
      attempts: positive('retry.attempts', options.retry?.attempts, d.retry.attempts),
      startingDelayMs: duration(
        'retry.startingDelayMs',
        options.retry?.startingDelayMs,
        d.retry.startingDelayMs,
        true,
      ),
      maxDelayMs: duration('retry.maxDelayMs', options.retry?.maxDelayMs, d.retry.maxDelayMs, true),
    },
    enableLoadtestAgent: options.enableLoadtestAgent ?? d.enableLoadtestAgent,
    ...(llm === undefined ? {} : { llm: { ...llm, baseUrl: llm.baseUrl.replace(/\/+$/, '') } }),
  };
}
