// `dumpSql`: a sett/sql data directory as SQL text that MySQL-compatible databases (MySQL, TiDB,
// Vitess) and sett/sql itself load — per table DROP TABLE IF EXISTS + CREATE TABLE (columns,
// types, NOT NULL, DEFAULT, AUTO_INCREMENT, PRIMARY KEY, UNIQUE, INDEX, ENGINE) and multi-row
// INSERTs in batches. Streamed: rows are read with the table layer's scan (a bounded window at a
// time, in primary-key order) and handed out one statement at a time, so a dump never holds a
// table in memory. docs/scale-out.md says how to use it; docs/sql.md §dump-sql what it writes.

import { stat } from 'node:fs/promises';
import type { Hybrid } from '../hybrid/index.js';
import { Databases } from './databases.js';
import { invalid, SqlError } from './errors.js';
import type { ColumnInfo, HybridOptions, Row, TableInfo } from './hybrid-types.js';

export interface DumpFormatOptions {
  /** Rows per INSERT statement (default 1000). */
  batchRows?: number;
  /** An INSERT statement ends before it grows past this many characters (default 1 MiB; MySQL's max_allowed_packet is 64 MiB). */
  batchChars?: number;
  /**
   * What a memory table (ENGINE=memory) becomes: 'memory' writes ENGINE=MEMORY (sett loads it back
   * as a memory table; MySQL's MEMORY engine refuses TEXT/BLOB/JSON columns and TiDB ignores the
   * engine), 'innodb' writes ENGINE=InnoDB (a disk table everywhere). Default 'memory'.
   */
  memoryEngine?: 'memory' | 'innodb';
  /**
   * DATETIME/TIMESTAMP values are written as wall-clock text in the local time zone (what sett
   * reads such text as, and what mysql2 sends and reads by default). `utc: true` writes them in UTC
   * (for servers and clients that run in UTC).
   */
  utc?: boolean;
}

export interface DumpSqlOptions extends DumpFormatOptions, Omit<HybridOptions, 'dataDir'> {
  /** The sett/sql data directory (one directory per database). */
  dataDir: string;
  /**
   * One database only: its tables with no CREATE DATABASE / USE, so the dump loads into whatever
   * database the client is in (as `mysqldump DB` does). Absent: every database, each with CREATE
   * DATABASE IF NOT EXISTS and USE.
   */
  database?: string;
}

/**
 * The SQL text of a sett/sql data directory, a statement (ending in ";\n") or a comment at a time.
 * Opens each database with the hybrid layer (so it takes the directory's lock: dump a stopped
 * directory, or use `dumpHybrid` in the process that has it open). Memory tables do not outlive
 * their process, so a directory's dump holds only its disk tables.
 */
export async function* dumpSql(options: DumpSqlOptions): AsyncGenerator<string> {
  if (typeof options !== 'object' || options === null || typeof options.dataDir !== 'string' || options.dataDir === '') throw invalid('dumpSql takes { dataDir, database? }');
  const { dataDir, database, batchRows, batchChars, memoryEngine, utc, ...hybrid } = options;
  const format: DumpFormatOptions = { batchRows, batchChars, memoryEngine, utc };
  try {
    if (!(await stat(dataDir)).isDirectory()) throw new Error();
  } catch {
    throw invalid(`dumpSql: ${dataDir} is not a directory`);
  }
  const dbs = new Databases(dataDir, { ...hybrid, enableDisk: true });
  try {
    const names = database === undefined ? await dbs.list() : [database];
    yield `-- sett dump-sql of ${dataDir}${database === undefined ? '' : `, database ${database}`}\n-- ${new Date().toISOString()}; load with a MySQL client (utf8mb4) or sett/sql\n`;
    for (const name of names) {
      if (!(await dbs.exists(name))) throw new SqlError('INVALID_ARGUMENT', 'ER_BAD_DB_ERROR', `Unknown database '${name}'`);
      const h = await dbs.get(name);
      if (database === undefined) yield `\nCREATE DATABASE IF NOT EXISTS ${quoteName(name)};\nUSE ${quoteName(name)};\n`;
      yield* dumpHybrid(h, format);
    }
  } finally {
    await dbs.close();
  }
}

/** Every table of one open hybrid database (memory tables too), as DDL + INSERTs. */
export async function* dumpHybrid(h: Hybrid, options: DumpFormatOptions = {}): AsyncGenerator<string> {
  for (const table of h.listTables()) {
    const info = h.describeTable(table);
    const memory = !h.getPersistenceConfig(table).persistent;
    const engine = memory && (options.memoryEngine ?? 'memory') === 'memory' ? 'MEMORY' : 'InnoDB';
    yield `\n-- table ${table}${memory ? ' (a memory table)' : ''}\nDROP TABLE IF EXISTS ${quoteName(table)};\n${createTableSql(info, engine)};\n`;
    yield* insertStatements(info, h.scan(table), options);
  }
}

/** INSERT statements for `rows` of table `info`, batchRows rows (or batchChars characters) each. */
export async function* insertStatements(info: TableInfo, rows: AsyncIterable<Row> | Iterable<Row>, options: DumpFormatOptions = {}): AsyncGenerator<string> {
  const batchRows = Math.max(1, options.batchRows ?? 1000);
  const batchChars = Math.max(1, options.batchChars ?? 1 << 20);
  const head = `INSERT INTO ${quoteName(info.name)} (${info.columns.map((c) => quoteName(c.name)).join(', ')}) VALUES `;
  let parts: string[] = [];
  let chars = head.length;
  for await (const row of rows) {
    const tuple = `(${info.columns.map((c) => sqlLiteral(c, row[c.name], options.utc === true)).join(',')})`;
    if (parts.length > 0 && chars + tuple.length + 1 > batchChars) {
      yield head + parts.join(',') + ';\n';
      parts = [];
      chars = head.length;
    }
    parts.push(tuple);
    chars += tuple.length + 1;
    if (parts.length >= batchRows) {
      yield head + parts.join(',') + ';\n';
      parts = [];
      chars = head.length;
    }
  }
  if (parts.length > 0) yield head + parts.join(',') + ';\n';
}

/** `name` in backticks (a backtick inside doubled). */
export function quoteName(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** A column's MySQL type: sett's types spelled so MySQL holds every sett value and sett reads the same type back. */
export function columnTypeSql(c: Pick<ColumnInfo, 'type' | 'length' | 'precision' | 'scale'>): string {
  switch (c.type) {
    case 'VARCHAR':
      // MySQL needs a length; sett's unbounded VARCHAR is TEXT there.
      return c.length === undefined ? 'longtext' : `varchar(${c.length})`;
    case 'DECIMAL':
      return `decimal(${c.precision ?? 10},${c.scale ?? 0})`;
    case 'BOOL':
      return 'boolean';
    case 'TEXT':
      return 'longtext'; // MySQL's TEXT holds 64 KiB; sett's is unbounded.
    case 'BLOB':
      return 'longblob';
    case 'DATETIME':
      return 'datetime(3)'; // sett keeps milliseconds
    case 'TIMESTAMP':
      return 'timestamp(3)';
    default:
      return c.type.toLowerCase();
  }
}

/** CREATE TABLE for `info` (without the final ";"). */
export function createTableSql(info: TableInfo, engine: 'InnoDB' | 'MEMORY' = 'InnoDB'): string {
  const lines: string[] = [];
  const implicit = new Set(info.indexes.filter((i) => i.implicit && i.unique && i.columns.length === 1).map((i) => i.columns[0]!));
  for (const c of info.columns) {
    let line = `  ${quoteName(c.name)} ${columnTypeSql(c)}`;
    if (!c.nullable) line += ' NOT NULL';
    if (c.default !== undefined && c.default !== null) {
      line += c.default === 'now' && (c.type === 'DATETIME' || c.type === 'TIMESTAMP' || c.type === 'DATE') ? ` DEFAULT CURRENT_TIMESTAMP${c.type === 'DATE' ? '' : '(3)'}` : ` DEFAULT ${sqlLiteral(c, c.default, false)}`;
    }
    if (c.autoIncrement) line += ' AUTO_INCREMENT';
    if (c.unique && implicit.has(c.name) && !(info.primaryKey.length === 1 && info.primaryKey[0] === c.name)) line += ' UNIQUE';
    lines.push(line);
  }
  if (info.primaryKey.length > 0) lines.push(`  PRIMARY KEY (${info.primaryKey.map(quoteName).join(', ')})`);
  for (const ix of info.indexes) {
    if (ix.implicit && ix.unique && ix.columns.length === 1 && implicit.has(ix.columns[0]!)) continue;
    lines.push(`  ${ix.unique ? 'UNIQUE KEY' : 'KEY'} ${quoteName(ix.name)} (${ix.columns.map(quoteName).join(', ')})`);
  }
  // utf8mb4_bin: MySQL compares strings as sett does (binary, case-sensitive).
  return `CREATE TABLE ${quoteName(info.name)} (\n${lines.join(',\n')}\n) ENGINE=${engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}

/** A value of column `c` as a MySQL literal. */
export function sqlLiteral(c: Pick<ColumnInfo, 'type' | 'name'>, v: unknown, utc = false): string {
  if (v === null || v === undefined) return 'NULL';
  switch (c.type) {
    case 'INT':
    case 'BIGINT': {
      if (typeof v !== 'bigint') return numberLiteral(Number(v), c.name);
      return v.toString();
    }
    case 'FLOAT':
    case 'DOUBLE':
      return numberLiteral(Number(v), c.name);
    case 'DECIMAL': {
      const s = String(v);
      return /^-?\d+(\.\d+)?$/.test(s) ? s : quoteString(s);
    }
    case 'BOOL':
      return v === true || v === 1 ? '1' : '0';
    case 'BLOB': {
      const b = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v));
      return b.length === 0 ? "X''" : `X'${b.toString('hex')}'`;
    }
    case 'JSON':
      return quoteString(JSON.stringify(v));
    case 'DATE':
      return `'${dateText(v, true, true)}'`;
    case 'DATETIME':
    case 'TIMESTAMP':
      return `'${dateText(v, false, utc)}'`;
    default:
      return quoteString(typeof v === 'string' ? v : String(v));
  }
}

function numberLiteral(n: number, column: string): string {
  if (!Number.isFinite(n)) throw invalid(`column '${column}' holds ${n}, which SQL cannot write`);
  const s = String(n);
  // node-sql-parser reads an exponent only after a mantissa with a point: 1e+21 as 1.0e+21.
  const e = s.indexOf('e');
  if (e > 0 && !s.slice(0, e).includes('.')) return `${s.slice(0, e)}.0${s.slice(e)}`;
  return s;
}

const ESCAPES: Record<string, string> = { '\0': '\\0', "'": "\\'", '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z' };

/** A string literal with MySQL's backslash escapes (NUL, quotes, backslash, newline, CR, Ctrl-Z); never spans lines. */
export function quoteString(s: string): string {
  return `'${s.replace(/[\0'"\\\n\r\x1a]/g, (ch) => ESCAPES[ch]!)}'`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** 'YYYY-MM-DD' (a DATE: sett keeps it as midnight UTC) or 'YYYY-MM-DD HH:MM:SS[.mmm]'. */
function dateText(v: unknown, dateOnly: boolean, utc: boolean): string {
  const d = v instanceof Date ? v : new Date(v as string | number);
  if (Number.isNaN(d.getTime())) throw invalid(`not a date: ${String(v)}`);
  const [y, mo, day, h, mi, s, ms] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  const date = `${pad(y, 4)}-${pad(mo)}-${pad(day)}`;
  if (dateOnly) return date;
  return `${date} ${pad(h)}:${pad(mi)}:${pad(s)}${ms === 0 ? '' : `.${pad(ms, 3)}`}`;
}
