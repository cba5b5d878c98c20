// The database: SPEC §5's public surface over the tree (lsm.ts), the group-commit writer
// (write-queue.ts) and recovery (open.ts).

import {
  ClosedError,
  InvalidArgumentError,
  META_DELETE,
  META_VALUE_POINTER,
  MAX_VERSION,
  VALUE_POINTER_BYTES,
  ValuePointer,
  ReadOnlyError,
  SettError,
  TxnTooBigError,
  isDeleted,
  isExpired,
  toBytes,
  valueStructLength,
  type Clock,
  type Entry,
} from '../base/index.js';
import { MergeIterator, type Executor } from '../compaction/index.js';
import type { DirLock } from '../fs/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ValueLog } from '../vlog/index.js';
import type { Block, BlockCache } from '../sstable/index.js';
import { ValueLogGC } from './value-gc.js';
import { DBIterator, type IteratorOptions, type ResolvedBounds } from './db-iterator.js';
import type { Lsm } from './lsm.js';
import { maxKeySizeBytes, type Options } from './options.js';
import type { Counters, DBStats } from './stats.js';
import { WriteQueue, type WriteRequest } from './write-queue.js';

export interface PutOptions {
  /** Time to live in milliseconds; the entry is invisible once it has passed. */
  ttl?: number;
  /** One byte the application can attach to the entry. */
  userMeta?: number;
}

export type BatchOperation =
  | { type: 'put'; key: Uint8Array | string; value: Uint8Array | string; ttl?: number; userMeta?: number }
  | { type: 'del'; key: Uint8Array | string };

/** Bytes a value-log entry may take beyond its key and value (header, CRC, file header share). */
const vlogEntryOverheadBytes = 256;

/** Bytes of arena a write may use beyond its key and value (node, version, value header). */
const entryOverheadBytes = 64;

export interface DBParts {
  dir: string;
  options: Options;
  lsm: Lsm;
  manifest: Manifest | undefined;
  executor: Executor;
  cache: BlockCache<Block>;
  lock: DirLock | undefined;
  counters: Counters;
  clock: Clock;
  lastVersion: number;
  vlog: ValueLog | undefined;
}

export class DB implements AsyncDisposable {
  readonly dir: string;
  readonly options: Readonly<Options>;
  private readonly lsm: Lsm;
  private readonly counters: Counters;
  private readonly clock: Clock;
  private readonly writer: WriteQueue;
  /** The highest version handed to a write. */
  private lastVersion: number;
  /** The highest version every read sees: writes become visible only once committed. */
  private visibleVersion: number;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;

  /** Use `open()`. */
  constructor(private readonly parts: DBParts) {
    this.dir = parts.dir;
    this.options = parts.options;
    this.lsm = parts.lsm;
    this.counters = parts.counters;
    this.clock = parts.clock;
    this.lastVersion = parts.lastVersion;
    this.visibleVersion = parts.lastVersion;
    this.writer = new WriteQueue((group) => this.commitGroup(group));
    this.lsm.discardVersion = () => this.oldestReadVersion();
    const { vlog } = parts;
    const discard = this.lsm.discard;
    if (vlog !== undefined && discard !== undefined && !parts.options.readOnly) {
      this.gc = new ValueLogGC({
        vlog,
        discard,
        counters: this.counters,
        nowMs: () => this.clock.nowMs(),
        stillPointsAt: (key, version, pointer) => this.stillPointsAt(key, version, pointer),
        rewrite: (entries, from) => this.writer.enqueue(entries, entries.reduce((n, e) => n + e.key.length + e.value.length + entryOverheadBytes, 0), from),
        syncAll: async () => {
          await this.writer.idle();
          await this.lsm.guard(async () => {
            await vlog.sync();
            await this.lsm.active.sync();
          }, 'sync after value-log GC');
        },
        nextEpoch: () => ++this.epoch,
        oldestLiveEpoch: () => {
          let oldest = Infinity;
          for (const e of this.epochs.keys()) if (e < oldest) oldest = e;
          return oldest;
        },
      });
      if (parts.options.valueLogGCInterval > 0) {
        this.gcTimer = setInterval(() => {
          if (this.state !== 'open') return;
          this.runValueLogGC(0.5).catch((err: unknown) => this.options.logger?.error(`sett: background value-log GC failed: ${String(err)}`));
        }, parts.options.valueLogGCInterval);
        this.gcTimer.unref();
      }
    }
  }

  private readonly gc: ValueLogGC | undefined;
  private gcTimer: ReturnType<typeof setInterval> | undefined;
  /** Read epochs (see value-gc.ts): bumped when GC has rewritten a file; iterators record theirs. */
  private epoch = 0;
  private readonly epochs = new Map<number, number>();

  /**
   * Rewrites the value-log file with the most discardable bytes, if at least `discardRatio` of
   * it is garbage, and deletes it once no reader needs it. Resolves true if it rewrote a file,
   * false if none qualified or a GC is already running (Badger's ErrNoRewrite).
   */
  async runValueLogGC(discardRatio = 0.5): Promise<boolean> {
    this.checkWritable();
    if (this.gc === undefined) {
      if (typeof discardRatio !== 'number' || !(discardRatio > 0 && discardRatio < 1)) {
        throw new InvalidArgumentError(`discardRatio must be a number between 0 and 1 (exclusive), got ${String(discardRatio)}`);
      }
      return false;
    }
    const run = this.gc.run(discardRatio);
    const tracked: Promise<void> = run.then(
      () => void this.maintenance.delete(tracked),
      () => void this.maintenance.delete(tracked),
    );
    this.maintenance.add(tracked);
    return run;
  }

  /** Read versions held by live iterators (and later snapshots), with their counts. */
  private readonly readers = new Map<number, number>();

  /** Registers a reader at `version`; the returned function unregisters it. */
  private holdReadVersion(version: number): () => void {
    this.readers.set(version, (this.readers.get(version) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = this.readers.get(version)! - 1;
      if (n === 0) this.readers.delete(version);
      else this.readers.set(version, n);
    };
  }

  private holdEpoch(): () => void {
    const epoch = this.epoch;
    this.epochs.set(epoch, (this.epochs.get(epoch) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = this.epochs.get(epoch)! - 1;
      if (n === 0) this.epochs.delete(epoch);
      else this.epochs.set(epoch, n);
      if (this.gc !== undefined && this.gc.pendingDeletions > 0 && this.state === 'open') {
        const deleting = this.gc
          .deleteReleased()
          .catch((err: unknown) => this.options.logger?.warn(`sett: deleting a collected value-log file failed: ${String(err)}`))
          .finally(() => this.maintenance.delete(deleting));
        this.maintenance.add(deleting);
      }
    };
  }

  /** The discard version compaction uses: no reader asks for anything older. */
  private oldestReadVersion(): number {
    let oldest = this.visibleVersion;
    for (const v of this.readers.keys()) if (v < oldest) oldest = v;
    return oldest;
  }

  // ---- writes ----------------------------------------------------------------------------

  async put(key: Uint8Array | string, value: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const entry = this.makePut(key, value, options.ttl, options.userMeta);
    this.counters.puts++;
    return this.submit([entry]);
  }

  async delete(key: Uint8Array | string): Promise<void> {
    const entry = this.makeDelete(key);
    this.counters.deletes++;
    return this.submit([entry]);
  }

  /** Applies every operation or none (one WAL record). */
  async batch(operations: readonly BatchOperation[]): Promise<void> {
    if (!Array.isArray(operations)) throw new InvalidArgumentError('batch takes an array of operations');
    const entries: Entry[] = [];
    for (const [i, op] of operations.entries()) {
      if (typeof op !== 'object' || op === null) throw new InvalidArgumentError(`batch operation ${i} must be an object`);
      if (op.type === 'put') entries.push(this.makePut(op.key, op.value, op.ttl, op.userMeta));
      else if (op.type === 'del') entries.push(this.makeDelete(op.key));
      else throw new InvalidArgumentError(`batch operation ${i} has type ${JSON.stringify((op as { type: unknown }).type)}; expected "put" or "del"`);
    }
    this.counters.batches++;
    if (entries.length === 0) {
      this.checkWritable();
      return;
    }
    return this.submit(entries);
  }

  private submit(entries: Entry[]): Promise<void> {
    this.checkWritable();
    // What the entries take in a memtable: a value headed for the value log leaves a pointer.
    const threshold = this.parts.vlog === undefined ? Infinity : this.options.valueThreshold;
    let bytes = 0;
    let treeBytes = 0;
    for (const e of entries) {
      bytes += e.key.length + e.value.length + entryOverheadBytes;
      treeBytes += e.key.length + entryOverheadBytes + (e.value.length > threshold ? VALUE_POINTER_BYTES + 3 : valueStructLength(e));
    }
    if (treeBytes > this.options.memTableSize / 2) {
      throw new TxnTooBigError(
        `a batch of ${entries.length} entries and ${treeBytes} bytes does not fit in one memtable (memTableSize ${this.options.memTableSize}); split it or use writeBatch()`,
      );
    }
    ownBytes(entries);
    for (const e of entries) this.counters.userBytesWritten += e.key.length + e.value.length;
    return this.writer.enqueue(entries, bytes);
  }

  private makePut(key: unknown, value: unknown, ttl: unknown, userMeta: unknown): Entry {
    const k = this.checkKey(key);
    const v = toBytes(value, 'value');
    const max = this.maxValueBytes(k.length);
    if (v.length > max) throw new InvalidArgumentError(`value of ${v.length} bytes is too large (at most ${max} bytes)`);
    let expiresAt = 0;
    if (ttl !== undefined) {
      if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw new InvalidArgumentError(`ttl must be a positive number of milliseconds, got ${String(ttl)}`);
      expiresAt = this.clock.nowMs() + Math.ceil(ttl);
    }
    let um = 0;
    if (userMeta !== undefined) {
      if (typeof userMeta !== 'number' || !Number.isInteger(userMeta) || userMeta < 0 || userMeta > 255) {
        throw new InvalidArgumentError(`userMeta must be an integer from 0 to 255, got ${String(userMeta)}`);
      }
      um = userMeta;
    }
    return { key: k, version: 0, meta: 0, userMeta: um, expiresAt, value: v };
  }

  /** Values go to the value log (a file holds at least one entry), or stay in a memtable (inMemory). */
  private maxValueBytes(keyLength: number): number {
    if (this.parts.vlog === undefined) return Math.floor(this.options.memTableSize / 2);
    return this.options.valueLogFileSize - keyLength - vlogEntryOverheadBytes;
  }

  private makeDelete(key: unknown): Entry {
    const k = this.checkKey(key);
    return { key: k, version: 0, meta: META_DELETE, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };
  }

  private checkKey(key: unknown): Uint8Array {
    const k = toBytes(key, 'key');
    if (k.length === 0) throw new InvalidArgumentError('key must not be empty');
    if (k.length > maxKeySizeBytes) throw new InvalidArgumentError(`key of ${k.length} bytes is too long (at most ${maxKeySizeBytes} bytes)`);
    return k;
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new ClosedError();
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.options.readOnly) throw new ReadOnlyError();
    this.lsm.throwIfFailed();
  }

  /** Commits one group: versions, WAL append(s), one sync, then visibility. */
  private async commitGroup(all: WriteRequest[]): Promise<void> {
    this.lsm.throwIfFailed();
    const group = this.dropStaleRewrites(all);
    this.counters.groups++;
    this.counters.groupedRequests += group.length;
    if (group.length > this.counters.maxGroupSize) this.counters.maxGroupSize = group.length;
    let version = this.lastVersion;
    for (const r of group) {
      // GC rewrites too get a new version: the rewritten value is then the newest version of
      // its key, in the memtable, the top of the tree, so "newest above" holds without a
      // special case (an old version in a newer table would break L0's order by max version).
      version++;
      for (const e of r.entries) e.version = version;
    }
    this.lastVersion = version;
    await this.separateValues(group);
    let i = 0;
    while (i < group.length) {
      // The longest run of requests that fits in the active memtable goes in one WAL record.
      const start = i;
      const end = this.longestRunThatFits(group, start);
      if (end === start) {
        await this.lsm.rotate();
        continue;
      }
      i = end;
      const run = entriesOf(group, start, end);
      let runVersion = this.visibleVersion;
      for (let j = start; j < i; j++) for (const e of group[j]!.entries) if (e.version > runVersion) runVersion = e.version;
      const active = this.lsm.active;
      const bytes = this.lsm.guardSync(() => {
        const before = active.walBytes();
        active.apply(run);
        return active.walBytes() - before;
      }, 'append to the WAL');
      this.counters.walWrites++;
      this.counters.bytesWritten += bytes;
      if (this.options.syncWrites && !this.options.inMemory) {
        await this.lsm.guard(() => active.sync(), 'sync the WAL');
        this.counters.walSyncs++;
      }
      this.visibleVersion = runVersion;
      for (let j = start; j < i; j++) group[j]!.resolve();
    }
  }

  /**
   * Key-value separation: values longer than valueThreshold go to the value log in one append
   * (synced with syncWrites) before the WAL record that points at them is written.
   */
  private async separateValues(group: WriteRequest[]): Promise<void> {
    const vlog = this.parts.vlog;
    if (vlog === undefined) return;
    const threshold = this.options.valueThreshold;
    const large: Entry[] = [];
    for (const r of group) for (const e of r.entries) if (e.value.length > threshold && (e.meta & (META_VALUE_POINTER | META_DELETE)) === 0) large.push(e);
    if (large.length === 0) return;
    if (vlog.needsRotation()) await this.lsm.guard(() => vlog.rotate(), 'start a new value-log file');
    const pointers = this.lsm.guardSync(() => vlog.appendGroup(large), 'append to the value log');
    for (let k = 0; k < large.length; k++) {
      const e = large[k]!;
      this.counters.vlogBytesWritten += pointers[k]!.length;
      e.value = pointers[k]!.encode();
      e.meta |= META_VALUE_POINTER;
    }
    if (this.options.syncWrites) await this.lsm.guard(() => vlog.sync(), 'sync the value log');
  }

  /** GC rewrites whose key has moved on since they were read are dropped (and resolved). */
  private dropStaleRewrites(group: WriteRequest[]): WriteRequest[] {
    if (!group.some((r) => r.rewriteOf !== undefined)) return group;
    const out: WriteRequest[] = [];
    for (const r of group) {
      if (r.rewriteOf === undefined) {
        out.push(r);
        continue;
      }
      const keep: Entry[] = [];
      r.entries.forEach((e, k) => {
        if (this.stillPointsAt(e.key, e.version, r.rewriteOf![k]!)) keep.push(e);
      });
      if (keep.length === 0) {
        r.resolve();
        continue;
      }
      r.entries = keep;
      out.push(r);
    }
    return out;
  }

  /** Whether the newest version of `key` is `version` and its value lives at `pointer`. */
  stillPointsAt(key: Uint8Array, version: number, pointer: ValuePointer): boolean {
    const found = this.lsm.get(key, MAX_VERSION);
    if (found === undefined || found.version !== version || (found.meta & META_VALUE_POINTER) === 0) return false;
    const p = ValuePointer.decode(found.value);
    return p.fileId === pointer.fileId && p.offset === pointer.offset;
  }

  /** The end of the longest run group[start, end) whose entries fit in the active memtable. */
  private longestRunThatFits(group: WriteRequest[], start: number): number {
    const active = this.lsm.active;
    if (active.hasRoomFor(entriesOf(group, start, group.length))) return group.length;
    // Rare (the memtable is about to rotate): binary search on the number of requests.
    let lo = start;
    let hi = group.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (active.hasRoomFor(entriesOf(group, start, mid))) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // ---- reads -----------------------------------------------------------------------------

  /** The value of `key`, or undefined. Synchronous: served from memory and positional reads. */
  getSync(key: Uint8Array | string): Buffer | undefined {
    this.checkOpen();
    const k = this.checkKey(key);
    this.counters.gets++;
    const found = this.lsm.get(k, this.visibleVersion);
    if (found === undefined || isDeleted(found.meta) || isExpired(found.expiresAt, this.clock.nowMs())) return undefined;
    this.counters.getHits++;
    return this.resolveValue(k, found.meta, found.value);
  }

  /** The user's value of an entry: a copy of the inline bytes, or read through its value pointer. */
  private resolveValue(userKey: Uint8Array, meta: number, value: Uint8Array): Buffer {
    if ((meta & META_VALUE_POINTER) === 0) return Buffer.from(value);
    this.counters.vlogReads++;
    const bytes = this.parts.vlog!.read(ValuePointer.decode(value), userKey);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async get(key: Uint8Array | string): Promise<Buffer | undefined> {
    return this.getSync(key);
  }

  iterator(options: IteratorOptions = {}): DBIterator {
    this.checkOpen();
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('iterator options must be an object');
    const bound = (name: keyof IteratorOptions): Uint8Array | undefined => {
      const v = options[name];
      return v === undefined ? undefined : toBytes(v, `iterator option ${name}`);
    };
    const gt = bound('gt');
    const gte = bound('gte');
    const lt = bound('lt');
    const lte = bound('lte');
    const prefix = bound('prefix');
    const bounds: ResolvedBounds = {
      lower: gt ?? gte,
      lowerInclusive: gt === undefined,
      upper: lt ?? lte,
      upperInclusive: lt === undefined,
      prefix,
    };
    const limit = options.limit ?? Infinity;
    if (typeof limit !== 'number' || Number.isNaN(limit)) throw new InvalidArgumentError('iterator option limit must be a number');
    const { iterators, release } = this.lsm.sources();
    const readVersion = this.visibleVersion;
    const releaseVersion = this.holdReadVersion(readVersion);
    const releaseEpoch = this.holdEpoch();
    this.counters.iterators++;
    return new DBIterator(
      new MergeIterator(iterators),
      readVersion,
      bounds,
      options.reverse === true,
      limit < 0 ? Infinity : limit,
      options.keys !== false,
      options.values !== false,
      () => this.clock.nowMs(),
      () => {
        release();
        releaseVersion();
        releaseEpoch();
      },
      (userKey, meta, value) => this.resolveValue(userKey, meta, value),
    );
  }

  // ---- operations on the whole tree -------------------------------------------------------

  /**
   * Runs `op` with the writer paused (writes queue and land after it), the memtables flushed
   * and background compaction stopped; everything resumes afterwards.
   */
  private async exclusive(what: string, op: () => Promise<void>): Promise<void> {
    this.checkWritable();
    const run = (async () => {
      await this.writer.pause();
      try {
        await this.lsm.flushAll();
        await this.lsm.compactor.stop();
        try {
          await op();
        } finally {
          this.lsm.compactor.resume();
        }
      } finally {
        this.writer.resume();
        this.lsm.compactor.maybeSchedule();
      }
    })();
    this.maintenance.add(run);
    try {
      await run;
    } catch (err) {
      throw err instanceof SettError ? err : this.lsm.fail(err, what);
    } finally {
      this.maintenance.delete(run);
    }
  }

  private readonly maintenance = new Set<Promise<void>>();

  /** Compacts every table into one level (after flushing the memtables). */
  async flatten(): Promise<void> {
    await this.exclusive('flatten', () => this.lsm.compactor.flatten());
  }

  /**
   * Deletes every key starting with `prefix`: gone for every read that starts after the call
   * resolves (writes made during the call land after the drop). Not atomic across a crash:
   * a crash part-way leaves some of the keys.
   */
  async dropPrefix(prefix: Uint8Array | string): Promise<void> {
    const p = toBytes(prefix, 'prefix');
    if (p.length === 0) throw new InvalidArgumentError('dropPrefix needs a non-empty prefix; use dropAll() to delete everything');
    const owned = Uint8Array.from(p);
    await this.exclusive('dropPrefix', () => this.lsm.compactor.dropPrefix(owned));
  }

  /** Deletes every key (one MANIFEST record: a crash leaves all or nothing). */
  async dropAll(): Promise<void> {
    await this.exclusive('dropAll', () => this.lsm.dropAllTables());
  }

  // ---- maintenance -----------------------------------------------------------------------

  /** Waits until every queued write is committed and no flush or compaction is running or due. */
  async waitForBackgroundWork(): Promise<void> {
    await Promise.allSettled(this.maintenance);
    await this.writer.idle();
    await this.lsm.waitForIdle();
  }

  stats(): DBStats {
    const lsm = this.lsm;
    const c = this.counters;
    const levels = lsm.version.levels.map((tables, level) => ({
      level,
      tables: tables.length,
      bytes: tables.reduce((s, t) => s + t.size, 0),
      entries: tables.reduce((s, t) => s + t.properties.count, 0),
    }));
    const tableBytes = levels.reduce((s, l) => s + l.bytes, 0);
    const walBytes = [lsm.active, ...lsm.immutables].reduce((s, m) => s + m.walBytes(), 0);
    return {
      counters: { ...c },
      averageGroupSize: c.groups === 0 ? 0 : c.groupedRequests / c.groups,
      memtables: {
        active: 1,
        immutable: lsm.immutables.length,
        activeBytes: lsm.active.skiplist.sizeBytes(),
        capacityBytes: this.options.memTableSize,
      },
      levels,
      blockCache: this.parts.cache.stats(),
      files: {
        tables: levels.reduce((s, l) => s + l.tables, 0),
        tableBytes,
        wals: this.options.inMemory ? 0 : 1 + lsm.immutables.length,
        walBytes,
        manifestBytes: this.parts.manifest?.stats().fileBytes ?? 0,
      },
      valueLog: this.valueLogStats(),
      lastVersion: this.lastVersion,
      writeAmplification: c.userBytesWritten === 0 ? 0 : (c.bytesWritten + c.vlogBytesWritten + c.flushBytes + c.compactionBytesWritten) / c.userBytesWritten,
    };
  }

  private valueLogStats(): DBStats['valueLog'] {
    const vlog = this.parts.vlog;
    if (vlog === undefined) return { files: 0, bytes: 0, discardableBytes: 0, pendingDeletions: 0 };
    const ids = vlog.fileIds();
    return {
      files: ids.length,
      bytes: ids.reduce((n, id) => n + vlog.fileSize(id), 0),
      discardableBytes: ids.reduce((n, id) => n + (this.lsm.discard?.get(id) ?? 0), 0),
      pendingDeletions: this.gc?.pendingDeletions ?? 0,
    };
  }

  // ---- close -----------------------------------------------------------------------------

  /** Waits for in-flight writes and background jobs, syncs, and releases the lock. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.state = 'closing';
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.gcTimer !== undefined) clearInterval(this.gcTimer);
    try {
      await Promise.allSettled(this.maintenance);
      await this.writer.idle();
      if (this.options.compactL0OnClose && !this.options.readOnly && this.lsm.error === undefined) {
        await this.lsm.flushAll();
        await this.lsm.compactor.stop();
        this.lsm.compactor.resume();
        await this.lsm.compactor.compactL0();
      }
      await this.lsm.close();
      await this.parts.executor.close();
      this.parts.manifest?.close();
      if (this.lsm.discard?.dirty && !this.options.readOnly && this.lsm.error === undefined) await this.lsm.discard.save();
      this.parts.vlog?.close();
    } finally {
      this.state = 'closed';
      await this.parts.lock?.release();
    }
  }

  get isClosed(): boolean {
    return this.state !== 'open';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function entriesOf(group: readonly WriteRequest[], start: number, end: number): Entry[] {
  if (end - start === 1) return group[start]!.entries;
  const out: Entry[] = [];
  for (let j = start; j < end; j++) for (const e of group[j]!.entries) out.push(e);
  return out;
}

/**
 * The caller may reuse its buffers once a write call returns, but the write lands later (group
 * commit): copy every key and value into one buffer of the request's own, so a request costs one
 * allocation however many entries it has.
 */
function ownBytes(entries: Entry[]): void {
  let total = 0;
  for (const e of entries) total += e.key.length + e.value.length;
  const buf = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    buf.set(e.key, at);
    e.key = buf.subarray(at, at + e.key.length);
    at += e.key.length;
    buf.set(e.value, at);
    e.value = buf.subarray(at, at + e.value.length);
    at += e.value.length;
  }
}
