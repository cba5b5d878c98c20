// DDL, one statement at a time: each is one catalog transaction (atomic whatever the table's
// size), and the key ranges it retires are removed afterwards in the background with dropPrefix
// (pending-drop records make that resume after a crash). Online index builds backfill in chunks
// while writes go on: writes maintain an index from the moment it is in the catalog as
// 'building'; queries use it once it is 'ready'; a crash mid-build rolls it back at open.

import { InvalidArgumentError, isSettError, type DB, type Transaction } from '../index.js';
import { Catalog } from './catalog.js';
import { addColumnTo, addIndexTo, copyRecord, createRecord, dropColumnFrom, dropIndexFrom } from './ddl.js';
import { DuplicateKeyError, NoSuchTableError, TableExistsError } from './errors.js';
import type { TableIds } from './ids.js';
import { indexPrefix, pendingDropKey, prefixEnd } from './keys.js';
import { putIndexEntry } from './mutations.js';
import { decodeRow } from './row-codec.js';
import { checkName, revive, TableMeta, type TableRecord } from './schema.js';
import type { AlterTableOptions, CreateTableOptions, IndexDef } from './types.js';

/** Rows an index build reads and indexes per transaction. */
export const BACKFILL_CHUNK_ROWS = 256;
const BACKFILL_RETRIES = 64;

export class DdlRunner {
  private chain: Promise<unknown> = Promise.resolve();
  private drops: Promise<void> = Promise.resolve();
  private closing = false;
  private dropError: unknown;

  constructor(
    private readonly db: DB,
    private readonly catalog: Catalog,
    private readonly ids: TableIds,
  ) {}

  createTable(options: CreateTableOptions): Promise<void> {
    return this.exclusive(async () => {
      if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createTable takes { name, columns, ... }');
      const name = checkName('table', options.name);
      if (this.catalog.tables.has(name)) {
        if (options.ifNotExists === true) return;
        throw new TableExistsError(name);
      }
      const record = createRecord(options, this.catalog.nextTableId);
      await this.write((txn) => {
        this.catalog.allocateTableId(txn);
        Catalog.putRecord(txn, record);
      });
      this.catalog.nextTableId++;
      this.install(record);
    });
  }

  dropTable(name: string, ifExists: boolean): Promise<void> {
    return this.exclusive(async () => {
      const meta = this.catalog.tables.get(name);
      if (meta === undefined) {
        if (ifExists) return;
        throw new NoSuchTableError(name);
      }
      await this.write((txn) => {
        Catalog.deleteRecord(txn, name);
        Catalog.markDrop(txn, meta.prefix);
      });
      this.catalog.tables.delete(name);
      this.ids.forget(meta.id);
      this.scheduleDrop(meta.prefix);
    });
  }

  /** A new table id for the same definition: the rows go with the old id, auto-increment restarts at 1. */
  truncateTable(name: string): Promise<void> {
    return this.exclusive(async () => {
      const meta = this.table(name);
      const record = copyRecord(meta.record);
      record.id = this.catalog.nextTableId;
      await this.write((txn) => {
        this.catalog.allocateTableId(txn);
        Catalog.putRecord(txn, record);
        Catalog.markDrop(txn, meta.prefix);
      });
      this.catalog.nextTableId++;
      this.install(record);
      this.ids.forget(meta.id);
      this.scheduleDrop(meta.prefix);
    });
  }

  renameTable(from: string, to: string): Promise<void> {
    return this.exclusive(async () => {
      const meta = this.table(from);
      const name = checkName('table', to);
      if (this.catalog.tables.has(name)) throw new TableExistsError(name);
      const record = copyRecord(meta.record);
      record.name = name;
      await this.write((txn) => {
        Catalog.deleteRecord(txn, from);
        Catalog.putRecord(txn, record);
      });
      this.catalog.tables.delete(from);
      this.install(record);
    });
  }

  alterTable(name: string, change: AlterTableOptions): Promise<void> {
    return this.exclusive(async () => {
      if (typeof change !== 'object' || change === null) throw new InvalidArgumentError('alterTable takes { addColumn | dropColumn | addIndex | dropIndex }');
      const keys = Object.keys(change).filter((k) => (change as Record<string, unknown>)[k] !== undefined);
      if (keys.length !== 1 || !['addColumn', 'dropColumn', 'addIndex', 'dropIndex'].includes(keys[0]!)) {
        throw new InvalidArgumentError(`alterTable takes exactly one of addColumn, dropColumn, addIndex, dropIndex; got ${JSON.stringify(keys)}`);
      }
      const meta = this.table(name);
      if (change.addColumn !== undefined) {
        const record = copyRecord(meta.record);
        const hasRows = this.hasRows(meta);
        const column = addColumnTo(record, change.addColumn, hasRows);
        if (!column.unique) {
          await this.write((txn) => Catalog.putRecord(txn, record));
          this.install(record);
        } else {
          // Every existing row would hold the default: more than one row with a non-NULL one
          // can never be unique. Refused before anything is written.
          if (column.default !== undefined && this.hasRows(meta, 2)) {
            throw new DuplicateKeyError(name, column.name, revive(column.type, column.default));
          }
          // The column and its index arrive in one catalog write and leave together if the
          // build fails or a crash interrupts it: the column is unique from its first moment.
          await this.buildIndex(name, { name: column.name, columns: [column.name], unique: true }, true, record, column.id);
        }
      } else if (change.dropColumn !== undefined) {
        const record = copyRecord(meta.record);
        const dropped = dropColumnFrom(record, change.dropColumn);
        await this.write((txn) => {
          Catalog.putRecord(txn, record);
          for (const id of dropped) Catalog.markDrop(txn, indexPrefix(meta.id, id));
        });
        this.install(record);
        for (const id of dropped) this.scheduleDrop(indexPrefix(meta.id, id));
      } else if (change.addIndex !== undefined) {
        await this.buildIndex(name, change.addIndex, false);
      } else {
        const record = copyRecord(meta.record);
        const id = dropIndexFrom(record, change.dropIndex!);
        await this.write((txn) => {
          Catalog.putRecord(txn, record);
          Catalog.markDrop(txn, indexPrefix(meta.id, id));
        });
        this.install(record);
        this.scheduleDrop(indexPrefix(meta.id, id));
      }
    });
  }

  /** Brings the catalog to a consistent state at open: half-built indexes rolled back, removals resumed. */
  async recover(): Promise<void> {
    for (const meta of [...this.catalog.tables.values()]) {
      for (const index of meta.record.indexes) if (index.state === 'building') await this.rollbackIndex(meta.name, index.id);
    }
    for (const prefix of this.catalog.pendingDrops.values()) this.scheduleDrop(prefix);
    if (!this.db.options.readOnly) for (const prefix of this.catalog.orphanPrefixes(this.db)) this.scheduleDrop(prefix);
  }

  /** Resolves once no DDL statement and no background removal is running. */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      const drops = this.drops;
      await chain.then(
        () => undefined,
        () => undefined,
      );
      await drops;
      if (chain === this.chain && drops === this.drops) break;
    }
    if (this.dropError !== undefined) {
      const e = this.dropError;
      this.dropError = undefined;
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.idle();
  }

  private async buildIndex(name: string, def: IndexDef, implicit: boolean, base?: TableRecord, addsColumn?: number): Promise<void> {
    const record = base ?? copyRecord(this.table(name).record);
    const index = addIndexTo(record, def, 'building', implicit);
    if (addsColumn !== undefined) index.addsColumn = addsColumn;
    await this.write((txn) => Catalog.putRecord(txn, record));
    this.install(record);
    try {
      // A statement that checked its table's definition before install() wrote no entry of this
      // index, and its commit may still be queued: the backfill's first read would miss its row.
      // The writer commits in queue order, so once this second (identical) write commits, every
      // such statement has committed or failed (and re-runs with the new definition).
      await this.write((txn) => Catalog.putRecord(txn, record));
      await this.backfill(name, index.id);
    } catch (e) {
      await this.rollbackIndex(name, index.id);
      throw e;
    }
    const ready = copyRecord(this.table(name).record);
    const built = ready.indexes.find((i) => i.id === index.id)!;
    built.state = 'ready';
    delete built.addsColumn;
    if (implicit) for (const c of ready.columns) if (c.id === index.columns[0]) c.unique = true;
    await this.write((txn) => Catalog.putRecord(txn, ready));
    this.install(ready);
  }

  /** Indexes every row in chunks; each chunk's transaction read its rows, so a racing write conflicts it. */
  private async backfill(name: string, indexId: number): Promise<void> {
    let after: Buffer | undefined;
    for (;;) {
      let count = 0;
      let last: Buffer | undefined;
      for (let attempt = 0; ; attempt++) {
        const meta = this.table(name);
        const view = meta.indexes.find((i) => i.meta.id === indexId)!;
        const txn = this.db.transaction();
        try {
          const range = after === undefined ? { gte: meta.rowsPrefix } : { gt: after };
          const it = txn.iterator({ ...range, lt: prefixEnd(meta.rowsPrefix), limit: BACKFILL_CHUNK_ROWS });
          const ctx = { txn, ids: this.ids, nowMs: 0 };
          count = 0;
          for (const [key, value] of it) {
            putIndexEntry(ctx, meta, view, decodeRow(meta.rowSchema, value!), key!.subarray(meta.rowsPrefix.length));
            last = key!;
            count++;
          }
          await txn.commit();
          break;
        } catch (e) {
          if (isSettError(e) && e.code === 'CONFLICT' && attempt < BACKFILL_RETRIES) continue;
          throw e;
        } finally {
          txn.discard();
        }
      }
      if (count < BACKFILL_CHUNK_ROWS) return;
      after = last;
    }
  }

  private async rollbackIndex(name: string, indexId: number): Promise<void> {
    const meta = this.table(name);
    const record = copyRecord(meta.record);
    const addsColumn = record.indexes.find((i) => i.id === indexId)?.addsColumn;
    record.indexes = record.indexes.filter((i) => i.id !== indexId);
    if (addsColumn !== undefined) {
      // The column came with this index (addColumn with unique): it goes with it. Rows written
      // meanwhile may hold it; the row codec skips ids the schema no longer has.
      record.columns = record.columns.filter((c) => c.id !== addsColumn);
      record.schemaVersion++;
    }
    const prefix = indexPrefix(meta.id, indexId);
    await this.write((txn) => {
      Catalog.putRecord(txn, record);
      Catalog.markDrop(txn, prefix);
    });
    this.install(record);
    this.scheduleDrop(prefix);
  }

  private scheduleDrop(prefix: Buffer): void {
    const hex = prefix.toString('hex');
    this.catalog.pendingDrops.set(hex, prefix);
    this.drops = this.drops.then(async () => {
      if (this.closing) return;
      try {
        // Ids are never reused: nothing writes under a dropped prefix, so other writes go on.
        await this.db.dropPrefix(prefix, { concurrentWrites: true });
        await this.write((txn) => txn.delete(pendingDropKey(prefix)));
        this.catalog.pendingDrops.delete(hex);
      } catch (e) {
        // The pending-drop record stays: the next open resumes the removal.
        if (!isSettError(e) || (e.code !== 'CLOSED' && e.code !== 'READ_ONLY')) this.dropError ??= e;
      }
    });
  }

  private install(record: TableRecord): void {
    this.catalog.tables.set(record.name, new TableMeta(record));
  }

  private table(name: string): TableMeta {
    const meta = this.catalog.tables.get(name);
    if (meta === undefined) throw new NoSuchTableError(name);
    return meta;
  }

  /** Whether the table holds at least `atLeast` rows. */
  private hasRows(meta: TableMeta, atLeast = 1): boolean {
    const it = this.db.iterator({ prefix: meta.rowsPrefix, limit: atLeast, values: false });
    let n = 0;
    while (it.nextEntry() !== undefined) n++;
    it.close();
    return n >= atLeast;
  }

  private async write(fill: (txn: Transaction) => void): Promise<void> {
    const txn = this.db.transaction();
    try {
      fill(txn);
      await txn.commit();
    } finally {
      txn.discard();
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
