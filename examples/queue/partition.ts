// One partition: its own sett database directory holding one table, `items`, through sett/table.
//
// Why the table layer rather than raw engine keys: a queue item is a row with a few typed fields
// and an access path that must stay in step with it — the line of items by (state, rank) — and
// a second table for the producer's sourceIds, written in the same transaction; sett/table keeps
// a row and its index entries in one
// engine transaction, and plans `state = 'ready' AND rank <= now ORDER BY rank
// LIMIT n` as one index range that stops after n entries. Written by hand that is the same keys,
// one more encoding to keep right, and no planner to explain it.
//
// Lease never scans the partition: it reads the index from a cursor. An LSM tree keeps the
// tombstones of leased items' old index entries at the head of the line until compaction drops
// them, so a read from the start of the range would step over every item leased since the last
// compaction. Each partition keeps, in memory, a lower bound per line ("every live ready entry
// ranks >= readyFrom"): raised after a lease to the last rank it took, lowered by any write of an
// entry below it. It starts unset (from the start of the range) at open.

import { open, type Clock, type OpenOptions, type Sequence } from 'sett';
import { openTables, type CreateTableOptions, type Row, type TableTransaction, type Tables, type Where } from 'sett/table';
import { encodeRank, rankCeiling, rankDue } from './rank.js';
import type { StateCounts } from './types.js';

export const ITEMS_TABLE = 'items';
/**
 * sourceId -> item number, for dedupe: a row exactly while the item with that sourceId is stored
 * (ready, leased or dead). A table of its own rather than a unique index on items.sourceId,
 * because an index holds an entry for every row, NULLs too: items without a sourceId (most)
 * would pay an index write on produce and a delete on complete for nothing.
 */
export const SOURCES_TABLE = 'sources';
const BY_RANK = 'by_state_rank';
export const READY = 'ready';
export const LEASED = 'leased';
export const DEAD = 'dead';
/** Engine key of the position sequence (outside the table layer's 0x01 key space). */
const POSITION_SEQUENCE = 'queue/position';
/** Positions leased from the sequence per durable write: a crash skips at most this many. */
const POSITION_LEASE = 1 << 16;
/** Expired leases taken back per lease call at most, so one call's work stays bounded. */
export const REAP_BATCH_MAX = 1024;

const SCHEMA: CreateTableOptions = {
  name: ITEMS_TABLE,
  columns: [
    { name: 'id', type: 'INT', primary: true, autoIncrement: true },
    { name: 'state', type: 'VARCHAR', length: 8, nullable: false },
    { name: 'rank', type: 'BLOB', nullable: false },
    { name: 'attempts', type: 'INT', nullable: false },
    { name: 'sourceId', type: 'VARCHAR', nullable: true },
    { name: 'enqueuedAt', type: 'INT', nullable: false },
    { name: 'payload', type: 'BLOB', nullable: false },
  ],
  indexes: [{ name: BY_RANK, columns: ['state', 'rank'] }],
};

const SOURCES_SCHEMA: CreateTableOptions = {
  name: SOURCES_TABLE,
  columns: [
    { name: 'sourceId', type: 'VARCHAR', primary: true },
    { name: 'id', type: 'INT', nullable: false },
  ],
};

/** An item as stored: `n` is its number within the partition. */
export interface StoredItem {
  n: number;
  state: string;
  rank: Buffer;
  attempts: number;
  sourceId: string | null;
  enqueuedAt: number;
  payload: Buffer;
}

export interface NewItem {
  sourceId: string | null;
  payload: Buffer;
  dueMs: number;
}

export class Partition {
  private chain: Promise<unknown> = Promise.resolve();
  /** Every live ready entry ranks at or above this; undefined: read from the start of the line. */
  private readyFrom: Buffer | undefined;
  /** The same bound for the line of leases, ordered by deadline. */
  private leasedFrom: Buffer | undefined;
  private closed = false;

  private constructor(
    readonly index: number,
    readonly dir: string,
    readonly storage: string,
    private readonly tables: Tables,
    private readonly positions: Sequence,
  ) {}

  static async open(index: number, dir: string, storage: string, engine: OpenOptions, clock: Clock): Promise<Partition> {
    const db = await open(dir, engine);
    try {
      const tables = await openTables({ db, clock });
      // Created one after the other: a crash between them leaves the second to make at the next open.
      if (!tables.hasTable(ITEMS_TABLE)) await tables.createTable(SCHEMA);
      if (!tables.hasTable(SOURCES_TABLE)) await tables.createTable(SOURCES_SCHEMA);
      return new Partition(index, dir, storage, tables, db.sequence(POSITION_SEQUENCE, POSITION_LEASE));
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /**
   * Runs `fn` alone among this partition's writers. Every write to the partition goes through
   * here, so the cursors are exact and transactions never conflict with each other.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  // ---- writes (call inside exclusive) -----------------------------------------------------

  /** Adds the items not already queued by sourceId; returns each item's number and whether it was a duplicate. */
  async produce(items: readonly NewItem[], nowMs: number): Promise<{ n: number; duplicate: boolean }[]> {
    let lowest: Buffer | undefined;
    const out = await this.tables.transaction(async (tx) => {
      lowest = undefined;
      const queued = new Map<string, number>();
      const sourceIds = items.flatMap((it) => (it.sourceId === null ? [] : [it.sourceId]));
      if (sourceIds.length > 0) {
        const found = tx.querySync(SOURCES_TABLE, { where: { column: 'sourceId', op: 'in', value: sourceIds } }).rows;
        for (const r of found) queued.set(r.sourceId as string, r.id as number);
      }
      const rows: Row[] = [];
      const rowOf = new Array<number>(items.length); // item -> index into rows, or -1 - (existing n)
      const pending = new Map<string, number>();
      for (let i = 0; i < items.length; i++) {
        const it = items[i]!;
        if (it.sourceId !== null) {
          const existing = queued.get(it.sourceId);
          if (existing !== undefined) {
            rowOf[i] = -1 - existing;
            continue;
          }
          const earlier = pending.get(it.sourceId);
          if (earlier !== undefined) {
            rowOf[i] = earlier;
            continue;
          }
          pending.set(it.sourceId, rows.length);
        }
        const rank = encodeRank(it.dueMs, await this.positions.next());
        lowest = minRank(lowest, rank);
        rowOf[i] = rows.length;
        rows.push({ state: READY, rank, attempts: 0, sourceId: it.sourceId, enqueuedAt: nowMs, payload: it.payload });
      }
      const ids = rows.length === 0 ? [] : (await tx.insert(ITEMS_TABLE, rows)).ids;
      if (pending.size > 0) await tx.insert(SOURCES_TABLE, [...pending].map(([sourceId, r]) => ({ sourceId, id: ids[r] })));
      const firstOf = new Set<number>();
      return rowOf.map((r) => {
        if (r < 0) return { n: -1 - r, duplicate: true };
        const duplicate = firstOf.has(r);
        firstOf.add(r);
        return { n: ids[r] as number, duplicate };
      });
    });
    if (lowest !== undefined) this.readyFrom = lower(this.readyFrom, lowest);
    return out;
  }

  /**
   * Takes back expired leases (redelivered, or dead-lettered past maxAttempts), then leases up to
   * `count` ready items in rank order.
   */
  async lease(count: number, leaseMs: number, nowMs: number, maxAttempts: number): Promise<StoredItem[]> {
    const ceiling = rankCeiling(nowMs);
    const leaseRank = encodeRank(nowMs + leaseMs, 0);
    let readyFrom = this.readyFrom;
    let leasedFrom = this.leasedFrom;
    const leased = await this.tables.transaction(async (tx) => {
      readyFrom = this.readyFrom;
      const reaped = await this.reap(tx, nowMs, maxAttempts);
      leasedFrom = reaped.leasedFrom;
      if (reaped.lowestReady !== undefined) readyFrom = lower(readyFrom, reaped.lowestReady);
      const rows = tx.querySync(ITEMS_TABLE, { where: line(READY, readyFrom, ceiling), orderBy: [{ column: 'rank' }], limit: count }).rows.map(stored);
      // One UPDATE per distinct attempt count (usually one): every leased row gets the same state and deadline.
      const byAttempts = new Map<number, number[]>();
      for (const r of rows) {
        const ns = byAttempts.get(r.attempts);
        if (ns === undefined) byAttempts.set(r.attempts, [r.n]);
        else ns.push(r.n);
      }
      for (const [attempts, ns] of byAttempts) await tx.update(ITEMS_TABLE, { column: 'id', op: 'in', value: ns }, { state: LEASED, rank: leaseRank, attempts: attempts + 1 });
      readyFrom = rows.length < count ? ceiling : rows[rows.length - 1]!.rank;
      return rows.map((r) => ({ ...r, state: LEASED, rank: leaseRank, attempts: r.attempts + 1 }));
    });
    this.readyFrom = readyFrom;
    this.leasedFrom = leased.length > 0 ? lower(leasedFrom, leaseRank) : leasedFrom;
    return leased;
  }

  /** Expired leases, oldest deadline first, back to the ready line (due at their deadline) or to the dead letters. */
  private async reap(tx: TableTransaction, nowMs: number, maxAttempts: number): Promise<{ leasedFrom: Buffer; lowestReady: Buffer | undefined }> {
    const ceiling = rankCeiling(nowMs);
    const expired = tx.querySync(ITEMS_TABLE, { where: line(LEASED, this.leasedFrom, ceiling), orderBy: [{ column: 'rank' }], limit: REAP_BATCH_MAX }).rows.map(stored);
    let lowestReady: Buffer | undefined;
    for (const r of expired) {
      const position = await this.positions.next();
      if (r.attempts >= maxAttempts) {
        await tx.update(ITEMS_TABLE, { column: 'id', op: '=', value: r.n }, { state: DEAD, rank: encodeRank(nowMs, position) });
      } else {
        const rank = encodeRank(rankDue(r.rank), position);
        lowestReady = minRank(lowestReady, rank);
        await tx.update(ITEMS_TABLE, { column: 'id', op: '=', value: r.n }, { state: READY, rank });
      }
    }
    return { leasedFrom: expired.length < REAP_BATCH_MAX ? ceiling : expired[expired.length - 1]!.rank, lowestReady };
  }

  /** Deletes items (already checked to be leased by `read`) and their sourceIds. */
  async complete(items: readonly StoredItem[]): Promise<void> {
    const sourceIds = items.flatMap((it) => (it.sourceId === null ? [] : [it.sourceId]));
    await this.tables.transaction(async (tx) => {
      await tx.delete(ITEMS_TABLE, { column: 'id', op: 'in', value: items.map((it) => it.n) });
      if (sourceIds.length > 0) await tx.delete(SOURCES_TABLE, { column: 'sourceId', op: 'in', value: sourceIds });
    });
  }

  /**
   * Puts leased items back in line, in the order given, behind everything due by `dueMs`; or in
   * the dead letters when they have had maxAttempts deliveries.
   */
  async retry(items: readonly StoredItem[], dueMs: number, nowMs: number, maxAttempts: number): Promise<void> {
    let lowest: Buffer | undefined;
    await this.tables.transaction(async (tx) => {
      lowest = undefined;
      for (const it of items) {
        const position = await this.positions.next();
        if (it.attempts >= maxAttempts) {
          await tx.update(ITEMS_TABLE, { column: 'id', op: '=', value: it.n }, { state: DEAD, rank: encodeRank(nowMs, position) });
        } else {
          const rank = encodeRank(dueMs, position);
          lowest = minRank(lowest, rank);
          await tx.update(ITEMS_TABLE, { column: 'id', op: '=', value: it.n }, { state: READY, rank });
        }
      }
    });
    if (lowest !== undefined) this.readyFrom = lower(this.readyFrom, lowest);
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The items numbered `ns` that exist, by number. */
  read(ns: readonly number[]): Map<number, StoredItem> {
    const rows = this.tables.querySync(ITEMS_TABLE, { where: { column: 'id', op: 'in', value: [...ns] } }).rows;
    return new Map(rows.map((r) => [r.id as number, stored(r)]));
  }

  /** Up to `limit` items numbered `fromN` or higher, by number: the live ones, or the dead letters. */
  list(fromN: number, limit: number, dead: boolean): StoredItem[] {
    const where: Where = { and: [{ column: 'id', op: '>=', value: fromN }, { column: 'state', op: dead ? '=' : '!=', value: DEAD }] };
    return this.tables.querySync(ITEMS_TABLE, { where, orderBy: [{ column: 'id' }], limit }).rows.map(stored);
  }

  /** Items per state, counted through the index (the whole partition: an admin call, not a hot path). */
  async counts(nowMs: number): Promise<StateCounts> {
    const ceiling = rankCeiling(nowMs);
    const count = (state: string, upTo: boolean): Promise<number> =>
      this.tables.count(ITEMS_TABLE, { and: [{ column: 'state', op: '=', value: state }, { column: 'rank', op: upTo ? '<=' : '>', value: ceiling }] });
    const ready = await count(READY, true);
    const scheduled = await count(READY, false);
    const expired = await count(LEASED, true);
    const leased = await count(LEASED, false);
    const dead = await this.tables.count(ITEMS_TABLE, { column: 'state', op: '=', value: DEAD });
    return { ready, scheduled, leased, expired, dead, total: ready + scheduled + leased + expired + dead };
  }

  /** Resolves once the partition's database has no flush or compaction running or due (benches measure after it). */
  waitForBackgroundWork(): Promise<void> {
    return this.tables.db.waitForBackgroundWork();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const db = this.tables.db;
    try {
      await this.positions.release();
      await this.tables.close();
    } finally {
      await db.close();
    }
  }
}

/** `state = s AND rank BETWEEN from AND ceiling` (from the start of the line when `from` is unset). */
function line(state: string, from: Buffer | undefined, ceiling: Buffer): Where {
  return {
    and: [
      { column: 'state', op: '=', value: state },
      from === undefined ? { column: 'rank', op: '<=', value: ceiling } : { column: 'rank', op: 'between', value: [from, ceiling] },
    ],
  };
}

function lower(bound: Buffer | undefined, rank: Buffer): Buffer | undefined {
  // Unset means "from the start": already as low as it goes.
  if (bound === undefined) return undefined;
  return Buffer.compare(rank, bound) < 0 ? rank : bound;
}

function minRank(a: Buffer | undefined, b: Buffer): Buffer {
  return a === undefined || Buffer.compare(b, a) < 0 ? b : a;
}

function stored(r: Row): StoredItem {
  return {
    n: r.id as number,
    state: r.state as string,
    rank: r.rank as Buffer,
    attempts: r.attempts as number,
    sourceId: (r.sourceId as string | null) ?? null,
    enqueuedAt: r.enqueuedAt as number,
    payload: r.payload as Buffer,
  };
}
