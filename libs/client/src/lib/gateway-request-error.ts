import type { ErrorCode, ReplyError } from '@agent-gateway/events';

/** A request the gateway refused (or that got no reply in time: code `unavailable`). */
export class GatewayRequestError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs?: number;

  constructor(error: ReplyError) {
    super(error.message);
    this.name = 'GatewayRequestError';
    this.code = error.code;
    this.retryAfterMs = error.retryAfterMs;
  }
}
