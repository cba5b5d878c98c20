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
import { COUNTERS_KEY, decodeItem, deadKey, encodeCounters, encodeItem, FORMAT_KEY, FORMAT_VERSION, itemKey, lineCeiling, lineKey, lineStart, numberAt, PREFIX, sourceKey, decodeCounters, type StoredItem } from './keys.js';
import { encodeRank, rankDue } from './rank.js';
import type { StateCounts } from './types.js';

export { type StoredItem } from './keys.js';
export const READY = 'ready';
export const LEASED = 'leased';
export const DEAD = 'dead';
/** Expired leases taken back per lease call at most, so one call's work stays bounded. */
export const REAP_BATCH_MAX = 1024;

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
    let lowest: Buffer | undefined;
    const out = items.map((it) => {
      if (it.sourceId !== null) {
        const earlier = pending.get(it.sourceId);
        if (earlier !== undefined) return { n: earlier, duplicate: true };
        const stored = this.db.getSync(sourceKey(it.sourceId));
        if (stored !== undefined) return { n: numberAt(stored, 0), duplicate: true };
      }
      const n = c.n++;
      const rank = encodeRank(it.dueMs, c.position++);
      const ready = lineKey(PREFIX.ready, rank, n);
      lowest = minKey(lowest, ready);
      ops.push(
        { type: 'put', key: itemKey(n), value: encodeItem({ n, state: READY, rank, attempts: 0, sourceId: it.sourceId, enqueuedAt: nowMs, payload: it.payload }) },
        { type: 'put', key: ready, value: EMPTY },
      );
      if (it.sourceId !== null) {
        pending.set(it.sourceId, n);
        ops.push({ type: 'put', key: sourceKey(it.sourceId), value: numberBytes(n) });
      }
      return { n, duplicate: false };
    });
    if (ops.length === 0) return out;
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
    // Taken-back items are not in the batch's reads (it is not written yet): merge them, already
    // in key order, with the ready index read from the cursor.
    const back = reaped.ready;
    const ceiling = lineCeiling(PREFIX.ready, nowMs);
    const it = this.db.iterator({ gte: this.readyFrom ?? lineStart(PREFIX.ready), lt: ceiling, limit: count, values: false });
    const chosen: { key: Buffer; item: StoredItem; fromBack: boolean }[] = [];
    let b = 0;
    let next = it.nextEntry();
    while (chosen.length < count && (next !== undefined || b < back.length)) {
      const fromIndex = next?.[0];
      if (fromIndex !== undefined && (b === back.length || Buffer.compare(fromIndex, back[b]!.key) < 0)) {
        const n = numberAt(fromIndex, fromIndex.length - 8);
        const item = this.db.getSync(itemKey(n));
        if (item === undefined) throw new Error(`queue partition ${this.dir}: ready index entry without its item`);
        chosen.push({ key: fromIndex, item: decodeItem(n, item), fromBack: false });
        next = it.nextEntry();
      } else {
        chosen.push({ key: back[b]!.key, item: back[b]!.item, fromBack: true });
        b++;
      }
    }
    it.close();
    // Taken back but not leased again now: into the ready line.
    for (; b < back.length; b++) {
      const { key, item } = back[b]!;
      ops.push({ type: 'put', key, value: EMPTY }, { type: 'put', key: itemKey(item.n), value: encodeItem(item) });
    }
    const leaseRank = encodeRank(nowMs + leaseMs, 0);
    const leased = chosen.map(({ key, item, fromBack }) => {
      const l: StoredItem = { ...item, state: LEASED, rank: leaseRank, attempts: item.attempts + 1 };
      if (!fromBack) ops.push({ type: 'del', key });
      ops.push({ type: 'put', key: lineKey(PREFIX.leased, leaseRank, l.n), value: EMPTY }, { type: 'put', key: itemKey(l.n), value: encodeItem(l) });
      return l;
    });
    if (ops.length > 0) {
      if (c.position !== this.counters.position) ops.push({ type: 'put', key: COUNTERS_KEY, value: encodeCounters(c.n, c.position) });
      await this.db.batch(ops);
    }
    this.counters = c;
    this.leasedFrom = reaped.leasedFrom;
    if (leased.length > 0) this.leasedFrom = lower(this.leasedFrom, lineKey(PREFIX.leased, leaseRank, 0));
    this.readyFrom = chosen.length < count ? ceiling : chosen[chosen.length - 1]!.key;
    return leased;
  }

  /**
   * Expired leases, oldest deadline first: the ones past maxAttempts go to the dead letters (their
   * writes added to `ops`); the rest are returned, due at their old deadline, for lease to hand
   * out again or put back in the ready line.
   */
  private reap(ops: BatchOperation[], c: Counters, nowMs: number, maxAttempts: number): { leasedFrom: Buffer; ready: { key: Buffer; item: StoredItem }[] } {
    const ceiling = lineCeiling(PREFIX.leased, nowMs);
    const it = this.db.iterator({ gte: this.leasedFrom ?? lineStart(PREFIX.leased), lt: ceiling, limit: REAP_BATCH_MAX, values: false });
    const ready: { key: Buffer; item: StoredItem }[] = [];
    let seen = 0;
    let last: Buffer | undefined;
    for (let e = it.nextEntry(); e !== undefined; e = it.nextEntry()) {
      const key = e[0]!;
      seen++;
      last = key;
      const n = numberAt(key, key.length - 8);
      const bytes = this.db.getSync(itemKey(n));
      if (bytes === undefined) throw new Error(`queue partition ${this.dir}: lease index entry without its item`);
      const item = decodeItem(n, bytes);
      ops.push({ type: 'del', key });
      const position = c.position++;
      if (item.attempts >= maxAttempts) {
        const dead: StoredItem = { ...item, state: DEAD, rank: encodeRank(nowMs, position) };
        ops.push({ type: 'put', key: deadKey(n), value: EMPTY }, { type: 'put', key: itemKey(n), value: encodeItem(dead) });
      } else {
        const rank = encodeRank(rankDue(item.rank), position);
        ready.push({ key: lineKey(PREFIX.ready, rank, n), item: { ...item, state: READY, rank } });
      }
    }
    it.close();
    // Due times are the old deadlines, in order, and positions rise: the list is in key order.
    return { leasedFrom: seen < REAP_BATCH_MAX ? ceiling : last!, ready };
  }

  /** Deletes items (already checked to be leased by `read`), their lease entries and their sourceIds. */
  async complete(items: readonly StoredItem[]): Promise<void> {
    const ops: BatchOperation[] = [];
    for (const it of items) {
      ops.push({ type: 'del', key: itemKey(it.n) }, { type: 'del', key: lineKey(PREFIX.leased, it.rank, it.n) });
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
    let lowest: Buffer | undefined;
    for (const it of items) {
      ops.push({ type: 'del', key: lineKey(PREFIX.leased, it.rank, it.n) });
      const position = c.position++;
      if (it.attempts >= maxAttempts) {
        ops.push({ type: 'put', key: deadKey(it.n), value: EMPTY }, { type: 'put', key: itemKey(it.n), value: encodeItem({ ...it, state: DEAD, rank: encodeRank(nowMs, position) }) });
      } else {
        const rank = encodeRank(dueMs, position);
        const key = lineKey(PREFIX.ready, rank, it.n);
        lowest = minKey(lowest, key);
        ops.push({ type: 'put', key, value: EMPTY }, { type: 'put', key: itemKey(it.n), value: encodeItem({ ...it, state: READY, rank }) });
      }
    }
    if (ops.length === 0) return;
    ops.push({ type: 'put', key: COUNTERS_KEY, value: encodeCounters(c.n, c.position) });
    await this.db.batch(ops);
    this.counters = c;
    if (lowest !== undefined) this.readyFrom = lower(this.readyFrom, lowest);
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

  /** Items per state, counted through the index keys (the whole partition: an admin call, not a hot path). */
  async counts(nowMs: number): Promise<StateCounts> {
    const count = (options: { gte?: Buffer; lt?: Buffer; prefix: Buffer }): number => {
      let k = 0;
      const it = this.db.iterator({ ...options, values: false });
      while (it.nextView() !== undefined) k++;
      return k;
    };
    const line = (prefix: number): [number, number] => {
      const ceiling = lineCeiling(prefix, nowMs);
      return [count({ lt: ceiling, prefix: Buffer.of(prefix) }), count({ gte: ceiling, prefix: Buffer.of(prefix) })];
    };
    const [ready, scheduled] = line(PREFIX.ready);
    const [expired, leased] = line(PREFIX.leased);
    const dead = count({ prefix: Buffer.of(PREFIX.dead) });
    return { ready, scheduled, leased, expired, dead, total: ready + scheduled + leased + expired + dead };
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
