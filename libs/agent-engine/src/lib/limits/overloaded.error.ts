/** No slot became free in time; the run ends with `agent_error` `overloaded`. */
export class OverloadedError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'OverloadedError';
  }
}
