/** Size of one slab: a flush of the encoder's text (64 Ki characters) fits a few times over. */
export const SLAB_BYTES = 1024 * 1024;

/**
 * Fixed-size buffers the sliced encoder writes its UTF-8 text into before it copies the result
 * out, kept and handed out again rather than allocated for every encode.
 *
 * Why: a buffer's memory lies outside V8's heap, and V8 starts a major collection each time that
 * memory has grown by about 64 MB. A 20 MB state encoded into fresh buffers grew it by 20 MB
 * (plus the result's 20) per send, so a major collection came every send or two, and with the
 * state itself on the main heap each one stalled the event loop for 10 to 25 ms
 * (docs/BENCHMARKS.md, "Large agent states"). Slabs that are used again grow it once.
 *
 * At most `keptBytes` (rounded up to whole slabs) are kept, for the serializer's lifetime. When
 * more are in use at once (a payload larger than that, several encodes at a time), the extra
 * slabs are ordinary allocations, left to the collector when given back: what every encode paid
 * before.
 */
export class ScratchSlabs {
  private readonly free: Buffer[] = [];
  /** Kept slabs in use: only these go back on the free list, and only once. */
  private readonly lent = new Set<Buffer>();
  private readonly maxKept: number;
  private kept = 0;

  constructor(
    keptBytes: number,
    /** Smaller in tests, to cross slab boundaries with small payloads. */
    readonly slabBytes = SLAB_BYTES,
  ) {
    this.maxKept = Math.ceil(keptBytes / slabBytes);
  }

  /** Bytes allocated for keeping, in use or free: what the serializer holds between encodes. */
  get keptBytes(): number {
    return this.kept * this.slabBytes;
  }

  take(): Buffer {
    const slab = this.free.pop();
    if (slab !== undefined) {
      this.lent.add(slab);
      return slab;
    }
    // allocUnsafeSlow: a slab of its own, never a slice of Node's shared pool. Its old contents
    // are never read: only what the encoder wrote into it is copied out.
    const fresh = Buffer.allocUnsafeSlow(this.slabBytes);
    if (this.kept < this.maxKept) {
      this.kept++;
      this.lent.add(fresh);
    }
    return fresh;
  }

  /** Slabs no longer read or written by anyone: kept ones go back on the free list. */
  giveBack(slabs: readonly Buffer[]): void {
    for (const slab of slabs) if (this.lent.delete(slab)) this.free.push(slab);
  }
}
