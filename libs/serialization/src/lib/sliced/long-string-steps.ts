import { COUNTED_CHARS_AT_ONCE } from '../safe-json/plain-shape';

/**
 * Strings longer than this are written by the sliced encoder a stretch at a time. `JSON.stringify`
 * escapes a string in one go, and its cost depends on what the string holds, not only on its
 * length: 1 Mi characters take 0.02 ms when nothing needs escaping, 19 ms when every one is a
 * control character (`\u0001` is six bytes of JSON), 75 ms when every one is a lone surrogate
 * (Node 20, docs/BENCHMARKS.md, "Long strings"). 8 Ki characters are 0.6 ms at the worst.
 */
export const ESCAPED_CHARS_PER_STEP = 8 * 1024;

/**
 * The JSON text of one long string, a stretch per `step`: escaped (without its quotes, which the
 * caller writes) when it is within `maxStringChars`, else only counted, for the marker that takes
 * its place. A stretch never ends between the two halves of a surrogate pair: apart, each would be
 * escaped (and counted) as a lone surrogate.
 */
export class LongStringSteps {
  /** True when the string is over `maxStringChars`: it is counted, not written. */
  readonly overLong: boolean;
  private offset = 0;
  private counted = 0;

  constructor(
    private readonly value: string,
    maxStringChars: number,
  ) {
    this.overLong = value.length > maxStringChars;
  }

  get done(): boolean {
    return this.offset >= this.value.length;
  }

  /** The UTF-8 length of the string, once `done` (of an over-long one). */
  get originalBytes(): number {
    return this.counted;
  }

  /** The next stretch's JSON text (without quotes), or '' while an over-long string is counted. */
  step(): string {
    const start = this.offset;
    const end = stretchEnd(
      this.value,
      start,
      this.overLong ? COUNTED_CHARS_AT_ONCE : ESCAPED_CHARS_PER_STEP,
    );
    this.offset = end;
    const stretch = this.value.slice(start, end);
    if (this.overLong) {
      this.counted += Buffer.byteLength(stretch);
      return '';
    }
    return JSON.stringify(stretch).slice(1, -1);
  }
}

function stretchEnd(value: string, start: number, chars: number): number {
  const end = Math.min(start + chars, value.length);
  if (end >= value.length) return end;
  const last = value.charCodeAt(end - 1);
  const next = value.charCodeAt(end);
  const splitsAPair = last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  return splitsAPair ? end + 1 : end;
}
