import type { ScratchSlabs } from './scratch-slabs';

const utf8 = new TextEncoder();
/** The longest UTF-8 encoding of one character: a slab with less room left takes no more text. */
const MAX_CHARACTER_BYTES = 4;

/**
 * Encodes text as UTF-8 into scratch slabs, one after another, and hands back views of the bytes
 * each write produced (two when a write crosses into a new slab). The views are valid until
 * `release`, which gives the slabs back: copy out what must outlive the encode before it.
 */
export class SlabTextWriter {
  private readonly taken: Buffer[] = [];
  private current: Buffer | undefined;
  private offset = 0;
  private written = 0;

  constructor(private readonly slabs: ScratchSlabs) {}

  /** Bytes written so far. */
  get byteLength(): number {
    return this.written;
  }

  write(text: string): Buffer[] {
    const views: Buffer[] = [];
    let rest = text;
    while (rest.length > 0) {
      const slab = this.slabWithRoom();
      // Stops before a character that does not fit whole, so no character is ever split.
      const { read, written } = utf8.encodeInto(rest, slab.subarray(this.offset));
      views.push(slab.subarray(this.offset, this.offset + written));
      this.offset += written;
      this.written += written;
      if (read === rest.length) break;
      rest = rest.slice(read);
      this.current = undefined;
    }
    return views;
  }

  /** Gives the slabs back; the views handed out must not be read after this. Idempotent. */
  release(): void {
    this.slabs.giveBack(this.taken);
    this.taken.length = 0;
    this.current = undefined;
  }

  private slabWithRoom(): Buffer {
    if (this.current !== undefined && this.current.length - this.offset >= MAX_CHARACTER_BYTES) {
      return this.current;
    }
    const slab = this.slabs.take();
    this.taken.push(slab);
    this.current = slab;
    this.offset = 0;
    return slab;
  }
}
