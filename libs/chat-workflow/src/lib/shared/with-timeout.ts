import { TimeoutError } from './timeout.error';

/**
 * Waits for `work` at most `timeoutMs`, then rejects with `TimeoutError`. The work is not
 * cancelled (a write already handed to the kernel cannot be), so callers must stay correct when
 * it completes after they gave up.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  operation: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(operation, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
