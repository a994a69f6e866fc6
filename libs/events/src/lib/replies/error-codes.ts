export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'payload_too_large',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error reply carries one of these: `code` for programs, `message` for people. */
export interface ReplyError {
  code: ErrorCode;
  message: string;
  /** For `rate_limited` and `unavailable`: when trying again makes sense. */
  retryAfterMs?: number;
}
