import type { ErrorCode, ReplyError } from './error-codes';

export type OkReply<T extends object> = { ok: true } & T;
export interface ErrorReply {
  ok: false;
  error: ReplyError;
}
/** The one shape of every acknowledgement a request receives. */
export type Reply<T extends object = object> = OkReply<T> | ErrorReply;

export function okReply<T extends object>(result: T): OkReply<T> {
  return { ok: true, ...result };
}

export function errorReply(code: ErrorCode, message: string, retryAfterMs?: number): ErrorReply {
  return {
    ok: false,
    error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs },
  };
}

/**
 * Thrown by services for a refusal the client should see as-is. The gateway turns it into an
 * error reply; any other error becomes `internal` without leaking its message.
 */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }

  toReply(): ErrorReply {
    return errorReply(this.code, this.message, this.retryAfterMs);
  }
}
