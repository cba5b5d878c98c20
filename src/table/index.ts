// The table layer (`import { openTables } from 'sett/table'`): typed tables with primary, unique
// and secondary indexes and a planner, over sett's engine. TABLES.md §2 is the contract;
// docs/tables.md the user's guide.
export { openTables, Tables, MAX_STATEMENT_RETRIES, SCAN_SLICE_ROWS, type OpenTablesOptions } from './tables.js';
export { TableTransaction, OpenTableTransaction } from './table-transaction.js';
export { DuplicateKeyError, ConstraintError, NoSuchTableError, TableExistsError, NoSuchColumnError } from './errors.js';
export { TABLE_KEY_SPACE } from './keys.js';
export type {
  ColumnType,
  ColumnDef,
  IndexDef,
  CreateTableOptions,
  AlterTableOptions,
  ColumnInfo,
  IndexInfo,
  TableInfo,
  Row,
  Value,
  Where,
  WhereOp,
  CompareOp,
  OrderBy,
  QueryOptions,
  QueryResult,
  Plan,
  PlanRange,
  AccessPath,
} from './types.js';
