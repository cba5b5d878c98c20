// Table definitions between sqlexec's TableInfo and the table layer's: sett's describeTable()
// written back as a createTable() input, so an export's schema re-creates the same table.

import type { CreateTableOptions, ColumnDef, TableInfo as SettTableInfo } from 'sett/table';
import { FilterError } from './errors.js';
import type { ColumnInfo, TableInfo } from './types.js';

export function toCreateTable(info: TableInfo): CreateTableOptions {
  if (typeof info !== 'object' || info === null) throw new FilterError('createTable needs a TableInfo { name, columns }');
  const out: CreateTableOptions = { name: info.name, columns: info.columns.map(toColumnDef) };
  if (info.primaryKey !== undefined) out.primaryKey = info.primaryKey;
  if (info.indexes !== undefined) out.indexes = info.indexes;
  return out;
}

function toColumnDef(c: ColumnInfo): ColumnDef {
  const def: ColumnDef = { name: c.name, type: c.type };
  for (const k of ['length', 'precision', 'scale', 'primary', 'autoIncrement', 'unique', 'nullable', 'default'] as const) {
    if (c[k] !== undefined) (def as unknown as Record<string, unknown>)[k] = c[k];
  }
  return def;
}

/** sqlexec's TableInfo of a table the layer describes (implicit unique indexes stay column flags). */
export function fromDescribe(d: SettTableInfo): TableInfo {
  const single = d.primaryKey.length === 1;
  const columns: ColumnInfo[] = d.columns.map((c) => {
    const col: ColumnInfo = { name: c.name, type: c.type, nullable: c.nullable, primary: single && c.primary, unique: c.unique && !(single && c.primary), autoIncrement: c.autoIncrement };
    if (c.length !== undefined) col.length = c.length;
    if (c.precision !== undefined) col.precision = c.precision;
    if (c.scale !== undefined) col.scale = c.scale;
    if (c.default !== undefined) col.default = c.default;
    return col;
  });
  const info: TableInfo = { name: d.name, columns };
  if (d.primaryKey.length > 1) info.primaryKey = [...d.primaryKey];
  const indexes = d.indexes.filter((i) => !i.implicit).map((i) => ({ name: i.name, columns: [...i.columns], unique: i.unique }));
  if (indexes.length > 0) info.indexes = indexes;
  return info;
}
