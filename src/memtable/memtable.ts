// A memtable: an arena skiplist plus the WAL that makes it durable (SPEC §3 Write path, Memtables).
// Every batch is one WAL record, appended before any of its entries reach the skiplist, so what a
// reader can see is always something a recovery would see too. Recovery replays the WAL record by
// record (a batch is applied whole or not at all), truncates a torn tail and reopens for append.

import { KeyIndex } from './key-index.js';
import {
  assert,
  CorruptionError,
  getVarint,
  ReadOnlyError,
  valueStructLength,
  VERSION_BYTES,
  type Entry,
  type ValueStruct,
} from '../base/index.js';
import type { FileSystem } from '../fs/index.js';
import type { DataKeySource } from '../crypto/index.js';
import { replayWal, WalWriter, type WalCreateOptions, type WalReplayResult } from '../wal/index.js';
import { MAX_ARENA_BYTES } from './arena.js';
import { SkipList } from './skiplist.js';
import type { SkipListIterator } from './skiplist-iterator.js';

export interface RecoveredMemtable {
  memtable: Memtable;
  /** Bytes after the last whole record that were dropped (a torn tail or a record onBatch refused). */
  tornBytes: number;
  /** Highest version replayed; 0 for an empty WAL. */
  maxVersion: number;
}

/** Sees each batch before it is applied; returning false ends the replay there (that batch and all later are dropped). */
export type OnMemtableBatch = (entries: Entry[]) => boolean | void;

/** What Memtable.get finds: the value struct of the newest visible version, tombstones included. */
export type MemtableValue = ValueStruct & { version: number };

const varintEnd = [0];
/** meta, userMeta, a 1-byte expiry varint. */
const EMPTY_VALUE_STRUCT_BYTES = 3;

export class Memtable {
  readonly fileId: number;
  readonly skiplist: SkipList;
  /** Path of the WAL; undefined for an in-memory memtable. */
  readonly path: string | undefined;
  private readonly wal: WalWriter | undefined;
  private readonly readOnly: boolean;
  /** Size the db asked for; the arena is larger only when a recovered WAL needed more (see grow). */
  private readonly capacityBytes: number;
  /** WAL bytes of a read-only recovered memtable (which has no writer to ask). */
  private readonly walBytesRecovered: number;

  private constructor(
    fileId: number,
    skiplist: SkipList,
    path: string | undefined,
    wal: WalWriter | undefined,
    capacityBytes: number,
    readOnly: boolean,
    walBytesRecovered = 0,
  ) {
    this.fileId = fileId;
    this.skiplist = skiplist;
    this.path = path;
    this.wal = wal;
    this.capacityBytes = capacityBytes;
    this.readOnly = readOnly;
    this.walBytesRecovered = walBytesRecovered;
    this.index = new KeyIndex(skiplist);
    // A recovered list: each user key's first node in order is its newest version.
    for (let node = skiplist.firstNode(); node !== 0; node = skiplist.nextOf(node)) {
      const k = skiplist.keyOf(node);
      this.index.add(KeyIndex.hash(k.subarray(0, k.length - VERSION_BYTES)), node);
    }
  }

  private readonly index: KeyIndex;

  /** A new, empty memtable and WAL (failing if `path` exists). The caller syncs the directory. */
  static create(
    fs: FileSystem,
    path: string,
    fileId: number,
    capacityBytes: number,
    walOptions?: WalCreateOptions,
    reuse?: SharedArrayBuffer,
  ): Memtable {
    const skiplist = SkipList.create(capacityBytes, fileId, reuse);
    return new Memtable(fileId, skiplist, path, WalWriter.create(fs, path, walOptions), capacityBytes, false);
  }

  /**
   * No WAL: for inMemory databases, where nothing outlives the process. `reuse`: a free arena
   * buffer (ArenaPool) of this capacity, as for create().
   */
  static inMemory(capacityBytes: number, fileId = 0, reuse?: SharedArrayBuffer): Memtable {
    return new Memtable(fileId, SkipList.create(capacityBytes, fileId, reuse), undefined, undefined, capacityBytes, false);
  }

  // ---- References. The arena's bytes are handed out as views (keys and values of iterators and
  // gets), so its buffer may only be reused (ArenaPool) once nothing reads it: the tree holds one
  // reference from creation until the memtable's table is installed, and every iterator over it
  // one more until it is closed. A get is synchronous and ends before the tree can let go.

  private refs = 1;
  /** Called once, when the last reference is dropped. */
  onZero: (() => void) | undefined;

  /** References held now (the tree's and the readers'); 0 once released. */
  get refCount(): number {
    return this.refs;
  }

  ref(): void {
    assert(this.refs > 0, () => `memtable ${this.fileId} was released: its arena may be reused`);
    this.refs++;
  }

  /** Drops a reference; the last one calls onZero (which may hand the arena to a new memtable). */
  unref(): void {
    assert(this.refs > 0, () => `memtable ${this.fileId} released more often than referenced`);
    if (--this.refs === 0) this.onZero?.();
  }

  /**
   * Replays the WAL into a new skiplist without touching the file; `resume()` then truncates what
   * replay dropped and reopens the WAL for append. Between the two the caller can make other
   * decisions durable first (recovery deletes later WALs before cutting this one).
   */
  static replay(
    fs: FileSystem,
    path: string,
    fileId: number,
    capacityBytes: number,
    onBatch?: OnMemtableBatch,
    keys?: DataKeySource,
  ): { tornBytes: number; maxVersion: number; resume(): Memtable } {
    const { skiplist, result } = replayInto(fs, path, fileId, capacityBytes, onBatch, keys);
    return {
      tornBytes: result.tornBytes,
      maxVersion: skiplist.maxVersion,
      resume: () => new Memtable(fileId, skiplist, path, WalWriter.openForAppend(fs, path, result.validEnd, keys), capacityBytes, false),
    };
  }

  /** Replays the WAL into a new skiplist, truncates a torn tail and reopens the WAL for append. */
  static recover(
    fs: FileSystem,
    path: string,
    fileId: number,
    capacityBytes: number,
    onBatch?: OnMemtableBatch,
    keys?: DataKeySource,
  ): RecoveredMemtable {
    const replayed = Memtable.replay(fs, path, fileId, capacityBytes, onBatch, keys);
    return { memtable: replayed.resume(), tornBytes: replayed.tornBytes, maxVersion: replayed.maxVersion };
  }

  /** As recover, but leaves the file untouched and refuses apply(): for read-only opens. */
  static recoverReadOnly(
    fs: FileSystem,
    path: string,
    fileId: number,
    capacityBytes: number,
    onBatch?: OnMemtableBatch,
    keys?: DataKeySource,
  ): RecoveredMemtable {
    const { skiplist, result } = replayInto(fs, path, fileId, capacityBytes, onBatch, keys);
    const memtable = new Memtable(fileId, skiplist, path, undefined, capacityBytes, true, result.validEnd);
    return { memtable, tornBytes: result.tornBytes, maxVersion: skiplist.maxVersion };
  }

  /** Highest version applied so far; 0 when empty. */
  get maxVersion(): number {
    return this.skiplist.maxVersion;
  }

  isEmpty(): boolean {
    return this.skiplist.count === 0;
  }

  /**
   * Whether apply(batch) fits. Exact, not a guess: the node heights the batch will use are drawn
   * in advance (SkipList.nodeBytesAhead), so a batch that fits can never run out of room halfway
   * through the skiplist after its WAL record is written.
   */
  hasRoomFor(batch: readonly Entry[]): boolean {
    const skiplist = this.skiplist;
    let needed = skiplist.nodeBytesAhead(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      needed += skiplist.spaceForData(e.key.length, valueStructLength(e));
    }
    return skiplist.sizeBytes() + needed <= this.capacityBytes;
  }

  /** Whether not even an entry with an empty key and value fits (also true for an arena grown past its capacity). */
  isFull(): boolean {
    const skiplist = this.skiplist;
    return skiplist.sizeBytes() + skiplist.nodeBytesAhead(1) + skiplist.spaceForData(0, EMPTY_VALUE_STRUCT_BYTES) > this.capacityBytes;
  }

  /**
   * One WAL append of the whole batch, then every entry into the skiplist (value structs encoded
   * straight into the arena). The caller checks hasRoomFor first and rotates when it is false.
   * A later entry with the same (key, version) replaces an earlier one.
   */
  apply(batch: readonly Entry[]): void {
    this.log(batch);
    this.insert(batch, 0, batch.length);
  }

  /**
   * The first half of apply(): appends the batch to the WAL, after checking it fits. The caller
   * then inserts it with insert(), in slices if it likes (the database yields between slices;
   * readers do not see the entries before their version becomes visible).
   */
  log(batch: readonly Entry[]): void {
    if (this.readOnly) throw new ReadOnlyError('this memtable was recovered read-only');
    assert(this.hasRoomFor(batch), () => `memtable ${this.fileId}: a batch of ${batch.length} entries does not fit; check hasRoomFor first`);
    this.wal?.append(batch);
  }

  /**
   * Inserts batch[from, to) into the skiplist: the second half of apply(), after log(batch).
   * `sorted`: the batch is in internal-key order (sortedForInsert), so each search after the
   * batch's first starts where the last one ended.
   */
  insert(batch: readonly Entry[], from: number, to: number, sorted = false): void {
    const skiplist = this.skiplist;
    for (let i = from; i < to; i++) {
      const e = batch[i]!;
      const ok = skiplist.putValueStruct(e.key, e.version, e, sorted && i > 0);
      assert(ok, 'skiplist ran out of room after hasRoomFor said the batch fits');
      this.index.add(KeyIndex.hash(e.key), skiplist.lastPutNode);
    }
  }

  /** fdatasync of the WAL: every batch applied before the call is durable when it resolves. */
  async sync(): Promise<void> {
    if (this.wal !== undefined) await this.wal.sync();
  }

  /** Bytes of the WAL file (0 without one). */
  walBytes(): number {
    return this.wal !== undefined ? this.wal.size() : this.walBytesRecovered;
  }

  /**
   * The newest entry of `userKey` with version <= readVersion, tombstones included. `value` is a
   * view into the arena (its bytes never change); copy it to keep it past the memtable's life.
   */
  get(userKey: Uint8Array, readVersion: number): MemtableValue | undefined {
    const skiplist = this.skiplist;
    const newest = this.index.find(KeyIndex.hash(userKey), userKey);
    if (newest === 0) return undefined;
    const node = skiplist.visibleFrom(newest, readVersion);
    if (node === 0) return undefined;
    const bytes = skiplist.valueOf(node);
    const expiresAt = bytes.length >= 3 ? getVarint(bytes, 2, bytes.length, varintEnd) : -1;
    if (expiresAt < 0) throw new CorruptionError(this.path ?? 'memtable', 0, `bad value struct of ${bytes.length} bytes in the arena`);
    const start = varintEnd[0]!;
    const value = new Uint8Array(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
    return { meta: bytes[0]!, userMeta: bytes[1]!, expiresAt, value, version: skiplist.versionOf(node) };
  }

  iterator(): SkipListIterator {
    assert(this.refs > 0, () => `memtable ${this.fileId} was released: its arena may be reused`);
    return this.skiplist.iterator();
  }

  /** WalWriter.preallocate for this memtable's WAL (none: no-op). */
  preallocateWal(step: number): void {
    this.wal?.preallocate(step);
  }

  /** WalWriter.trim: the WAL ends at its last record again (before it is retired and synced). */
  trimWal(): void {
    this.wal?.trim();
  }

  /** Closes the WAL file (does not delete it). Reads keep working. */
  close(): void {
    this.wal?.close();
  }
}

function replayInto(
  fs: FileSystem,
  path: string,
  fileId: number,
  capacityBytes: number,
  onBatch: OnMemtableBatch | undefined,
  keys: DataKeySource | undefined,
): { skiplist: SkipList; result: WalReplayResult } {
  let skiplist = SkipList.create(capacityBytes, fileId);
  const result = replayWal(fs, path, (entries) => {
    if (onBatch !== undefined && onBatch(entries) === false) return false;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      while (!skiplist.putValueStruct(e.key, e.version, e)) skiplist = grow(skiplist, e);
    }
    return true;
  }, { keys });
  return { skiplist, result };
}

/**
 * A WAL written with a larger memTableSize than this open's can hold more than `capacityBytes`.
 * Refusing to open would strand its data, so the arena doubles instead; the memtable then reports
 * isFull() and is flushed like any frozen one.
 */
function grow(skiplist: SkipList, pending: Entry): SkipList {
  const capacity = skiplist.capacityBytes();
  const needed = capacity + skiplist.spaceNeeded(pending.key.length, valueStructLength(pending));
  const next = Math.min(MAX_ARENA_BYTES, Math.max(capacity * 2, needed));
  assert(next >= needed, () => `a memtable cannot grow past ${MAX_ARENA_BYTES} bytes`);
  const grown = SkipList.create(next);
  const it = skiplist.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) {
    const key = it.key();
    assert(grown.put(key.subarray(0, key.length - VERSION_BYTES), it.version(), it.value()), 'a grown arena has room for its old entries');
  }
  return grown;
}
