// Catalog records from DDL statements: pure functions from a request (and the old record) to the
// new record, checking everything before anything is written.

import { InvalidArgumentError } from '../index.js';
import { ConstraintError, NoSuchColumnError } from './errors.js';
import { MAX_INDEX_ID } from './keys.js';
import { CATALOG_FORMAT_VERSION, checkName, columnIds, columnMeta, type ColumnMeta, type IndexMeta, type TableRecord } from './schema.js';
import type { ColumnDef, CreateTableOptions, IndexDef } from './types.js';

/** The reserved name of the primary key, as MySQL calls it. */
export const PRIMARY = 'PRIMARY';

export function createRecord(options: CreateTableOptions, id: number): TableRecord {
  const name = checkName('table', options.name);
  if (!Array.isArray(options.columns) || options.columns.length === 0) throw new InvalidArgumentError(`table '${name}' needs at least one column`);
  const flagged = options.columns.filter((c) => c?.primary === true).map((c) => c.name);
  if (options.primaryKey !== undefined && flagged.length > 0 && !sameNames(options.primaryKey, flagged)) {
    throw new InvalidArgumentError(`table '${name}': give the primary key either as primaryKey or as primary flags, not both`);
  }
  const pkNames = options.primaryKey ?? flagged;
  const columns: ColumnMeta[] = [];
  options.columns.forEach((def: ColumnDef, i) => {
    const primary = Array.isArray(pkNames) && pkNames.includes(def?.name);
    const c = columnMeta(name, def, i + 1, 1, primary);
    if (columns.some((x) => x.name === c.name)) throw new InvalidArgumentError(`table '${name}': column '${c.name}' appears twice`);
    columns.push(c);
  });
  const primaryKey = pkNames.length === 0 ? [] : columnIds(name, columns, pkNames, `table '${name}' primary key`);
  const auto = columns.filter((c) => c.autoIncrement);
  if (auto.length > 1) throw new InvalidArgumentError(`table '${name}': at most one autoIncrement column`);
  if (auto.length === 1 && !primaryKey.includes(auto[0]!.id)) throw new InvalidArgumentError(`table '${name}': the autoIncrement column '${auto[0]!.name}' must be part of the primary key`);
  const record: TableRecord = {
    format: CATALOG_FORMAT_VERSION,
    id,
    name,
    schemaVersion: 1,
    columns,
    nextColumnId: columns.length + 1,
    primaryKey,
    indexes: [],
    nextIndexId: 1,
  };
  for (const c of columns) if (c.unique && !c.primary) addIndexTo(record, { name: uniqueName(record, c.name), columns: [c.name], unique: true }, 'ready', true);
  for (const def of options.indexes ?? []) addIndexTo(record, def, 'ready', false);
  return record;
}

/** `record` with a new index in `state`; returns the index. */
export function addIndexTo(record: TableRecord, def: IndexDef, state: IndexMeta['state'], implicit: boolean): IndexMeta {
  if (typeof def !== 'object' || def === null) throw new InvalidArgumentError('an index definition must be { name, columns, unique? }');
  const name = checkName('index', def.name);
  if (name.toUpperCase() === PRIMARY || record.indexes.some((i) => i.name === name)) throw new InvalidArgumentError(`table '${record.name}' already has an index named '${name}'`);
  if (record.nextIndexId > MAX_INDEX_ID) throw new InvalidArgumentError(`table '${record.name}' has used all its index ids; recreate the table`);
  const index: IndexMeta = { id: record.nextIndexId++, name, columns: columnIds(record.name, record.columns, def.columns, `index '${name}'`), unique: def.unique === true, state, implicit };
  record.indexes.push(index);
  return index;
}

function uniqueName(record: TableRecord, base: string): string {
  let name = base;
  for (let i = 2; record.indexes.some((x) => x.name === name) || name.toUpperCase() === PRIMARY; i++) name = `${base}_${i}`;
  return name;
}

/** A deep copy, so a failed statement never changes the record in use. */
export function copyRecord(record: TableRecord): TableRecord {
  return JSON.parse(JSON.stringify(record)) as TableRecord;
}

/** `record` with a new column; `hasRows` forbids NOT NULL without a default. */
export function addColumnTo(record: TableRecord, def: ColumnDef, hasRows: boolean): ColumnMeta {
  if (def?.primary === true) throw new InvalidArgumentError('a column added to a table cannot join its primary key');
  if (def?.autoIncrement === true) throw new InvalidArgumentError('a column added to a table cannot be autoIncrement');
  const version = record.schemaVersion + 1;
  const c = columnMeta(record.name, def, record.nextColumnId, version, false);
  if (record.columns.some((x) => x.name === c.name)) throw new InvalidArgumentError(`table '${record.name}' already has a column '${c.name}'`);
  if (!c.nullable && c.default === undefined && hasRows) {
    throw new ConstraintError(`column '${c.name}' is NOT NULL without a default, and table '${record.name}' has rows that would hold NULL`, c.name);
  }
  record.nextColumnId++;
  record.schemaVersion = version;
  record.columns.push(c);
  return c;
}

/** `record` without column `name`; returns the ids of the indexes dropped with it. */
export function dropColumnFrom(record: TableRecord, name: string): number[] {
  const c = record.columns.find((x) => x.name === name);
  if (c === undefined) throw new NoSuchColumnError(record.name, name);
  if (record.primaryKey.includes(c.id)) throw new InvalidArgumentError(`column '${name}' is part of the primary key of table '${record.name}' and cannot be dropped`);
  if (record.columns.length === 1) throw new InvalidArgumentError(`column '${name}' is the last column of table '${record.name}'`);
  const dropped = record.indexes.filter((i) => i.columns.includes(c.id)).map((i) => i.id);
  record.indexes = record.indexes.filter((i) => !i.columns.includes(c.id));
  record.columns = record.columns.filter((x) => x.id !== c.id);
  record.schemaVersion++;
  return dropped;
}

/** `record` without index `name`; returns its id. */
export function dropIndexFrom(record: TableRecord, name: string): number {
  const index = record.indexes.find((i) => i.name === name);
  if (index === undefined) throw new InvalidArgumentError(`table '${record.name}' has no index '${name}'`);
  record.indexes = record.indexes.filter((i) => i !== index);
  if (index.implicit) for (const c of record.columns) if (index.columns.length === 1 && c.id === index.columns[0]) c.unique = false;
  return index.id;
}

function sameNames(a: unknown, b: string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}
