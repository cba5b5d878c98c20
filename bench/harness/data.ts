// The inputs every engine sees, generated from the seed in each child process (so all engines
// get byte-identical keys, values and orders): db_bench's 16-byte zero-padded decimal keys and
// half-compressible values (bench/lib/data.ts). Keys are built per chunk of operations, outside
// the timed spans, into fresh buffers: no million-entry arrays of Buffer objects inflate the
// child's RSS, and no engine can see a key buffer change under it.

import { Rng } from '../../src/base/index.js';
import { KEY_BYTES, makeValues, shuffledRange, writeDecimalKey } from '../lib/data.js';

export { KEY_BYTES };

const VALUE_POOL_BYTES = 1 << 20;

/** A seed for one purpose, so each workload's sequence does not depend on which others ran. */
export function purposeSeed(seed: number, purpose: number): number {
  return (seed + Math.imul(purpose + 1, 0x9e3779b9)) >>> 0;
}

export function key(n: number): Buffer {
  const k = Buffer.allocUnsafe(KEY_BYTES);
  writeDecimalKey(k, 0, n);
  return k;
}

/**
 * keys of numbers[from..to), as views into one new block; with `missing`, each key gets a "."
 * appended: absent, but sorting right after an existing key (db_bench's readmissing).
 */
export function keysOf(numbers: ArrayLike<number>, from: number, to: number, out: Buffer[], missing = false): Buffer[] {
  const width = missing ? KEY_BYTES + 1 : KEY_BYTES;
  const block = Buffer.allocUnsafe((to - from) * width);
  out.length = to - from;
  for (let i = from; i < to; i++) {
    const at = (i - from) * width;
    writeDecimalKey(block, at, numbers[i]!);
    if (missing) block[at + KEY_BYTES] = 0x2e;
    out[i - from] = block.subarray(at, at + width);
  }
  return out;
}

/** Keys lo..hi-1 in ascending order, as one block. */
export function keyRange(lo: number, hi: number, out: Buffer[]): Buffer[] {
  const block = Buffer.allocUnsafe((hi - lo) * KEY_BYTES);
  out.length = hi - lo;
  for (let n = lo; n < hi; n++) {
    writeDecimalKey(block, (n - lo) * KEY_BYTES, n);
    out[n - lo] = block.subarray((n - lo) * KEY_BYTES, (n - lo + 1) * KEY_BYTES);
  }
  return out;
}

/** Values of one size cut from a 1 MiB half-compressible pool; value i is slot i mod slots. */
export class ValuePool {
  private readonly slots: Buffer[];

  constructor(
    readonly valueBytes: number,
    seed: number,
  ) {
    const count = Math.max(1, Math.floor(Math.max(VALUE_POOL_BYTES, valueBytes) / valueBytes));
    this.slots = makeValues(count, new Rng(seed), valueBytes);
    if (this.slots[0]!.length !== valueBytes) throw new Error(`value pool cannot cut ${valueBytes}-byte values`);
  }

  at(i: number): Buffer {
    return this.slots[i % this.slots.length]!;
  }
}

/** A seeded permutation of 0..n-1, for one purpose. */
export function order(n: number, seed: number, purpose: number): Uint32Array {
  return shuffledRange(n, new Rng(purposeSeed(seed, purpose)));
}

/** The purposes seeds are derived for (stable numbers: changing one changes that input). */
export const PURPOSE = {
  fillOrder: 1,
  overwriteOrder: 2,
  readOrder: 3,
  missingOrder: 4,
  seekOrder: 5,
  deleteOrder: 6,
  fill4kOrder: 7,
  fill64kOrder: 8,
  values: 10,
  overwriteValues: 11,
  values4k: 12,
  values64k: 13,
  ycsb: 20, // + index of the YCSB workload
} as const;
