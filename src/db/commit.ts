// Group commit (SPEC §3 "Write path"): the writer's half. Versions for the group's requests,
// large values to the value log, then the longest runs that fit the active memtable as one WAL
// record each (rotating between runs), one sync with syncWrites, and only then visibility.

import { ConflictError, TxnTooBigError, META_DELETE, META_VALUE_POINTER, MAX_VERSION, ValuePointer, type Entry } from '../base/index.js';
import { Oracle, keyString } from './oracle.js';
import type { ValueLog } from '../vlog/index.js';
import type { Lsm } from './lsm.js';
import type { Logger, Options } from './options.js';
import type { Counters } from './stats.js';
import type { WriteRequest } from './write-queue.js';

/** Entries inserted into the memtable between two turns of the event loop (about 0.5 ms of work). */
export const insertSliceEntries = 256;
/** Runs of at least this many entries go into the memtable in key order (sortedForInsert). */
export const sortedInsertMinEntries = 16;

const NO_OPEN_TRANSACTIONS = { min: (fallback: number): number => fallback };

export class Committer {
  /** The highest version handed to a write. */
  lastVersion: number;
  /** The highest version every read sees: writes become visible only once committed. */
  visibleVersion: number;

  constructor(
    private readonly lsm: Lsm,
    private readonly vlog: ValueLog | undefined,
    private readonly options: Readonly<Options>,
    private readonly counters: Counters,
    lastVersion: number,
    private readonly log: Logger,
  ) {
    this.lastVersion = lastVersion;
    this.visibleVersion = lastVersion;
    this.oracle = new Oracle(options.maxConflictKeys);
  }

  /** Conflict detection (read-write transactions). */
  readonly oracle: Oracle;
  /**
   * Read versions of the open read-write transactions; min() is the oldest (the oracle forgets
   * older commits). An object of one class for every database, not a closure per database: a
   * closure is a new call target, and a second database's first commit deoptimized this code.
   */
  openTransactions: { min(fallback: number): number } = NO_OPEN_TRANSACTIONS;
  /** Called with each committed request's entries, in commit order (subscriptions). */
  onCommit: ((entries: readonly Entry[]) => void) | undefined;

  /** Commits one group: versions, WAL append(s), one sync, then visibility. */
  async commitGroup(all: WriteRequest[]): Promise<void> {
    this.lsm.throwIfFailed();
    // Conflicts first: a rewrite is stale only behind a request that really commits. A rewrite
    // dropped for a transaction that then fails with CONFLICT would leave its key pointing into
    // the file GC deletes next.
    const group = this.dropStaleRewrites(this.dropConflicts(all));
    for (const r of all) r.onChecked?.();
    this.counters.groups++;
    this.counters.groupedRequests += group.length;
    // Not a branch: its first run in a new database deoptimized this function (no type feedback).
    this.counters.maxGroupSize = Math.max(this.counters.maxGroupSize, group.length);
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
      if (end === start && this.lsm.active.isEmpty()) {
        // Not even an empty memtable takes this request: rotating again would only make another
        // empty one, forever (value-log GC once sent such requests). Every write path checks the
        // limit first (EntryMaker.requestBytes), so this request alone fails and the group goes on.
        const r = group[i++]!;
        r.reject(new TxnTooBigError(`a write of ${r.entries.length} entries does not fit in an empty memtable (memTableSize ${this.options.memTableSize})`));
        continue;
      }
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
        active.log(run);
        return active.walBytes() - before;
      }, 'append to the WAL');
      // Memtable inserts of a large group take milliseconds: insert in slices and let the event
      // loop run between them. Nothing reads the new entries early: their versions are above
      // visibleVersion until the whole run is in; only this writer touches the active memtable.
      // In key order, each insert's search starts where the last one ended (a batch of rows with
      // increasing keys then costs a few steps per entry, not a search from the head). A run of a
      // few entries is not sorted: its keys are far apart, and a search from the head is cheaper.
      const inOrder = run.length >= sortedInsertMinEntries;
      const ordered = !inOrder || (i - start === 1 && group[start]!.inKeyOrder === true) ? run : sortedForInsert(run);
      for (let from = 0; from < ordered.length; from += insertSliceEntries) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        const to = Math.min(ordered.length, from + insertSliceEntries);
        this.lsm.guardSync(() => active.insert(ordered, from, to, inOrder), 'insert into the memtable');
      }
      this.counters.walWrites++;
      this.counters.bytesWritten += bytes;
      let forced = false;
      for (let j = start; j < i && !forced; j++) forced = group[j]!.sync === true;
      if ((this.options.syncWrites || forced) && !this.options.inMemory) {
        if (forced) await this.lsm.guard(async () => this.vlog?.sync(), 'sync the value log');
        await this.lsm.guard(() => active.sync(), 'sync the WAL');
        this.counters.walSyncs++;
      }
      this.visibleVersion = runVersion;
      this.recordWrites(group, start, i);
      this.oracle.prune(Math.min(this.visibleVersion, this.openTransactions.min(Infinity)));
      for (let j = start; j < i; j++) {
        const r = group[j]!;
        if (this.onCommit !== undefined && r.rewriteOf === undefined) this.notify(r.entries);
        r.resolve();
      }
    }
  }

  /**
   * Gives the oracle the write sets of requests start..end, now visible, for the read-write
   * transactions still open below their versions: only those can conflict with them. Recording
   * at visibility rather than at versioning is what makes skipping safe: a transaction opened
   * before this point holds a read version below these writes and is counted; one opened after
   * reads them. With no such transaction open (one statement at a time, the committing
   * transactions released by onChecked) nothing is recorded, which is most of a commit's cost.
   */
  private recordWrites(group: readonly WriteRequest[], start: number, end: number): void {
    if (!this.options.detectConflicts) return;
    const oldest = this.openTransactions.min(Infinity);
    for (let j = start; j < end; j++) {
      const r = group[j]!;
      // A GC rewrite moves a value without changing it: no transaction that read it conflicts.
      if (r.rewriteOf !== undefined || r.entries.length === 0) continue;
      const version = r.entries[0]!.version;
      if (oldest < version) this.oracle.record(version, r.entries.map((e) => e.key));
    }
  }

  private notify(entries: readonly Entry[]): void {
    try {
      this.onCommit!(entries);
    } catch (err) {
      this.log.error(`sett: a subscriber threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Transactions whose reads were overwritten since their read version fail, writing nothing. */
  private dropConflicts(group: WriteRequest[]): WriteRequest[] {
    if (!this.options.detectConflicts || !group.some((r) => r.conflictCheck !== undefined)) return group;
    const out: WriteRequest[] = [];
    // Earlier requests of this group commit before later ones: a later transaction conflicts
    // with them too, so their keys join the check as the group is walked.
    const earlier = new Set<string>();
    // Only requests before the last checked one can be "earlier" to a check: keep building the
    // set (a string per key written) to that point and no further.
    let lastChecked = -1;
    for (let j = 0; j < group.length; j++) if (group[j]!.conflictCheck !== undefined) lastChecked = j;
    for (let j = 0; j < group.length; j++) {
      const r = group[j]!;
      const check = r.conflictCheck;
      if (check !== undefined) {
        let verdict = this.oracle.check(check);
        if (verdict !== 'conflict') for (const k of check.reads) if (earlier.has(k)) verdict = 'conflict';
        if (verdict !== 'none') {
          this.counters.conflicts++;
          if (verdict === 'too-old') this.counters.conflictsOpenTooLong++;
          r.reject(verdict === 'conflict' ? new ConflictError() : this.openTooLong(check.readVersion));
          continue;
        }
      }
      // A GC rewrite changes no value: nothing behind it conflicts with it.
      if (r.rewriteOf === undefined && j < lastChecked) for (const e of r.entries) earlier.add(keyString(e.key));
      out.push(r);
    }
    return out;
  }

  private openTooLong(readVersion: number): ConflictError {
    return new ConflictError(
      `transaction conflict: the transaction was open too long (read version ${readVersion}): writes after it were forgotten once the conflict oracle tracked more than ${this.oracle.maxKeys} keys (maxConflictKeys) or ${this.oracle.maxKeyBytes} bytes of keys, so its reads cannot be checked; retry it, and keep read-write transactions short`,
    );
  }

  /**
   * Key-value separation: values longer than valueThreshold go to the value log in one append
   * (synced with syncWrites) before the WAL record that points at them is written.
   */
  private async separateValues(group: WriteRequest[]): Promise<void> {
    const vlog = this.vlog;
    if (vlog === undefined) return;
    const threshold = this.options.valueThreshold;
    const large: Entry[] = [];
    for (const r of group) for (const e of r.entries) if (e.value.length > threshold && (e.meta & (META_VALUE_POINTER | META_DELETE)) === 0) large.push(e);
    if (large.length === 0) return;
    if (vlog.needsRotation()) await this.lsm.guard(() => vlog.rotate(), 'start a new value-log file');
    // Off the main thread: a group of large values is megabytes of write(2).
    const pointers = await this.lsm.guard(() => vlog.appendGroupAsync(large), 'append to the value log');
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
    // Keys written by requests ahead in this group: they commit first, so a rewrite of one of
    // them would land on top of a newer write (or a delete) and bring the old value back.
    const ahead = new Set<string>();
    for (const r of group) {
      if (r.rewriteOf === undefined) {
        for (const e of r.entries) ahead.add(keyString(e.key));
        out.push(r);
        continue;
      }
      const keep: Entry[] = [];
      r.entries.forEach((e, k) => {
        if (!ahead.has(keyString(e.key)) && this.stillPointsAt(e.key, e.version, r.rewriteOf![k]!)) keep.push(e);
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
}

/** A copy of `entries` in internal-key order (user key ascending, version descending); the requests keep theirs. */
export function sortedForInsert(entries: readonly Entry[]): Entry[] {
  return entries.slice().sort(compareForInsert);
}

function compareForInsert(a: Entry, b: Entry): number {
  // A loop over the bytes: keys are short, and Buffer.compare's native call costs more than it saves.
  const x = a.key;
  const y = b.key;
  const n = x.length < y.length ? x.length : y.length;
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length || b.version - a.version;
}

function entriesOf(group: readonly WriteRequest[], start: number, end: number): Entry[] {
  if (end - start === 1) return group[start]!.entries;
  const out: Entry[] = [];
  for (let j = start; j < end; j++) for (const e of group[j]!.entries) out.push(e);
  return out;
}
