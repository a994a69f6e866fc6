import { z } from 'zod';
import type { AgentEngineOptions } from './engine-options';

/** Used when LLM_BASE_URL is set without LLM_MODEL: the protocol makes the URL alone enough. */
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';

const optionalInt = z.coerce.number().int().positive().optional();
const optionalNonNegativeInt = z.coerce.number().int().min(0).optional();

const envSchema = z.object({
  AGENT_TIMEOUT_MS: optionalInt,
  TOOL_TIMEOUT_MS: optionalInt,
  MAX_CONCURRENT_RUNS: optionalInt,
  MAX_RUNS_PER_USER: optionalInt,
  MAX_QUEUED_RUNS: optionalNonNegativeInt,
  RUN_QUEUE_WAIT_MS: optionalNonNegativeInt,
  SHUTDOWN_GRACE_MS: optionalNonNegativeInt,
  BREAKER_ERROR_THRESHOLD_PERCENTAGE: z.coerce.number().min(1).max(100).optional(),
  BREAKER_VOLUME_THRESHOLD: optionalNonNegativeInt,
  BREAKER_RESET_TIMEOUT_MS: optionalInt,
  BREAKER_ROLLING_WINDOW_MS: optionalInt,
  ENABLE_LOADTEST_AGENT: z.enum(['0', '1', 'true', 'false']).optional(),
  LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).optional(),
});

/**
 * The engine's part of the environment (AGENT_TIMEOUT_MS, TOOL_TIMEOUT_MS, ENABLE_LOADTEST_AGENT,
 * LLM_*, ...) as options, for an app that configures the engine from env. Empty values count as
 * unset. Throws one error listing every bad variable, meant to stop start-up.
 */
export function agentEngineOptionsFromEnv(env: NodeJS.ProcessEnv): AgentEngineOptions {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((key) => [key, env[key]?.trim()])
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new Error(`invalid agent engine configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  return dropUndefined({
    agentTimeoutMs: e.AGENT_TIMEOUT_MS,
    toolTimeoutMs: e.TOOL_TIMEOUT_MS,
    maxConcurrentRuns: e.MAX_CONCURRENT_RUNS,
    maxRunsPerUser: e.MAX_RUNS_PER_USER,
    maxQueuedRuns: e.MAX_QUEUED_RUNS,
    queueWaitMs: e.RUN_QUEUE_WAIT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    breaker: dropUndefined({
      errorThresholdPercentage: e.BREAKER_ERROR_THRESHOLD_PERCENTAGE,
      volumeThreshold: e.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: e.BREAKER_RESET_TIMEOUT_MS,
      rollingCountTimeoutMs: e.BREAKER_ROLLING_WINDOW_MS,
    }),
    enableLoadtestAgent: e.ENABLE_LOADTEST_AGENT === '1' || e.ENABLE_LOADTEST_AGENT === 'true',
    llm:
      e.LLM_BASE_URL === undefined
        ? undefined
        : dropUndefined({
            baseUrl: e.LLM_BASE_URL,
            apiKey: e.LLM_API_KEY,
            model: e.LLM_MODEL ?? DEFAULT_LLM_MODEL,
          }),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
