// SQL errors (TABLES.md §4, §7): every error `execute` throws is a `SqlError` — a SettError with
// sett's `code`, plus MySQL's `errno`, `sqlState` and error name, so a MySQL client (or the future
// `sett serve`) can show what MySQL would. This file is the map from sett's codes to MySQL's numbers.

import { SettError, isSettError, type SettErrorCode } from '../index.js';

export interface MysqlError {
  errno: number;
  sqlState: string;
  /** MySQL's symbolic name, e.g. 'ER_DUP_ENTRY'. */
  name: string;
}

/** The MySQL errors sett reports, by MySQL's symbolic name. */
export const MYSQL_ERRORS = {
  ER_DUP_ENTRY: { errno: 1062, sqlState: '23000', name: 'ER_DUP_ENTRY' },
  ER_NO_SUCH_TABLE: { errno: 1146, sqlState: '42S02', name: 'ER_NO_SUCH_TABLE' },
  ER_TABLE_EXISTS_ERROR: { errno: 1050, sqlState: '42S01', name: 'ER_TABLE_EXISTS_ERROR' },
  ER_BAD_FIELD_ERROR: { errno: 1054, sqlState: '42S22', name: 'ER_BAD_FIELD_ERROR' },
  ER_PARSE_ERROR: { errno: 1064, sqlState: '42000', name: 'ER_PARSE_ERROR' },
  ER_BAD_NULL_ERROR: { errno: 1048, sqlState: '23000', name: 'ER_BAD_NULL_ERROR' },
  ER_DATA_TOO_LONG: { errno: 1406, sqlState: '22001', name: 'ER_DATA_TOO_LONG' },
  ER_WARN_DATA_OUT_OF_RANGE: { errno: 1264, sqlState: '22003', name: 'ER_WARN_DATA_OUT_OF_RANGE' },
  ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: { errno: 1366, sqlState: 'HY000', name: 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD' },
  ER_LOCK_DEADLOCK: { errno: 1213, sqlState: '40001', name: 'ER_LOCK_DEADLOCK' },
  ER_NOT_SUPPORTED_YET: { errno: 1235, sqlState: '42000', name: 'ER_NOT_SUPPORTED_YET' },
  ER_BAD_DB_ERROR: { errno: 1049, sqlState: '42000', name: 'ER_BAD_DB_ERROR' },
  ER_DB_CREATE_EXISTS: { errno: 1007, sqlState: 'HY000', name: 'ER_DB_CREATE_EXISTS' },
  ER_DB_DROP_EXISTS: { errno: 1008, sqlState: 'HY000', name: 'ER_DB_DROP_EXISTS' },
  ER_NO_DB_ERROR: { errno: 1046, sqlState: '3D000', name: 'ER_NO_DB_ERROR' },
  ER_NON_UNIQ_ERROR: { errno: 1052, sqlState: '23000', name: 'ER_NON_UNIQ_ERROR' },
  ER_WRONG_ARGUMENTS: { errno: 1210, sqlState: 'HY000', name: 'ER_WRONG_ARGUMENTS' },
  ER_WRONG_VALUE_COUNT_ON_ROW: { errno: 1136, sqlState: '21S01', name: 'ER_WRONG_VALUE_COUNT_ON_ROW' },
  ER_TRANS_CACHE_FULL: { errno: 1197, sqlState: 'HY000', name: 'ER_TRANS_CACHE_FULL' },
  ER_UNKNOWN_ERROR: { errno: 1105, sqlState: 'HY000', name: 'ER_UNKNOWN_ERROR' },
} as const satisfies Record<string, MysqlError>;

export type MysqlErrorName = keyof typeof MYSQL_ERRORS;

/** Where in the statement a syntax error is (node-sql-parser's location, mapped to the caller's text). */
export interface SqlPosition {
  offset: number;
  line: number;
  column: number;
}

export class SqlError extends SettError {
  /** MySQL's error number (1062, 1146, ...). Typed `any` only because SettError's `errno` is an IO errno string. */
  declare readonly errno: any;
  readonly sqlState: string;
  /** MySQL's symbolic error name, e.g. 'ER_DUP_ENTRY'. */
  readonly mysqlCode: string;
  /** The message without sett's code prefix (what a MySQL client shows). */
  readonly sqlMessage: string;
  /** For syntax errors: where the parser stopped. */
  readonly position: SqlPosition | undefined;

  constructor(code: SettErrorCode, mysql: MysqlErrorName, message: string, options: { cause?: unknown; position?: SqlPosition } = {}) {
    super(code, message, { cause: options.cause });
    const m = MYSQL_ERRORS[mysql];
    Object.defineProperty(this, 'errno', { value: m.errno, enumerable: true, writable: false });
    this.sqlState = m.sqlState;
    this.mysqlCode = m.name;
    this.sqlMessage = message;
    this.position = options.position;
  }
}

export function unsupported(what: string): SqlError {
  return new SqlError('INVALID_ARGUMENT', 'ER_NOT_SUPPORTED_YET', `sett does not support ${what}`);
}

export function invalid(message: string): SqlError {
  return new SqlError('INVALID_ARGUMENT', 'ER_WRONG_ARGUMENTS', message);
}

export function unknownColumn(column: string, where = 'field list'): SqlError {
  return new SqlError('NO_SUCH_COLUMN', 'ER_BAD_FIELD_ERROR', `Unknown column '${column}' in '${where}'`);
}

export function noSuchTable(db: string, table: string): SqlError {
  return new SqlError('NO_SUCH_TABLE', 'ER_NO_SUCH_TABLE', `Table '${db}.${table}' doesn't exist`);
}

/** Any error as a SqlError: sett's typed errors get their MySQL number; SqlErrors pass through. */
export function toSqlError(e: unknown, db?: string): SqlError {
  if (e instanceof SqlError) return e;
  if (!isSettError(e)) {
    const message = e instanceof Error ? e.message : String(e);
    return new SqlError('INTERNAL', 'ER_UNKNOWN_ERROR', message, { cause: e });
  }
  const message = e.message.replace(/^[A-Z_]+: /, '');
  const wrap = (name: MysqlErrorName, text = message): SqlError => new SqlError(e.code, name, text, { cause: e });
  switch (e.code) {
    case 'DUPLICATE_KEY': {
      const d = e as SettError & { index?: string; value?: unknown };
      return wrap('ER_DUP_ENTRY', d.index !== undefined ? `Duplicate entry ${entryText(d.value)} for key '${d.index}'` : message);
    }
    case 'NO_SUCH_TABLE': {
      const t = (e as SettError & { table?: string }).table;
      return wrap('ER_NO_SUCH_TABLE', t !== undefined ? `Table '${db === undefined ? '' : db + '.'}${t}' doesn't exist` : message);
    }
    case 'TABLE_EXISTS': {
      const t = (e as SettError & { table?: string }).table;
      return wrap('ER_TABLE_EXISTS_ERROR', t !== undefined ? `Table '${t}' already exists` : message);
    }
    case 'NO_SUCH_COLUMN': {
      const c = (e as SettError & { column?: string }).column;
      return wrap('ER_BAD_FIELD_ERROR', c !== undefined ? `Unknown column '${c}' in 'field list'` : message);
    }
    case 'CONSTRAINT': {
      const c = (e as SettError & { column?: string }).column;
      if (/cannot be null/.test(message)) return wrap('ER_BAD_NULL_ERROR', c !== undefined ? `Column '${c}' cannot be null` : message);
      if (/too long/.test(message)) return wrap('ER_DATA_TOO_LONG', c !== undefined ? `Data too long for column '${c}' at row 1` : message);
      if (/out of range/i.test(message)) return wrap('ER_WARN_DATA_OUT_OF_RANGE');
      return wrap('ER_TRUNCATED_WRONG_VALUE_FOR_FIELD');
    }
    case 'CONFLICT':
      return wrap('ER_LOCK_DEADLOCK', `Deadlock found when trying to get lock; try restarting transaction (${message})`);
    case 'TXN_TOO_BIG':
      return wrap('ER_TRANS_CACHE_FULL');
    case 'INVALID_ARGUMENT':
      return wrap('ER_WRONG_ARGUMENTS');
    default:
      return wrap('ER_UNKNOWN_ERROR');
  }
}

function entryText(value: unknown): string {
  const one = (v: unknown): string => (v instanceof Date ? v.toISOString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v));
  return `'${Array.isArray(value) ? value.map(one).join('-') : one(value)}'`;
}
