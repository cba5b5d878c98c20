import { compareInternalKeys, type InternalKey } from './internal-key.js';
import type { InternalIterator } from './iterator.js';

/**
 * An InternalIterator over entries already sorted in internal-key order (a transaction's pending
 * writes, a test's model). Binary search for seeks.
 */
export class ArrayIterator implements InternalIterator {
  private pos = -1;

  constructor(private readonly entries: ReadonlyArray<readonly [InternalKey, Uint8Array]>) {}

  valid(): boolean {
    return this.pos >= 0 && this.pos < this.entries.length;
  }
  key(): InternalKey {
    return this.entries[this.pos]![0];
  }
  value(): Uint8Array {
    return this.entries[this.pos]![1];
  }
  seekToFirst(): void {
    this.pos = 0;
  }
  seekToLast(): void {
    this.pos = this.entries.length - 1;
  }
  seek(key: InternalKey): void {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareInternalKeys(this.entries[mid]![0], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo;
  }
  seekForPrev(key: InternalKey): void {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareInternalKeys(this.entries[mid]![0], key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo - 1;
  }
  next(): void {
    this.pos++;
  }
  prev(): void {
    this.pos--;
  }
  close(): void {}
}
