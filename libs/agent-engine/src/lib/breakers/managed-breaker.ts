import CircuitBreaker from 'opossum';
import type { CircuitKind, CircuitState } from '../metrics/engine-metrics.service';

/** opossum's error codes, the only way it tells its own refusals from the action's errors. */
export function isBreakerTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ETIMEDOUT' && isOpossumError(error);
}

export function isBreakerOpen(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EOPENBREAKER';
}

function isOpossumError(error: unknown): boolean {
  return error instanceof Error && CircuitBreaker.isOurError(error);
}

type Thunk = () => Promise<unknown>;

/**
 * One opossum breaker around one agent or tool. The action is a thunk so one breaker serves
 * every call; opossum times the call out, counts failures and opens, half-opens and closes.
 */
export class ManagedBreaker {
  private openedAt: number | undefined;

  constructor(
    readonly kind: CircuitKind,
    readonly name: string,
    private readonly breaker: CircuitBreaker<[Thunk], unknown>,
    private readonly resetTimeoutMs: number,
  ) {
    breaker.on('open', () => (this.openedAt = Date.now()));
    breaker.on('close', () => (this.openedAt = undefined));
  }

  /**
   * Rejects with opossum's `ETIMEDOUT` error after the breaker's timeout (the work keeps running:
   * the caller must abort it) and with `EOPENBREAKER` while the circuit is open.
   */
  fire<T>(work: () => Promise<T>): Promise<T> {
    return this.breaker.fire(work) as Promise<T>;
  }

  state(): CircuitState {
    if (this.breaker.halfOpen) return 'half_open';
    return this.breaker.opened ? 'open' : 'closed';
  }

  /** Open and not yet probing: a call now would be refused. */
  isRefusing(): boolean {
    return this.breaker.opened || (this.breaker.halfOpen && !this.breaker.pendingClose);
  }

  /** When trying again makes sense: the end of the open period, or soon while a probe runs. */
  retryAfterMs(): number {
    if (this.openedAt === undefined || !this.breaker.opened) return 1000;
    return Math.max(1, this.openedAt + this.resetTimeoutMs - Date.now());
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
