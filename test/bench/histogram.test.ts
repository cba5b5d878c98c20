import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { LatencyHistogram, bucketOf, bucketRange } from '../../bench/harness/histogram.js';

/** The nearest-rank percentile of a sorted array. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('LatencyHistogram', () => {
  for (const seed of [1, 2, 3]) {
    it(`gives percentiles within 1/128 of the sorted array's (log-uniform 10 ns .. 10 s, seed ${seed})`, () => {
      const rng = new Rng(seed);
      const h = new LatencyHistogram();
      const values: number[] = [];
      for (let i = 0; i < 50_000; i++) {
        const v = Math.round(10 * 10 ** (rng.next() * 9));
        values.push(v);
        h.record(v);
      }
      values.sort((a, b) => a - b);
      for (const q of [0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1]) {
        const want = exact(values, q);
        expect(Math.abs(h.percentile(q) - want)).toBeLessThanOrEqual(want / 128 + 1);
      }
      const s = h.summary();
      expect(s.count).toBe(values.length);
      expect(s.minNs).toBe(values[0]);
      expect(s.maxNs).toBe(values[values.length - 1]);
      expect(s.meanNs).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 3);
    });
  }

  it('is exact below 256 ns and with few samples', () => {
    const h = new LatencyHistogram();
    for (const v of [5, 100, 7, 255, 42]) h.record(v);
    expect(h.percentile(0.5)).toBe(42);
    expect(h.percentile(0.2)).toBe(5);
    expect(h.percentile(1)).toBe(255);
  });

  it('records milliseconds as nanoseconds and clamps negatives to 0', () => {
    const h = new LatencyHistogram();
    h.recordMs(0.0015);
    h.record(-3);
    expect(h.summary().maxNs).toBe(1500);
    expect(h.summary().minNs).toBe(0);
  });

  it('reports NaN for an empty histogram and refuses percentiles outside [0, 1]', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(0.5)).toBeNaN();
    expect(h.summary().meanNs).toBeNaN();
    expect(() => h.percentile(1.5)).toThrow(RangeError);
  });

  it('maps every value into the bucket whose range holds it, buckets in value order', () => {
    const rng = new Rng(4);
    let last = -1;
    for (let e = 0; e < 41; e++) {
      for (let j = 0; j < 20; j++) {
        const v = Math.floor(2 ** e * (1 + rng.next()));
        const [lo, hi] = bucketRange(bucketOf(v));
        if (v < 2 ** 41) {
          expect(lo).toBeLessThanOrEqual(v);
          expect(hi).toBeGreaterThanOrEqual(v);
          expect(hi - lo + 1).toBeLessThanOrEqual(Math.max(1, v / 128));
        }
      }
      const b = bucketOf(2 ** e);
      expect(b).toBeGreaterThan(last);
      last = b;
    }
  });
});
