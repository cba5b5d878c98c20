// Where a statement reads and writes: the hybrid database directly (autocommit), or the session's
// open transaction (BEGIN ... COMMIT), which sees its own writes.

import type { Hybrid } from '../hybrid/index.js';
import type { HybridTransaction, QueryOptions, Row, Where } from './hybrid-types.js';

export interface TableAccess {
  readonly h: Hybrid;
  /** The database's name (for messages). */
  readonly db: string;
  readonly inTransaction: boolean;
  getSync(table: string, pk: unknown): Row | undefined;
  query(table: string, options: QueryOptions): Promise<{ rows: Row[] }>;
  count(table: string, where: Where | undefined): Promise<number>;
  insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }>;
  update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }>;
  delete(table: string, where: Where | undefined): Promise<{ deleted: number }>;
}

export function accessOf(h: Hybrid, db: string, tx?: HybridTransaction): TableAccess {
  const on = tx ?? h;
  return {
    h,
    db,
    inTransaction: tx !== undefined,
    getSync: (table, pk) => on.getSync(table, pk),
    query: (table, options) => on.query(table, options),
    count: (table, where) => on.count(table, where),
    insert: (table, rows) => on.insert(table, rows),
    update: (table, where, set) => on.update(table, where, set),
    delete: (table, where) => on.delete(table, where),
  };
}

/** Runs `fn` atomically: inside the session's transaction when there is one, else in a hybrid transaction of its own. */
export async function atomically<T>(access: TableAccess, fn: (a: TableAccess) => Promise<T>): Promise<T> {
  if (access.inTransaction) return fn(access);
  return access.h.transaction((tx) => fn(accessOf(access.h, access.db, tx)));
}

/** What a statement runs with: the session's current database, its parameters, and table access. */
export interface StatementEnv {
  readonly database: string;
  readonly params: readonly unknown[];
  /** Access to database `db` (the current one when null), through the session's transaction if one is open. */
  access(db: string | null | undefined): Promise<TableAccess>;
  /** access(), without a promise, when it is at hand (the database open already); else undefined. */
  accessNow?(db: string | null | undefined): TableAccess | undefined;
}
