/**
 * Runs at most `limit` of one encode's offloaded pieces at once; the others wait their turn here,
 * in the order the walk found them, while the walk goes on. The pool's queue is shared by every
 * payload: a large value holding hundreds of deferred values would fill it, every piece past its
 * bound, and every other payload's task meanwhile, refused as `overloaded`.
 */
export class PieceTurns<T> {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  run(piece: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running++;
        piece().then(
          (outcome) => {
            this.handOver();
            resolve(outcome);
          },
          (error: unknown) => {
            this.handOver();
            reject(error);
          },
        );
      };
      if (this.running < this.limit) start();
      else this.waiting.push(start);
    });
  }

  /**
   * Drops the pieces still waiting, never to start: their encode was abandoned (and answers
   * nothing from them). Those running are left to the deadline that stops them.
   */
  abandon(): void {
    this.waiting.length = 0;
  }

  /** The next piece starts before the caller hears of this one's end. */
  private handOver(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
