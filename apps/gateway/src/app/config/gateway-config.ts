import { z } from 'zod';
import { MAX_TIMER_MS } from '@agent-gateway/agent-engine';

const MiB = 1024 * 1024;
/** main.ts arms its last-resort exit timer at SHUTDOWN_GRACE_MS plus this. */
export const SHUTDOWN_DEADLINE_SLACK_MS = 15_000;

function wholeNumber(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      // Decimal digits only: Number() would also take "0x50", "1e3", "0b1" and " 80 ".
      const value = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max} (decimal digits only), got "${raw}"`,
        });
        return z.NEVER;
      }
      return value;
    });
}

/** A duration that feeds a timer, so bounded by what a timer can wait. */
function durationMs(name: string, fallback: number, min: number, max = MAX_TIMER_MS) {
  return wholeNumber(name, fallback, min, max);
}

function flag(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '0' || raw === 'false') return false;
      if (raw === '1' || raw === 'true') return true;
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be 1, 0, true or false, got "${raw}"`,
      });
      return z.NEVER;
    });
}

function url(name: string, protocols: readonly string[]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      try {
        const parsed = new URL(raw);
        if (protocols.includes(parsed.protocol)) return raw;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${raw}"`,
      });
      return z.NEVER;
    });
}

function oneOf<const T extends readonly [string, ...string[]]>(
  name: string,
  values: T,
  fallback: T[number],
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined) return fallback;
      if ((values as readonly string[]).includes(raw)) return raw as T[number];
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be one of ${values.join(', ')}, got "${raw}"`,
      });
      return z.NEVER;
    });
}

/** Free text with a default; `what` says what the value is for the error message. */
function text(name: string, fallback: string, what: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      if (raw.trim() !== raw) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be ${what} without leading or trailing spaces, got "${raw}"`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

const optionalText = z.string().optional();

/** Every variable the gateway reads. The README's configuration table lists the same. */
const environmentSchema = z.object({
  NODE_ENV: oneOf('NODE_ENV', ['development', 'production', 'test'], 'development'),
  HOST: text('HOST', '0.0.0.0', 'an interface address or host name'),
  PORT: wholeNumber('PORT', 3000, 0, 65535),
  LOG_LEVEL: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], 'info'),
  AUTH_JWT_SECRET: optionalText,
  DATA_DIR: text('DATA_DIR', './data', 'a directory path'),
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']),
  MAX_CONNECTIONS_PER_USER: wholeNumber('MAX_CONNECTIONS_PER_USER', 3, 1),
  MAX_TOTAL_CONNECTIONS: wholeNumber('MAX_TOTAL_CONNECTIONS', 10_000, 1),
  MAX_MESSAGE_CHARS: wholeNumber('MAX_MESSAGE_CHARS', 32_000, 1),
  MAX_PACKET_BYTES: wholeNumber('MAX_PACKET_BYTES', 1 * MiB, 1024),
  // Not below 64 KiB: payloads up to 16 KiB are serialized inline and must fit.
  MAX_EVENT_BYTES: wholeNumber('MAX_EVENT_BYTES', 8 * MiB, 64 * 1024),
  EVENT_RETENTION: wholeNumber('EVENT_RETENTION', 1000, 1),
  EVENT_RETENTION_MS: durationMs('EVENT_RETENTION_MS', 60 * 60 * 1000, 1000),
  AGENT_TIMEOUT_MS: durationMs('AGENT_TIMEOUT_MS', 30_000, 1),
  TOOL_TIMEOUT_MS: durationMs('TOOL_TIMEOUT_MS', 10_000, 1),
  REDIS_TIMEOUT_MS: durationMs('REDIS_TIMEOUT_MS', 2000, 1),
  FILE_TIMEOUT_MS: durationMs('FILE_TIMEOUT_MS', 5000, 1),
  DEDUP_TTL_MS: durationMs('DEDUP_TTL_MS', 15 * 60 * 1000, 1000),
  HISTORY_CACHE_MAX_THREADS: wholeNumber('HISTORY_CACHE_MAX_THREADS', 10_000, 1),
  SERIALIZATION_TIMEOUT_MS: durationMs('SERIALIZATION_TIMEOUT_MS', 1000, 1),
  SERIALIZATION_POOL_SIZE: wholeNumber('SERIALIZATION_POOL_SIZE', 0, 0, 64),
  // Linux nice values run from 0 (normal) to 19 (lowest); 0 leaves the workers' priority alone.
  SERIALIZATION_WORKER_NICE: wholeNumber('SERIALIZATION_WORKER_NICE', 10, 0, 19),
  // 0 hands every worker result over as a transferred (counted) buffer.
  SERIALIZATION_SHARED_RESULT_BYTES: wholeNumber('SERIALIZATION_SHARED_RESULT_BYTES', 64 * MiB, 0),
  SEND_TIMEOUT_MS: durationMs('SEND_TIMEOUT_MS', 5000, 1),
  CONNECTION_FAILURE_THRESHOLD: wholeNumber('CONNECTION_FAILURE_THRESHOLD', 5, 1),
  CLEANUP_INTERVAL_MS: durationMs('CLEANUP_INTERVAL_MS', 60_000, 100),
  SHUTDOWN_GRACE_MS: durationMs(
    'SHUTDOWN_GRACE_MS',
    10_000,
    0,
    MAX_TIMER_MS - SHUTDOWN_DEADLINE_SLACK_MS,
  ),
  MAX_CONCURRENT_RUNS: wholeNumber('MAX_CONCURRENT_RUNS', 100, 1),
  MAX_RUNS_PER_USER: wholeNumber('MAX_RUNS_PER_USER', 5, 1),
  MAX_QUEUED_RUNS: wholeNumber('MAX_QUEUED_RUNS', 50, 0),
  RUN_QUEUE_WAIT_MS: durationMs('RUN_QUEUE_WAIT_MS', 5000, 0),
  BREAKER_ERROR_THRESHOLD_PERCENTAGE: wholeNumber('BREAKER_ERROR_THRESHOLD_PERCENTAGE', 50, 1, 100),
  BREAKER_VOLUME_THRESHOLD: wholeNumber('BREAKER_VOLUME_THRESHOLD', 5, 0),
  BREAKER_RESET_TIMEOUT_MS: durationMs('BREAKER_RESET_TIMEOUT_MS', 30_000, 1),
  BREAKER_ROLLING_WINDOW_MS: durationMs('BREAKER_ROLLING_WINDOW_MS', 60_000, 100),
  RATE_LIMIT_POINTS: wholeNumber('RATE_LIMIT_POINTS', 50, 1),
  RATE_LIMIT_WINDOW_MS: durationMs('RATE_LIMIT_WINDOW_MS', 10_000, 1),
  HEALTH_EVENT_LOOP_DELAY_MS: durationMs('HEALTH_EVENT_LOOP_DELAY_MS', 1000, 1),
  HEALTH_MAX_HEAP_MB: wholeNumber('HEALTH_MAX_HEAP_MB', 2048, 16),
  ENABLE_LOADTEST_AGENT: flag('ENABLE_LOADTEST_AGENT'),
  LLM_BASE_URL: url('LLM_BASE_URL', ['http:', 'https:']),
  LLM_API_KEY: optionalText,
  LLM_MODEL: text('LLM_MODEL', 'gpt-4o-mini', 'a model name'),
});

export type GatewayEnvironment = z.output<typeof environmentSchema>;

/** The validated configuration, as every part of the app reads it. */
export interface GatewayConfig extends GatewayEnvironment {
  /** True when no secret is set outside production: `auth: { userId }` is accepted. */
  devAuth: boolean;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration, the gateway cannot start:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

/** Parses and checks the environment once, at start-up; throws naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = environmentSchema.safeParse(withoutBlankValues(env));
  if (!parsed.success) {
    throw new ConfigurationError(
      parsed.error.issues.map((issue) =>
        issue.code === 'custom' || issue.path.length === 0
          ? issue.message
          : `${issue.path.join('.')}: ${issue.message}`,
      ),
    );
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production' && !config.AUTH_JWT_SECRET) {
    throw new ConfigurationError([
      'AUTH_JWT_SECRET must be set when NODE_ENV=production (HS256 secret for handshake tokens)',
    ]);
  }
  return { ...config, devAuth: !config.AUTH_JWT_SECRET };
}

/**
 * One meaning for an empty value, whatever the variable: `FOO=` (or only spaces) is the same as
 * leaving FOO unset, so it takes its default. Deployment templates often write every variable
 * and leave the ones they do not use empty.
 */
function withoutBlankValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
