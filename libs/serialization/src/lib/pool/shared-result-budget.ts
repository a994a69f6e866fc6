/**
 * How many bytes of worker results the main thread holds as shared memory, against a limit.
 *
 * Why shared: V8 counts a transferred `ArrayBuffer` as the receiving isolate's external memory,
 * and every 64 MB that external memory grows starts a major collection. On the main thread, a
 * gateway sending 20 MB states paid for one every few sends: 25 to 35 ms of marking in steps, the
 * longest of them (5 to 10 ms) taken in the very turn a buffer arrives (docs/BENCHMARKS.md,
 * "Large agent states"). A `SharedArrayBuffer` is counted by no isolate, so its arrival starts
 * nothing. The same bytes, the same wire: only the accounting differs.
 *
 * Why a limit: uncounted memory gives the collector no reason to hurry. A result the gateway has
 * finished with stays allocated until a collection happens to find its last reference, and with
 * nothing counted that can take long. Past `limitBytes` still held, results come back
 * transferred again, counted as before; the collections that brings also free the shared ones.
 */
export class SharedResultBudget {
  private heldBytes = 0;
  private readonly released = new FinalizationRegistry<number>((bytes) => {
    this.heldBytes -= bytes;
  });

  /** `limitBytes` 0: every result is transferred. */
  constructor(private readonly limitBytes: number) {}

  /**
   * Whether the next result may come back shared. Asked when a task starts, so tasks in flight
   * together may overshoot the limit by what they return: at most the pool's tasks in flight
   * times `maxEventBytes`.
   */
  allowsShared(): boolean {
    return this.heldBytes < this.limitBytes;
  }

  /** Bytes of shared results the main thread has not yet let go (as far as the collector knows). */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** Counts a shared result until the collector reclaims it; hands back its bytes as a Buffer. */
  adopt(result: SharedArrayBuffer): Buffer {
    this.heldBytes += result.byteLength;
    this.released.register(result, result.byteLength);
    return Buffer.from(result);
  }
}
