// The hybrid layer's row cache (TABLES.md §3, §7): rows of `cacheInMemory` tables by primary key,
// bounded in bytes across all tables, evicting by LRU or LFU. Every operation is O(1), except
// dropTable and clear, which are O(rows dropped).
//
// Rows are copied shallowly on the way in and out, so a caller mutating a returned row cannot
// change the cache; values that are objects themselves (Date, Buffer, JSON) are shared, and the
// caller must not mutate those.
import { InvalidArgumentError, SettError } from '../index.js';
import type { Row } from '../table/index.js';

export type EvictionPolicy = 'lru' | 'lfu';

export interface RowCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  /** The sum of the cached rows' sizes as given to `set` (their encoded bytes). */
  bytes: number;
  entries: number;
}

/** A row's cache key: a number for one-INT primary keys, else a string of the key's bytes. */
export type RowKey = string | number;

interface Entry {
  readonly table: string;
  readonly key: RowKey;
  row: Row;
  bytes: number;
  /** The LFU frequency bucket holding this entry; unused under LRU. */
  bucket: FrequencyBucket | undefined;
  /** Neighbours in the LRU list; unused under LFU. */
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** Which entry goes next. `victim` skips `kept` (the row being set is never its own victim). */
interface EvictionOrder {
  insert(entry: Entry): void;
  use(entry: Entry): void;
  remove(entry: Entry): void;
  victim(kept: Entry): Entry;
  clear(): void;
}

/**
 * A doubly linked list through the entries, least recently used at the head: a use is a few
 * pointer moves (a Set's delete and re-add on every hit cost 10% of a cached read).
 */
class LruOrder implements EvictionOrder {
  private head: Entry | undefined;
  private tail: Entry | undefined;

  insert(entry: Entry): void {
    entry.prev = this.tail;
    entry.next = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
  }
  use(entry: Entry): void {
    if (this.tail === entry) return;
    this.remove(entry);
    this.insert(entry);
  }
  remove(entry: Entry): void {
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
  }
  victim(kept: Entry): Entry {
    const first = this.head === kept ? kept.next : this.head;
    return first ?? fail('LRU victim: no entry besides the one kept');
  }
  clear(): void {
    this.head = undefined;
    this.tail = undefined;
  }
}

interface FrequencyBucket {
  readonly frequency: number;
  /** In the order entries reached this frequency, which is the order of their last use. */
  readonly entries: Set<Entry>;
  prev: FrequencyBucket | undefined;
  next: FrequencyBucket | undefined;
}

/**
 * LFU in O(1) (Shah, Mitra and Matani, "An O(1) algorithm for implementing the LFU cache eviction
 * scheme", 2010): a list of non-empty buckets in ascending frequency, so the least frequent is the
 * head even after deletes empty the lowest bucket (a bare min-frequency pointer would go stale).
 */
class LfuOrder implements EvictionOrder {
  private head: FrequencyBucket | undefined;

  insert(entry: Entry): void {
    const bucket = this.head?.frequency === 1 ? this.head : this.link(1, undefined, this.head);
    bucket.entries.add(entry);
    entry.bucket = bucket;
  }
  use(entry: Entry): void {
    const from = entry.bucket ?? fail('LFU use: entry has no bucket');
    const to = from.next?.frequency === from.frequency + 1 ? from.next : this.link(from.frequency + 1, from, from.next);
    this.remove(entry);
    to.entries.add(entry);
    entry.bucket = to;
  }
  remove(entry: Entry): void {
    const bucket = entry.bucket ?? fail('LFU remove: entry has no bucket');
    bucket.entries.delete(entry);
    entry.bucket = undefined;
    if (bucket.entries.size > 0) return;
    if (bucket.prev === undefined) this.head = bucket.next;
    else bucket.prev.next = bucket.next;
    if (bucket.next !== undefined) bucket.next.prev = bucket.prev;
  }
  victim(kept: Entry): Entry {
    // At most two steps: `kept` is the only entry that can be skipped.
    for (let bucket = this.head; bucket !== undefined; bucket = bucket.next) {
      const entry = firstOtherThan(bucket.entries, kept);
      if (entry !== undefined) return entry;
    }
    return fail('LFU victim: no entry besides the one kept');
  }
  clear(): void {
    this.head = undefined;
  }

  private link(frequency: number, prev: FrequencyBucket | undefined, next: FrequencyBucket | undefined): FrequencyBucket {
    const bucket: FrequencyBucket = { frequency, entries: new Set(), prev, next };
    if (prev === undefined) this.head = bucket;
    else prev.next = bucket;
    if (next !== undefined) next.prev = bucket;
    return bucket;
  }
}

export class RowCache {
  readonly maxBytes: number;
  private readonly order: EvictionOrder;
  /** table -> key -> entry; a table's map is deleted when it empties. */
  private readonly tables = new Map<string, Map<RowKey, Entry>>();
  private readonly counters: RowCacheStats = { hits: 0, misses: 0, evictions: 0, bytes: 0, entries: 0 };

  constructor(options: { maxBytes: number; policy: EvictionPolicy }) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) {
      throw new InvalidArgumentError(`row cache: maxBytes must be a non-negative integer, got ${options.maxBytes}`);
    }
    if (options.policy !== 'lru' && options.policy !== 'lfu') {
      throw new InvalidArgumentError(`row cache: policy must be 'lru' or 'lfu', got ${String(options.policy)}`);
    }
    this.maxBytes = options.maxBytes;
    this.order = options.policy === 'lru' ? new LruOrder() : new LfuOrder();
  }

  /** The cached row of `table` under primary-key bytes `key` (a shallow copy), or undefined. Counts a hit or a miss. */
  get(table: string, key: RowKey): Row | undefined {
    const entry = this.tables.get(table)?.get(key);
    if (entry === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    this.order.use(entry);
    return { ...entry.row };
  }

  /**
   * Caches (a shallow copy of) a row costing `bytes`, evicting others by policy until the total fits
   * maxBytes. A row larger than maxBytes is not cached, and drops the key's older row if cached (it
   * would be stale) without evicting anything else. Re-setting a cached key counts as a use.
   */
  set(table: string, key: RowKey, row: Row, bytes: number): void {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, () => `row cache set ${table}: bytes must be a non-negative integer, got ${bytes}`);
    let rows = this.tables.get(table);
    let entry = rows?.get(key);
    if (bytes > this.maxBytes) {
      if (entry !== undefined) this.remove(entry);
      return;
    }
    if (entry !== undefined) {
      this.counters.bytes += bytes - entry.bytes;
      entry.row = { ...row };
      entry.bytes = bytes;
      this.order.use(entry);
    } else {
      if (rows === undefined) this.tables.set(table, (rows = new Map()));
      entry = { table, key, row: { ...row }, bytes, bucket: undefined, prev: undefined, next: undefined };
      rows.set(key, entry);
      this.order.insert(entry);
      this.counters.bytes += bytes;
      this.counters.entries++;
    }
    while (this.counters.bytes > this.maxBytes) {
      this.remove(this.order.victim(entry));
      this.counters.evictions++;
    }
    assert(this.counters.bytes <= this.maxBytes, 'row cache: over maxBytes after set');
  }

  /** Drops the cached row of `table` under `key`, if any. Not an eviction. */
  delete(table: string, key: RowKey): void {
    const entry = this.tables.get(table)?.get(key);
    if (entry !== undefined) this.remove(entry);
  }

  /** Drops every cached row of `table` (update/delete by condition, truncate, drop, migration). Not evictions. */
  dropTable(table: string): void {
    const rows = this.tables.get(table);
    if (rows === undefined) return;
    for (const entry of rows.values()) this.remove(entry); // deleting the visited key is safe in a Map
    assert(!this.tables.has(table), () => `row cache dropTable ${table}: rows left`);
  }

  /** Drops every cached row; the counters of hits, misses and evictions stay. */
  clear(): void {
    this.tables.clear();
    this.order.clear();
    this.counters.bytes = 0;
    this.counters.entries = 0;
  }

  stats(): RowCacheStats {
    return { ...this.counters };
  }

  private remove(entry: Entry): void {
    const rows = this.tables.get(entry.table);
    assert(rows?.get(entry.key) === entry, () => `row cache: removing ${entry.table}/${entry.key}, which is not cached`);
    rows.delete(entry.key);
    if (rows.size === 0) this.tables.delete(entry.table);
    this.order.remove(entry);
    this.counters.bytes -= entry.bytes;
    this.counters.entries--;
  }
}

function firstOtherThan(entries: Set<Entry>, kept: Entry): Entry | undefined {
  for (const entry of entries) if (entry !== kept) return entry;
  return undefined;
}

function fail(message: string): never {
  throw new SettError('INTERNAL', message);
}

/** An invariant: a violation stops the operation (the hybrid layer sees only the public face). */
function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) fail(typeof message === 'string' ? message : message());
}
