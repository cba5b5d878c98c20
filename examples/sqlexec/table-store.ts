// What a data source needs of the layer under it: the methods `Tables` (sett/table) and `Hybrid`
// (sett/hybrid) share. Both satisfy it structurally, so one data-source class serves both.

import type { CreateTableOptions, QueryOptions, QueryResult, Row, TableInfo, Where } from 'sett/table';

export interface StoreTransaction {
  insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }>;
  query(table: string, options?: QueryOptions): Promise<QueryResult>;
  update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }>;
  delete(table: string, where: Where | undefined): Promise<{ deleted: number }>;
  commit(): Promise<void>;
  rollback(): void;
}

export interface TableStore {
  createTable(options: CreateTableOptions): Promise<void>;
  dropTable(name: string, options?: { ifExists?: boolean }): Promise<void>;
  truncateTable(name: string): Promise<void>;
  listTables(): string[];
  get(table: string, pk: unknown): Promise<Row | undefined>;
  describeTable(name: string): TableInfo;
  insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }>;
  query(table: string, options?: QueryOptions): Promise<QueryResult>;
  update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }>;
  delete(table: string, where: Where | undefined): Promise<{ deleted: number }>;
  begin(): StoreTransaction;
  close(): Promise<void>;
}
