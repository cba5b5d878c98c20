// Transactions over both sides (TABLES.md §3): statements go to a disk and a memory transaction as
// their tables are routed; at the end the disk part commits first (atomically), then the memory
// part. A failure before the disk commit leaves both sides untouched and CONFLICT re-runs the
// whole callback; the memory part can then only fail on a conflict with another memory writer,
// and that failure reaches the caller with the disk part committed (docs/hybrid.md).

import { isSettError, SettError } from '../index.js';
import { MAX_STATEMENT_RETRIES, type OpenTableTransaction, type QueryOptions, type QueryResult, type Row, type Where } from '../table/index.js';
import type { Hybrid, Side } from './hybrid.js';

export class HybridTransaction {
  private readonly parts = new Map<Side, OpenTableTransaction>();
  private readonly releases: (() => void)[] = [];
  private readonly held = new Set<string>();
  /** Rows written per side, counted when the commit lands. */
  private readonly writes = { memory: 0, disk: 0, cached: 0 };
  private readonly reads = { memory: 0, disk: 0 };
  /** Cached disk tables this transaction wrote: their cached rows are forgotten at commit. */
  private readonly cachedWritten = new Set<string>();

  /** @internal Use `Hybrid.transaction(fn)` or `Hybrid.begin()`. */
  constructor(private readonly h: Hybrid) {}

  /** @internal */
  static async run<T>(h: Hybrid, fn: (tx: HybridTransaction) => T | Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const tx = new HybridTransaction(h);
      try {
        const result = await fn(tx);
        await tx.commit();
        return result;
      } catch (e) {
        tx.rollback();
        if (isSettError(e) && e.code === 'CONFLICT' && !(e instanceof MemoryPartFailed) && attempt < MAX_STATEMENT_RETRIES) continue;
        throw e instanceof MemoryPartFailed ? e.underlying : e;
      }
    }
  }

  async insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }> {
    const { side, tx } = await this.on(table, true);
    const r = await tx.insert(table, rows);
    this.wrote(side, table, r.inserted);
    return r;
  }

  async update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }> {
    const { side, tx } = await this.on(table, true);
    const r = await tx.update(table, where, set);
    this.wrote(side, table, r.updated);
    return r;
  }

  async delete(table: string, where: Where | undefined): Promise<{ deleted: number }> {
    const { side, tx } = await this.on(table, true);
    const r = await tx.delete(table, where);
    this.wrote(side, table, r.deleted);
    return r;
  }

  getSync(table: string, pk: unknown): Row | undefined {
    const side = this.h.side(table);
    const row = this.part(side).getSync(table, pk);
    if (row !== undefined) this.reads[side]++;
    return row;
  }

  async get(table: string, pk: unknown): Promise<Row | undefined> {
    return this.getSync(table, pk);
  }

  querySync(table: string, options: QueryOptions = {}): QueryResult {
    const side = this.h.side(table);
    const r = this.part(side).querySync(table, options);
    this.reads[side] += r.rows.length;
    return r;
  }

  async query(table: string, options: QueryOptions = {}): Promise<QueryResult> {
    return this.querySync(table, options);
  }

  async count(table: string, where?: Where): Promise<number> {
    return this.part(this.h.side(table)).count(table, where);
  }

  private async on(table: string, writing: boolean): Promise<{ side: Side; tx: OpenTableTransaction }> {
    if (writing && !this.held.has(table)) {
      // Held until the end: a migration must not copy the table between this write and its commit.
      this.releases.push(await this.h.gatesOf().acquire(table));
      this.held.add(table);
    }
    const side = this.h.side(table);
    return { side, tx: this.part(side) };
  }

  private part(side: Side): OpenTableTransaction {
    let tx = this.parts.get(side);
    if (tx === undefined) {
      tx = this.h.tablesOf(side).begin();
      this.parts.set(side, tx);
    }
    return tx;
  }

  private wrote(side: Side, table: string, rows: number): void {
    this.writes[side] += rows;
    if (side === 'disk' && this.h.cached(table)) {
      this.writes.cached += rows;
      this.cachedWritten.add(table);
    }
  }

  /**
   * Commits the disk part, then the memory part (what `Hybrid.transaction` does at the end of its
   * callback). After `Hybrid.begin()`, the caller's to call; no retries.
   */
  async commit(): Promise<void> {
    try {
      await this.parts.get('disk')?.commit();
      try {
        await this.parts.get('memory')?.commit();
      } catch (e) {
        throw new MemoryPartFailed(e);
      }
      for (const table of this.cachedWritten) this.h.cache?.dropTable(table);
      const c = this.h.counters;
      c.read('memory', this.reads.memory);
      c.read('disk', this.reads.disk);
      c.wrote('memory', this.writes.memory, false);
      c.wrote('disk', this.writes.disk - this.writes.cached, false);
      c.wrote('disk', this.writes.cached, true);
    } finally {
      this.parts.clear();
      this.end();
    }
  }

  /** Writes nothing on either side. Idempotent. */
  rollback(): void {
    for (const tx of this.parts.values()) tx.rollback();
    this.parts.clear();
    this.end();
  }

  private end(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

/** The memory part failed after the disk part committed: not retried (the disk part stays). */
class MemoryPartFailed extends SettError {
  constructor(readonly underlying: unknown) {
    super(isSettError(underlying) ? underlying.code : 'INTERNAL', `the memory part of a hybrid transaction failed after its disk part committed: ${underlying instanceof Error ? underlying.message : String(underlying)}`, { cause: underlying });
  }
}
