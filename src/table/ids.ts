// Auto-increment values and hidden row ids: one counter per table, handed out in memory and
// persisted as a high-water mark in the same transaction as the rows that used it (where the ids
// are the row keys, the last key is the mark, and deletes write the stored one). At first use
// the counter starts past both the stored mark and the table's last key, so an id is never
// handed out twice, even after the highest row is deleted and the database reopened (TABLES.md §7).

import type { DB } from '../index.js';
import { lastIntegerKey, parseCounter } from './catalog.js';
import { autoIncrementKey } from './keys.js';
import { idsInKeys, type IdSource } from './mutations.js';
import type { TableMeta } from './schema.js';

export class TableIds implements IdSource {
  private readonly highByTable = new Map<number, number>();

  constructor(private readonly db: DB) {}

  next(meta: TableMeta): number {
    const n = this.load(meta) + 1;
    this.highByTable.set(meta.id, n);
    return n;
  }

  saw(meta: TableMeta, id: number): void {
    if (Number.isFinite(id) && id > this.load(meta)) this.highByTable.set(meta.id, id);
  }

  high(meta: TableMeta): number {
    return this.load(meta);
  }

  /**
   * Takes back ids a failed statement drew, when nothing drew after them: a failed insert then
   * leaves no gap (ids drawn by a statement that later committed stay taken).
   */
  giveBack(meta: TableMeta, first: number, last: number): void {
    if (this.highByTable.get(meta.id) === last) this.highByTable.set(meta.id, first - 1);
  }

  /** Drops a table id's counter (its table was dropped or truncated: the new id starts at 1). */
  forget(tableId: number): void {
    this.highByTable.delete(tableId);
  }

  private load(meta: TableMeta): number {
    let high = this.highByTable.get(meta.id);
    if (high === undefined) {
      high = Math.max(parseCounter(this.db.getSync(autoIncrementKey(meta.id))), idsInKeys(meta) ? lastIntegerKey(this.db, meta) : 0);
      this.highByTable.set(meta.id, high);
    }
    return high;
  }
}

/** An IdSource that remembers what it handed out, so a failed statement can give it back. */
export class RecordingIds implements IdSource {
  private readonly drawn: { meta: TableMeta; first: number; last: number }[] = [];

  constructor(private readonly ids: TableIds) {}

  next(meta: TableMeta): number {
    const id = this.ids.next(meta);
    const last = this.drawn[this.drawn.length - 1];
    if (last !== undefined && last.meta === meta && last.last === id - 1) last.last = id;
    else this.drawn.push({ meta, first: id, last: id });
    return id;
  }

  saw(meta: TableMeta, id: number): void {
    this.ids.saw(meta, id);
  }

  high(meta: TableMeta): number {
    return this.ids.high(meta);
  }

  giveBack(): void {
    for (let i = this.drawn.length - 1; i >= 0; i--) {
      const d = this.drawn[i]!;
      this.ids.giveBack(d.meta, d.first, d.last);
    }
    this.drawn.length = 0;
  }
}
