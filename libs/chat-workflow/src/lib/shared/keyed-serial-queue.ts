/**
 * Runs tasks one at a time per key, in the order they were queued; different keys run in
 * parallel. A task starts only after the previous one of its key has really settled, even when
 * that one's caller stopped waiting, so a slow write can never be overtaken by the next one.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget idle keys so the map holds only threads with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running; for leak tests. */
  get activeKeys(): number {
    return this.tails.size;
  }
}
