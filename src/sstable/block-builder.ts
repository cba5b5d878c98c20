// Builds the uncompressed contents of a block (docs/format.md §SST.block).
//
//   +-----------------------------------------------------------------------------+
//   | entry 0 | entry 1 | ... | entry n-1                                         |
//   +-----------------------------------------------------------------------------+
//   | restart 0 u32 BE | ... | restart r-1 u32 BE | numRestarts u32 BE           |
//   +-----------------------------------------------------------------------------+
//
//   entry: shared varint | unshared varint | valueLength varint | key[shared..] | value
//
// Each key is stored as the length of the prefix it shares with the previous key plus the
// rest. Every RESTART_INTERVAL-th entry is a restart point: it shares nothing, so a reader can
// start decoding there, and the restart array lists their offsets for a binary search.

import { assert, putVarint, varintLength } from '../base/index.js';
import { RESTART_INTERVAL, putU32 } from './format.js';

export class BlockBuilder {
  private buf: Uint8Array;
  private pos = 0;
  private restarts: Uint32Array = new Uint32Array(16);
  private numRestarts = 1; // restarts[0] = 0: the first entry always starts a run
  private sinceRestart = 0;
  private lastKey: Uint8Array = new Uint8Array(64);
  private lastKeyLength = 0;
  private entries = 0;
  private finished = false;

  constructor(
    readonly restartInterval: number = RESTART_INTERVAL,
    initialCapacityBytes = 4096,
  ) {
    assert(Number.isInteger(restartInterval) && restartInterval >= 1, () => `restart interval ${restartInterval} must be a positive integer`);
    this.buf = new Uint8Array(Math.max(64, initialCapacityBytes));
  }

  get entryCount(): number {
    return this.entries;
  }

  isEmpty(): boolean {
    return this.entries === 0;
  }

  /** Size of the contents if finish() were called now. */
  estimatedSize(): number {
    return this.pos + this.numRestarts * 4 + 4;
  }

  /** Keys must arrive in increasing order; the table builder asserts that. */
  add(key: Uint8Array, value: Uint8Array): void {
    assert(!this.finished, 'add after finish: call reset() first');
    let shared = 0;
    if (this.sinceRestart < this.restartInterval) {
      const n = Math.min(this.lastKeyLength, key.length);
      const last = this.lastKey;
      while (shared < n && last[shared] === key[shared]) shared++;
    } else {
      if (this.numRestarts === this.restarts.length) {
        const grown = new Uint32Array(this.restarts.length * 2);
        grown.set(this.restarts);
        this.restarts = grown;
      }
      this.restarts[this.numRestarts++] = this.pos;
      this.sinceRestart = 0;
    }
    const unshared = key.length - shared;
    this.ensure(varintLength(shared) + varintLength(unshared) + varintLength(value.length) + unshared + value.length);
    let p = putVarint(this.buf, this.pos, shared);
    p = putVarint(this.buf, p, unshared);
    p = putVarint(this.buf, p, value.length);
    this.buf.set(key.subarray(shared), p);
    p += unshared;
    this.buf.set(value, p);
    this.pos = p + value.length;

    if (key.length > this.lastKey.length) {
      const grown = new Uint8Array(Math.max(key.length, this.lastKey.length * 2));
      grown.set(this.lastKey.subarray(0, shared));
      this.lastKey = grown;
    }
    this.lastKey.set(key.subarray(shared), shared);
    this.lastKeyLength = key.length;
    this.sinceRestart++;
    this.entries++;
  }

  /** The last key added (a view, valid until the next add or reset). */
  lastKeyView(): Uint8Array {
    return this.lastKey.subarray(0, this.lastKeyLength);
  }

  /** Appends the restart array and returns the block contents (a view, valid until reset()). */
  finish(): Uint8Array {
    assert(!this.finished, 'finish called twice');
    this.ensure(this.numRestarts * 4 + 4);
    for (let i = 0; i < this.numRestarts; i++) {
      putU32(this.buf, this.pos, this.restarts[i]!);
      this.pos += 4;
    }
    putU32(this.buf, this.pos, this.numRestarts);
    this.pos += 4;
    this.finished = true;
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.numRestarts = 1;
    this.restarts[0] = 0;
    this.sinceRestart = 0;
    this.lastKeyLength = 0;
    this.entries = 0;
    this.finished = false;
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
}
