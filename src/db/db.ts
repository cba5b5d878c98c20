// The database: SPEC §5's public surface over the tree (lsm.ts), the group-commit writer
// (write-queue.ts) and recovery (open.ts).

import {
  bufferCopy,
  ClosedError,
  InvalidArgumentError,
  META_VALUE_POINTER,
  ValuePointer,
  ReadOnlyError,
  SettError,
  isDeleted,
  isExpired,
  toBytes,
  compareRanges,
  type Clock,
  META_DELETE,
  type Entry,
  type InternalIterator,
} from '../base/index.js';
import { MergeIterator, type Executor } from '../compaction/index.js';
import { nodeFS, type DirLock } from '../fs/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ValueLog } from '../vlog/index.js';
import type { Block, BlockCache } from '../sstable/index.js';
import { ValueLogGC } from './value-gc.js';
import { Snapshot, Transaction, syncOption, type CommitOptions, type TransactionOptions, type TxnHost } from './transaction.js';
import { Sequence } from './sequence.js';
import { WriteBatch } from './write-batch.js';
import { DBIterator, prefixSuccessor, type IteratorOptions, type ResolvedBounds } from './db-iterator.js';
import type { Lsm } from './lsm.js';
import type { Logger, Options } from './options.js';
import type { Counters, DBStats } from './stats.js';
import { WriteQueue, type WriteRequest } from './write-queue.js';
import { HeldNumbers } from './readers.js';
import { Committer } from './commit.js';
import { EntryMaker, entryOverheadBytes, ownBytes } from './entries.js';
import { backup as writeBackup, type BackupOptions } from './backup.js';
import { load as loadBackup, type LoadOptions, type LoadResult } from './restore.js';
import { planFromNames, readEveryEntry, verifyPlan, type VerifyOptions, type VerifyReport } from './verify.js';

export interface PutOptions {
  /** Time to live in milliseconds; the entry is invisible once it has passed. */
  ttl?: number;
  /** One byte the application can attach to the entry. */
  userMeta?: number;
  /**
   * `DB.put` only: fsync the write before the promise resolves, even with `syncWrites: false`
   * (see CommitOptions). A transaction's writes take it at `commit({ sync: true })`.
   */
  sync?: boolean;
}

export type BatchOperation =
  | { type: 'put'; key: Uint8Array | string; value: Uint8Array | string; ttl?: number; userMeta?: number }
  | { type: 'del'; key: Uint8Array | string };

export interface DropPrefixOptions {
  /**
   * Let other writes commit while the keys are removed. The caller promises that nothing writes
   * under the prefix meanwhile (the table layer's dropped table ids are never written again);
   * without it every write waits for the whole removal.
   */
  concurrentWrites?: boolean;
}

/** One committed write, as subscribers see it. */
export interface Change {
  key: Buffer;
  /** Undefined for a delete. */
  value: Buffer | undefined;
  version: number;
  deleted: boolean;
  userMeta: number;
  expiresAt: number;
}

interface Subscription {
  prefixes: Uint8Array[];
  callback: (changes: Change[]) => void;
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** compactL0 flushes the memtable when it holds at least 1/this of memTableSize. */
const IDLE_FLUSH_FRACTION = 8;
/** compactL0 compacts L0 when it holds at least this many tables: one is already a single run. */
const IDLE_COMPACTION_MIN_L0_TABLES = 2;

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
  /** options.logger behind options.loggingLevel: the one logger of this database. */
  log: Logger;
}

export class DB implements AsyncDisposable {
  readonly dir: string;
  readonly options: Readonly<Options>;
  private readonly lsm: Lsm;
  private readonly counters: Counters;
  private readonly clock: Clock;
  private readonly writer: WriteQueue;
  private readonly committer: Committer;
  private readonly make: EntryMaker;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;

  /** Use `open()`. */
  constructor(private readonly parts: DBParts) {
    this.dir = parts.dir;
    this.options = parts.options;
    this.lsm = parts.lsm;
    this.counters = parts.counters;
    this.clock = parts.clock;
    this.committer = new Committer(parts.lsm, parts.vlog, parts.options, parts.counters, parts.lastVersion, parts.log);
    this.make = new EntryMaker(parts.options, parts.vlog !== undefined, () => this.clock.nowMs());
    this.writer = new WriteQueue(this.committer, parts.options.maxPendingWriteBytes, () => this.counters.writeQueueRejections++);
    this.committer.openTransactions = this.txnReadVersions;
    Object.assign(this.txnHost, {
      make: this.make,
      maxTxnBytes: Math.floor(parts.options.memTableSize / 2),
      maxTxnCount: Math.floor(parts.options.memTableSize / 2 / entryOverheadBytes),
      tracksReads: parts.options.detectConflicts,
    });
    this.lsm.discardVersion = () => this.readVersions.min(this.committer.visibleVersion);
    // Another process may hold the directory now: writing on would corrupt its files. Fail-stop
    // (SPEC §4.5), as for a failed fsync: writes refused with the lock's error, reads served.
    parts.lock?.onCompromised((err) => this.lsm.fail(err, 'the directory lock'));
    const { vlog } = parts;
    const discard = this.lsm.discard;
    if (vlog !== undefined && discard !== undefined && !parts.options.readOnly) {
      this.gc = new ValueLogGC({
        vlog,
        discard,
        counters: this.counters,
        nowMs: () => this.clock.nowMs(),
        stillPointsAt: (key, version, pointer) => this.committer.stillPointsAt(key, version, pointer),
        // requestBytes: the limit of any write (TXN_TOO_BIG), which GC splits its batches by.
        rewrite: async (entries, from) => this.writer.enqueue(entries, this.make.requestBytes(entries), { rewriteOf: from }),
        treeBytes: (entry) => this.make.treeBytes(entry),
        maxRewriteTreeBytes: this.make.maxRequestTreeBytes,
        syncAll: async () => {
          await this.writer.idle();
          this.lsm.throwIfFailed();
          await this.lsm.guard(async () => {
            await vlog.sync();
            await this.lsm.active.sync();
          }, 'sync after value-log GC');
        },
        nextEpoch: () => ++this.epoch,
        oldestLiveEpoch: () => this.readEpochs.min(Infinity),
      });
      if (parts.options.valueLogGCInterval > 0) {
        this.gcTimer = setInterval(() => {
          if (this.state !== 'open') return;
          this.runValueLogGC(0.5).catch((err: unknown) => this.parts.log.error(`sett: background value-log GC failed: ${String(err)}`));
        }, parts.options.valueLogGCInterval);
        this.gcTimer.unref();
      }
    }
    if (parts.options.idleCompactionDelay > 0 && !parts.options.readOnly) {
      this.idleTimer = setInterval(() => this.onIdleTick(), parts.options.idleCompactionDelay);
      this.idleTimer.unref();
    }
  }

  private idleTimer: ReturnType<typeof setInterval> | undefined;
  /** Commit groups counted at the last tick: the same count a period later means no write came. */
  private groupsAtLastTick = -1;
  /** Commit groups counted when the last idle compaction began: none again until a write. */
  private groupsAtIdleCompaction = -1;

  /** A tick of idleCompactionDelay: after a whole period without a write, compactL0 once. */
  private onIdleTick(): void {
    const groups = this.counters.groups;
    const quiet = groups === this.groupsAtLastTick;
    this.groupsAtLastTick = groups;
    if (!quiet || groups === this.groupsAtIdleCompaction || this.state !== 'open' || this.maintenance.size > 0) return;
    this.groupsAtIdleCompaction = groups;
    this.compactL0().catch((err: unknown) => this.parts.log.error(`sett: idle compaction failed: ${String(err)}`));
  }

  private readonly gc: ValueLogGC | undefined;
  private gcTimer: ReturnType<typeof setInterval> | undefined;
  /** The read epoch (see value-gc.ts): bumped when GC has rewritten a file. */
  private epoch = 0;

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

  /** Read versions held by live iterators (and later snapshots): compaction keeps what they see. */
  private readonly readVersions = new HeldNumbers();
  /** Read epochs of live iterators: a file GC collected waits for older epochs to drain. */
  private readonly readEpochs = new HeldNumbers();

  /** Registers an iterator's epoch; releasing it may let GC delete a collected file. */
  private holdEpoch(): () => void {
    const release = this.readEpochs.hold(this.epoch);
    return () => {
      release();
      if (this.gc !== undefined && this.gc.pendingDeletions > 0 && this.state === 'open') {
        const deleting = this.gc
          .deleteReleased()
          .catch((err: unknown) => this.parts.log.warn(`sett: deleting a collected value-log file failed: ${String(err)}`))
          .finally(() => this.maintenance.delete(deleting));
        this.maintenance.add(deleting);
      }
    };
  }

  // ---- writes ----------------------------------------------------------------------------

  async put(key: Uint8Array | string, value: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const sync = syncOption(options);
    const entry = this.make.put(key, value, options.ttl, options.userMeta);
    this.counters.puts++;
    return this.submit([entry], sync);
  }

  async delete(key: Uint8Array | string, options?: CommitOptions): Promise<void> {
    const sync = syncOption(options);
    const entry = this.make.delete(key);
    this.counters.deletes++;
    return this.submit([entry], sync);
  }

  /** Applies every operation or none (one WAL record); `{ sync: true }` fsyncs it before resolving. */
  async batch(operations: readonly BatchOperation[], options?: CommitOptions): Promise<void> {
    const sync = syncOption(options);
    if (!Array.isArray(operations)) throw new InvalidArgumentError('batch takes an array of operations');
    const entries: Entry[] = [];
    for (const [i, op] of operations.entries()) {
      if (typeof op !== 'object' || op === null) throw new InvalidArgumentError(`batch operation ${i} must be an object`);
      if (op.type === 'put') entries.push(this.make.put(op.key, op.value, op.ttl, op.userMeta));
      else if (op.type === 'del') entries.push(this.make.delete(op.key));
      else throw new InvalidArgumentError(`batch operation ${i} has type ${JSON.stringify((op as { type: unknown }).type)}; expected "put" or "del"`);
    }
    this.counters.batches++;
    if (entries.length === 0) {
      this.checkWritable();
      return;
    }
    return this.submit(entries, sync);
  }

  /** `sync`: fsync the request's group even without syncWrites (commit.ts `forced`). */
  private submit(entries: Entry[], sync = false): Promise<void> {
    this.checkWritable();
    const bytes = this.make.requestBytes(entries);
    this.writer.admit(bytes);
    ownBytes(entries);
    for (const e of entries) this.counters.userBytesWritten += e.key.length + e.value.length;
    return this.writer.enqueue(entries, bytes, sync ? { sync } : undefined);
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new ClosedError();
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.options.readOnly) throw new ReadOnlyError();
    this.lsm.throwIfFailed();
  }

  // ---- reads -----------------------------------------------------------------------------

  /** The value of `key`, or undefined. Synchronous: served from memory and positional reads. */
  getSync(key: Uint8Array | string): Buffer | undefined {
    this.checkOpen();
    const k = this.make.key(key);
    this.counters.gets++;
    const found = this.lsm.get(k, this.committer.visibleVersion);
    // The clock only for an entry with a TTL: reading it was 1-2% of a readrandom profile.
    if (found === undefined || isDeleted(found.meta) || (found.expiresAt !== 0 && isExpired(found.expiresAt, this.clock.nowMs()))) return undefined;
    this.counters.getHits++;
    return this.resolveValue(k, found.meta, found.value);
  }

  /**
   * Whether an entry's value lived in a value-log file that GC has since deleted. Only an older
   * version can: GC deletes a file after the rewrites of its newest versions are visible and
   * every reader from before them is gone, so the newest version a reader sees never points
   * into it — a missing file there is corruption, for resolveValue to report.
   */
  private isCollected(userKey: Uint8Array, version: number, readVersion: number, meta: number, value: Uint8Array): boolean {
    const vlog = this.parts.vlog;
    if (vlog === undefined || (meta & META_VALUE_POINTER) === 0) return false;
    const fileId = ValuePointer.decode(value).fileId;
    if (vlog.validEnd(fileId) !== undefined || fileId >= vlog.activeFileId) return false;
    const newest = this.lsm.get(userKey, readVersion);
    return newest !== undefined && newest.version !== version;
  }

  /** The user's value of an entry: a copy of the inline bytes, or read through its value pointer. */
  private resolveValue(userKey: Uint8Array, meta: number, value: Uint8Array): Buffer {
    if ((meta & META_VALUE_POINTER) === 0) return bufferCopy(value);
    this.counters.vlogReads++;
    const bytes = this.parts.vlog!.read(ValuePointer.decode(value), userKey);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async get(key: Uint8Array | string): Promise<Buffer | undefined> {
    return this.getSync(key);
  }

  iterator(options: IteratorOptions = {}): DBIterator {
    this.checkOpen();
    return this.iteratorAt(this.committer.visibleVersion, options, undefined, undefined);
  }

  /** An iterator at `readVersion`, with `extra` (a transaction's pending writes) on top. */
  private iteratorAt(readVersion: number, options: IteratorOptions, extra: InternalIterator | undefined, onKey: ((key: Uint8Array) => void) | undefined): DBIterator {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('iterator options must be an object');
    const bound = (name: 'gt' | 'gte' | 'lt' | 'lte' | 'prefix'): Uint8Array | undefined => {
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
    const sinceVersion = options.sinceVersion ?? 0;
    if (typeof sinceVersion !== 'number' || !Number.isSafeInteger(sinceVersion) || sinceVersion < 0) {
      throw new InvalidArgumentError('iterator option sinceVersion must be a non-negative integer');
    }
    const { iterators, release } = this.lsm.sources(sourceRange(bounds));
    if (extra !== undefined) iterators.unshift(extra);
    const releaseVersion = this.readVersions.hold(readVersion);
    const releaseEpoch = this.holdEpoch();
    this.counters.iterators++;
    return new DBIterator(
      // One source (a lone memtable, the common case of a small or in-memory table) needs no merge.
      iterators.length === 1 ? iterators[0]! : new MergeIterator(iterators),
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
      {
        allVersions: options.allVersions === true,
        sinceVersion,
        withMeta: options.allVersions === true || options.meta === true,
        onKey,
        isCollected: (userKey, version, meta, value) => this.isCollected(userKey, version, readVersion, meta, value),
      },
    );
  }

  // ---- transactions and snapshots --------------------------------------------------------

  /** A transaction reading at the current version; commit() or discard() it. */
  transaction(options: TransactionOptions = {}): Transaction {
    this.checkOpen();
    const readOnly = options.readOnly === true || this.options.readOnly;
    const version = this.committer.visibleVersion;
    const releases = [this.readVersions.hold(version), this.holdEpoch()];
    // The oracle keeps writes for open read-write transactions; a committing one lets go as soon
    // as its own check is done (releases are idempotent).
    const releaseConflictHold = readOnly ? () => {} : this.txnReadVersions.hold(version);
    releases.push(releaseConflictHold);
    this.counters.transactions++;
    return new Transaction(
      this.txnHost,
      version,
      readOnly,
      () => {
        for (const r of releases) r();
      },
      releaseConflictHold,
    );
  }

  /**
   * Runs `fn` in a read-write transaction and commits it (CONFLICT if its reads were overwritten);
   * `options` are the commit's (`{ sync: true }`).
   */
  async update<T>(fn: (txn: Transaction) => T | Promise<T>, options?: CommitOptions): Promise<T> {
    syncOption(options);
    const txn = this.transaction();
    try {
      const result = await fn(txn);
      await txn.commit(options);
      return result;
    } finally {
      txn.discard();
    }
  }

  /** Runs `fn` in a read-only transaction. */
  async view<T>(fn: (txn: Transaction) => T | Promise<T>): Promise<T> {
    const txn = this.transaction({ readOnly: true });
    try {
      return await fn(txn);
    } finally {
      txn.discard();
    }
  }

  /** A read-only view at the current version, kept (with what it reads) until release(). */
  snapshot(): Snapshot {
    this.checkOpen();
    const version = this.committer.visibleVersion;
    const releases = [this.readVersions.hold(version), this.holdEpoch()];
    return new Snapshot(this.txnHost, version, () => {
      for (const r of releases) r();
    });
  }

  // ---- sequences, subscriptions, bulk loads ----------------------------------------------

  /**
   * Monotonic integers stored at key `name`, handed out from leases of `leaseSize` that are made
   * durable before use: never repeated, even across crashes.
   */
  sequence(name: Uint8Array | string, leaseSize = 100): Sequence {
    this.checkWritable();
    const key = Uint8Array.from(this.make.key(name));
    return new Sequence(
      {
        read: (k) => this.txnHost.readAt(k, this.committer.visibleVersion),
        writeDurable: (k, value) => {
          this.checkWritable();
          const entries = [this.make.put(k, value, undefined, undefined)];
          const bytes = this.make.requestBytes(entries);
          ownBytes(entries);
          return this.writer.enqueue(entries, bytes, { sync: true });
        },
        exclusive: (k, fn) => {
          const name = Buffer.from(k).toString('latin1');
          const run = (this.sequenceLocks.get(name) ?? Promise.resolve()).then(fn);
          const settled = run.then(
            () => undefined,
            () => undefined,
          );
          this.sequenceLocks.set(name, settled);
          void settled.then(() => {
            if (this.sequenceLocks.get(name) === settled) this.sequenceLocks.delete(name);
          });
          return run;
        },
      },
      key,
      leaseSize,
    );
  }

  /**
   * Calls `callback` after each commit with its entries whose keys start with one of `prefixes`
   * (an empty prefix matches every key), in commit order. Returns a function that stops it.
   */
  subscribe(prefixes: readonly (Uint8Array | string)[], callback: (changes: Change[]) => void): () => void {
    this.checkOpen();
    if (!Array.isArray(prefixes) || prefixes.length === 0) throw new InvalidArgumentError('subscribe takes a non-empty array of key prefixes');
    if (typeof callback !== 'function') throw new InvalidArgumentError('subscribe takes a callback function');
    const subscription: Subscription = { prefixes: prefixes.map((p) => Uint8Array.from(toBytes(p, 'prefix'))), callback };
    this.subscriptions.add(subscription);
    this.committer.onCommit = (entries) => this.publish(entries);
    return () => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.committer.onCommit = undefined;
    };
  }

  private readonly subscriptions = new Set<Subscription>();
  /** Per sequence key: the lease operations in flight, one at a time. */
  private readonly sequenceLocks = new Map<string, Promise<void>>();

  private publish(entries: readonly Entry[]): void {
    for (const sub of this.subscriptions) {
      const changes: Change[] = [];
      for (const e of entries) {
        if (!sub.prefixes.some((p) => startsWith(e.key, p))) continue;
        const deleted = (e.meta & META_DELETE) !== 0;
        changes.push({
          key: Buffer.from(e.key),
          value: deleted ? undefined : this.resolveValue(e.key, e.meta, e.value),
          version: e.version,
          deleted,
          userMeta: e.userMeta,
          expiresAt: e.expiresAt,
        });
      }
      if (changes.length === 0) continue;
      try {
        sub.callback(changes);
      } catch (err) {
        this.parts.log.error(`sett: a subscriber threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** A bulk loader of any size: commits in chunks (not atomic as a whole); flush() resolves when all is written. */
  writeBatch(): WriteBatch {
    this.checkWritable();
    return new WriteBatch({
      make: this.make,
      chunkBytes: Math.floor(this.options.memTableSize / 8),
      submit: (entries) => {
        this.checkWritable();
        const bytes = this.make.requestBytes(entries);
        for (const e of entries) this.counters.userBytesWritten += e.key.length + e.value.length;
        return this.writer.enqueue(entries, bytes);
      },
    });
  }

  /** Read versions of open read-write transactions: the conflict oracle keeps commits after the oldest. */
  private readonly txnReadVersions = new HeldNumbers();

  private readonly txnHost: TxnHost = {
    make: undefined as unknown as EntryMaker, // set in the constructor
    maxTxnBytes: 0,
    maxTxnCount: 0,
    tracksReads: true,
    nowMs: () => this.clock.nowMs(),
    readAt: (key, version) => {
      this.counters.gets++;
      const found = this.lsm.get(key, version);
      // The clock only for an entry with a TTL, as in getSync (3% of an indexed query's profile).
      if (found === undefined || isDeleted(found.meta) || (found.expiresAt !== 0 && isExpired(found.expiresAt, this.clock.nowMs()))) return undefined;
      return this.resolveValue(key, found.meta, found.value);
    },
    iteratorAt: (version, options, extra, onKey) => this.iteratorAt(version, options, extra, onKey),
    commit: (entries, check, onChecked, options, inKeyOrder) => {
      this.checkWritable();
      const bytes = this.make.requestBytes(entries);
      this.writer.admit(bytes);
      for (const e of entries) this.counters.userBytesWritten += e.key.length + e.value.length;
      this.counters.commits++;
      const extra: Pick<WriteRequest, 'onChecked' | 'conflictCheck' | 'sync' | 'inKeyOrder'> = {};
      if (inKeyOrder === true) extra.inKeyOrder = true;
      if (onChecked !== undefined) extra.onChecked = onChecked;
      if (check !== undefined) extra.conflictCheck = check;
      if (options?.sync === true) extra.sync = true;
      return this.writer.enqueue(entries, bytes, extra);
    },
    checkOpen: () => this.checkOpen(),
    checkWritable: () => this.checkWritable(),
  };

  // ---- operations on the whole tree -------------------------------------------------------

  /**
   * Runs `op` with the writer paused (writes queue and land after it), the memtables flushed
   * and background compaction stopped; everything resumes afterwards.
   */
  /**
   * Runs `op` with the memtables flushed and background compaction stopped; with `pauseWrites`
   * (the default) no write commits meanwhile either.
   */
  private async exclusive(what: string, op: () => Promise<void>, pauseWrites = true): Promise<void> {
    this.checkWritable();
    // One exclusive operation at a time: each stops and resumes compaction around itself.
    const before = this.exclusiveTail;
    // The pause is queued now, not after `before`: writes issued after this call land after `op`.
    const paused = pauseWrites ? this.writer.pause() : undefined;
    const run = (async () => {
      await before;
      await paused;
      try {
        await this.lsm.flushAll();
        await this.lsm.compactor.stop();
        try {
          await op();
        } finally {
          this.lsm.compactor.resume();
        }
      } finally {
        if (pauseWrites) this.writer.resume();
        this.lsm.compactor.maybeSchedule();
      }
    })();
    this.exclusiveTail = run.catch(() => undefined);
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
  private exclusiveTail: Promise<void> = Promise.resolve();

  /** Compacts every table into one level (after flushing the memtables). */
  async flatten(): Promise<void> {
    await this.exclusive('flatten', () => this.lsm.compactor.flatten());
  }

  /**
   * Deletes every key starting with `prefix`: gone for every read that starts after the call
   * resolves (writes made during the call land after the drop). Not atomic across a crash:
   * a crash part-way leaves some of the keys. Like Badger's, it rewrites the tables in place, so
   * snapshots and transactions open across it see the keys go too (it is not a versioned write).
   */
  async dropPrefix(prefix: Uint8Array | string, options: DropPrefixOptions = {}): Promise<void> {
    const p = toBytes(prefix, 'prefix');
    if (p.length === 0) throw new InvalidArgumentError('dropPrefix needs a non-empty prefix; use dropAll() to delete everything');
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('dropPrefix options must be an object');
    const owned = Uint8Array.from(p);
    if (options.concurrentWrites === true) {
      await this.exclusive('dropPrefix', () => this.lsm.compactor.dropPrefix(owned), false);
      // A value-log GC rewrite of a key under the prefix may have committed while the tables
      // were rewritten; then one blocking pass (short: little is left) removes it.
      const it = this.iterator({ prefix: owned, limit: 1, values: false });
      const left = it.nextEntry() !== undefined;
      it.close();
      if (!left) return;
    }
    await this.exclusive('dropPrefix', () => this.lsm.compactor.dropPrefix(owned));
  }

  /**
   * Makes reads cheaper after a burst of writes, while writes go on: flushes the memtable when it
   * holds at least an eighth of memTableSize, then compacts all of L0 into the level below once
   * L0 (with that flush) holds two or more tables. Point reads and iterators then consult fewer
   * sorted runs. What idleCompactionDelay does by itself after a quiet period; resolves when the
   * compaction is installed. docs/design.md §Idle compaction.
   */
  async compactL0(): Promise<void> {
    this.checkWritable();
    const run = this.settleL0();
    this.maintenance.add(run);
    try {
      await run;
    } catch (err) {
      throw err instanceof SettError ? err : this.lsm.fail(err, 'compactL0');
    } finally {
      this.maintenance.delete(run);
    }
  }

  private async settleL0(): Promise<void> {
    const lsm = this.lsm;
    // A memtable an eighth full or less is left: a trickle of writes should not turn every quiet
    // period into a flush and a compaction of all the tables its few keys overlap.
    const worthFlushing = (): boolean => lsm.active.skiplist.sizeBytes() >= this.options.memTableSize / IDLE_FLUSH_FRACTION;
    if (worthFlushing()) {
      // Rotation belongs to the writer: paused, no commit is between its WAL and its memtable.
      await this.writer.pause();
      try {
        if (worthFlushing()) await lsm.rotate();
      } finally {
        this.writer.resume();
      }
    }
    await lsm.waitForFlushes();
    lsm.throwIfFailed();
    await lsm.compactor.compactAllL0(IDLE_COMPACTION_MIN_L0_TABLES);
    lsm.throwIfFailed();
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
    // The caller waited for everything queued: a phase of its work has ended (a load before
    // reads, a test step). Idle workers would otherwise keep their heaps for WORKER_IDLE_MS
    // (tens of MiB each) while the reads that follow fill the block cache: the peak of
    // bench:scale at 10M. A write that needs one again starts a new worker in a few ms.
    await this.lsm.retireIdleWorkers();
  }

  // ---- backup and restore ----------------------------------------------------------------

  /**
   * Writes a consistent backup (docs/format.md §Backup) of the current version to a file path
   * (atomic, durable) or a writable stream (left open) while writes go on; resolves with the
   * version reached. `since` (a version an earlier backup of this database returned) makes it
   * incremental.
   */
  async backup(dest: string | NodeJS.WritableStream, options: BackupOptions = {}): Promise<number> {
    return writeBackup(this, dest, options);
  }

  /** Restores a full or incremental backup from a file path or a readable stream, through bulk writes. */
  async load(src: string | NodeJS.ReadableStream, options: LoadOptions = {}): Promise<LoadResult> {
    return loadBackup(this, src, options);
  }

  /**
   * Reads every checksum in the database directory (tables, value-log files, WALs, MANIFEST,
   * DISCARD) on the background executor, then reads every live entry as get() would (so a value
   * pointer into a missing or cut value-log file is found too), while reads and writes go on.
   * Reports what is damaged or missing, with file and offset. Changes nothing; a damaged file does
   * not fail the database (its reads report CORRUPTION when they reach the damage).
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.checkOpen();
    if (this.options.inMemory) {
      const report: VerifyReport = { ok: true, files: [], problems: [], extra: [], bytesRead: 0, entries: 0 };
      await readEveryEntry(this.iterator(), report);
      return report;
    }
    const fs = this.options.fs ?? nodeFS;
    // Hold what the plan names: referenced tables stay on disk, and GC deletes no value-log file
    // a reader from now could need.
    const tables = this.lsm.version.levels.flatMap((ts, level) => ts.map((table) => ({ table, level })));
    for (const { table } of tables) table.ref();
    const releaseEpoch = this.holdEpoch();
    try {
      const listed = planFromNames(fs.list(this.dir), new Map(tables.map(({ table, level }) => [table.fileId, level])));
      const keys = this.lsm.keys;
      const plan = { ...listed, tables: tables.map(({ table, level }) => ({ id: table.fileId, level })), live: true, ...(keys === undefined ? {} : { keys: keys.jobKeys(keys.keys().map((k) => k.id)) }) };
      const report = await verifyPlan(fs, this.dir, this.parts.executor, plan, options);
      await readEveryEntry(this.iterator(), report);
      return report;
    } finally {
      releaseEpoch();
      for (const { table } of tables) table.unref();
    }
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
    const arenas = lsm.arenaPool.stats();
    return {
      counters: { ...c },
      averageGroupSize: c.groups === 0 ? 0 : c.groupedRequests / c.groups,
      memtables: {
        active: 1,
        immutable: lsm.immutables.length,
        activeBytes: lsm.active.skiplist.sizeBytes(),
        capacityBytes: this.options.memTableSize,
        arenasReused: arenas.reused,
        arenasRecycled: arenas.recycled,
        arenasDropped: arenas.dropped,
        arenasFree: arenas.free,
      },
      levels,
      writeQueue: { requests: this.writer.pendingRequests, bytes: this.writer.pendingBytes, capacityBytes: this.writer.maxPendingBytes },
      conflictKeys: this.committer.oracle.size,
      blockCache: this.parts.cache.stats(),
      files: {
        tables: levels.reduce((s, l) => s + l.tables, 0),
        tableBytes,
        wals: this.options.inMemory ? 0 : 1 + lsm.immutables.length,
        walBytes,
        manifestBytes: this.parts.manifest?.stats().fileBytes ?? 0,
      },
      valueLog: this.valueLogStats(),
      lastVersion: this.committer.lastVersion,
      backgroundThreads: this.lsm.backgroundThreads(),
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
    if (this.idleTimer !== undefined) clearInterval(this.idleTimer);
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

/** The user keys an iteration within `bounds` can reach, both ends inclusive (a superset is fine). */
function sourceRange(b: ResolvedBounds): { lower: Uint8Array | undefined; upper: Uint8Array | undefined } | undefined {
  let { lower, upper } = b;
  if (b.prefix !== undefined) {
    if (lower === undefined || compareBytes(lower, b.prefix) < 0) lower = b.prefix;
    const end = prefixSuccessor(b.prefix);
    if (end !== undefined && (upper === undefined || compareBytes(end, upper) < 0)) upper = end;
  }
  return lower === undefined && upper === undefined ? undefined : { lower, upper };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRanges(a, 0, a.length, b, 0, b.length);
}
