// A decoded block and its iterator (docs/format.md §SST.block; the layout is
// drawn in block-builder.ts).
//
//   entry: shared varint | unshared varint | valueLength varint | key[shared..] | value
//   then:  restart offsets u32 BE × numRestarts | numRestarts u32 BE
//
// The contents were checksummed before they got here; the bounds checks below exist so that a
// table opened with verifyChecksums: false, or a writer bug, stops with CORRUPTION instead of
// reading past the entries or looping.

import { CorruptionError, VERSION_BYTES, compareRanges, type InternalIterator, type InternalKey } from '../base/index.js';
import { getU32 } from './format.js';
import { compareInternalRanges } from './key-compare.js';

export class Block {
  private constructor(
    /** The uncompressed contents. Never mutated: values handed out are views into it. */
    readonly data: Uint8Array,
    /** Offset of the restart array; entries occupy [0, restartsOffset). */
    readonly restartsOffset: number,
    readonly numRestarts: number,
    /** Bytes this block keeps alive, for the block cache. */
    readonly sizeBytes: number,
    /** File (base name) and offset of the block, for error messages. */
    readonly file: string,
    readonly offset: number,
  ) {}

  /** Validates the restart array of `data` (block contents) and wraps it. */
  static decode(data: Uint8Array, file: string, offset: number, sizeBytes: number = data.byteLength): Block {
    if (data.length < 4) throw new CorruptionError(file, offset, `block of ${data.length} bytes has no restart count`);
    const numRestarts = getU32(data, data.length - 4);
    const maxRestarts = Math.floor((data.length - 4) / 4);
    if (numRestarts === 0 || numRestarts > maxRestarts) {
      throw new CorruptionError(file, offset, `block of ${data.length} bytes declares ${numRestarts} restart points`);
    }
    const restartsOffset = data.length - 4 - numRestarts * 4;
    let previous = -1;
    for (let i = 0; i < numRestarts; i++) {
      const r = getU32(data, restartsOffset + i * 4);
      if (r <= previous || r >= restartsOffset || (i === 0 && r !== 0)) {
        throw new CorruptionError(file, offset, `block restart point ${i} at ${r} is out of order or out of bounds`);
      }
      previous = r;
    }
    return new Block(data, restartsOffset, numRestarts, sizeBytes, file, offset);
  }

  restartPoint(i: number): number {
    return getU32(this.data, this.restartsOffset + i * 4);
  }

  iterator(): BlockIterator {
    const it = new BlockIterator();
    it.reset(this);
    return it;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Iterates one block. Keys are rebuilt in a buffer the iterator owns (prefix compression means
 * they do not exist whole in the block); values are views into the block.
 * A BlockIterator can be re-pointed at another block with reset(), so hot paths keep one.
 */
export class BlockIterator implements InternalIterator {
  private block: Block | undefined;
  private data: Uint8Array = EMPTY;
  private limit = 0; // restartsOffset: entries end here
  private numRestarts = 0;
  /** Offset of the current entry; `limit` when not valid. */
  private current = 0;
  private nextOffset = 0;
  /** The current key is keyBuffer[0, keyLength). */
  keyBuffer: Uint8Array = new Uint8Array(64);
  keyLength = 0;
  /** key()'s view of the current entry's key; undefined until asked for, and after every move. */
  private keyView: Uint8Array | undefined;
  /** The current value is blockData[valueStart, valueEnd). */
  valueStart = 0;
  valueEnd = 0;
  private readonly varintEnd = [0];
  /** Bytes the current key shares with the one before it, as its entry says (0 at a restart). */
  private lastShared = 0;
  /** Set by compareCurrent. */
  private matched = 0;

  reset(block: Block): void {
    this.block = block;
    this.data = block.data;
    this.limit = block.restartsOffset;
    this.numRestarts = block.numRestarts;
    this.current = this.limit;
    this.nextOffset = this.limit;
    this.keyLength = 0;
    this.keyView = undefined;
  }

  get blockData(): Uint8Array {
    return this.data;
  }

  valid(): boolean {
    return this.current < this.limit;
  }

  key(): InternalKey {
    // One view per entry, however many iterators above ask (merge, concat, table, DB iterator):
    // a subarray costs an object each time.
    return (this.keyView ??= this.keyBuffer.subarray(0, this.keyLength));
  }

  value(): Uint8Array {
    return this.data.subarray(this.valueStart, this.valueEnd);
  }

  seekToFirst(): void {
    this.seekToRestartPoint(0);
    this.parseNextEntry();
  }

  seekToLast(): void {
    this.seekToRestartPoint(this.numRestarts - 1);
    while (this.parseNextEntry() && this.nextOffset < this.limit) {
      // advance to the last entry
    }
  }

  seek(target: InternalKey): void {
    this.seekRange(target, 0, target.length);
  }

  /**
   * Positions at the first entry >= target[start, end) without allocating. `skip`: leading bytes
   * the target and every key of the block are known to share (the table's, BlockIndex.shares),
   * which the compares then skip.
   */
  seekRange(target: Uint8Array, start: number, end: number, skip = 0): void {
    // Find the last restart point whose key is < target; the answer is at or after it. Restart
    // keys share nothing with their predecessor, so they are compared in place in the block.
    let left = 0;
    let right = this.numRestarts - 1;
    const data = this.data;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      const p = this.block!.restartPoint(mid);
      const keyStart = this.restartKeyStart(p);
      const keyEnd = keyStart + this.varintEnd[0]!;
      if (compareInternalRanges(data, keyStart + skip, keyEnd, target, start + skip, end) < 0) left = mid;
      else right = mid - 1;
    }
    this.seekToRestartPoint(left);
    // Each entry stores the bytes it shares with the one before. With m, the user-key bytes the
    // target shares with that earlier, smaller key: an entry sharing more than m is smaller too
    // (it agrees with it where the target is greater), one sharing less is greater (it differs
    // from it where the target agrees). Only an entry sharing exactly m is compared, from m on.
    let m = -1;
    let previousUserLength = 0;
    while (this.parseNextEntry()) {
      const userLength = this.keyLength - VERSION_BYTES;
      if (m >= 0) {
        let s = this.lastShared;
        if (s > previousUserLength) s = previousUserLength;
        if (s > userLength) s = userLength;
        if (s > m) {
          previousUserLength = userLength;
          continue;
        }
        if (s < m) return;
      }
      if (this.compareCurrent(target, start, end, m < 0 ? skip : m) >= 0) return;
      m = this.matched;
      previousUserLength = userLength;
    }
  }

  /**
   * Sign of (current key - target[start, end)) in internal-key order, where both are known to
   * agree on their first `from` user-key bytes; sets `matched` to the user-key bytes they share.
   */
  private compareCurrent(target: Uint8Array, start: number, end: number, from: number): number {
    const key = this.keyBuffer;
    const keyUser = this.keyLength - VERSION_BYTES;
    const targetUser = end - VERSION_BYTES - start;
    const n = keyUser < targetUser ? keyUser : targetUser;
    let i = from;
    while (i < n && key[i] === target[start + i]) i++;
    this.matched = i;
    if (i < n) return key[i]! - target[start + i]!;
    if (keyUser !== targetUser) return keyUser - targetUser;
    // Versions descend: the newer key sorts first.
    return compareRanges(target, end - VERSION_BYTES, end, key, keyUser, keyUser + VERSION_BYTES);
  }

  seekForPrev(target: InternalKey): void {
    this.seek(target);
    if (!this.valid()) this.seekToLast();
    else if (compareInternalRanges(this.keyBuffer, 0, this.keyLength, target, 0, target.length) > 0) this.prev();
  }

  next(): void {
    if (!this.valid()) return;
    this.parseNextEntry();
  }

  prev(): void {
    if (!this.valid()) return;
    // Back up to the restart run that starts before the current entry, then walk forward to the
    // entry just before it: prefix compression only decodes forwards. The run is found here, not
    // tracked by every forward step: prev is rare, next and seek are not.
    const original = this.current;
    let left = 0;
    let right = this.numRestarts - 1;
    if (this.block!.restartPoint(0) >= original) {
      this.current = this.limit;
      return;
    }
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      if (this.block!.restartPoint(mid) < original) left = mid;
      else right = mid - 1;
    }
    this.seekToRestartPoint(left);
    while (this.parseNextEntry() && this.nextOffset < original) {
      // advance to the entry before `original`
    }
  }

  close(): void {
    this.block = undefined;
    this.data = EMPTY;
    this.limit = 0;
    this.current = 0;
    this.nextOffset = 0;
    this.numRestarts = 0;
  }

  private seekToRestartPoint(index: number): void {
    this.keyLength = 0;
    this.keyView = undefined;
    this.nextOffset = this.block!.restartPoint(index);
  }

  /**
   * Reads the header of the restart entry at p; returns where its key starts and leaves the key
   * length in varintEnd[0].
   */
  private restartKeyStart(p: number): number {
    const data = this.data;
    const limit = this.limit;
    let shared: number;
    let unshared: number;
    // Single-byte varints are the common case; fall back to the general decoder otherwise.
    if (p + 3 <= limit && (data[p]! | data[p + 1]! | data[p + 2]!) < 0x80) {
      shared = data[p]!;
      unshared = data[p + 1]!;
      p += 3;
    } else {
      shared = this.varint(p);
      unshared = this.varint(this.varintEnd[0]!);
      this.varint(this.varintEnd[0]!);
      p = this.varintEnd[0]!;
    }
    if (shared !== 0 || unshared < 8 || p + unshared > limit) this.corrupt(p, 'bad restart entry');
    this.varintEnd[0] = unshared;
    return p;
  }

  /** Decodes the entry at nextOffset into the current position; false at the end of the block. */
  private parseNextEntry(): boolean {
    const p0 = this.nextOffset;
    const limit = this.limit;
    if (p0 >= limit) {
      this.current = limit;
      return false;
    }
    const data = this.data;
    let p = p0;
    let shared: number;
    let unshared: number;
    let valueLength: number;
    if (p + 3 <= limit && (data[p]! | data[p + 1]! | data[p + 2]!) < 0x80) {
      shared = data[p]!;
      unshared = data[p + 1]!;
      valueLength = data[p + 2]!;
      p += 3;
    } else {
      shared = this.varint(p);
      unshared = this.varint(this.varintEnd[0]!);
      valueLength = this.varint(this.varintEnd[0]!);
      p = this.varintEnd[0]!;
    }
    const keyLength = shared + unshared;
    const valueStart = p + unshared;
    const valueEnd = valueStart + valueLength;
    if (shared > this.keyLength || keyLength < 8 || valueEnd > limit) this.corrupt(p0, 'bad entry lengths');
    if (keyLength > this.keyBuffer.length) {
      const grown = new Uint8Array(Math.max(keyLength, this.keyBuffer.length * 2));
      grown.set(this.keyBuffer.subarray(0, shared));
      this.keyBuffer = grown;
    }
    // A loop beats subarray + set for the short key suffixes prefix compression leaves.
    const keyBuffer = this.keyBuffer;
    for (let i = 0; i < unshared; i++) keyBuffer[shared + i] = data[p + i]!;
    this.lastShared = shared;
    this.keyLength = keyLength;
    this.keyView = undefined;
    this.current = p0;
    this.valueStart = valueStart;
    this.valueEnd = valueEnd;
    this.nextOffset = valueEnd;
    return true;
  }

  private varint(p: number): number {
    const data = this.data;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 5; i++) {
      if (p >= this.limit) break;
      const byte = data[p++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        this.varintEnd[0] = p;
        return result;
      }
      multiplier *= 128;
    }
    return this.corrupt(p, 'bad varint in block entry');
  }

  private corrupt(at: number, what: string): never {
    const block = this.block!;
    throw new CorruptionError(block.file, block.offset, `${what} at byte ${at} of the block`);
  }
}
