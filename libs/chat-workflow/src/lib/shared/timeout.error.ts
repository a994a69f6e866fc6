/** A bounded wait ran out. The operation itself may still finish later; nobody waits for it. */
export class TimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} did not finish within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}
