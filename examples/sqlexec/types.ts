// sqlexec's domain shapes (pkg/resource/domain in the seeds) in TypeScript idiom: the Go fields
// in camelCase, the same meaning. Rows are plain objects, as the table layer's are.

import type { Clock } from 'sett';
import type { IndexDef, Row } from 'sett/table';

export type { Row };

/**
 * One condition, or a group of them. A condition names `field`, `operator` and `value`; a group
 * has `logicOp` ('AND' / 'OR') over `subFilters`. A list of filters is ANDed.
 */
export interface Filter {
  field?: string;
  /** = == != <> > >= < <= LIKE NOT LIKE IN NOT IN BETWEEN IS NULL IS NOT NULL (any case). */
  operator?: string;
  value?: unknown;
  logicOp?: 'AND' | 'OR' | 'and' | 'or';
  subFilters?: Filter[];
}

export interface QueryOptions {
  filters?: Filter[];
  /** One column to sort by. */
  orderBy?: string;
  /** 'ASC' (default) or 'DESC', any case. */
  order?: string;
  /** At most this many rows; 0 or absent: no limit (the seed's `Limit > 0` test). */
  limit?: number;
  /** Skip this many rows first; 0 or absent: none. */
  offset?: number;
  /** `SELECT *`: every column, whatever `selectColumns` says. */
  selectAll?: boolean;
  /** The columns to return (column pruning); all when absent or empty. */
  selectColumns?: string[];
  /** The current user, for permission checks upstream; the data sources ignore it, as the seed's do. */
  user?: string;
}

/** A column as sqlexec declares it; `length`, `precision` and `scale` are sett's additions. */
export interface ColumnInfo {
  name: string;
  type: string;
  /** Nullable unless false or primary (sett's rule; Go's zero value made every column NOT NULL). */
  nullable?: boolean;
  primary?: boolean;
  default?: unknown;
  unique?: boolean;
  autoIncrement?: boolean;
  length?: number;
  precision?: number;
  scale?: number;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** A composite primary key, instead of `primary` flags (sett's table layer). */
  primaryKey?: string[];
  /** Secondary indexes (sett's table layer; the seed indexed only primary and unique columns). */
  indexes?: IndexDef[];
}

export interface QueryResult {
  columns: ColumnInfo[];
  rows: Row[];
  /**
   * Rows returned: the page's count, as the seed's Total. Not the matches before limit and
   * offset: counting those reads every match, which made a LIMIT 10 query 25x slower.
   */
  total: number;
}

/** The seed's DataSourceConfig: `type` and `name` identify it, `options` configure its storage. */
export interface DataSourceConfig<O> {
  name?: string;
  type?: string;
  /** Accepted for the seed's shape; both data sources always read and write. */
  writable?: boolean;
  options?: O;
  /** The clock stamping maintenance runs (`stats().lastGCTime`); the system clock by default. */
  clock?: Clock;
}
