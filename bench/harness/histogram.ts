// Latency histogram with HDR-style log-linear buckets: values below 256 ns are exact, larger ones
// fall in buckets 1/128 of their power of two wide (under 0.8% relative error), up to 2^40 ns
// (18 minutes). Fixed size (a few thousand counters) whatever the number of samples, so recording
// a million latencies does not move the process's peak RSS.

const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS; // exact below this
const HALF = SUB_COUNT >> 1;
const MAX_EXPONENT = 40;
const BUCKETS = SUB_COUNT + (MAX_EXPONENT - SUB_BITS + 1) * HALF;
const TWO_32 = 2 ** 32;

/** The bucket of a non-negative integer value. */
export function bucketOf(value: number): number {
  if (value < SUB_COUNT) return value;
  const msb = value < TWO_32 ? 31 - Math.clz32(value) : 63 - Math.clz32(Math.floor(value / TWO_32));
  const shift = Math.min(msb, MAX_EXPONENT) - SUB_BITS + 1;
  const top = Math.min(Math.floor(value / 2 ** shift), SUB_COUNT - 1);
  return SUB_COUNT + (shift - 1) * HALF + (top - HALF);
}

/** The smallest and largest value of a bucket. */
export function bucketRange(bucket: number): [number, number] {
  if (bucket < SUB_COUNT) return [bucket, bucket];
  const shift = Math.floor((bucket - SUB_COUNT) / HALF) + 1;
  const top = ((bucket - SUB_COUNT) % HALF) + HALF;
  return [top * 2 ** shift, (top + 1) * 2 ** shift - 1];
}

export interface LatencySummary {
  count: number;
  meanNs: number;
  minNs: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  /** Records one latency in nanoseconds (negative or fractional values are rounded into range). */
  record(ns: number): void {
    const v = ns > 0 ? Math.round(ns) : 0;
    this.counts[bucketOf(v)]!++;
    this.total++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Records a latency measured in milliseconds (performance.now() differences). */
  recordMs(ms: number): void {
    this.record(ms * 1e6);
  }

  get count(): number {
    return this.total;
  }

  /**
   * The nearest-rank percentile (the smallest recorded value with at least q of the samples at
   * or below it), to the bucket's precision: the middle of its bucket, clamped to [min, max].
   * NaN when nothing was recorded.
   */
  percentile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile must be in [0, 1], got ${q}`);
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const [lo, hi] = bucketRange(b);
        return Math.min(this.max, Math.max(this.min, Math.floor((lo + hi) / 2)));
      }
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      meanNs: this.total === 0 ? NaN : this.sum / this.total,
      minNs: this.total === 0 ? NaN : this.min,
      p50Ns: this.percentile(0.5),
      p99Ns: this.percentile(0.99),
      p999Ns: this.percentile(0.999),
      maxNs: this.total === 0 ? NaN : this.max,
    };
  }
}
