const MILLION = 1_000_000;

/**
 * The JSON text of event timestamps (`ts`, whole epoch milliseconds), for a fraction of what a
 * number's own conversion costs. On Node 20, turning a 13-digit number into text costs about
 * 125 ns: every new value misses V8's number-string cache, is converted as a double and
 * allocated; that is a tenth of what `JSON.stringify` spends on a whole small event. Events
 * written within the same 1 000 seconds share all but their last six digits, so the leading
 * digits are converted once and kept, and the last six come from a small integer, whose text
 * costs next to nothing: 15 ns in all (docs/BENCHMARKS.md, "Small events").
 *
 * Anything else (a fraction, a negative number, one below a million or past 2^53) is converted
 * as usual, so the text is always what `JSON.stringify` writes for a finite number.
 */
export class EpochMillisJson {
  private high = -1;
  private highText = '';

  /** `ts` as JSON text; `ts` must be finite (JSON writes NaN and the infinities as null). */
  json(ts: number): string {
    if (!Number.isSafeInteger(ts) || ts < MILLION) return `${ts}`;
    // Exact: `%` of doubles has no rounding, and `ts - low` is a multiple of a million.
    const low = ts % MILLION;
    const high = (ts - low) / MILLION;
    if (high !== this.high) {
      this.high = high;
      this.highText = `${high}`;
    }
    // `low + MILLION` has seven digits, the first a 1: dropping it leaves six, zero-padded.
    return this.highText + `${low + MILLION}`.slice(1);
  }
}
