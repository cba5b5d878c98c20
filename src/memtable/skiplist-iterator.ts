// Iterator over an arena skiplist, in internal-key order. It holds one node offset and nothing
// else; key() and value() are views of the arena whose bytes never change, so (unlike the
// InternalIterator contract requires) they stay valid after the iterator moves.

import { assert, readVersion, VERSION_BYTES } from '../base/index.js';
import type { InternalIterator, InternalKey } from '../base/index.js';
import type { SkipList } from './skiplist.js';

export class SkipListIterator implements InternalIterator {
  private node = 0;

  constructor(private readonly list: SkipList) {}

  valid(): boolean {
    return this.node !== 0;
  }

  seekToFirst(): void {
    this.node = this.list.firstNode();
  }

  seekToLast(): void {
    this.node = this.list.lastNode();
  }

  seek(key: InternalKey): void {
    const userLength = checkedUserLength(key);
    this.node = this.list.findGreaterOrEqual(key, 0, userLength, readVersion(key, userLength));
  }

  seekForPrev(key: InternalKey): void {
    const userLength = checkedUserLength(key);
    this.node = this.list.findLess(key, 0, userLength, readVersion(key, userLength), true);
  }

  next(): void {
    assert(this.node !== 0, 'next() on an invalid skiplist iterator');
    this.node = this.list.nextOf(this.node);
  }

  /** O(log n): a search for the predecessor. */
  prev(): void {
    assert(this.node !== 0, 'prev() on an invalid skiplist iterator');
    this.node = this.list.prevOf(this.node);
  }

  key(): InternalKey {
    assert(this.node !== 0, 'key() on an invalid skiplist iterator');
    return this.list.keyOf(this.node);
  }

  value(): Uint8Array {
    assert(this.node !== 0, 'value() on an invalid skiplist iterator');
    return this.list.valueOf(this.node);
  }

  /** The version of the current entry, without decoding key(). */
  version(): number {
    assert(this.node !== 0, 'version() on an invalid skiplist iterator');
    return this.list.versionOf(this.node);
  }

  close(): void {
    this.node = 0;
  }
}

function checkedUserLength(key: InternalKey): number {
  assert(key.length >= VERSION_BYTES, () => `internal key of ${key.length} bytes is shorter than its version`);
  return key.length - VERSION_BYTES;
}
