// Moving a table between the sides: its definition rebuilt from describeTable, its rows copied
// in chunks (never the whole table in memory), in primary-key order.

import { TxnTooBigError } from '../index.js';
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

/**
 * Copies every row of `from.table` into `to.target` in chunks; returns the rows copied. A chunk too
 * big for one commit of `to` (TXN_TOO_BIG: small memtables, wide rows, many indexes) is split, and
 * the rest of the copy goes on in chunks of the size that fit.
 */
export async function copyTable(from: Tables, table: string, to: Tables, target: string): Promise<number> {
  let size = COPY_CHUNK_ROWS;
  let chunk: Row[] = [];
  let copied = 0;
  const flush = async (): Promise<void> => {
    while (chunk.length > 0) {
      const part = chunk.length > size ? chunk.slice(0, size) : chunk;
      try {
        await to.insert(target, part);
      } catch (e) {
        // A statement is atomic: the failed one wrote nothing.
        if (!(e instanceof TxnTooBigError) || part.length === 1) throw e;
        size = Math.ceil(part.length / 2);
        continue;
      }
      copied += part.length;
      chunk = part === chunk ? [] : chunk.slice(part.length);
    }
  };
  for await (const row of from.scan(table)) {
    chunk.push(row);
    if (chunk.length >= size) await flush();
  }
  await flush();
  return copied;
}
