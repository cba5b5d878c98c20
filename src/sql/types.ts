// sett/sql's public shapes (TABLES.md §4, §7).

import type { HybridOptions, Row } from './hybrid-types.js';

export interface SqlOptions extends Omit<HybridOptions, 'dataDir'> {
  /** The directory holding one directory per database; without it every database is in memory. */
  dataDir?: string;
}

/** A result column: its name and its type (a sett column type: 'INT', 'VARCHAR', ...). */
export interface SqlField {
  name: string;
  type: string;
}

export interface SqlResult {
  /** Result rows as objects (empty for statements that return none). */
  rows: Row[];
  fields: SqlField[];
  /** Rows inserted, deleted, or (for UPDATE) changed — MySQL's changed-rows count (TABLES.md §7). */
  affectedRows: number;
  /** The first auto-increment id a multi-row INSERT generated (MySQL); 0 when none. */
  insertId: number | bigint;
  /** UPDATE: rows the WHERE matched (MySQL's "Rows matched"), changed or not. */
  matchedRows?: number;
}

export function emptyResult(affectedRows = 0): SqlResult {
  return { rows: [], fields: [], affectedRows, insertId: 0 };
}
