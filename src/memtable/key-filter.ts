// A bloom filter over the user keys of one memtable (in memory only, main thread only): a get of
// a key the memtable does not hold — most gets, once data lives in tables — skips the skiplist
// search, which at a million entries is a dozen cache misses.

import { fmix32, murmur3 } from '../base/index.js';

const PROBES = 4;
/** Bits per byte of arena: an entry takes at least ~48 arena bytes, so >= ~10 bits per key. */
const BITS_PER_ARENA_BYTE = 0.25;
const MIN_BITS = 1 << 12;
const MAX_BITS = 1 << 28;

export class KeyFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  constructor(capacityBytes: number) {
    let n = MIN_BITS;
    while (n < capacityBytes * BITS_PER_ARENA_BYTE && n < MAX_BITS) n *= 2;
    this.bits = new Uint32Array(n >>> 5);
    this.mask = n - 1;
  }

  static hash(userKey: Uint8Array): number {
    return murmur3(userKey, 0x5e77);
  }

  add(hash: number): void {
    let x = hash;
    const step = fmix32(hash ^ 0x9e3779b9) | 1;
    for (let i = 0; i < PROBES; i++) {
      const bit = x & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
      x = (x + step) >>> 0;
    }
  }

  mayContain(hash: number): boolean {
    let x = hash;
    const step = fmix32(hash ^ 0x9e3779b9) | 1;
    for (let i = 0; i < PROBES; i++) {
      const bit = x & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      x = (x + step) >>> 0;
    }
    return true;
  }
}
