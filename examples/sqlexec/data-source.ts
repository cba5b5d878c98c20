// The data-source surface both seeds share (connect, DDL, DML, transactions, JSON export and
// import), over any TableStore. BadgerDataSource and HybridDataSource add what each seed adds.

import { writeFile, readFile } from 'node:fs/promises';
import { systemClock, type Clock } from 'sett';
import type { Row } from 'sett/table';
import { NotConnectedError, OptionError } from './errors.js';
import { exportTables, importTables, type ExportConfig, type ExportData, type ImportConfig, type ImportResult } from './export-import.js';
import { filtersToWhere, toTableQuery } from './filter.js';
import { fromDescribe, toCreateTable } from './schema.js';
import type { StoreTransaction, TableStore } from './table-store.js';
import type { ColumnInfo, DataSourceConfig, Filter, QueryOptions, QueryResult, TableInfo } from './types.js';

export abstract class TableDataSource<S extends TableStore> {
  readonly name: string;
  protected readonly clock: Clock;
  private store: S | undefined;
  private connecting: Promise<void> | undefined;
  /** Each table's columns as QueryResult reports them; forgotten on every DDL this source runs. */
  private readonly columnsOf = new Map<string, ColumnInfo[]>();

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
    this.columnsOf.clear();
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
    this.columnsOf.clear();
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
    this.columnsOf.delete(info?.name);
    await s.createTable(toCreateTable(info));
  }

  async dropTable(table: string): Promise<void> {
    const s = this.live('dropTable');
    this.columnsOf.delete(table);
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
    const r = await s.query(table, q);
    return { columns: this.columns(s, table, q.columns), rows: r.rows, total: r.total ?? r.rows.length };
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
      all = fromDescribe(s.describeTable(table)).columns;
      this.columnsOf.set(table, all);
    }
    if (selected === undefined) return all;
    return selected.map((name) => all.find((c) => c.name === name)!).filter((c) => c !== undefined);
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
    this.columnsOf.clear();
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
    return { columns: this.columnsOf(table, q.columns), rows: r.rows, total: r.total ?? r.rows.length };
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
