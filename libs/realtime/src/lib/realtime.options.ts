export interface RealtimeOptions {
  /** Set: the event log and fan-out live in Redis, shared by every gateway process on it. */
  redisUrl?: string;
  redisTimeoutMs: number;
  maxConnectionsPerUser: number;
  maxTotalConnections: number;
  /** How long a durable event (or batch) waits for its acknowledgement before it is sent again. */
  sendTimeoutMs: number;
  sendRetryBaseMs: number;
  sendRetryMaxMs: number;
  /** Consecutive unacknowledged sends after which a connection is cut off. */
  connectionFailureThreshold: number;
  /** Durable events queued for one connection beyond which it is cut off (it resumes from the log). */
  maxOutboxEvents: number;
  maxBatchEvents: number;
  /** Durable events kept per thread for replay: at least this many... */
  eventRetention: number;
  /** ...and at least everything this recent. */
  eventRetentionMs: number;
  cleanupIntervalMs: number;
  /** Requests a connection may make per `rateLimitWindowMs`. */
  rateLimitPoints: number;
  rateLimitWindowMs: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  redisTimeoutMs: 2000,
  maxConnectionsPerUser: 3,
  maxTotalConnections: 10_000,
  sendTimeoutMs: 5000,
  sendRetryBaseMs: 200,
  sendRetryMaxMs: 5000,
  connectionFailureThreshold: 5,
  maxOutboxEvents: 10_000,
  maxBatchEvents: 256,
  eventRetention: 1000,
  eventRetentionMs: 60 * 60 * 1000,
  cleanupIntervalMs: 60_000,
  rateLimitPoints: 50,
  rateLimitWindowMs: 10_000,
};

export const REALTIME_OPTIONS = Symbol('REALTIME_OPTIONS');
