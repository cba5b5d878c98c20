// Transactions (SPEC §4.3): snapshot reads at a fixed read version, writes buffered until commit,
// serializable for read-write transactions through conflict detection (oracle.ts), as Badger.
// Snapshots are read-only views at a fixed version with the same read path.

import {
  bufferCopy,
  ArrayIterator,
  ClosedError,
  InvalidArgumentError,
  ReadOnlyError,
  TxnTooBigError,
  compareInternalKeys,
  encodeInternalKey,
  encodeValueStruct,
  isDeleted,
  isExpired,
  type Entry,
  type InternalIterator,
} from '../base/index.js';
import type { DBIterator, IteratorOptions } from './db-iterator.js';
import type { PutOptions } from './db.js';
import type { EntryMaker } from './entries.js';
import { sortedInsertMinEntries } from './commit.js';
import { keyString, type ConflictCheck } from './oracle.js';

/** What a transaction needs from its database. */
export interface TxnHost {
  readonly make: EntryMaker;
  readonly maxTxnBytes: number;
  readonly maxTxnCount: number;
  /** Whether commits are checked for conflicts: without it a transaction's read set serves nothing. */
  readonly tracksReads: boolean;
  nowMs(): number;
  /** The newest entry of `key` at or below `version`, resolved to its user value; undefined if none, deleted or expired. */
  readAt(key: Uint8Array, version: number): Buffer | undefined;
  /** An iterator at `version` with `extra` sources merged on top (newest). */
  iteratorAt(version: number, options: IteratorOptions, extra: InternalIterator | undefined, onKey: ((key: Uint8Array) => void) | undefined): DBIterator;
  /**
   * Commits `entries` atomically, after the conflict check; CONFLICT writes nothing. With
   * `options.sync` the commit is durable (WAL and value log fsynced) before it resolves.
   * `inKeyOrder`: the entries are in key order, each key once.
   */
  commit(entries: Entry[], check: ConflictCheck | undefined, onChecked?: () => void, options?: CommitOptions, inKeyOrder?: boolean): Promise<void>;
  checkOpen(): void;
  checkWritable(): void;
}

export interface TransactionOptions {
  readOnly?: boolean;
}

/** Options of one commit: `Transaction.commit`, `DB.update`, `DB.batch`, `DB.put`, `DB.delete`. */
export interface CommitOptions {
  /**
   * Make this commit durable before its promise resolves: its WAL record (and the value log, if
   * values were separated) is fsynced even when the database runs with `syncWrites: false`.
   * Accepted and ignored by in-memory databases.
   */
  sync?: boolean;
}

/** The `sync` flag of a commit's options, validated (INVALID_ARGUMENT for anything but a boolean). */
export function syncOption(options: unknown): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`commit options must be an object, got ${String(options)}`);
  const sync = (options as CommitOptions).sync;
  if (sync === undefined) return false;
  if (typeof sync !== 'boolean') throw new InvalidArgumentError(`option sync must be a boolean, got ${typeof sync === 'string' ? JSON.stringify(sync) : String(sync)}`);
  return sync;
}

/** A fixed-version, read-only view: `get`, `getSync`, `iterator`, then `release()`. */
export class Snapshot {
  private released = false;

  constructor(
    protected readonly host: TxnHost,
    /** Every commit at or below it is visible, nothing after. */
    readonly version: number,
    private readonly releaseHolds: () => void,
  ) {}

  getSync(key: Uint8Array | string): Buffer | undefined {
    this.checkLive();
    return this.host.readAt(this.host.make.key(key), this.version);
  }

  async get(key: Uint8Array | string): Promise<Buffer | undefined> {
    return this.getSync(key);
  }

  iterator(options: IteratorOptions = {}): DBIterator {
    this.checkLive();
    return this.host.iteratorAt(this.version, options, undefined, undefined);
  }

  /** Lets compaction and value-log GC reclaim what this snapshot kept alive. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.releaseHolds();
  }

  get isReleased(): boolean {
    return this.released;
  }

  protected checkLive(): void {
    this.host.checkOpen();
    if (this.released) throw new ClosedError('snapshot');
  }
}

export class Transaction extends Snapshot {
  readonly readOnly: boolean;
  /** Pending writes by key; the last write of a key wins. */
  private readonly writes = new Map<string, Entry>();
  private readonly reads = new Set<string>();
  /** Read-write with conflict detection on: reads are recorded for the commit's check. */
  private readonly tracking: boolean;
  private bytes = 0;
  private done = false;

  constructor(
    host: TxnHost,
    readVersion: number,
    readOnly: boolean,
    releaseHolds: () => void,
    /** Lets the conflict oracle stop keeping writes for this transaction (idempotent). */
    private readonly releaseConflictHold: () => void = () => {},
  ) {
    super(host, readVersion, releaseHolds);
    this.readOnly = readOnly;
    this.tracking = !readOnly && host.tracksReads;
  }

  get readVersion(): number {
    return this.version;
  }

  override getSync(key: Uint8Array | string): Buffer | undefined {
    this.checkLive();
    const k = this.host.make.key(key);
    // The key as a string only for what needs one: a pending write's lookup, the read set.
    if (this.writes.size > 0 || this.tracking) {
      const ks = keyString(k);
      const pending = this.writes.get(ks);
      if (pending !== undefined) {
        if (isDeleted(pending.meta) || isExpired(pending.expiresAt, this.host.nowMs())) return undefined;
        return bufferCopy(pending.value);
      }
      if (this.tracking) this.reads.add(ks);
    }
    return this.host.readAt(k, this.version);
  }

  /** Buffers a write; durability is chosen at commit (`commit({ sync: true })`), not per put. */
  put(key: Uint8Array | string, value: Uint8Array | string, options: Omit<PutOptions, 'sync'> = {}): void {
    const entry = this.host.make.put(key, value, options.ttl, options.userMeta);
    // Copy what the caller owns: it may reuse its buffers before the commit. A string was just
    // encoded into a buffer of its own. new Uint8Array(view) is one memcpy (Uint8Array.from
    // walks the source's iterator, 3x slower).
    if (typeof key !== 'string') entry.key = new Uint8Array(entry.key);
    if (typeof value !== 'string') entry.value = new Uint8Array(entry.value);
    this.add(entry);
  }

  delete(key: Uint8Array | string): void {
    const entry = this.host.make.delete(key);
    if (typeof key !== 'string') entry.key = new Uint8Array(entry.key);
    this.add(entry);
  }

  /**
   * @internal As put, for a caller that hands over buffers nothing writes again (the table layer
   * builds each key and value fresh): they are kept as they are. A copy of a row's value is an
   * allocation outside the V8 heap, about a microsecond.
   */
  putFresh(key: Uint8Array, value: Uint8Array): void {
    this.add(this.host.make.put(key, value, undefined, undefined));
  }

  /** @internal As delete, for a key nothing writes again (see putFresh). */
  deleteFresh(key: Uint8Array): void {
    this.add(this.host.make.delete(key));
  }

  override iterator(options: IteratorOptions = {}): DBIterator {
    this.checkLive();
    const pending = [...this.writes.values()]
      .map((e) => [encodeInternalKey(e.key, this.version), encodeValueStruct(e)] as const)
      .sort((a, b) => compareInternalKeys(a[0], b[0]));
    const onKey = this.tracking ? (key: Uint8Array) => this.reads.add(keyString(key)) : undefined;
    return this.host.iteratorAt(this.version, options, pending.length > 0 ? new ArrayIterator(pending) : undefined, onKey);
  }

  /**
   * Writes every pending write atomically. Fails with CONFLICT, writing nothing, if a key this
   * transaction read was written by a commit after its read version. Ends the transaction.
   * With `{ sync: true }` the writes are fsynced before the promise resolves, whatever
   * `syncWrites` says (see CommitOptions).
   */
  async commit(options?: CommitOptions): Promise<void> {
    this.checkLive();
    if (this.done) throw new InvalidArgumentError('the transaction has already been committed or discarded');
    // Validated before the transaction ends: a bad option leaves it open to commit again.
    const sync = syncOption(options);
    this.done = true;
    try {
      if (this.writes.size === 0) return;
      this.host.checkWritable();
      const inKeyOrder = this.writes.size >= sortedInsertMinEntries;
      const entries = inKeyOrder ? this.writesInKeyOrder() : [...this.writes.values()];
      // Blind writes never conflict; a transaction that read nothing has nothing to check.
      await this.host.commit(
        entries,
        this.reads.size === 0 ? undefined : { readVersion: this.version, reads: this.reads },
        this.releaseConflictHold,
        sync ? { sync } : undefined,
        inKeyOrder,
      );
    } finally {
      this.release();
    }
  }

  /**
   * The pending writes in key order, for the memtable's in-order inserts. Sorted by their
   * latin1 key strings (the write set's keys; one char per byte, so string order is byte order):
   * V8 compares two strings natively, about twice as fast as a loop over the bytes.
   */
  private writesInKeyOrder(): Entry[] {
    const keys = [...this.writes.keys()].sort((a, b) => (a < b ? -1 : 1));
    const out = new Array<Entry>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.writes.get(keys[i]!)!;
    return out;
  }

  /** Drops the pending writes and ends the transaction. Idempotent; safe after commit. */
  discard(): void {
    this.done = true;
    this.release();
  }

  private add(entry: Entry): void {
    this.checkLive();
    if (this.done) throw new InvalidArgumentError('the transaction has already been committed or discarded');
    if (this.readOnly) throw new ReadOnlyError('the transaction is read-only');
    const ks = keyString(entry.key);
    const previous = this.writes.get(ks);
    const bytes = this.bytes + entry.key.length + entry.value.length - (previous === undefined ? 0 : previous.key.length + previous.value.length);
    const count = this.writes.size + (previous === undefined ? 1 : 0);
    if (count > this.host.maxTxnCount || bytes > this.host.maxTxnBytes) {
      throw new TxnTooBigError(
        `the transaction would hold ${count} writes and ${bytes} bytes; at most ${this.host.maxTxnCount} writes and ${this.host.maxTxnBytes} bytes fit in one commit (derived from memTableSize)`,
      );
    }
    this.writes.set(ks, entry);
    this.bytes = bytes;
  }
}
