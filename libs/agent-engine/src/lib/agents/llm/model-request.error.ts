/**
 * A model request that failed. `retryable` when trying the same request again may work
 * (network, 429, 5xx, a stream that broke); the agent retries only if nothing was emitted yet.
 */
export class ModelRequestError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelRequestError';
  }
}
