/** A power of two, so that sampling is a mask: one inline payload in this many is timed. */
export const INLINE_SAMPLE = 64;
/** Timed samples kept between two scrapes; a power of two, so that the ring index is a mask. */
export const INLINE_SAMPLES_KEPT = 256;

/**
 * The fast path's bookkeeping, kept to a few increments per payload. Counting is exact; one
 * payload in `INLINE_SAMPLE` is timed, and its duration waits in a fixed ring until Prometheus
 * scrapes. Observing into a prom-client histogram costs about a microsecond (labels are hashed
 * on every call), several times the check of a small payload; at one in 64 that alone made the
 * fast path 3 to 4% slower (docs/BENCHMARKS.md, "Small events"). Here the scrape pays it, once
 * per kept sample, and a process busy between scrapes keeps only its latest
 * `INLINE_SAMPLES_KEPT` samples.
 */
export class InlineSamples {
  private readonly durations = new Float64Array(INLINE_SAMPLES_KEPT);
  /** Samples written since the last drain; past the ring's size the oldest are overwritten. */
  private written = 0;
  private countedSinceDrain = 0;
  private counted = 0;

  /**
   * True when the next inline payload is to be timed. It stays true until one is counted, so
   * payloads that take another path never shift the sample.
   */
  sampleDue(): boolean {
    return (this.counted & (INLINE_SAMPLE - 1)) === 0;
  }

  count(): void {
    this.countedSinceDrain++;
    this.counted++;
  }

  keep(seconds: number): void {
    this.durations[this.written++ & (INLINE_SAMPLES_KEPT - 1)] = seconds;
  }

  /** The payloads counted since the last call. */
  drainCount(): number {
    const count = this.countedSinceDrain;
    this.countedSinceDrain = 0;
    return count;
  }

  /** Hands every kept duration to `observe`, then forgets them. */
  drainDurations(observe: (seconds: number) => void): void {
    const kept = Math.min(this.written, INLINE_SAMPLES_KEPT);
    for (let index = 0; index < kept; index++) observe(this.durations[index]);
    this.written = 0;
  }
}
