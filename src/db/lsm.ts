// The tree's live state: the active memtable, the frozen ones waiting for a flush, and the
// version of the levels. Owns rotation (with write stalls), the flush loop and the read path.
// Only this class (on the main thread) edits the MANIFEST and installs versions.

import {
  IoError,
  SettError,
  decodeValueStruct,
  compareRanges,
  type Clock,
  type InternalIterator,
  type ValueStruct,
} from '../base/index.js';
import type { Executor } from '../compaction/index.js';
import type { KeyRing } from '../crypto/index.js';
import type { FileSystem } from '../fs/index.js';
import type { Manifest } from '../manifest/index.js';
import { ArenaPool, Memtable } from '../memtable/index.js';
import { VLOG_HEADER_BYTES, type DiscardStats, type ValueLog } from '../vlog/index.js';
import { COMPRESSION_CODE, ConcatIterator, Table, hashKey, type Block, type BlockCache, type TableBuilderOptions, type TableHit } from '../sstable/index.js';
import { Compactor } from './compactor.js';
import { fileName, joinPath } from './file-names.js';
import { LevelsVersion } from './levels.js';
import type { Logger, Options } from './options.js';
import type { Counters } from './stats.js';

export interface LsmConfig {
  dir: string;
  fs: FileSystem;
  options: Options;
  executor: Executor;
  cache: BlockCache<Block>;
  /** Undefined for inMemory databases, which keep no MANIFEST. */
  manifest: Manifest | undefined;
  counters: Counters;
  clock: Clock;
  /** Whether memtables have WALs (false for inMemory). */
  durable: boolean;
  /** The value log; undefined for inMemory databases, which keep values in the tree. */
  vlog: ValueLog | undefined;
  /** Bytes no longer referenced in each value-log file (fed by compaction, used by GC). */
  discard: DiscardStats | undefined;
  /** Data keys of an encrypted database (encryptionKey); undefined when not encrypted. */
  keys?: KeyRing | undefined;
  /** options.logger behind options.loggingLevel (levelLogger): every message goes through it. */
  log: Logger;
}

/** A free memtable arena is let go after this long without a rotation (ArenaPool). */
const ARENA_IDLE_MS = 10_000;
/**
 * Zeros a syncWrites WAL lays down ahead of its records: one size change (and journal commit)
 * per 256 KiB of log instead of one per commit; a write of this many zeros takes ~0.1 ms.
 */
const WAL_PREALLOCATE_BYTES = 256 << 10;

/** Every table get fills this one (gets are synchronous and never re-entered). */
const tableHit: TableHit = { value: new Uint8Array(0), version: 0 };

export interface FoundValue extends ValueStruct {
  version: number;
}

export class Lsm {
  active: Memtable;
  /** Frozen memtables, newest first. */
  immutables: Memtable[] = [];
  version: LevelsVersion;
  nextFileId: number;
  /** Fail-stop: once set, every write fails with it (SPEC §4.5). */
  error: SettError | undefined;

  private flushing: Promise<void> | undefined;
  private flushWaiters: (() => void)[] = [];
  readonly tableOptions: TableBuilderOptions;
  readonly compactor: Compactor;
  /** Arenas of flushed memtables nothing reads any more, for the next memtables (arena-pool.ts). */
  readonly arenaPool: ArenaPool;
  get discard(): DiscardStats | undefined {
    return this.config.discard;
  }
  /** The oldest version a reader may still ask for; set by the DB (snapshots, iterators). */
  discardVersion: () => number = () => Number.MAX_SAFE_INTEGER;

  constructor(
    private readonly config: LsmConfig,
    active: Memtable,
    immutables: Memtable[],
    version: LevelsVersion,
    nextFileId: number,
  ) {
    this.active = active;
    this.immutables = immutables;
    this.version = version;
    this.nextFileId = nextFileId;
    const o = config.options;
    this.tableOptions = {
      blockSize: o.blockSize,
      bloomFalsePositive: o.bloomFalsePositive,
      compression: o.compression,
      zstdLevel: o.zstdLevel,
    };
    this.compactor = new Compactor(this, config, () => this.discardVersion());
    // Free arenas + live memtables stay within the most memtables the tree holds at once; free
    // arenas are let go after ARENA_IDLE_MS without a rotation (arena-pool.ts).
    this.arenaPool = new ArenaPool(o.memTableSize & ~3, () => this.maxImmutables + 1 - (1 + this.immutables.length), this.maxImmutables, ARENA_IDLE_MS);
    if (this.preallocatesWals) active.preallocateWal(WAL_PREALLOCATE_BYTES);
    if (immutables.length > 0) this.scheduleFlush();
    this.compactor.maybeSchedule();
  }

  /** With syncWrites every commit is an fdatasync: its WAL is written over zeros laid down ahead (WalWriter.preallocate). */
  private get preallocatesWals(): boolean {
    return this.config.durable && this.config.options.syncWrites;
  }

  /** The data keys of an encrypted database; undefined when not encrypted. */
  get keys(): KeyRing | undefined {
    return this.config.keys;
  }

  /** Drops the version's hold on a table replaced by a compaction; the file goes with the last reader. */
  retireTable(table: Table): void {
    const name = fileName('table', table.fileId);
    table.onZero = () => this.removeFile(name);
    table.unref();
  }

  onCompactionDone(): void {
    this.wakeFlushWaiters();
  }

  get maxImmutables(): number {
    return Math.max(1, this.config.options.numMemtables - 1);
  }

  allocateFileId(): number {
    return this.nextFileId++;
  }

  newMemtable(): Memtable {
    const { fs, dir, options, durable } = this.config;
    const reuse = this.arenaPool.take();
    if (!durable) return Memtable.inMemory(options.memTableSize, 0, reuse);
    const id = this.allocateFileId();
    const keys = this.config.keys;
    const m = Memtable.create(fs, joinPath(dir, fileName('wal', id)), id, options.memTableSize, keys === undefined ? undefined : { encryption: keys.current() }, reuse);
    if (this.preallocatesWals) m.preallocateWal(WAL_PREALLOCATE_BYTES);
    return m;
  }

  /**
   * Drops the tree's hold on a flushed memtable: its arena goes back to the pool when the last
   * reader (an iterator from before the flush) lets it go. The flush worker is done with it: the
   * flush job resolved.
   */
  private retireMemtable(memtable: Memtable): void {
    memtable.onZero = () => {
      this.arenaPool.give(memtable.skiplist.buffer);
    };
    memtable.unref();
  }

  // ---- read path -------------------------------------------------------------------------

  /** The newest entry of `userKey` at or below `readVersion`, tombstones included. */
  get(userKey: Uint8Array, readVersion: number): FoundValue | undefined {
    const fromActive = this.active.get(userKey, readVersion);
    if (fromActive !== undefined) return fromActive;
    for (const m of this.immutables) {
      const found = m.get(userKey, readVersion);
      if (found !== undefined) return found;
    }
    const levels = this.version.levels;
    let hash = -1; // hashKey(userKey), once, when the first table's range holds the key
    for (const t of levels[0]!) {
      if (!t.covers(userKey)) continue;
      if (hash < 0) hash = hashKey(userKey);
      const found = this.getFromTable(t, userKey, readVersion, hash);
      if (found !== undefined) return found;
    }
    for (let l = 1; l < levels.length; l++) {
      const t = findTable(levels[l]!, userKey);
      if (t === undefined || !t.covers(userKey)) continue;
      if (hash < 0) hash = hashKey(userKey);
      const found = this.getFromTable(t, userKey, readVersion, hash);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** A table whose range holds userKey; `hash` is its hashKey(). */
  private getFromTable(t: Table, userKey: Uint8Array, readVersion: number, hash: number): FoundValue | undefined {
    if (!t.mayContainHash(hash)) {
      this.config.counters.bloomNegatives++;
      return undefined;
    }
    if (!t.getUnfiltered(userKey, readVersion, tableHit)) return undefined;
    const v = decodeValueStruct(tableHit.value, t.path) as FoundValue;
    v.version = tableHit.version;
    return v;
  }

  /**
   * Iterators over every source, newest first, and a function that releases what they hold.
   * With `range` (user keys, both ends inclusive, undefined unbounded), tables wholly outside it
   * get no iterator: an iteration confined to the range would only seek them to find nothing
   * (a block read and search per table per seek).
   */
  sources(range?: { lower: Uint8Array | undefined; upper: Uint8Array | undefined }): { iterators: InternalIterator[]; release: () => void } {
    const version = this.version;
    version.refAll();
    // Each memtable is held until release(): its arena must not be reused while the iterator reads it.
    const memtables = [this.active, ...this.immutables];
    const iterators: InternalIterator[] = [];
    for (const m of memtables) {
      m.ref();
      iterators.push(m.iterator());
    }
    const lower = range?.lower;
    const upper = range?.upper;
    // L0 tables overlap: each is a source. A deeper level is one source whatever its size (its
    // tables are sorted and disjoint): a seek opens one table per level, not every table.
    const levels = version.levels;
    for (const t of levels[0]!) if (range === undefined || t.overlaps(lower, upper)) iterators.push(t.iterator());
    for (let l = 1; l < levels.length; l++) {
      let level = levels[l]!;
      if (range !== undefined && level.length > 0) {
        // Sorted and disjoint: the tables in range are a run of them.
        const from = lower === undefined ? 0 : countWhile(level, (t) => !t.overlaps(lower, undefined));
        const to = upper === undefined ? level.length : countWhile(level, (t) => t.overlaps(undefined, upper));
        if (from !== 0 || to !== level.length) level = level.slice(from, Math.max(from, to));
      }
      if (level.length === 1) iterators.push(level[0]!.iterator());
      else if (level.length > 1) iterators.push(new ConcatIterator(level));
    }
    let released = false;
    return {
      iterators,
      release: () => {
        if (released) return;
        released = true;
        version.unrefAll();
        for (const m of memtables) m.unref();
      },
    };
  }

  // ---- write path ------------------------------------------------------------------------

  /** Freezes the active memtable and starts a new one, stalling while too many wait for a flush. */
  async rotate(): Promise<void> {
    const { counters, clock } = this.config;
    if (this.immutables.length >= this.maxImmutables) {
      counters.writeStalls++;
      const start = clock.nowMs();
      while (this.immutables.length >= this.maxImmutables) {
        this.throwIfFailed();
        this.scheduleFlush();
        await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
      }
      counters.writeStallMs += clock.nowMs() - start;
    }
    this.throwIfFailed();
    const old = this.active;
    if (this.config.durable) {
      // The old WAL is synced before any write goes to the new one, so a power loss cannot keep
      // a later WAL's records while losing an earlier one's: recovery stays a prefix. It ends at
      // its last record first: zeros after it would read as a torn tail, and recovery would drop
      // every later WAL.
      this.guardSync(() => old.trimWal(), `trim ${fileName('wal', old.fileId)}`);
      await this.guard(() => old.sync(), `sync ${fileName('wal', old.fileId)}`);
    }
    const fresh = this.guardSync(() => this.newMemtable(), 'create a WAL');
    if (this.config.durable) {
      // A new WAL's header and directory entry are durable before it takes a write, so a crash
      // never leaves a half-written header (which would read as a foreign file).
      await this.guard(() => fresh.sync(), `sync ${fileName('wal', fresh.fileId)}`);
      await this.guard(() => this.config.fs.syncDir(this.config.dir), 'sync the directory');
    }
    this.active = fresh;
    this.immutables.unshift(old);
    counters.memtableRotations++;
    this.scheduleFlush();
  }

  throwIfFailed(): void {
    if (this.error !== undefined) throw this.error;
  }

  /** Runs an I/O step; a failure puts the tree in the fail-stop error state. */
  async guard<T>(step: () => Promise<T>, what: string): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw this.fail(err, what);
    }
  }

  guardSync<T>(step: () => T, what: string): T {
    try {
      return step();
    } catch (err) {
      throw this.fail(err, what);
    }
  }

  fail(err: unknown, what: string): SettError {
    const e = err instanceof SettError ? err : IoError.from(err, what);
    if (this.error === undefined) this.error = e;
    this.wakeFlushWaiters();
    return e;
  }

  // ---- flush -----------------------------------------------------------------------------

  scheduleFlush(): void {
    if (this.flushing !== undefined || this.immutables.length === 0 || this.error !== undefined) return;
    if (this.config.options.readOnly) return; // its memtables stay in memory (see Compactor.maybeSchedule)
    this.flushing = this.flushLoop()
      .catch((err: unknown) => {
        this.fail(err, 'flush');
      })
      .finally(() => {
        this.flushing = undefined;
        this.wakeFlushWaiters();
        // A rotation that landed after the loop's last check saw `flushing` still set and started
        // nothing: start a loop for its memtable now, or it waits for the next rotation.
        this.scheduleFlush();
      });
  }

  /** Moves everything in memtables into L0 tables. Only while the writer is paused. */
  async flushAll(): Promise<void> {
    if (!this.active.isEmpty()) await this.rotate();
    this.scheduleFlush();
    await this.waitForFlushes();
    this.throwIfFailed();
  }

  /**
   * Deletes every table in one MANIFEST record (atomic across a crash: all or nothing). Only
   * while the writer is paused, the memtables are flushed and compaction is stopped.
   */
  async dropAllTables(): Promise<void> {
    const tables = [...this.version.tables()];
    if (tables.length === 0) return;
    // flushAll() unlinked the WALs of the memtables it flushed, but no directory sync has made
    // those unlinks durable: a power loss after this record could bring a WAL back, and its replay
    // would resurrect the dropped keys.
    if (this.config.durable) await this.guard(() => this.config.fs.syncDir(this.config.dir), 'sync the directory');
    await this.guard(async () => this.config.manifest?.apply(tables.map((t) => ({ type: 'delete' as const, tableId: t.fileId }))), 'record dropAll in the MANIFEST');
    this.version = LevelsVersion.empty(this.version.levels.length);
    for (const t of tables) this.retireTable(t);
    await this.discardValueLog();
  }

  /**
   * After dropAll nothing points into the value log (the memtables were flushed into the tables
   * just dropped, and writes wait behind the drop), so every byte of it is garbage. Only
   * compaction fed the discard statistics, so GC never picked these files: the active file is
   * closed off (GC never takes the active file) and every other file counts as all discardable.
   * GC then deletes them once the readers from before the drop, which hold read epochs, are gone.
   */
  private async discardValueLog(): Promise<void> {
    const { vlog, discard } = this.config;
    if (vlog === undefined || discard === undefined) return;
    if (vlog.fileSize(vlog.activeFileId) > VLOG_HEADER_BYTES) await this.guard(() => vlog.rotate(), 'start a new value-log file');
    for (const id of vlog.fileIds()) {
      if (id !== vlog.activeFileId) discard.add(id, Math.max(0, vlog.fileSize(id) - discard.get(id)));
    }
    await this.guard(() => discard.save(), 'save the discard statistics after dropAll');
  }

  /** Resolves when no flush or compaction is running and none is due (or the tree has failed). */
  async waitForIdle(): Promise<void> {
    for (;;) {
      await this.waitForFlushes();
      await this.compactor.waitIdle();
      this.compactor.maybeSchedule();
      if (this.flushing === undefined && this.compactor.activeCompactions === 0) return;
      // Let timers and I/O run between rounds: with an inline executor on an in-memory file
      // system every step resolves at once, and a long chain of compactions would starve them.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Worker threads of the executor alive now. */
  backgroundThreads(): number {
    return this.config.executor.threads ?? 0;
  }

  /** Stops the background workers that have no job now. */
  retireIdleWorkers(): Promise<void> {
    return this.config.executor.retireIdle?.() ?? Promise.resolve();
  }

  /** Resolves when no flush is running and none is waiting (or the tree has failed). */
  async waitForFlushes(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private wakeFlushWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiters) w();
  }

  private async flushLoop(): Promise<void> {
    while (this.immutables.length > 0 && this.error === undefined) {
      const oldest = this.immutables[this.immutables.length - 1]!;
      await this.waitForL0Room();
      if (this.error !== undefined) return;
      try {
        await this.flushOne(oldest);
      } catch (err) {
        this.fail(err, `flush of memtable ${oldest.fileId}`);
        return;
      }
      this.immutables.pop();
      try {
        oldest.close();
      } catch (err) {
        // The table holds the data; a WAL handle that fails to close is only a leak.
        this.config.log.warn(`sett: closing WAL ${oldest.fileId} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (this.config.durable) this.removeFile(fileName('wal', oldest.fileId));
      this.retireMemtable(oldest);
      this.wakeFlushWaiters();
    }
  }

  /**
   * L0 at numLevelZeroTablesStall tables: the flush waits for compaction to catch up, so frozen
   * memtables pile up and writers stall at rotation. Compaction never waits for a flush, so this
   * cannot deadlock. With numCompactors 0 no compaction will come: where Badger blocks writes
   * forever, the flush itself compacts L0 into the level below (a stall, counted), so writes go
   * on and L0 stays within the stall.
   */
  private async waitForL0Room(): Promise<void> {
    const { options, counters, clock } = this.config;
    if (this.version.levels[0]!.length < options.numLevelZeroTablesStall) return;
    counters.l0Stalls++;
    const start = clock.nowMs();
    while (this.version.levels[0]!.length >= options.numLevelZeroTablesStall && this.error === undefined) {
      this.compactor.maybeSchedule();
      if (this.compactor.activeCompactions === 0) {
        if (options.numCompactors !== 0 || this.compactor.isStopped) break; // nothing can shrink L0: do not wait forever
        await this.compactor.compactL0();
        continue;
      }
      await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    }
    counters.l0StallMs += clock.nowMs() - start;
  }

  /**
   * Deletes a file nothing needs any more. A failure is not fatal: the file is only garbage,
   * which the next open deletes (a WAL the MANIFEST records as flushed is deleted, not replayed;
   * an unnamed table is a crash's leftover).
   */
  private removeFile(name: string): void {
    try {
      this.config.fs.unlink(joinPath(this.config.dir, name));
    } catch (err) {
      this.config.log.warn(`sett: could not delete ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async flushOne(memtable: Memtable): Promise<void> {
    if (memtable.isEmpty()) return;
    const { fs, dir, executor, manifest, cache, counters } = this.config;
    const keys = this.config.keys;
    // A due data-key rotation happens when a new table is made (the registry is durable first).
    if (keys !== undefined) await keys.maybeRotate();
    const id = this.allocateFileId();
    const path = joinPath(dir, fileName('table', id));
    // Blocks for the cache only into room read blocks never used (adoptWarmBlocks takes no more
    // than is left then); a memtable's blocks take less than its arena (a node holds its key
    // whole, and a tower).
    const arena = memtable.skiplist.buffer;
    const warmBytes = this.config.options.prepopulateBlockCache && cache !== undefined ? Math.min(cache.reservableBytes, arena.byteLength) : 0;
    const table0 = {
      ...this.tableOptions,
      maxWalId: memtable.fileId,
      ...(keys === undefined ? {} : { encryption: keys.current() }),
      ...(warmBytes > 0 ? { warmBytes } : {}),
    };
    const { properties, warm } = await executor.run({ kind: 'flush', arena, path, table: table0 });
    // The table's directory entry is durable before the MANIFEST names it, and so are the
    // value-log bytes its pointers name (a table outlives its WAL, whose replay would check them).
    await fs.syncDir(dir);
    await this.config.vlog?.sync();
    const table = Table.open(fs, path, id, { cache, keys });
    if (warm !== undefined) {
      // Only a speed-up: a handover that does not match its table must not fail the flush.
      try {
        table.adoptWarmBlocks(warm);
      } catch (err) {
        this.config.log.warn(`sett: blocks of ${fileName('table', id)} not prepopulated: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await manifest?.apply([
      { type: 'add', tableId: id, level: 0, compression: COMPRESSION_CODE[this.tableOptions.compression], keyId: table.properties.keyId },
      { type: 'wal', walId: memtable.fileId, lastVersion: properties.maxVersion },
    ]);
    this.version = this.version.withL0Table(table);
    counters.flushes++;
    counters.flushBytes += properties.fileBytes;
    this.compactor.maybeSchedule();
  }

  async close(): Promise<void> {
    await this.waitForFlushes();
    await this.compactor.stop();
    if (this.config.durable && this.error === undefined) {
      // The value log first: the WAL's records point into it.
      await this.config.vlog?.sync();
      await this.active.sync();
    }
    this.active.close();
    for (const m of this.immutables) m.close();
    this.arenaPool.clear();
    for (const t of this.version.tables()) t.unref();
  }
}

/** The table of a sorted, non-overlapping level whose range may hold `userKey`. */
function findTable(level: readonly Table[], userKey: Uint8Array): Table | undefined {
  let lo = 0;
  let hi = level.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const largest = level[mid]!.properties.largest;
    if (compareRanges(largest, 0, largest.length - 8, userKey, 0, userKey.length) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < level.length ? level[lo] : undefined;
}

/** How many tables, from the first, satisfy `holds` (true for a prefix of them): a binary search. */
function countWhile(tables: readonly Table[], holds: (t: Table) => boolean): number {
  let lo = 0;
  let hi = tables.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(tables[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
