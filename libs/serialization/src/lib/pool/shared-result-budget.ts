import { isSharedArrayBuffer } from 'node:util/types';

/**
 * How many bytes of worker results the main thread holds as shared memory, against a limit.
 *
 * Why shared: V8 counts a transferred `ArrayBuffer` as the receiving isolate's external memory,
 * and growth of that memory (by about 64 MB at a time in V8 11) starts a major collection. On the main thread, a
 * gateway sending 20 MB states paid for one every few sends: 25 to 35 ms of marking in steps, the
 * longest of them (5 to 10 ms) taken in the very turn a buffer arrives (docs/BENCHMARKS.md,
 * "Large agent states"). A `SharedArrayBuffer` is counted by no isolate, so its arrival starts
 * nothing. The same bytes, the same wire: only the accounting differs.
 *
 * Why a limit: uncounted memory gives the collector no reason to hurry. A result the gateway has
 * finished with stays allocated until a collection happens to find its last reference, and with
 * nothing counted that can take long. Past `limitBytes` still held, results come back
 * transferred again, counted as before; the collections that brings also free the shared ones.
 * (The worker's own reference goes with its next collection, so an idle worker keeps its last
 * result allocated a while longer: at most one result per worker, and not counted here.)
 */
export class SharedResultBudget {
  /** Held and not retained: in flight, or finished and waiting for the collector. */
  private unretainedBytes = 0;
  private retainedBytes = 0;
  private readonly adopted = new WeakSet<SharedArrayBuffer>();
  private readonly retained = new WeakSet<SharedArrayBuffer>();
  // A retained result is referenced by whoever retains it, so it is never reclaimed while
  // retained: the bytes a reclaimed result frees are always unretained ones.
  private readonly reclaimed = new FinalizationRegistry<number>((bytes) => {
    this.unretainedBytes -= bytes;
  });

  /** `limitBytes` 0: every result is transferred. */
  constructor(private readonly limitBytes: number) {}

  /**
   * Whether the next result may come back shared. Asked when a task starts, so tasks in flight
   * together may overshoot the limit by what they return: at most the pool's tasks in flight
   * times `maxEventBytes`.
   */
  allowsShared(): boolean {
    return this.unretainedBytes < this.limitBytes;
  }

  /** Bytes of shared results not yet reclaimed (as far as the collector has told), by state. */
  get bytesHeld(): { retained: number; unretained: number } {
    return { retained: this.retainedBytes, unretained: this.unretainedBytes };
  }

  /**
   * A result's buffer made on the main thread (the sliced encoder's): shared and counted when
   * the limit allows, else an ordinary one of its own, which V8 counts. Never a slice of Node's
   * buffer pool, which must never be shared.
   */
  allocate(byteLength: number): Buffer {
    return this.allowsShared()
      ? this.adopt(new SharedArrayBuffer(byteLength))
      : Buffer.allocUnsafeSlow(byteLength);
  }

  /** Counts a shared result until the collector reclaims it; hands back its bytes as a Buffer. */
  adopt(result: SharedArrayBuffer): Buffer {
    this.adopted.add(result);
    this.unretainedBytes += result.byteLength;
    this.reclaimed.register(result, result.byteLength);
    return Buffer.from(result);
  }

  /**
   * Bytes kept on purpose for a long time (an event log keeping payloads for replay) are not what
   * the limit is for: they would be held however they had come back, and no collection could
   * free them. While retained they do not count against it. Anything but an adopted result, or
   * one already retained, is ignored.
   */
  retain(bytes: Uint8Array): void {
    const result = bytes.buffer;
    if (!isSharedArrayBuffer(result) || !this.adopted.has(result) || this.retained.has(result)) {
      return;
    }
    this.retained.add(result);
    this.unretainedBytes -= result.byteLength;
    this.retainedBytes += result.byteLength;
  }

  /** The retainer let go: the bytes count against the limit again until they are reclaimed. */
  release(bytes: Uint8Array): void {
    const result = bytes.buffer;
    if (!isSharedArrayBuffer(result) || !this.retained.delete(result)) return;
    this.retainedBytes -= result.byteLength;
    this.unretainedBytes += result.byteLength;
  }
}
