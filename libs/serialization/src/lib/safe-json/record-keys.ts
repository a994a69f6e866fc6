/** Records of up to this many keys are never kept: listing them costs less than keeping them. */
const SMALL_RECORD_KEYS = 512;
/** The shortest JSON a record entry can take: `"":0,`. */
const LEAST_ENTRY_BYTES = 5;

/**
 * The key lists of the large records met while encoding one payload, so that every walk of the
 * encode (the inline attempt, the sliced encoder's pieces) lists each of them once. Listing the
 * keys of a record is the one step of a walk that no budget bounds: `Object.keys` and `for...in`
 * gather all of them before the first is read, 14 ms for 100 000 named keys and 275 ms for a
 * million, on the main thread. Without the lists, a large record nested a few levels down was
 * listed by every walk that reached it: seven times, in one go, for a record at the second level.
 *
 * Only records whose keys alone are over the walks' byte budget are kept: those are the records
 * no piece can hold, that the sliced encoder walks key by key and then lets go (`forget`). A
 * record that fits a piece is written whole and never walked, so a list of it would stay.
 */
export class RecordKeys {
  private lists: WeakMap<object, readonly string[]> | undefined;
  private readonly keepOverKeys: number;

  constructor(budgetBytes: number) {
    this.keepOverKeys = Math.max(SMALL_RECORD_KEYS, Math.floor(budgetBytes / LEAST_ENTRY_BYTES));
  }

  /** The record's own enumerable keys, listed now or by an earlier walk of this encode. */
  of(record: object): readonly string[] {
    const known = this.lists?.get(record);
    if (known !== undefined) return known;
    const keys = Object.keys(record);
    if (this.isOverBudget(keys.length)) (this.lists ??= new WeakMap()).set(record, keys);
    return keys;
  }

  /** Whether a record of `keys` keys is over the budget by its keys alone. */
  isOverBudget(keys: number): boolean {
    return keys > this.keepOverKeys;
  }

  /** Lets the list of a record go once it has been walked: it is not listed again. */
  forget(record: object): void {
    this.lists?.delete(record);
  }

  /** Whether any large record was met: if not, there is nothing to hand on. */
  get isEmpty(): boolean {
    return this.lists === undefined;
  }
}
