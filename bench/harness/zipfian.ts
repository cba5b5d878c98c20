// YCSB's key choosers (Gray et al., "Quickly Generating Billion-Record Synthetic Databases",
// SIGMOD 1994, as YCSB's ZipfianGenerator implements it), driven by a seeded Rng so every engine
// sees the same key sequence:
//   ZipfianGenerator           rank r in [0, n) with P(r) proportional to 1 / (r + 1)^theta
//   ScrambledZipfianGenerator  the same popularity, hot items spread over the key space by hashing
//   SkewedLatestGenerator      YCSB D's "latest": the newest keys are the hottest

import type { Rng } from '../../src/base/index.js';

/** YCSB's default skew. */
export const ZIPFIAN_THETA = 0.99;

export class ZipfianGenerator {
  private items: number;
  private zetaN: number;
  private eta = 0;
  private readonly alpha: number;
  private readonly zeta2: number;

  constructor(
    items: number,
    private readonly rng: Rng,
    private readonly theta: number = ZIPFIAN_THETA,
  ) {
    if (!Number.isSafeInteger(items) || items < 1) throw new RangeError(`zipfian needs at least one item, got ${items}`);
    if (!(theta > 0 && theta < 1)) throw new RangeError(`zipfian theta must be in (0, 1), got ${theta}`);
    this.items = items;
    this.alpha = 1 / (1 - theta);
    this.zeta2 = zeta(0, 2, theta);
    this.zetaN = zeta(0, items, theta);
    this.updateEta();
  }

  get itemCount(): number {
    return this.items;
  }

  /** A rank in [0, itemCount): 0 the most popular. */
  next(): number {
    const u = this.rng.next();
    const uz = u * this.zetaN;
    if (uz < 1) return 0;
    if (uz < 1 + Math.pow(0.5, this.theta)) return Math.min(1, this.items - 1);
    const r = Math.floor(this.items * Math.pow(this.eta * u - this.eta + 1, this.alpha));
    return Math.min(r, this.items - 1);
  }

  /** Grows the item count, extending zeta incrementally (YCSB does the same for D's inserts). */
  grow(items: number): void {
    if (items < this.items) throw new RangeError(`zipfian cannot shrink from ${this.items} to ${items} items`);
    if (items === this.items) return;
    this.zetaN += zeta(this.items, items, this.theta);
    this.items = items;
    this.updateEta();
  }

  private updateEta(): void {
    this.eta = (1 - Math.pow(2 / this.items, 1 - this.theta)) / (1 - this.zeta2 / this.zetaN);
  }
}

/** Sum over i in (from, to] of 1 / i^theta. */
export function zeta(from: number, to: number, theta: number): number {
  let sum = 0;
  for (let i = from + 1; i <= to; i++) sum += 1 / Math.pow(i, theta);
  return sum;
}

/** FNV-1a over the four little-endian bytes of a 32-bit integer. */
export function fnv1a32(x: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 4; i++) {
    h ^= (x >>> (8 * i)) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Zipfian popularity with the popular items scattered: item = hash(rank) mod n, as YCSB's
 * ScrambledZipfianGenerator (so the hot keys are not all neighbours in one block).
 */
export class ScrambledZipfianGenerator {
  private readonly zipf: ZipfianGenerator;

  constructor(
    private readonly items: number,
    rng: Rng,
    theta: number = ZIPFIAN_THETA,
  ) {
    this.zipf = new ZipfianGenerator(items, rng, theta);
  }

  next(): number {
    return fnv1a32(this.zipf.next()) % this.items;
  }
}

/** YCSB D's chooser: the newest item (largest number) is the most popular, then the one before. */
export class SkewedLatestGenerator {
  private readonly zipf: ZipfianGenerator;

  constructor(items: number, rng: Rng, theta: number = ZIPFIAN_THETA) {
    this.zipf = new ZipfianGenerator(items, rng, theta);
  }

  /** Items are 0..items-1; call after inserting, with the new count. */
  grow(items: number): void {
    this.zipf.grow(items);
  }

  next(): number {
    return this.zipf.itemCount - 1 - this.zipf.next();
  }
}
