import { MAX_TIMER_MS } from '@agent-gateway/agent-engine';

/** What the app passes to `ChatWorkflowModule.forRoot`, usually straight from its parsed configuration. */
export interface ChatWorkflowOptions {
  /** Root of the transcript files (`DATA_DIR`); created when missing. */
  dataDir: string;
  /** Redis for the history cache and cross-process claims (`REDIS_URL`); unset keeps both in process. */
  redisUrl?: string;
  /** Longest wait on any one Redis operation before falling back (`REDIS_TIMEOUT_MS`). Default 2000. */
  redisTimeoutMs?: number;
  /** How long the Redis breaker stays open before one trial call is let through. Default 5000. */
  redisBreakerResetMs?: number;
  /** Longest wait on any one transcript file operation (`FILE_TIMEOUT_MS`). Default 5000. */
  fileTimeoutMs?: number;
  /** Longest `text` accepted by `chat:send` (`MAX_MESSAGE_CHARS`). Default 32000. */
  maxMessageChars?: number;
  /** Agent used when `chat:send` names none. Default `assistant`. */
  defaultAgent?: string;
  /** How long a cached history lives without being touched. Default 1 h. */
  historyCacheTtlMs?: number;
  /** Without Redis: threads whose history the in-memory cache keeps at most. Default 10 000. */
  historyCacheMaxThreads?: number;
  /** Transcripts larger than this are read from disk every time instead of cached. Default 1 MiB. */
  maxCachedHistoryBytes?: number;
  /**
   * How long a `clientMessageId` claim is kept for de-duplicating retries. Default 15 min. A retry
   * on an existing thread is also recognised later, from the transcript.
   */
  dedupTtlMs?: number;
  /** Key prefix in Redis, so several deployments can share one Redis. Default `agent-gateway`. */
  redisKeyPrefix?: string;
}

export type ResolvedChatWorkflowOptions = Required<Omit<ChatWorkflowOptions, 'redisUrl'>> &
  Pick<ChatWorkflowOptions, 'redisUrl'>;

/** DI token of the resolved options. */
export const CHAT_WORKFLOW_OPTIONS = Symbol('CHAT_WORKFLOW_OPTIONS');

export const CHAT_WORKFLOW_DEFAULTS = {
  redisTimeoutMs: 2000,
  redisBreakerResetMs: 5000,
  fileTimeoutMs: 5000,
  maxMessageChars: 32000,
  defaultAgent: 'assistant',
  historyCacheTtlMs: 60 * 60 * 1000,
  historyCacheMaxThreads: 10_000,
  maxCachedHistoryBytes: 1024 * 1024,
  dedupTtlMs: 15 * 60 * 1000,
  redisKeyPrefix: 'agent-gateway',
} as const;

/** Fills in defaults and refuses nonsense at start-up rather than at the first request. */
export function resolveChatWorkflowOptions(
  options: ChatWorkflowOptions,
): ResolvedChatWorkflowOptions {
  if (!options.dataDir) {
    throw new Error('ChatWorkflowModule: dataDir is required (set DATA_DIR, default ./data)');
  }
  const resolved: ResolvedChatWorkflowOptions = {
    ...CHAT_WORKFLOW_DEFAULTS,
    ...definedOnly(options),
    dataDir: options.dataDir,
    redisUrl: options.redisUrl || undefined,
  };
  for (const key of [
    'maxMessageChars',
    'historyCacheMaxThreads',
    'maxCachedHistoryBytes',
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(
        `ChatWorkflowModule: ${key} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  for (const key of [
    'redisTimeoutMs',
    'redisBreakerResetMs',
    'fileTimeoutMs',
    'historyCacheTtlMs',
    'dedupTtlMs',
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMER_MS) {
      throw new Error(
        `ChatWorkflowModule: ${key} must be a whole number of ms from 1 to ${MAX_TIMER_MS}, got ${String(value)}`,
      );
    }
  }
  return resolved;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
