// src/sstable/bloom.ts — bloom filter over USER keys (docs/format.md §SST.filter).
//
// One filter per table, built from the 32-bit hashes of every distinct user key
// in it (versions do not matter: a point read asks "may this table hold any
// version of this user key?"). The reader hashes the user key once per get and
// asks every table's filter with the same hash.
//
// Encoded filter (format version 1 of the filter, inside an SST):
//
//   offset 0                         len-1   len
//   +---------------------------------+-------+
//   | bit array, m = 8 * (len - 1)    |   k   |
//   | bit i = byte[i >>> 3] bit       |  u8   |
//   |   (i & 7), least significant    | 1..30 |
//   |   bit first                     |       |
//   +---------------------------------+-------+
//
// Probes (Dillinger & Manolios, "enhanced double hashing", FMCAD 2004):
//   h1 = hashKey(userKey)                      murmur3_x86_32, seed 0
//   h2 = fmix32(h1 ^ 0x9e3779b9)               murmur3's finaliser
//   x = h1 mod m, y = h2 mod m
//   probe x; then for i = 1..k-1: x = (x + y) mod m; y = (y + i) mod m; probe x
//
// Why not LevelDB's scheme (delta = rotr(h, 17), x += delta): its probe
// sequence is a fixed linear walk derived from the same 32 bits, which measures
// above theory at k = 7. A mixed second hash plus the quadratic term of
// enhanced double hashing keeps probes apart; the test measures the rate.
//
// Endianness: only single bytes and bits; no multi-byte integers. Integrity is
// the job of the enclosing SST block checksum; decode() only checks shape.

import { CorruptionError, InvalidArgumentError, assert, copyBytes, murmur3, fmix32 } from '../base/index.js';

/** Probe counts above this are rejected on decode. Part of the on-disk format: never change, add a version. */
export const BLOOM_MAX_PROBES = 30;
/** Smallest bit array the encoder emits: tiny tables would otherwise get a near-useless filter. */
export const BLOOM_MIN_BITS = 64;
/** Largest bit array: bit indexes must stay below 2^32 for the `>>> 3` addressing. */
export const BLOOM_MAX_BYTES = 2 ** 29 - 1;
/** Seed of murmur3 in hashKey. Part of the on-disk format: never change, add a version. */
export const BLOOM_HASH_SEED = 0;
/** Mixed into h1 to derive h2. Part of the on-disk format: never change, add a version. */
const H2_SALT = 0x9e3779b9;

const LN2 = Math.LN2;

/**
 * murmur3_x86_32 of `userKey` with seed 0 (Austin Appleby's MurmurHash3, public
 * domain), as an unsigned 32-bit integer. Standard vectors: "" → 0,
 * "hello" → 0x248bfa47. Any stock murmur3 library reproduces it.
 */
export function hashKey(userKey: Uint8Array): number {
  return murmur3(userKey, BLOOM_HASH_SEED);
}

/**
 * Bits per key for a target false-positive rate: -ln(p) / ln(2)^2 (the optimum
 * for a standard bloom filter), rounded UP to a whole bit so that the filter
 * meets its target in theory instead of hovering at it (p = 0.01 → 10 bits,
 * theoretical rate 0.82% with k = 7).
 */
export function bitsPerKeyFor(falsePositiveRate: number): number {
  if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) {
    throw new InvalidArgumentError(`bloom false-positive rate must be in (0, 1), got ${falsePositiveRate}`);
  }
  return Math.max(1, Math.ceil(-Math.log(falsePositiveRate) / (LN2 * LN2)));
}

function probesFor(bitsPerKey: number): number {
  const k = Math.round(bitsPerKey * LN2);
  return k < 1 ? 1 : k > BLOOM_MAX_PROBES ? BLOOM_MAX_PROBES : k;
}

export class BloomFilter {
  /** Bit array followed by the probe count: exactly the encoded form. */
  private readonly data: Uint8Array;
  /** Number of bits, m = 8 * (data.length - 1). */
  readonly bitCount: number;
  /** Number of probes per key, k. */
  readonly probeCount: number;

  private constructor(data: Uint8Array) {
    this.data = data;
    this.bitCount = (data.length - 1) * 8;
    this.probeCount = data[data.length - 1]!;
  }

  /** Builds a filter from the hashKey() of every user key (duplicates are harmless). */
  static forKeys(hashes: Uint32Array | readonly number[], falsePositiveRate: number): BloomFilter {
    const bitsPerKey = bitsPerKeyFor(falsePositiveRate);
    const k = probesFor(bitsPerKey);
    const wantBits = Math.max(BLOOM_MIN_BITS, hashes.length * bitsPerKey);
    const bytes = Math.ceil(wantBits / 8);
    if (bytes > BLOOM_MAX_BYTES) {
      throw new InvalidArgumentError(`bloom filter for ${hashes.length} keys would need ${bytes} bytes (max ${BLOOM_MAX_BYTES})`);
    }
    const data = new Uint8Array(bytes + 1);
    data[bytes] = k;
    const m = bytes * 8;
    for (let j = 0; j < hashes.length; j++) {
      const h1 = hashes[j]! >>> 0;
      let x = h1 % m;
      let y = fmix32(h1 ^ H2_SALT) % m;
      data[x >>> 3]! |= 1 << (x & 7);
      for (let i = 1; i < k; i++) {
        x += y;
        if (x >= m) x -= m;
        y += i;
        if (y >= m) y -= m;
        data[x >>> 3]! |= 1 << (x & 7);
      }
    }
    return new BloomFilter(data);
  }

  /** False means the key is certainly absent; true means it may be present. Allocation-free. */
  mayContain(hash: number): boolean {
    const data = this.data;
    const m = this.bitCount;
    const k = this.probeCount;
    const h1 = hash >>> 0;
    let x = h1 % m;
    if ((data[x >>> 3]! & (1 << (x & 7))) === 0) return false;
    let y = fmix32(h1 ^ H2_SALT) % m;
    for (let i = 1; i < k; i++) {
      x += y;
      if (x >= m) x -= m;
      y += i;
      if (y >= m) y -= m;
      if ((data[x >>> 3]! & (1 << (x & 7))) === 0) return false;
    }
    return true;
  }

  /** Encoded size in bytes (bit array + 1). */
  get byteLength(): number {
    return this.data.length;
  }

  /** The encoded filter (a fresh copy: the filter stays immutable whatever the caller does with it). */
  encode(): Uint8Array<ArrayBuffer> {
    return copyBytes(this.data) as Uint8Array<ArrayBuffer>;
  }

  /**
   * Decodes an encoded filter. Copies `bytes`, so a caller may reuse its read
   * buffer. Shape errors throw CorruptionError('bloom filter', 0, ...); the
   * table reader rethrows with the real file and offset.
   */
  static decode(bytes: Uint8Array): BloomFilter {
    if (bytes.length < 2) {
      throw new CorruptionError('bloom filter', 0, `filter is ${bytes.length} bytes, need at least 2 (bits + probe count)`);
    }
    if (bytes.length - 1 > BLOOM_MAX_BYTES) {
      throw new CorruptionError('bloom filter', 0, `filter bit array is ${bytes.length - 1} bytes (max ${BLOOM_MAX_BYTES})`);
    }
    const k = bytes[bytes.length - 1]!;
    if (k < 1 || k > BLOOM_MAX_PROBES) {
      throw new CorruptionError('bloom filter', bytes.length - 1, `probe count ${k} not in 1..${BLOOM_MAX_PROBES}`);
    }
    const filter = new BloomFilter(copyBytes(bytes) as Uint8Array<ArrayBuffer>);
    assert(filter.bitCount >= 8, 'bloom filter has at least one byte of bits');
    return filter;
  }
}
