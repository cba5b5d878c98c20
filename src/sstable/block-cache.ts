// src/sstable/block-cache.ts — decoded blocks shared by all open tables, LRU by bytes
// (SPEC §3 read path, option `blockCacheSize`). Not an on-disk format.
//
// One Map keyed by a number, fileId * 2^32 + blockOffset: exact in a double as
// long as fileId < 2^21, and no string is built on the hot path. Recency is
// LRU's second-chance approximation (CLOCK): a hit only sets its entry's
// `referenced` bit (a hit used to delete and re-insert the Map entry, 6% of a
// random-read profile); eviction looks at the oldest entry, and one that was
// referenced since it was last looked at moves to the young end with its bit
// cleared instead of going. Amortized O(1).
//
// The eviction order is an array used as a queue, not the Map's insertion order:
// V8's Map keeps deleted entries as holes until it rehashes, and
// `map.entries().next()` walks over every hole at the front, so a Map used as a
// FIFO costs O(evicted so far) per eviction (24.6 µs per evict + insert at 65,536
// entries, the default 256 MiB of 4 KiB blocks; 28.6% of a 3M-entry read
// profile). An entry that leaves other than by eviction (replaced, evictFile) is
// marked dead and skipped when the queue reaches it; the queue is compacted when
// dead entries outnumber live ones, so it stays within twice the live count.
//
// A table also keeps a slot array (BlockSlots, one slot per data block) that
// the cache fills and clears with the Map: a hit through getAt() is one array
// load, with no key to build and no hash lookup (the Map lookup was 7% of a
// cold readrandom profile). The Map still orders eviction and serves
// (fileId, offset) lookups.
//
// A second, per-file index (fileId → offsets cached) lets evictFile() drop a
// deleted table's blocks in O(its blocks) instead of scanning the whole cache.
// File ids are never reused, so without evictFile a dead table's blocks would
// only age out; evictFile returns their bytes at once.
//
// A reservation (reserve()) holds bytes for something that is not one block: a chunk of a new
// table's blocks handed over by the flush that wrote them (warm-blocks.ts). It takes only room
// blocks have never used (reservableBytes), ages like a block, and when eviction takes it, its
// owner drops the blocks that live in it.

import { InternalError, InvalidArgumentError } from '../base/index.js';

/** File ids must stay below this for fileId * 2^32 + offset to be an exact double. */
export const BLOCK_CACHE_MAX_FILE_ID = 2 ** 21;
/** Block offsets must stay below this (a table is at most 4 GiB). */
export const BLOCK_CACHE_MAX_OFFSET = 2 ** 32;

const OFFSET_SPAN = 2 ** 32;

export interface CacheEntry<V> {
  readonly key: number;
  /** Cleared when the entry leaves the cache other than by eviction: a dead entry may wait in the queue, and must not hold its block. */
  value: V;
  readonly sizeBytes: number;
  referenced: boolean;
  /** The slot array that points at this entry (setAt), cleared when the entry leaves. */
  readonly slots: BlockSlots<V> | undefined;
  readonly slot: number;
  /** False once the entry left the cache; the eviction queue then skips it. */
  live: boolean;
  /**
   * A reservation's (reserve()): runs when eviction takes it, not when evictFile does. Cleared
   * once the entry leaves: a dead entry may wait in the queue, and must not keep its owner's memory.
   */
  onDrop: (() => void) | undefined;
}

/** One table's view of the cache: slot i holds data block i's entry while it is cached. */
export type BlockSlots<V> = (CacheEntry<V> | undefined)[];

/** Empty slots for a table of `count` data blocks. */
export function newBlockSlots<V>(count: number): BlockSlots<V> {
  // fill(): a packed array (a holey one makes every load check the prototype chain).
  return new Array<CacheEntry<V> | undefined>(count).fill(undefined);
}

export interface BlockCacheStats {
  hits: number;
  misses: number;
  /** Sum of sizeBytes of the entries held now. */
  bytes: number;
  entries: number;
  /** Entries dropped to make room (not those dropped by evictFile or replaced by set). */
  evictions: number;
  capacityBytes: number;
  /** Of `bytes`, those held by reservations (reserve(): a new table's prepopulated blocks). */
  reservedBytes: number;
}

export class BlockCache<V> {
  readonly capacityBytes: number;
  private readonly entries = new Map<number, CacheEntry<V>>();
  /** Eviction order, oldest first from `head` (CLOCK's hand); may hold dead entries. */
  private queue: (CacheEntry<V> | undefined)[] = [];
  private head = 0;
  private deadInQueue = 0;
  private readonly offsetsByFile = new Map<number, Set<number>>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private reservedBytes = 0;
  /** The most bytes blocks (entries that are not reservations) have held at once. */
  private blockBytesHighWater = 0;

  /** capacityBytes 0 disables the cache: get always misses, set keeps nothing. */
  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new InvalidArgumentError(`block cache capacity must be a non-negative integer of bytes, got ${capacityBytes}`);
    }
    this.capacityBytes = capacityBytes;
  }

  get(fileId: number, blockOffset: number): V | undefined {
    const key = cacheKey(fileId, blockOffset);
    const entry = this.entries.get(key);
    return this.lookedUp(entry !== undefined && entry.onDrop !== undefined ? undefined : entry);
  }

  /**
   * Room a reservation may take: the capacity less the reservations held and the most bytes
   * blocks have ever held. Blocks are arrays of the main thread's malloc heap, which keeps the
   * memory of blocks that left (for the next ones) rather than returning it; a reservation is
   * memory of its own. So reservations only take room blocks never used, and the two together
   * stay within the capacity.
   */
  get reservableBytes(): number {
    return Math.max(0, this.capacityBytes - this.blockBytesHighWater - this.reservedBytes);
  }

  /**
   * Holds `sizeBytes` of the cache for something that is not a block (a chunk of a new table's
   * blocks, table-reader.ts), under the key (fileId, offset), which must never be a block's.
   * Only into free room: returns undefined, evicting nothing, when it does not fit. The entry ages
   * like a block (touch() is its hit); when eviction takes it, `onDrop` runs.
   */
  reserve(fileId: number, offset: number, sizeBytes: number, onDrop: () => void): CacheEntry<V> | undefined {
    const key = cacheKey(fileId, offset);
    if (!(sizeBytes >= 0 && Number.isSafeInteger(sizeBytes))) {
      throw new InternalError(`block cache: size ${sizeBytes} is not a non-negative integer`);
    }
    if (this.entries.has(key)) throw new InternalError(`block cache: key (${fileId}, ${offset}) is taken`);
    if (sizeBytes > this.reservableBytes) return undefined;
    const entry: CacheEntry<V> = { key, value: undefined as V, sizeBytes, referenced: false, slots: undefined, slot: 0, live: true, onDrop };
    this.entries.set(key, entry);
    this.queue.push(entry);
    this.bytes += sizeBytes;
    this.reservedBytes += sizeBytes;
    this.rememberOffset(fileId, offset);
    return entry;
  }

  /** A reservation's hit: it counts as recently used. */
  touch(entry: CacheEntry<V>): void {
    entry.referenced = true;
  }

  /** Counts the last getAt() miss as a hit: the block was served from a reservation (no I/O). */
  recountAsHit(): void {
    this.misses--;
    this.hits++;
  }

  /** Drops the entry in `slots[slot]`, if any: not an eviction (no onDrop). */
  removeAt(slots: BlockSlots<V>, slot: number): void {
    const entry = slots[slot];
    if (entry === undefined || !entry.live) return;
    this.entries.delete(entry.key);
    this.bytes -= entry.sizeBytes;
    this.retire(entry);
    this.forgetKey(entry.key);
  }

  /** get() through a table's slot array: `slots[slot]` is the block at (fileId, offset) if cached. */
  getAt(slots: BlockSlots<V>, slot: number): V | undefined {
    return this.lookedUp(slots[slot]);
  }

  /** Counts a lookup's hit or miss and marks a hit entry referenced (CLOCK). Small: V8 inlines it. */
  private lookedUp(entry: CacheEntry<V> | undefined): V | undefined {
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    entry.referenced = true;
    return entry.value;
  }

  /** set(), also recording the entry in `slots[slot]` for getAt (cleared when it leaves the cache). */
  setAt(slots: BlockSlots<V>, slot: number, fileId: number, blockOffset: number, value: V, sizeBytes: number): void {
    this.set(fileId, blockOffset, value, sizeBytes, slots, slot);
  }

  /**
   * Caches `value` as the most recently used entry, then evicts least-recently
   * used entries until the cache is within capacity. A value larger than the
   * whole capacity is not cached (and any older value under the same key is dropped).
   */
  set(fileId: number, blockOffset: number, value: V, sizeBytes: number, slots?: BlockSlots<V>, slot = 0): void {
    const key = cacheKey(fileId, blockOffset);
    if (!(sizeBytes >= 0 && Number.isSafeInteger(sizeBytes))) {
      throw new InternalError(`block cache: size ${sizeBytes} is not a non-negative integer`);
    }
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.bytes -= old.sizeBytes;
      this.retire(old);
      this.compactQueueIfSparse();
    }
    if (sizeBytes > this.capacityBytes || this.capacityBytes === 0) {
      if (old !== undefined) this.forgetOffset(fileId, blockOffset);
      return;
    }
    // Room first: an entry being inserted must not be the one its own insertion evicts.
    while (this.bytes + sizeBytes > this.capacityBytes) this.evictOldest();
    const entry: CacheEntry<V> = { key, value, sizeBytes, referenced: false, slots, slot, live: true, onDrop: undefined };
    this.entries.set(key, entry);
    this.queue.push(entry);
    if (slots !== undefined) slots[slot] = entry;
    this.bytes += sizeBytes;
    const blockBytes = this.bytes - this.reservedBytes;
    if (blockBytes > this.blockBytesHighWater) this.blockBytesHighWater = blockBytes;
    if (old === undefined) this.rememberOffset(fileId, blockOffset);
  }

  private rememberOffset(fileId: number, offset: number): void {
    let offsets = this.offsetsByFile.get(fileId);
    if (offsets === undefined) {
      offsets = new Set<number>();
      this.offsetsByFile.set(fileId, offsets);
    }
    offsets.add(offset);
  }

  /** Drops every block of a table (called when the table file is deleted). */
  evictFile(fileId: number): void {
    const offsets = this.offsetsByFile.get(fileId);
    if (offsets === undefined) return;
    for (const offset of offsets) {
      const key = cacheKey(fileId, offset);
      const entry = this.entries.get(key);
      if (entry !== undefined) {
        this.entries.delete(key);
        this.bytes -= entry.sizeBytes;
        this.retire(entry);
      }
    }
    this.offsetsByFile.delete(fileId);
    this.compactQueueIfSparse();
  }

  stats(): BlockCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      bytes: this.bytes,
      entries: this.entries.size,
      evictions: this.evictions,
      capacityBytes: this.capacityBytes,
      reservedBytes: this.reservedBytes,
    };
  }

  private evictOldest(): void {
    for (;;) {
      if (this.head >= this.queue.length) {
        throw new InternalError(`block cache: ${this.bytes} bytes accounted but no entries left`);
      }
      const entry = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        // Drop the consumed front in one copy: amortized O(1) per entry.
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (!entry.live) {
        this.deadInQueue--;
        continue;
      }
      if (entry.referenced) {
        // A second chance: every entry is looked at most twice, so this ends.
        entry.referenced = false;
        this.queue.push(entry);
        continue;
      }
      this.entries.delete(entry.key);
      const onDrop = entry.onDrop;
      this.evict(entry.key, entry);
      // After the entry is gone: onDrop may remove other entries (removeAt), never the queue's shape.
      onDrop?.();
      return;
    }
  }

  /** Marks an entry that left the cache other than by eviction: the queue skips it later. */
  private retire(entry: CacheEntry<V>): void {
    entry.value = undefined as V;
    this.releaseReservation(entry);
    entry.live = false;
    unslot(entry);
    this.deadInQueue++;
  }

  /** Rebuilds the queue without its dead entries once they outnumber the live ones. */
  private compactQueueIfSparse(): void {
    if (this.deadInQueue <= 1024 || this.deadInQueue * 2 <= this.queue.length - this.head) return;
    const live: CacheEntry<V>[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i];
      if (e !== undefined && e.live) live.push(e);
    }
    this.queue = live;
    this.head = 0;
    this.deadInQueue = 0;
  }

  private evict(key: number, entry: CacheEntry<V>): void {
    this.bytes -= entry.sizeBytes;
    this.releaseReservation(entry);
    entry.live = false;
    unslot(entry);
    this.evictions++;
    this.forgetKey(key);
  }

  /** A reservation leaving: its bytes stop counting as reserved, and its onDrop is let go. */
  private releaseReservation(entry: CacheEntry<V>): void {
    if (entry.onDrop === undefined) return;
    this.reservedBytes -= entry.sizeBytes;
    entry.onDrop = undefined;
  }

  private forgetKey(key: number): void {
    const fileId = Math.floor(key / OFFSET_SPAN);
    this.forgetOffset(fileId, key - fileId * OFFSET_SPAN);
  }

  private forgetOffset(fileId: number, blockOffset: number): void {
    const offsets = this.offsetsByFile.get(fileId);
    if (offsets === undefined) return;
    offsets.delete(blockOffset);
    if (offsets.size === 0) this.offsetsByFile.delete(fileId);
  }
}

/** Clears the slot that points at `entry`, if any (and if it still does). */
function unslot<V>(entry: CacheEntry<V>): void {
  const slots = entry.slots;
  if (slots !== undefined && slots[entry.slot] === entry) slots[entry.slot] = undefined;
}

function cacheKey(fileId: number, blockOffset: number): number {
  // Cheap range checks on every call: a key outside them would alias another block silently.
  if (!(fileId >= 0 && fileId < BLOCK_CACHE_MAX_FILE_ID && Number.isInteger(fileId))) {
    throw new InternalError(`block cache: file id ${fileId} not an integer in [0, 2^21)`);
  }
  if (!(blockOffset >= 0 && blockOffset < BLOCK_CACHE_MAX_OFFSET && Number.isInteger(blockOffset))) {
    throw new InternalError(`block cache: block offset ${blockOffset} not an integer in [0, 2^32)`);
  }
  return fileId * OFFSET_SPAN + blockOffset;
}
