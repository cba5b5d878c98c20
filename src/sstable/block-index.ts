// The index block, decoded into flat arrays (docs/format.md §SST.index).
//
// Index block entries use the block format (block-builder.ts):
//
//   key   = the last internal key of data block i
//   value = offset varint | size varint        (the block handle: stored bytes, trailer excluded)
//
// Decoded once at open and kept in memory: one buffer of concatenated keys plus typed arrays of
// key bounds and handles, so a lookup is a binary search that allocates nothing.

import { CorruptionError, VERSION_BYTES, getVarint, copyBytes } from '../base/index.js';
import { Block } from './block.js';
import { BLOCK_TRAILER_BYTES, HEADER_BYTES } from './format.js';
import { compareInternalRanges } from './key-compare.js';

export class BlockIndex {
  /**
   * Bytes every key of the table begins with (sorted keys: its smallest key and its last index
   * key share them; the first index key is only block 0's last), and per index key the 8
   * user-key bytes after them, big-endian, zero-padded, as two words. A search key inside the
   * table shares those bytes too, so comparing the 8 after them orders it against most index
   * keys without touching their bytes, and block seeks skip them (db_bench keys share 10 zeros;
   * table-layer keys a table id). Eight, not four: after a table id come an index id and a
   * tuple's tag, the same for a whole index, so the next 4 bytes alone told few keys apart.
   */
  readonly sharedBytes: number;
  private readonly prefixes: Uint32Array;
  private readonly prefixesLow: Uint32Array;

  private constructor(
    private readonly keys: Uint8Array,
    /** Key i is keys[keyStarts[i], keyStarts[i + 1]). */
    private readonly keyStarts: Int32Array,
    readonly offsets: Float64Array,
    readonly sizes: Float64Array,
    smallest: Uint8Array | undefined,
  ) {
    const n = offsets.length;
    const first = smallest ?? keys.subarray(0, keyStarts[1]!);
    const lastStart = keyStarts[n - 1]!;
    const limit = Math.min(first.length - VERSION_BYTES, keyStarts[n]! - VERSION_BYTES - lastStart);
    let shared = 0;
    while (shared < limit && first[shared] === keys[lastStart + shared]) shared++;
    this.sharedBytes = shared;
    this.prefixes = new Uint32Array(n);
    this.prefixesLow = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const userEnd = keyStarts[i + 1]! - VERSION_BYTES;
      this.prefixes[i] = prefixAt(keys, keyStarts[i]! + shared, userEnd);
      this.prefixesLow[i] = prefixAt(keys, keyStarts[i]! + shared + 4, userEnd);
    }
  }

  get length(): number {
    return this.offsets.length;
  }

  /**
   * Decodes the index block and checks that the handles tile the data region
   * [dataStart, dataEnd) exactly (dataStart: the header's size), block after block, in order.
   */
  /** `smallest`: the table's first key (its properties); without it, the first index key stands in. */
  static decode(block: Block, file: string, dataEnd: number, dataStart: number = HEADER_BYTES, smallest?: Uint8Array): BlockIndex {
    const it = block.iterator();
    const keyParts: Uint8Array[] = [];
    const offsets: number[] = [];
    const sizes: number[] = [];
    let keyBytes = 0;
    const next = [0];
    let expectedOffset = dataStart;
    for (it.seekToFirst(); it.valid(); it.next()) {
      const key = copyBytes(it.key());
      const value = it.value();
      const offset = getVarint(value, 0, value.length, next);
      const size = offset < 0 ? -1 : getVarint(value, next[0]!, value.length, next);
      if (size < 0 || next[0] !== value.length) {
        throw new CorruptionError(file, block.offset, `index entry ${offsets.length}: bad block handle`);
      }
      if (offset !== expectedOffset || offset + size + BLOCK_TRAILER_BYTES > dataEnd) {
        throw new CorruptionError(
          file,
          block.offset,
          `index entry ${offsets.length}: block handle (${offset}, ${size}) does not follow the previous block at ${expectedOffset}`,
        );
      }
      const previous = keyParts[keyParts.length - 1];
      if (previous !== undefined && compareInternalRanges(previous, 0, previous.length, key, 0, key.length) >= 0) {
        throw new CorruptionError(file, block.offset, `index entry ${offsets.length}: keys out of order`);
      }
      expectedOffset = offset + size + BLOCK_TRAILER_BYTES;
      keyParts.push(key);
      keyBytes += key.length;
      offsets.push(offset);
      sizes.push(size);
    }
    if (expectedOffset !== dataEnd || offsets.length === 0) {
      throw new CorruptionError(file, block.offset, `index covers data up to ${expectedOffset}, but data blocks end at ${dataEnd}`);
    }
    const keys = new Uint8Array(keyBytes);
    const keyStarts = new Int32Array(keyParts.length + 1);
    let at = 0;
    for (let i = 0; i < keyParts.length; i++) {
      keyStarts[i] = at;
      keys.set(keyParts[i]!, at);
      at += keyParts[i]!.length;
    }
    keyStarts[keyParts.length] = at;
    return new BlockIndex(keys, keyStarts, Float64Array.from(offsets), Float64Array.from(sizes), smallest);
  }

  /** Index of the first block whose last key is >= target[start, end), or `length` if none. */
  find(target: Uint8Array, start: number, end: number, sharesBytes = this.shares(target, start, end)): number {
    let lo = 0;
    let hi = this.offsets.length;
    const keys = this.keys;
    const keyStarts = this.keyStarts;
    const shared = this.sharedBytes;
    // A target outside the table (an iterator's seek) may not share the bytes: compare in full.
    if (sharesBytes) {
      const prefixes = this.prefixes;
      const prefixesLow = this.prefixesLow;
      const userEnd = end - VERSION_BYTES;
      const tp = prefixAt(target, start + shared, userEnd);
      const tl = prefixAt(target, start + shared + 4, userEnd);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const pm = prefixes[mid]!;
        let c: number;
        if (pm !== tp) c = pm < tp ? -1 : 1;
        else {
          const pl = prefixesLow[mid]!;
          c = pl < tl ? -1 : pl > tl ? 1 : compareInternalRanges(keys, keyStarts[mid]!, keyStarts[mid + 1]!, target, start, end);
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareInternalRanges(keys, keyStarts[mid]!, keyStarts[mid + 1]!, target, start, end) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether the user key of target[start, end) begins with the sharedBytes every key of the table begins with. */
  shares(target: Uint8Array, start: number, end: number): boolean {
    const shared = this.sharedBytes;
    if (end - VERSION_BYTES - start < shared) return false;
    const keys = this.keys;
    for (let i = 0; i < shared; i++) if (target[start + i] !== keys[i]) return false;
    return true;
  }

  /** The last key of block i (a view into the index). */
  lastKey(i: number): Uint8Array {
    return this.keys.subarray(this.keyStarts[i]!, this.keyStarts[i + 1]!);
  }

  /** Bytes this index keeps in memory. */
  get sizeBytes(): number {
    return this.keys.byteLength + this.keyStarts.byteLength + this.offsets.byteLength + this.sizes.byteLength + this.prefixes.byteLength + this.prefixesLow.byteLength;
  }
}

/** The 4 bytes of buf[from, end) from `from`, big-endian, zero-padded past `end`: order-preserving. */
function prefixAt(buf: Uint8Array, from: number, end: number): number {
  if (from + 4 <= end) return ((buf[from]! << 24) | (buf[from + 1]! << 16) | (buf[from + 2]! << 8) | buf[from + 3]!) >>> 0;
  let p = 0;
  for (let i = 0; i < 4; i++) p = (p << 8) | (from + i < end ? buf[from + i]! : 0);
  return p >>> 0;
}
