import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { ScrambledZipfianGenerator, SkewedLatestGenerator, ZIPFIAN_THETA, ZipfianGenerator, fnv1a32, zeta } from '../../bench/harness/zipfian.js';

const SEED = 9;
const DRAWS = 200_000;

function counts(items: number, next: () => number, draws = DRAWS): Uint32Array {
  const c = new Uint32Array(items);
  for (let i = 0; i < draws; i++) c[next()]!++;
  return c;
}

/** Within `sigmas` binomial standard deviations of draws * p. */
function expectNear(observed: number, p: number, draws: number, sigmas = 5): void {
  const sd = Math.sqrt(draws * p * (1 - p));
  expect(Math.abs(observed - draws * p)).toBeLessThanOrEqual(sigmas * sd + 1);
}

describe('ZipfianGenerator (seed 9)', () => {
  it('draws only ranks in [0, items), for item counts from 1 up', () => {
    for (const items of [1, 2, 3, 10, 1000]) {
      const z = new ZipfianGenerator(items, new Rng(SEED));
      let bad = 0;
      for (let i = 0; i < 20_000; i++) {
        const r = z.next();
        if (!(Number.isInteger(r) && r >= 0 && r < items)) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it('gives the first ranks the probabilities 1 / (zeta(n) (r + 1)^theta)', () => {
    const items = 1000;
    const c = counts(items, ((z) => () => z.next())(new ZipfianGenerator(items, new Rng(SEED))));
    const zn = zeta(0, items, ZIPFIAN_THETA);
    expectNear(c[0]!, 1 / zn, DRAWS);
    expectNear(c[1]!, 1 / zn / 2 ** ZIPFIAN_THETA, DRAWS);
    // Beyond rank 1 the generator uses Gray's approximation: the shape holds to a few percent.
    for (const r of [2, 5, 20]) expect(c[r]! / (DRAWS / zn / (r + 1) ** ZIPFIAN_THETA)).toBeGreaterThan(0.8);
    for (const r of [2, 5, 20]) expect(c[r]! / (DRAWS / zn / (r + 1) ** ZIPFIAN_THETA)).toBeLessThan(1.25);
  });

  it('is skewed: the top 1% of ranks take over a third of the draws, and counts fall with rank', () => {
    const items = 10_000;
    const c = counts(items, ((z) => () => z.next())(new ZipfianGenerator(items, new Rng(SEED))));
    let top = 0;
    for (let r = 0; r < items / 100; r++) top += c[r]!;
    expect(top / DRAWS).toBeGreaterThan(1 / 3);
    expect(c[0]!).toBeGreaterThan(c[1]!);
    expect(c[1]!).toBeGreaterThan(c[10]!);
    expect(c[10]!).toBeGreaterThan(c[1000]!);
  });

  it('replays the same sequence from the same seed', () => {
    const a = new ZipfianGenerator(5000, new Rng(SEED));
    const b = new ZipfianGenerator(5000, new Rng(SEED));
    for (let i = 0; i < 1000; i++) expect(a.next()).toBe(b.next());
  });

  it('grows incrementally to the same distribution as one built at the larger size', () => {
    const grown = new ZipfianGenerator(100, new Rng(SEED));
    grown.grow(5000);
    const built = new ZipfianGenerator(5000, new Rng(SEED));
    expect(grown.itemCount).toBe(5000);
    for (let i = 0; i < 1000; i++) expect(grown.next()).toBe(built.next());
    expect(() => grown.grow(10)).toThrow(RangeError);
  });

  it('refuses empty item sets and a theta outside (0, 1)', () => {
    expect(() => new ZipfianGenerator(0, new Rng(SEED))).toThrow(RangeError);
    expect(() => new ZipfianGenerator(10, new Rng(SEED), 1)).toThrow(RangeError);
  });
});

describe('ScrambledZipfianGenerator (seed 9)', () => {
  it('stays in range and keeps the skew, but the hottest item is hash(0) mod n, not item 0', () => {
    const items = 10_000;
    const c = counts(items, ((z) => () => z.next())(new ScrambledZipfianGenerator(items, new Rng(SEED))));
    let hottest = 0;
    for (let i = 1; i < items; i++) if (c[i]! > c[hottest]!) hottest = i;
    expect(hottest).toBe(fnv1a32(0) % items);
    expect(c[hottest]! / DRAWS).toBeGreaterThan((0.9 * 1) / zeta(0, items, ZIPFIAN_THETA));
    const sorted = Array.from(c).sort((a, b) => b - a);
    const top = sorted.slice(0, items / 100).reduce((s, x) => s + x, 0);
    expect(top / DRAWS).toBeGreaterThan(1 / 3);
  });
});

describe('SkewedLatestGenerator (seed 9)', () => {
  it('makes the newest item the hottest and follows inserts', () => {
    const latest = new SkewedLatestGenerator(1000, new Rng(SEED));
    const c = counts(1000, () => latest.next(), 50_000);
    expect(c[999]!).toBeGreaterThan(c[998]!);
    expect(c[998]!).toBeGreaterThan(c[900]!);
    latest.grow(1500);
    const after = counts(1500, () => latest.next(), 50_000);
    expect(after[1499]!).toBeGreaterThan(after[999]!);
    let bad = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = latest.next();
      if (!(v >= 0 && v < 1500)) bad++;
    }
    expect(bad).toBe(0);
  });
});
