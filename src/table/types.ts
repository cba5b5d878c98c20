// The table layer's public shapes (TABLES.md §2): column types, schemas, rows, queries, plans.

/** The column types a table can declare (TABLES.md §2 "Types"). Aliases are normalized by `normalizeType`. */
export type ColumnType =
  | 'INT'
  | 'BIGINT'
  | 'FLOAT'
  | 'DOUBLE'
  | 'DECIMAL'
  | 'VARCHAR'
  | 'TEXT'
  | 'BOOL'
  | 'BLOB'
  | 'JSON'
  | 'DATE'
  | 'DATETIME'
  | 'TIMESTAMP';

/** A value as rows hold it: INT/FLOAT/DOUBLE number, BIGINT bigint, DECIMAL string, VARCHAR/TEXT string, BOOL boolean, BLOB Buffer, JSON any, dates Date. */
export type Value = null | number | bigint | string | boolean | Uint8Array | Date | unknown;

/** A row: column name to value. Columns a row lacks read as NULL (or their default when inserted). */
export type Row = Record<string, unknown>;

export interface ColumnDef {
  name: string;
  type: ColumnType | string;
  /** VARCHAR(n): the most characters a value may hold. Without it VARCHAR is unbounded. */
  length?: number;
  /** DECIMAL(p, s): total digits and digits after the point (defaults 10, 0 as MySQL). */
  precision?: number;
  scale?: number;
  primary?: boolean;
  autoIncrement?: boolean;
  unique?: boolean;
  /** Columns are nullable unless `nullable: false` or primary (TABLES.md §7). */
  nullable?: boolean;
  /** A value for rows inserted without the column; `'now'` for the insert time on date types. */
  default?: unknown;
}

export interface IndexDef {
  name: string;
  columns: string[];
  unique?: boolean;
}

export interface CreateTableOptions {
  name: string;
  ifNotExists?: boolean;
  columns: ColumnDef[];
  /** A composite primary key, instead of `primary` flags on columns. */
  primaryKey?: string[];
  indexes?: IndexDef[];
}

export interface AlterTableOptions {
  addColumn?: ColumnDef;
  dropColumn?: string;
  addIndex?: IndexDef;
  dropIndex?: string;
}

export interface ColumnInfo {
  name: string;
  type: ColumnType;
  length?: number;
  precision?: number;
  scale?: number;
  nullable: boolean;
  primary: boolean;
  autoIncrement: boolean;
  unique: boolean;
  default?: unknown;
}

export interface IndexInfo {
  name: string;
  columns: string[];
  unique: boolean;
  /** 'building' while an online build backfills it; queries use only 'ready' indexes. */
  state: 'ready' | 'building';
  /** True for the index a column's `unique` flag created. */
  implicit: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  indexes: IndexInfo[];
}

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type WhereOp = CompareOp | 'like' | 'not-like' | 'in' | 'not-in' | 'between' | 'is-null' | 'is-not-null';

export type Where =
  | { column: string; op: WhereOp; value?: unknown }
  | { and: Where[] }
  | { or: Where[] }
  | { not: Where };

export interface OrderBy {
  column: string;
  desc?: boolean;
}

export interface QueryOptions {
  where?: Where;
  orderBy?: OrderBy[];
  limit?: number;
  offset?: number;
  /** The columns to return; all when absent. */
  columns?: string[];
  /** Also count every matching row (before limit and offset). */
  total?: boolean;
}

export interface QueryResult {
  rows: Row[];
  total?: number;
}

/** One key range an index or the primary key is read over; bounds are column values. */
export interface PlanRange {
  /** Values of the leading key columns, or undefined for an open end. */
  low?: unknown[];
  lowInclusive: boolean;
  high?: unknown[];
  highInclusive: boolean;
}

export type AccessPath = 'pk-point' | 'pk-in' | 'pk-range' | 'unique-point' | 'index-eq' | 'index-in' | 'index-range' | 'ordered' | 'full-scan';

export interface Plan {
  table: string;
  /** How rows are found, best first: point > in > range > ordered > full-scan. */
  access: AccessPath;
  /** The index read: 'PRIMARY' for the primary key. */
  index: string;
  /** The key ranges read (points are ranges with equal inclusive ends). */
  ranges: PlanRange[];
  /** The part of `where` the index does not settle, checked on each row; undefined when none. */
  residual?: Where;
  /** Whether rows are sorted after reading (false when the index order is the requested order). */
  sort: boolean;
  /** Whether reading stops after limit + offset rows. */
  limitPushedDown: boolean;
  /** Whether the index alone answers the query (no row reads). */
  covering: boolean;
  /** Whether the index is read backwards (ORDER BY ... DESC on the index order). */
  reverse: boolean;
}
