/** A record with more own keys than this has them listed once per encode, then looked up. */
export const LARGE_RECORD_KEYS = 512;

/**
 * The key lists of the large records met while encoding one payload, so that every walk of the
 * encode (the inline attempt, the sliced encoder's pieces) lists each of them once. Listing the
 * keys of a record is the one step of a walk that no budget bounds: `Object.keys` and `for...in`
 * gather all of them before the first is read, 14 ms for 100 000 named keys and 275 ms for a
 * million, on the main thread. Without the lists, a large record nested a few levels down was
 * listed by every walk that reached it: seven times, in one go, for a record at the second level.
 *
 * Small records are not kept: listing them costs less than keeping the lists would.
 */
export class RecordKeys {
  private lists: WeakMap<object, readonly string[]> | undefined;

  /** The record's own enumerable keys, listed now or by an earlier walk of this encode. */
  of(record: object): readonly string[] {
    const known = this.lists?.get(record);
    if (known !== undefined) return known;
    const keys = Object.keys(record);
    if (keys.length > LARGE_RECORD_KEYS) (this.lists ??= new WeakMap()).set(record, keys);
    return keys;
  }

  /** Whether any large record was met: if not, there is nothing to hand on. */
  get isEmpty(): boolean {
    return this.lists === undefined;
  }
}
