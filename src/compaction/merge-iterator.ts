// Merges sorted sources into one sorted stream, in internal-key order (as LevelDB's
// MergingIterator). Sources are ordered newest first; when two sources hold the same internal key
// (a WAL replayed twice, say) the newer source's entry is yielded first and both are yielded.
//
// Children are scanned linearly for the smallest (or largest) key: the number of sources is
// bounded (memtables + L0 tables + one iterator per deeper level), and a linear scan over a few
// dozen children beats a heap's bookkeeping at that size.

import { compareInternalKeys, type InternalIterator, type InternalKey, copyBytes } from '../base/index.js';

const enum Direction {
  Forward,
  Reverse,
}

export class MergeIterator implements InternalIterator {
  private current = -1;
  private direction = Direction.Forward;

  constructor(private readonly children: readonly InternalIterator[]) {}

  valid(): boolean {
    return this.current >= 0 && this.children[this.current]!.valid();
  }

  key(): InternalKey {
    return this.children[this.current]!.key();
  }

  value(): Uint8Array {
    return this.children[this.current]!.value();
  }

  seekToFirst(): void {
    for (const child of this.children) child.seekToFirst();
    this.direction = Direction.Forward;
    this.findSmallest();
  }

  seekToLast(): void {
    for (const child of this.children) child.seekToLast();
    this.direction = Direction.Reverse;
    this.findLargest();
  }

  seek(key: InternalKey): void {
    for (const child of this.children) child.seek(key);
    this.direction = Direction.Forward;
    this.findSmallest();
  }

  seekForPrev(key: InternalKey): void {
    for (const child of this.children) child.seekForPrev(key);
    this.direction = Direction.Reverse;
    this.findLargest();
  }

  next(): void {
    if (this.direction !== Direction.Forward) {
      // Every non-current child sits at or before the current key; move each to the first
      // entry after it so all children are positioned forward of the current key.
      const key = copyBytes(this.key());
      for (let i = 0; i < this.children.length; i++) {
        if (i === this.current) continue;
        const child = this.children[i]!;
        child.seek(key);
        // Equal internal keys are ordered by source, newest first: an equal key in a newer
        // source was yielded before the current one, so step past it; an older one comes after.
        if (i < this.current && child.valid() && compareInternalKeys(child.key(), key) === 0) child.next();
      }
      this.direction = Direction.Forward;
    }
    this.children[this.current]!.next();
    this.findSmallest();
  }

  prev(): void {
    if (this.direction !== Direction.Reverse) {
      const key = copyBytes(this.key());
      for (let i = 0; i < this.children.length; i++) {
        if (i === this.current) continue;
        const child = this.children[i]!;
        child.seekForPrev(key);
        if (i > this.current && child.valid() && compareInternalKeys(child.key(), key) === 0) child.prev();
      }
      this.direction = Direction.Reverse;
    }
    this.children[this.current]!.prev();
    this.findLargest();
  }

  close(): void {
    for (const child of this.children) child.close();
  }

  /** Smallest key; ties go to the newest source (lowest index). */
  private findSmallest(): void {
    let best = -1;
    let bestKey: InternalKey | undefined;
    for (let i = 0; i < this.children.length; i++) {
      const child = this.children[i]!;
      if (!child.valid()) continue;
      const k = child.key();
      if (bestKey === undefined || compareInternalKeys(k, bestKey) < 0) {
        best = i;
        bestKey = k;
      }
    }
    this.current = best;
  }

  /** Largest key; ties go to the oldest source (highest index), mirroring forward order. */
  private findLargest(): void {
    let best = -1;
    let bestKey: InternalKey | undefined;
    for (let i = 0; i < this.children.length; i++) {
      const child = this.children[i]!;
      if (!child.valid()) continue;
      const k = child.key();
      if (bestKey === undefined || compareInternalKeys(k, bestKey) >= 0) {
        best = i;
        bestKey = k;
      }
    }
    this.current = best;
  }
}
