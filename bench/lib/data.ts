// Keys and values as LevelDB's db_bench makes them: 16-byte keys that are the entry number in
// zero-padded decimal ("%016d", so byte order is numeric order), and 100-byte values cut from a
// 1 MiB pool of pieces that are half random, half repeated (db_bench's compression ratio 0.5, so
// snappy has the same work on both engines). Everything is generated from a printed seed.

import { Rng } from '../../src/base/index.js';

export const KEY_BYTES = 16;
export const VALUE_BYTES = 100;
export const DEFAULT_SEED = 301; // db_bench's default seed, for the flavour of it
const VALUE_POOL_BYTES = 1 << 20;
const COMPRESSIBLE_RATIO = 0.5;

/** Writes `n` as KEY_BYTES zero-padded ASCII digits at `offset`. */
export function writeDecimalKey(buf: Uint8Array, offset: number, n: number): void {
  let x = n;
  for (let i = KEY_BYTES - 1; i >= 0; i--) {
    buf[offset + i] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
}

/** One KEY_BYTES key per number, as views into one shared buffer (no per-key allocation). */
export function makeKeys(numbers: ArrayLike<number>): Buffer[] {
  const block = Buffer.allocUnsafe(numbers.length * KEY_BYTES);
  const keys = new Array<Buffer>(numbers.length);
  for (let i = 0; i < numbers.length; i++) {
    writeDecimalKey(block, i * KEY_BYTES, numbers[i]!);
    keys[i] = block.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES);
  }
  return keys;
}

/** 0, 1, ..., n-1. */
export function range(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function shuffledRange(n: number, rng: Rng): Uint32Array {
  const out = range(n);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** `count` values of `length` bytes, as db_bench's RandomGenerator cuts them from its pool. */
export function makeValues(count: number, rng: Rng, length: number = VALUE_BYTES): Buffer[] {
  const pool = compressiblePool(rng, length);
  const values = new Array<Buffer>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + length > pool.length) pos = 0;
    values[i] = pool.subarray(pos, pos + length);
    pos += length;
  }
  return values;
}

function compressiblePool(rng: Rng, pieceLength: number): Buffer {
  const pool = Buffer.allocUnsafe(VALUE_POOL_BYTES);
  const randomLength = Math.max(1, Math.floor(pieceLength * COMPRESSIBLE_RATIO));
  for (let at = 0; at < pool.length; at += pieceLength) {
    const end = Math.min(pool.length, at + pieceLength);
    for (let i = at; i < end; i++) {
      // Printable characters, the first `randomLength` random and the rest repeating them.
      pool[i] = i - at < randomLength ? 0x20 + rng.int(95) : pool[at + ((i - at) % randomLength)]!;
    }
  }
  return pool;
}
