// One partition: its own sett database directory, on raw engine keys (layout in keys.ts and
// examples/queue/README.md). Every call's writes go in one atomic db.batch.
//
// Why raw keys rather than sett/table: the queue has one access path per line and no ad-hoc
// queries, so the table layer's per-row work (an UPDATE re-reading and decoding every row the
// caller just read, row and tuple codecs, index maintenance through the planner) was most of a
// lease's cost. By hand a lease is one ordered range read of the ready index, a point read of
// each item, and three writes per item (README: about 1.6-2x the rates).
//
// Lease never scans the partition: it reads the ready index from a cursor. An LSM tree keeps the
// tombstones of leased items' old index entries at the head of the line until compaction drops
// them, so a read from the start of the line would step over every item leased since the last
// compaction. Each partition keeps, in memory, a lower bound per line ("every live ready entry's
// key is >= readyFrom"): raised after a lease to the last key it took, lowered by any write of an
// entry below it. It starts unset (from the start of the line) at open.

import { InvalidArgumentError, open, type BatchOperation, type DB, type OpenOptions } from 'sett';
import { COUNTERS_KEY, decodeCounters, decodeItem, decodeNumbers, deadKey, encodeCounters, encodeItem, encodeNumbers, FORMAT_KEY, FORMAT_VERSION, itemKey, lineCeiling, lineStart, numberAt, PREFIX, runKey, runRank, sourceKey, type StoredItem } from './keys.js';
import { encodeRank, rankDue } from './rank.js';
import type { StateCounts } from './types.js';

export { type StoredItem } from './keys.js';
export const READY = 'ready';
export const LEASED = 'leased';
export const DEAD = 'dead';
/** Expired leases taken back per lease call at most, so one call's work stays bounded. */
export const REAP_BATCH_MAX = 1024;
/** Lease-run entries a lease call looks at at most, counting those completed or retried since (read and dropped). */
const REAP_EXAMINE_MAX = 8 * REAP_BATCH_MAX;

export interface NewItem {
  sourceId: string | null;
  payload: Buffer;
  dueMs: number;
}

/** The next item number and the next position, as a call draws them before its batch commits. */
interface Counters {
  n: number;
  position: number;
}

export class Partition {
  private chain: Promise<unknown> = Promise.resolve();
  /** Every live ready entry's key is at or above this; undefined: read from the start of the line. */
  private readyFrom: Buffer | undefined;
  /** The same bound for the line of leases, ordered by deadline. */
  private leasedFrom: Buffer | undefined;
  private closed = false;

  private constructor(
    readonly index: number,
    readonly dir: string,
    readonly storage: string,
    private readonly db: DB,
    /** Committed counters: advanced only after the batch that stores them resolves. */
    private counters: Counters,
  ) {}

  static async open(index: number, dir: string, storage: string, engine: OpenOptions): Promise<Partition> {
    const db = await open(dir, engine);
    try {
      return new Partition(index, dir, storage, db, await checkFormat(db, dir));
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /**
   * Runs `fn` alone among this partition's writers. Every write to the partition goes through
   * here, so the cursors and counters are exact and batches never interleave.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  // ---- writes (call inside exclusive) -----------------------------------------------------

  /** Adds the items not already queued by sourceId; returns each item's number and whether it was a duplicate. */
  async produce(items: readonly NewItem[], nowMs: number): Promise<{ n: number; duplicate: boolean }[]> {
    const c = { ...this.counters };
    const ops: BatchOperation[] = [];
    const pending = new Map<string, number>();
    const runs = new RunWriter(ops);
    const out = items.map((it) => {
      if (it.sourceId !== null) {
        const earlier = pending.get(it.sourceId);
        if (earlier !== undefined) return { n: earlier, duplicate: true };
        const stored = this.db.getSync(sourceKey(it.sourceId));
        if (stored !== undefined) return { n: numberAt(stored, 0), duplicate: true };
      }
      const n = c.n++;
      const rank = runs.add(it.dueMs, c.position++, n);
      ops.push({ type: 'put', key: itemKey(n), value: encodeItem({ n, state: READY, rank, attempts: 0, sourceId: it.sourceId, enqueuedAt: nowMs, payload: it.payload }) });
      if (it.sourceId !== null) {
        pending.set(it.sourceId, n);
        ops.push({ type: 'put', key: sourceKey(it.sourceId), value: numberBytes(n) });
      }
      return { n, duplicate: false };
    });
    if (ops.length === 0) return out;
    const lowest = runs.finish();
    ops.push({ type: 'put', key: COUNTERS_KEY, value: encodeCounters(c.n, c.position) });
    await this.db.batch(ops);
    this.counters = c;
    if (lowest !== undefined) this.readyFrom = lower(this.readyFrom, lowest);
    return out;
  }

  /**
   * Takes back expired leases (redelivered, or dead-lettered past maxAttempts), then leases up to
   * `count` ready items in line order, in one batch.
   */
  async lease(count: number, leaseMs: number, nowMs: number, maxAttempts: number): Promise<StoredItem[]> {
    const c = { ...this.counters };
    const ops: BatchOperation[] = [];
    const reaped = this.reap(ops, c, nowMs, maxAttempts);
    // Taken-back runs are not in the batch's reads (it is not written yet): merge them, already
    // in key order, with the ready runs read from the cursor.
    const back = reaped.ready;
    const ceiling = lineCeiling(PREFIX.ready, nowMs);
    const it = this.db.iterator({ gte: this.readyFrom ?? lineStart(PREFIX.ready), lt: ceiling });
    const taken: StoredItem[] = [];
    let lastKey: Buffer | undefined;
    let b = 0;
    let next = it.nextEntry();
    while (taken.length < count && (next !== undefined || b < back.length)) {
      const fromIndex = next !== undefined && (b === back.length || Buffer.compare(next[0]!, back[b]!.key) < 0);
      const run = fromIndex ? { key: next![0]!, ns: decodeNumbers(next![1]!) } : back[b]!;
      lastKey = run.key;
      const k = Math.min(count - taken.length, run.ns.length);
      if (fromIndex) this.items(run.ns, k, taken);
      else for (let i = 0; i < k; i++) taken.push((run as BackRun).items[i]!);
      if (fromIndex) {
        // The rest of the run stays under its key: later positions, still before the next run.
        ops.push(k === run.ns.length ? { type: 'del', key: run.key } : { type: 'put', key: run.key, value: encodeNumbers(run.ns.slice(k)) });
        next = it.nextEntry();
      } else {
        if (k < run.ns.length) putBackRun(ops, run as BackRun, k);
        b++;
      }
    }
    it.close();
    // Taken back but not reached: into the ready line as they are.
    for (; b < back.length; b++) putBackRun(ops, back[b]!, 0);
    let leased: StoredItem[] = [];
    let leaseKey: Buffer | undefined;
    if (taken.length > 0) {
      const leaseRank = encodeRank(nowMs + leaseMs, c.position++);
      leaseKey = runKey(PREFIX.leased, leaseRank);
      leased = taken.map((item) => ({ ...item, state: LEASED, rank: leaseRank, attempts: item.attempts + 1 }));
      for (const l of leased) ops.push({ type: 'put', key: itemKey(l.n), value: encodeItem(l) });
      ops.push({ type: 'put', key: leaseKey, value: encodeNumbers(leased.map((l) => l.n)) });
    }
    if (ops.length > 0) {
      if (c.position !== this.counters.position) ops.push({ type: 'put', key: COUNTERS_KEY, value: encodeCounters(c.n, c.position) });
      await this.db.batch(ops);
    }
    this.counters = c;
    this.leasedFrom = reaped.leasedFrom;
    if (leaseKey !== undefined) this.leasedFrom = lower(this.leasedFrom, leaseKey);
    this.readyFrom = taken.length < count ? ceiling : lastKey;
    return leased;
  }

  /**
   * Expired leases, oldest deadline first, at most REAP_BATCH_MAX items: the ones past
   * maxAttempts go to the dead letters (their writes added to `ops`); the rest come back as one
   * run per lease run, due at its old deadline, for lease to hand out again or put back in line.
   */
  private reap(ops: BatchOperation[], c: Counters, nowMs: number, maxAttempts: number): { leasedFrom: Buffer; ready: BackRun[] } {
    const ceiling = lineCeiling(PREFIX.leased, nowMs);
    const it = this.db.iterator({ gte: this.leasedFrom ?? lineStart(PREFIX.leased), lt: ceiling });
    const ready: BackRun[] = [];
    let reaped = 0;
    let examined = 0;
    let leasedFrom = ceiling;
    for (let e = it.nextEntry(); e !== undefined; e = it.nextEntry()) {
      const key = e[0]!;
      const rank = runRank(key);
      const ns = decodeNumbers(e[1]!);
      let run: BackRun | undefined;
      let i = 0;
      for (; i < ns.length && reaped < REAP_BATCH_MAX && examined < REAP_EXAMINE_MAX; i++, examined++) {
        const n = ns[i]!;
        const bytes = this.db.getSync(itemKey(n));
        if (bytes === undefined) continue; // completed
        const item = decodeItem(n, bytes);
        if (item.state !== LEASED || !item.rank.equals(rank)) continue; // retried, or leased again since
        reaped++;
        const position = c.position++;
        if (item.attempts >= maxAttempts) {
          ops.push({ type: 'put', key: deadKey(n), value: EMPTY }, { type: 'put', key: itemKey(n), value: encodeItem({ ...item, state: DEAD, rank: encodeRank(nowMs, position) }) });
          continue;
        }
        const readyRank = encodeRank(rankDue(rank), position);
        if (run === undefined) ready.push((run = { key: runKey(PREFIX.ready, readyRank), ns: [], items: [] }));
        run.ns.push(n);
        run.items.push({ ...item, state: READY, rank: readyRank });
      }
      ops.push(i === ns.length ? { type: 'del', key } : { type: 'put', key, value: encodeNumbers(ns.slice(i)) });
      if (reaped >= REAP_BATCH_MAX || examined >= REAP_EXAMINE_MAX) {
        leasedFrom = key;
        break;
      }
    }
    it.close();
    // Old deadlines in order and rising positions: the runs are in key order.
    return { leasedFrom, ready };
  }

  /** Deletes items (already checked to be leased by `read`) and their sourceIds; their lease runs go when reaped. */
  async complete(items: readonly StoredItem[]): Promise<void> {
    const ops: BatchOperation[] = [];
    for (const it of items) {
      ops.push({ type: 'del', key: itemKey(it.n) });
      if (it.sourceId !== null) ops.push({ type: 'del', key: sourceKey(it.sourceId) });
    }
    await this.db.batch(ops);
  }

  /**
   * Puts leased items back in line, in the order given, behind everything due by `dueMs`; or in
   * the dead letters when they have had maxAttempts deliveries.
   */
  async retry(items: readonly StoredItem[], dueMs: number, nowMs: number, maxAttempts: number): Promise<void> {
    const c = { ...this.counters };
    const ops: BatchOperation[] = [];
    const runs = new RunWriter(ops);
    for (const it of items) {
      const position = c.position++;
      if (it.attempts >= maxAttempts) {
        ops.push({ type: 'put', key: deadKey(it.n), value: EMPTY }, { type: 'put', key: itemKey(it.n), value: encodeItem({ ...it, state: DEAD, rank: encodeRank(nowMs, position) }) });
      } else {
        const rank = runs.add(dueMs, position, it.n);
        ops.push({ type: 'put', key: itemKey(it.n), value: encodeItem({ ...it, state: READY, rank }) });
      }
    }
    if (ops.length === 0) return;
    const lowest = runs.finish();
    ops.push({ type: 'put', key: COUNTERS_KEY, value: encodeCounters(c.n, c.position) });
    await this.db.batch(ops);
    this.counters = c;
    if (lowest !== undefined) this.readyFrom = lower(this.readyFrom, lowest);
  }

  /**
   * Appends the records of the first `k` items of a ready run to `out`. Items produced together
   * have consecutive numbers: then one range read of their records, which costs less per item
   * than a point read each (with 1M waiting, point reads went through every level's tables).
   */
  private items(ns: readonly number[], k: number, out: StoredItem[]): void {
    const first = ns[0]!;
    const last = first + k - 1;
    let consecutive = true;
    for (let i = 1; i < k && consecutive; i++) consecutive = ns[i] === first + i;
    if (consecutive) {
      const it = this.db.iterator({ gte: itemKey(first), lt: itemKey(last + 1) });
      let expected = first;
      for (let e = it.nextEntry(); e !== undefined; e = it.nextEntry()) {
        const n = numberAt(e[0]!, 1);
        if (n !== expected) break;
        out.push(decodeItem(n, e[1]!));
        expected++;
      }
      it.close();
      if (expected !== last + 1) throw new Error(`queue partition ${this.dir}: ready run holds item ${expected}, which is not stored`);
      return;
    }
    for (let i = 0; i < k; i++) {
      const n = ns[i]!;
      const bytes = this.db.getSync(itemKey(n));
      if (bytes === undefined) throw new Error(`queue partition ${this.dir}: ready run holds item ${n}, which is not stored`);
      out.push(decodeItem(n, bytes));
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The items numbered `ns` that exist, by number. */
  read(ns: readonly number[]): Map<number, StoredItem> {
    const out = new Map<number, StoredItem>();
    for (const n of ns) {
      const bytes = this.db.getSync(itemKey(n));
      if (bytes !== undefined) out.set(n, decodeItem(n, bytes));
    }
    return out;
  }

  /** Up to `limit` items numbered `fromN` or higher, by number: the live ones, or the dead letters. */
  list(fromN: number, limit: number, dead: boolean): StoredItem[] {
    const out: StoredItem[] = [];
    if (limit === 0) return out;
    if (dead) {
      for (const [key] of this.db.iterator({ gte: deadKey(fromN), prefix: Buffer.of(PREFIX.dead), limit, values: false })) {
        const n = numberAt(key!, 1);
        const bytes = this.db.getSync(itemKey(n));
        if (bytes !== undefined) out.push(decodeItem(n, bytes));
      }
      return out;
    }
    const it = this.db.iterator({ gte: itemKey(fromN), prefix: Buffer.of(PREFIX.item) });
    for (let e = it.nextEntry(); e !== undefined && out.length < limit; e = it.nextEntry()) {
      const item = decodeItem(numberAt(e[0]!, 1), e[1]!);
      if (item.state !== DEAD) out.push(item);
    }
    it.close();
    return out;
  }

  /** Items per state, read from the runs (the whole partition: an admin call, not a hot path). */
  async counts(nowMs: number): Promise<StateCounts> {
    const c: StateCounts = { ready: 0, scheduled: 0, leased: 0, expired: 0, dead: 0, total: 0 };
    const readyCeiling = lineCeiling(PREFIX.ready, nowMs);
    for (const [key, value] of this.db.iterator({ prefix: Buffer.of(PREFIX.ready) })) {
      if (Buffer.compare(key!, readyCeiling) < 0) c.ready += value!.length / 8;
      else c.scheduled += value!.length / 8;
    }
    const leasedCeiling = lineCeiling(PREFIX.leased, nowMs);
    for (const [key, value] of this.db.iterator({ prefix: Buffer.of(PREFIX.leased) })) {
      const rank = runRank(key!);
      // Only the items whose record still names this run.
      const live = decodeNumbers(value!).filter((n) => {
        const bytes = this.db.getSync(itemKey(n));
        if (bytes === undefined) return false;
        const item = decodeItem(n, bytes);
        return item.state === LEASED && item.rank.equals(rank);
      }).length;
      if (Buffer.compare(key!, leasedCeiling) < 0) c.expired += live;
      else c.leased += live;
    }
    for (const _ of this.db.iterator({ prefix: Buffer.of(PREFIX.dead), values: false })) c.dead++;
    c.total = c.ready + c.scheduled + c.leased + c.expired + c.dead;
    return c;
  }

  /** Resolves once the partition's database has no flush or compaction running or due (benches measure after it). */
  waitForBackgroundWork(): Promise<void> {
    return this.db.waitForBackgroundWork();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}

const EMPTY = Buffer.alloc(0);
/** Items per ready run at most: a lease that takes part of a run rewrites the rest, so keep runs short. */
const RUN_MAX = 256;

/** A run of items taken back from an expired lease, not yet written. */
interface BackRun {
  key: Buffer;
  ns: number[];
  items: StoredItem[];
}

/** Writes the items of a back run from the `from`th on: the run under its own key (a run's key ranks at or below its items), and their records. */
function putBackRun(ops: BatchOperation[], run: BackRun, from: number): void {
  const items = run.items.slice(from);
  ops.push({ type: 'put', key: runKey(PREFIX.ready, items[0]!.rank), value: encodeNumbers(run.ns.slice(from)) });
  for (const item of items) ops.push({ type: 'put', key: itemKey(item.n), value: encodeItem(item) });
}

/**
 * Groups items entering the ready line into runs: consecutive items due at the same time, at
 * consecutive positions, at most RUN_MAX to a run.
 */
class RunWriter {
  private key: Buffer | undefined;
  private due = -1;
  private nextPosition = -1;
  private ns: number[] = [];
  private lowest: Buffer | undefined;

  constructor(private readonly ops: BatchOperation[]) {}

  /** Adds item `n` due at `dueMs` at `position`; returns its rank. */
  add(dueMs: number, position: number, n: number): Buffer {
    const rank = encodeRank(dueMs, position);
    if (this.key === undefined || dueMs !== this.due || position !== this.nextPosition || this.ns.length >= RUN_MAX) {
      this.flush();
      this.key = runKey(PREFIX.ready, rank);
      this.due = dueMs;
      this.lowest = minKey(this.lowest, this.key);
    }
    this.ns.push(n);
    this.nextPosition = position + 1;
    return rank;
  }

  /** Writes the last run; returns the lowest run key written. */
  finish(): Buffer | undefined {
    this.flush();
    return this.lowest;
  }

  private flush(): void {
    if (this.key !== undefined && this.ns.length > 0) this.ops.push({ type: 'put', key: this.key, value: encodeNumbers(this.ns) });
    this.ns = [];
  }
}


/**
 * The stored counters, after checking the format version; a new partition gets the version key
 * and its first counters. A directory with keys but no version key is refused: it is some other
 * database (or a partition from before the raw-key layout, which kept its items through sett/table).
 */
async function checkFormat(db: DB, dir: string): Promise<Counters> {
  const version = db.getSync(FORMAT_KEY);
  if (version === undefined) {
    const any = db.iterator({ limit: 1, values: false });
    const empty = any.nextEntry() === undefined;
    any.close();
    if (!empty) throw new InvalidArgumentError(`${dir} holds a database that is not a queue partition of format ${FORMAT_VERSION} (no format key; partitions written before the raw-key layout must be drained with the older version)`);
    const counters = { n: 1, position: 0 };
    await db.batch([
      { type: 'put', key: FORMAT_KEY, value: Buffer.of(FORMAT_VERSION) },
      { type: 'put', key: COUNTERS_KEY, value: encodeCounters(counters.n, counters.position) },
    ]);
    return counters;
  }
  if (version.length !== 1 || version[0] !== FORMAT_VERSION) throw new InvalidArgumentError(`${dir}: queue partition format ${version.toString('hex')} is not the one this version reads (${FORMAT_VERSION})`);
  const counters = db.getSync(COUNTERS_KEY);
  if (counters === undefined) throw new InvalidArgumentError(`${dir}: queue partition has a format key but no counters key`);
  return decodeCounters(counters);
}

function numberBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(Math.floor(n / 2 ** 32), 0);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}

function lower(bound: Buffer | undefined, key: Buffer): Buffer | undefined {
  // Unset means "from the start": already as low as it goes.
  if (bound === undefined) return undefined;
  return Buffer.compare(key, bound) < 0 ? key : bound;
}

function minKey(a: Buffer | undefined, b: Buffer): Buffer {
  return a === undefined || Buffer.compare(b, a) < 0 ? b : a;
}
