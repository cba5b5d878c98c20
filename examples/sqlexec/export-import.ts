// JSON export and import (the seed's MigrationManager): a document of each table's schema and
// rows, and an import that creates, replaces or appends to the tables it names.
//
// JSON has no bigint, Date or bytes: BIGINT is written as its decimal text and dates as ISO 8601
// (the table layer accepts both back), BLOB as base64, decoded again by the target column's type.

import { NoSuchTableError, type Row } from 'sett/table';
import { ImportError } from './errors.js';
import { fromDescribe, toCreateTable } from './schema.js';
import type { TableStore } from './table-store.js';
import type { ColumnInfo, TableInfo } from './types.js';

export const EXPORT_FORMAT_VERSION = '1.0';
/** Rows per insert statement of an import, unless the caller says (the seed's default). */
export const DEFAULT_IMPORT_BATCH_ROWS = 1000;

export interface ExportConfig {
  /** Tables to export; all when absent or empty. */
  tables?: string[];
  includeSchema?: boolean;
  includeData?: boolean;
}

export interface TableExport {
  name: string;
  schema?: TableInfo;
  rows?: Row[];
  row_count: number;
}

/** The document's field names are the seed's JSON names: exports move between the two. */
export interface ExportData {
  version: string;
  exported_at: string;
  tables: Record<string, TableExport>;
}

export type ImportMode = 'create' | 'replace' | 'append';

export interface ImportConfig {
  /** create (default): create each table, failing if it exists; replace: drop it first; append: add rows to an existing table. */
  mode?: ImportMode;
  batchSize?: number;
}

export interface ImportResult {
  tables: number;
  rows: number;
}

export async function exportTables(store: TableStore, nowMs: number, config: ExportConfig = {}): Promise<ExportData> {
  const includeSchema = config.includeSchema !== false;
  const includeData = config.includeData !== false;
  const names = config.tables !== undefined && config.tables.length > 0 ? config.tables : store.listTables().sort();
  const tables: Record<string, TableExport> = {};
  for (const name of names) {
    const schema = fromDescribe(store.describeTable(name));
    const entry: TableExport = { name, row_count: 0 };
    if (includeSchema) entry.schema = encodeSchema(schema);
    if (includeData) {
      const { rows } = await store.query(name);
      entry.rows = rows.map(encodeRow);
      entry.row_count = rows.length;
    }
    tables[name] = entry;
  }
  return { version: EXPORT_FORMAT_VERSION, exported_at: new Date(nowMs).toISOString(), tables };
}

export async function importTables(store: TableStore, input: ExportData | string, config: ImportConfig = {}): Promise<ImportResult> {
  const mode = config.mode ?? 'create';
  if (mode !== 'create' && mode !== 'replace' && mode !== 'append') throw new ImportError(`import mode must be create, replace or append, got ${JSON.stringify(mode)}`);
  const batch = config.batchSize ?? DEFAULT_IMPORT_BATCH_ROWS;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new ImportError(`batchSize must be a positive integer, got ${JSON.stringify(config.batchSize)}`);
  const data = parse(input);
  const result: ImportResult = { tables: 0, rows: 0 };
  for (const [name, t] of Object.entries(data.tables)) {
    if (typeof t !== 'object' || t === null) throw new ImportError(`table '${name}' of the import is not an object`);
    const exists = store.listTables().includes(name);
    if (mode === 'append') {
      if (!exists) throw new NoSuchTableError(name);
    } else if (t.schema !== undefined) {
      if (mode === 'replace' && exists) await store.dropTable(name);
      await store.createTable(toCreateTable({ ...decodeSchema(t.schema), name }));
    } else if (mode === 'replace') {
      if (!exists) throw new NoSuchTableError(name);
      await store.truncateTable(name);
    }
    const rows = t.rows ?? [];
    if (!Array.isArray(rows)) throw new ImportError(`rows of table '${name}' must be an array`);
    const columns = fromDescribe(store.describeTable(name)).columns;
    for (let i = 0; i < rows.length; i += batch) {
      const { inserted } = await store.insert(name, rows.slice(i, i + batch).map((r) => decodeRow(r, columns)));
      result.rows += inserted;
    }
    result.tables++;
  }
  return result;
}

function parse(input: ExportData | string): ExportData {
  let data: unknown = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch (e) {
      throw new ImportError(`import data is not JSON: ${(e as Error).message}`);
    }
  }
  const d = data as Partial<ExportData> | null;
  if (typeof d !== 'object' || d === null || typeof d.tables !== 'object' || d.tables === null) throw new ImportError('import data must be an export document { version, tables }');
  if (d.version !== undefined && d.version !== EXPORT_FORMAT_VERSION) throw new ImportError(`import data has version ${JSON.stringify(d.version)}; this reads ${EXPORT_FORMAT_VERSION}`);
  return d as ExportData;
}

function encodeValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return v;
}

function encodeRow(row: Row): Row {
  const out: Row = {};
  for (const k of Object.keys(row)) out[k] = encodeValue(row[k]);
  return out;
}

function decodeValue(v: unknown, type: string): unknown {
  return type === 'BLOB' && typeof v === 'string' ? Buffer.from(v, 'base64') : v;
}

function decodeRow(row: Row, columns: ColumnInfo[]): Row {
  if (typeof row !== 'object' || row === null) throw new ImportError(`an imported row must be an object, got ${JSON.stringify(row)}`);
  const out: Row = { ...row };
  for (const c of columns) if (c.type === 'BLOB' && c.name in out) out[c.name] = decodeValue(out[c.name], c.type);
  return out;
}

function encodeSchema(s: TableInfo): TableInfo {
  return { ...s, columns: s.columns.map((c) => (c.default === undefined ? c : { ...c, default: encodeValue(c.default) })) };
}

function decodeSchema(s: TableInfo): TableInfo {
  if (typeof s !== 'object' || s === null || !Array.isArray(s.columns)) throw new ImportError('an imported schema must be a TableInfo { name, columns }');
  return { ...s, columns: s.columns.map((c) => (c.default === undefined ? c : { ...c, default: decodeValue(c.default, String(c.type).toUpperCase()) })) };
}
