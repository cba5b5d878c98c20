// Moving a table between the sides: its definition rebuilt from describeTable, its rows copied
// in chunks (never the whole table in memory), in primary-key order.

import type { ColumnDef, CreateTableOptions, IndexDef, Row, TableInfo, Tables } from '../table/index.js';

/** Disk tables named so are a migration's copy in progress; leftovers of a crash are dropped at open. */
export const MIGRATION_PREFIX = '__migrating_';
/** Rows per insert statement while copying. */
export const COPY_CHUNK_ROWS = 1000;

/** The createTable options that make a table like the one `info` describes (named `name`). */
export function definitionOf(info: TableInfo, name = info.name): CreateTableOptions {
  const columns: ColumnDef[] = info.columns.map((c) => {
    const def: ColumnDef = { name: c.name, type: c.type, nullable: c.nullable };
    if (c.length !== undefined) def.length = c.length;
    if (c.precision !== undefined) def.precision = c.precision;
    if (c.scale !== undefined) def.scale = c.scale;
    if (c.autoIncrement) def.autoIncrement = true;
    if (c.unique) def.unique = true;
    if (c.default !== undefined) def.default = c.default;
    return def;
  });
  const indexes: IndexDef[] = info.indexes.filter((i) => !i.implicit).map((i) => ({ name: i.name, columns: [...i.columns], unique: i.unique }));
  const out: CreateTableOptions = { name, columns, indexes };
  if (info.primaryKey.length > 0) out.primaryKey = [...info.primaryKey];
  return out;
}

/** Copies every row of `from.table` into `to.target` in chunks; returns the rows copied. */
export async function copyTable(from: Tables, table: string, to: Tables, target: string): Promise<number> {
  let chunk: Row[] = [];
  let copied = 0;
  for await (const row of from.scan(table)) {
    chunk.push(row);
    if (chunk.length >= COPY_CHUNK_ROWS) {
      await to.insert(target, chunk);
      copied += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    await to.insert(target, chunk);
    copied += chunk.length;
  }
  return copied;
}
