/**
 * Thrown by a tool for a failure that another attempt cannot fix (bad input, a refused
 * operation): the call completes with `ok: false` at once, even for idempotent tools.
 */
export class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}
