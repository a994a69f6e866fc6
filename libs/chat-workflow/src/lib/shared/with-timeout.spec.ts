import { TimeoutError } from './timeout.error';
import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('passes through a result that arrives in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 50, 'answer')).resolves.toBe(42);
  });

  it('rejects with a TimeoutError naming the operation when the work is too slow', async () => {
    const never = new Promise<never>(() => undefined);
    const error = await withTimeout(never, 20, 'transcript append').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('transcript append did not finish within 20 ms');
  });

  it('passes through the work’s own failure', async () => {
    await expect(withTimeout(Promise.reject(new Error('EIO')), 50, 'read')).rejects.toThrow('EIO');
  });
});
