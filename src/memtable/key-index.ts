// A hash index over the user keys of one memtable (in memory only, main thread only): user key →
// the skiplist node of its newest version. A get finds that node in about one probe and walks
// level 0 from it to the version it may see (a user key's versions are adjacent there, newest
// first); a key the memtable does not hold is turned away by the same probe. This replaces a
// skiplist search per get, which at a few hundred thousand entries is a dozen or more cache
// misses (findGreaterOrEqual was 19% of a readrandom profile after overwrite), and the bloom
// filter that used to front it (an exact answer needs no filter).
//
// Open addressing with linear probing over (hash, node) pairs of u32, so a probe reads one cache
// line; node 0 marks an empty slot (offset 0 is the arena header, never a node). At most half the
// slots are used: the table doubles past that, rehashing from the stored hashes without touching
// the arena. Entries are never removed (a memtable only grows).

import { assert, murmur3 } from '../base/index.js';
import type { SkipList } from './skiplist.js';

/** Slots of a new index (pairs): 32 KiB, doubled as the memtable fills. */
export const KEY_INDEX_MIN_SLOTS = 1 << 12;
const HASH_SEED = 0x5e77;

export class KeyIndex {
  /** Slot i is the pair (slots[2i], slots[2i + 1]) = (hash, node). */
  private slots: Uint32Array;
  private mask: number;
  private used = 0;

  constructor(
    private readonly list: SkipList,
    initialSlots: number = KEY_INDEX_MIN_SLOTS,
  ) {
    assert(initialSlots >= 2 && (initialSlots & (initialSlots - 1)) === 0, () => `key index slots ${initialSlots} must be a power of two >= 2`);
    this.slots = new Uint32Array(initialSlots * 2);
    this.mask = initialSlots - 1;
  }

  static hash(userKey: Uint8Array): number {
    return murmur3(userKey, HASH_SEED);
  }

  /** Distinct user keys indexed. */
  get size(): number {
    return this.used;
  }

  /** Bytes the index holds. */
  get sizeBytes(): number {
    return this.slots.byteLength;
  }

  /**
   * Records `node` (just linked; `hash` is its user key's hash()) as its user key's newest version,
   * unless the node already there for that key holds a newer version.
   */
  add(hash: number, node: number): void {
    assert(node !== 0, 'key index: node 0 is the arena header');
    const slots = this.slots;
    const mask = this.mask;
    const list = this.list;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = i << 1;
      const present = slots[at + 1]!;
      if (present === 0) {
        slots[at] = hash;
        slots[at + 1] = node;
        if (++this.used * 2 > mask + 1) this.grow();
        return;
      }
      if (slots[at] === hash && list.sameUserKey(present, node)) {
        // A replay may put an older version after a newer one; the newest sorts first, so it stays.
        if (list.versionOf(node) > list.versionOf(present)) slots[at + 1] = node;
        return;
      }
    }
  }

  /** The node of the newest version of `userKey` (`hash` is hash(userKey)), or 0. */
  find(hash: number, userKey: Uint8Array): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = i << 1;
      const node = slots[at + 1]!;
      if (node === 0) return 0;
      if (slots[at] === hash && this.list.hasUserKey(node, userKey)) return node;
    }
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    const slots = new Uint32Array(size * 2);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += 2) {
      const node = old[at + 1]!;
      if (node === 0) continue;
      const hash = old[at]!;
      let i = hash & mask;
      while (slots[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      slots[i << 1] = hash;
      slots[(i << 1) + 1] = node;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
