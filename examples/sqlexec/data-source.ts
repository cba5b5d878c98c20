// The data-source surface both seeds share (connect, DDL, DML, transactions, JSON export and
// import), over any TableStore. BadgerDataSource and HybridDataSource add what each seed adds.

import { writeFile, readFile } from 'node:fs/promises';
import { isSettError, systemClock, type Clock } from 'sett';
import { NoSuchColumnError, type QueryOptions as TableQuery, type Row } from 'sett/table';
import { NotConnectedError, OptionError } from './errors.js';
import { exportTables, importTables, type ExportConfig, type ExportData, type ImportConfig, type ImportResult } from './export-import.js';
import { filtersToWhere, toTableQuery } from './filter.js';
import { fromDescribe, toCreateTable } from './schema.js';
import type { StoreTransaction, TableStore } from './table-store.js';
import type { ColumnInfo, DataSourceConfig, Filter, QueryOptions, QueryResult, TableInfo } from './types.js';

/** get()'s answer when the filter's value is not a key of the table's type. */
const NOT_A_KEY = Symbol('not a key');

export abstract class TableDataSource<S extends TableStore> {
  readonly name: string;
  protected readonly clock: Clock;
  private store: S | undefined;
  private connecting: Promise<void> | undefined;
  /** Each table's columns as QueryResult reports them; forgotten on every DDL this source runs. */
  private readonly columnsOf = new Map<string, ColumnInfo[]>();
  /** Each table's one-column primary key, learnt with its columns (absent for composite keys). */
  private readonly primaryOf = new Map<string, string>();

  protected constructor(config: DataSourceConfig<unknown> | undefined, type: string) {
    if (config !== undefined && (typeof config !== 'object' || config === null)) throw new OptionError('config', 'the data source config must be an object');
    const c = config ?? {};
    if (c.type !== undefined && c.type !== type) throw new OptionError('type', `a ${type} data source has type '${type}', got ${JSON.stringify(c.type)}`);
    if (c.writable !== undefined && typeof c.writable !== 'boolean') throw new OptionError('writable', `writable must be a boolean, got ${JSON.stringify(c.writable)}`);
    if (c.name !== undefined && typeof c.name !== 'string') throw new OptionError('name', `name must be a string, got ${JSON.stringify(c.name)}`);
    this.name = c.name ?? type;
    this.clock = c.clock ?? systemClock;
  }

  protected abstract openStore(): Promise<S>;
  protected abstract closeStore(store: S): Promise<void>;

  /** Opens the storage; a second call while connected does nothing (the seed's Connect). */
  async connect(): Promise<void> {
    if (this.store !== undefined) return;
    this.connecting ??= this.openStore().then(
      (s) => {
        this.store = s;
        this.connecting = undefined;
      },
      (e: unknown) => {
        this.connecting = undefined;
        throw e;
      },
    );
    await this.connecting;
  }

  /** Closes the storage; closing a source that is not connected does nothing. It may connect again. */
  async close(): Promise<void> {
    if (this.connecting !== undefined) await this.connecting.catch(() => undefined);
    const s = this.store;
    if (s === undefined) return;
    this.store = undefined;
    this.forgetSchemas();
    await this.closeStore(s);
  }

  isConnected(): boolean {
    return this.store !== undefined;
  }

  /** The open store, or NotConnectedError naming the refused call. */
  protected live(operation: string): S {
    if (this.store === undefined) throw new NotConnectedError(operation);
    return this.store;
  }

  /** Swaps the open store (a restore reopens the table layer over restored keys). */
  protected replaceStore(store: S): void {
    this.store = store;
    this.forgetSchemas();
  }

  private forgetSchemas(): void {
    this.columnsOf.clear();
    this.primaryOf.clear();
  }

  // ---- DDL -------------------------------------------------------------------------------

  async getTables(): Promise<string[]> {
    return this.live('getTables').listTables().sort();
  }

  async getTableInfo(table: string): Promise<TableInfo> {
    return fromDescribe(this.live('getTableInfo').describeTable(table));
  }

  async createTable(info: TableInfo): Promise<void> {
    const s = this.live('createTable');
    this.forgetSchemas();
    await s.createTable(toCreateTable(info));
  }

  async dropTable(table: string): Promise<void> {
    const s = this.live('dropTable');
    this.forgetSchemas();
    await s.dropTable(table);
  }

  /** Removes every row and restarts auto-increment at 1 (seed 000's TRUNCATE). */
  async truncateTable(table: string): Promise<void> {
    await this.live('truncateTable').truncateTable(table);
  }

  // ---- DML -------------------------------------------------------------------------------

  /** Inserts `rows` in one statement (all or none); resolves with the count. */
  async insert(table: string, rows: Row[]): Promise<number> {
    const s = this.live('insert');
    if (!Array.isArray(rows) || rows.length === 0) return 0;
    return (await s.insert(table, rows)).inserted;
  }

  async query(table: string, options?: QueryOptions): Promise<QueryResult> {
    const s = this.live('query');
    const q = toTableQuery(options);
    const columns = this.columns(s, table, q.columns);
    const pk = this.pointKey(table, q);
    if (pk !== undefined) {
      // A primary-key point goes through get(): the hybrid layer serves it from its row cache
      // (seed 004's "reads from memory" for cacheInMemory tables), which query() never uses.
      // A key get() cannot convert falls through to query(), whose error names the where.
      const row = await s.get(table, pk).catch((e: unknown) => (isSettError(e) && e.code === 'CONSTRAINT' ? NOT_A_KEY : Promise.reject(e)));
      if (row !== NOT_A_KEY) {
        const rows = row === undefined ? [] : [q.columns === undefined ? row : pick(row, q.columns)];
        return { columns, rows, total: rows.length };
      }
    }
    const r = await s.query(table, q);
    return { columns, rows: r.rows, total: r.rows.length };
  }

  /** The key of a query that is `=` on a one-column primary key and nothing else (offset 0), else undefined. */
  private pointKey(table: string, q: TableQuery): unknown {
    const w = q.where as { column?: unknown; op?: unknown; value?: unknown } | undefined;
    if (w === undefined || w.op !== '=' || q.offset !== undefined) return undefined;
    const key = this.primaryOf.get(table);
    const v = w.value;
    return key !== undefined && w.column === key && (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') ? v : undefined;
  }

  /** Sets `updates` on every row the filters match (all rows for none); resolves with the matched count. */
  async update(table: string, filters: Filter[] | undefined, updates: Row): Promise<number> {
    const s = this.live('update');
    return (await s.update(table, filtersToWhere(filters), updates)).updated;
  }

  async delete(table: string, filters: Filter[] | undefined): Promise<number> {
    const s = this.live('delete');
    return (await s.delete(table, filtersToWhere(filters))).deleted;
  }

  /** A transaction the caller commits or rolls back (seed 004's BeginTransaction); it sees its own writes. */
  beginTransaction(): DataSourceTransaction {
    const s = this.live('beginTransaction');
    return new DataSourceTransaction(s.begin(), (table, cols) => this.columns(s, table, cols));
  }

  private columns(s: S, table: string, selected: string[] | undefined): ColumnInfo[] {
    let all = this.columnsOf.get(table);
    if (all === undefined) {
      const d = s.describeTable(table);
      all = fromDescribe(d).columns;
      this.columnsOf.set(table, all);
      if (d.primaryKey.length === 1) this.primaryOf.set(table, d.primaryKey[0]!);
      else this.primaryOf.delete(table);
    }
    if (selected === undefined) return all;
    return selected.map((name) => {
      const c = all.find((col) => col.name === name);
      if (c === undefined) throw new NoSuchColumnError(table, name);
      return c;
    });
  }

  // ---- JSON export and import (the seed's MigrationManager) -------------------------------

  async exportData(config?: ExportConfig): Promise<ExportData> {
    return exportTables(this.live('exportData'), this.clock.nowMs(), config);
  }

  async exportToFile(path: string, config?: ExportConfig): Promise<void> {
    const data = await this.exportData(config);
    await writeFile(path, JSON.stringify(data, null, 2) + '\n');
  }

  /** Imports an export document (or its JSON text): create, replace or append, per `config.mode`. */
  async importData(data: ExportData | string, config?: ImportConfig): Promise<ImportResult> {
    const s = this.live('importData');
    this.forgetSchemas();
    return importTables(s, data, config);
  }

  async importFromFile(path: string, config?: ImportConfig): Promise<ImportResult> {
    this.live('importFromFile');
    return this.importData(await readFile(path, 'utf8'), config);
  }
}

/** Statements of one transaction, in sqlexec's shapes; nothing is written until `commit()`. */
export class DataSourceTransaction {
  constructor(
    private readonly tx: StoreTransaction,
    private readonly columnsOf: (table: string, selected: string[] | undefined) => ColumnInfo[],
  ) {}

  async insert(table: string, rows: Row[]): Promise<number> {
    if (!Array.isArray(rows) || rows.length === 0) return 0;
    return (await this.tx.insert(table, rows)).inserted;
  }

  async query(table: string, options?: QueryOptions): Promise<QueryResult> {
    const q = toTableQuery(options);
    const r = await this.tx.query(table, q);
    return { columns: this.columnsOf(table, q.columns), rows: r.rows, total: r.rows.length };
  }

  async update(table: string, filters: Filter[] | undefined, updates: Row): Promise<number> {
    return (await this.tx.update(table, filtersToWhere(filters), updates)).updated;
  }

  async delete(table: string, filters: Filter[] | undefined): Promise<number> {
    return (await this.tx.delete(table, filtersToWhere(filters))).deleted;
  }

  commit(): Promise<void> {
    return this.tx.commit();
  }

  rollback(): void {
    this.tx.rollback();
  }
}

function pick(row: Row, columns: readonly string[]): Row {
  const out: Row = {};
  for (const c of columns) out[c] = row[c];
  return out;
}
