// CREATE TABLE / ALTER TABLE / CREATE INDEX definitions: MySQL column types and constraints to the
// table layer's ColumnDef / IndexDef, and `ENGINE=` to the hybrid layer's route.

import { invalid, unsupported } from './errors.js';
import { columnName } from './expr.js';
import type { ColumnDef, CreateTableOptions, IndexDef } from './hybrid-types.js';
import type { Node } from './parse.js';
import { literalOf, NOT_LITERAL } from './values.js';

/** Where CREATE TABLE puts a table: ENGINE=disk (or InnoDB), ENGINE=memory, or the hybrid's default. */
export type Route = 'disk' | 'memory' | 'default';

const ENGINES: Record<string, Route> = { DISK: 'disk', INNODB: 'disk', MEMORY: 'memory', HEAP: 'memory' };

const TYPES: Record<string, string> = {
  INT: 'INT',
  INTEGER: 'INT',
  TINYINT: 'INT',
  SMALLINT: 'INT',
  MEDIUMINT: 'INT',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  REAL: 'DOUBLE',
  DOUBLE: 'DOUBLE',
  'DOUBLE PRECISION': 'DOUBLE',
  DECIMAL: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  DEC: 'DECIMAL',
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  CHARACTER: 'VARCHAR',
  NVARCHAR: 'VARCHAR',
  NCHAR: 'VARCHAR',
  TEXT: 'TEXT',
  TINYTEXT: 'TEXT',
  MEDIUMTEXT: 'TEXT',
  LONGTEXT: 'TEXT',
  BOOL: 'BOOL',
  BOOLEAN: 'BOOL',
  BLOB: 'BLOB',
  TINYBLOB: 'BLOB',
  MEDIUMBLOB: 'BLOB',
  LONGBLOB: 'BLOB',
  BINARY: 'BLOB',
  VARBINARY: 'BLOB',
  JSON: 'JSON',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'TIMESTAMP',
};

/** A column definition node (CREATE TABLE's or ALTER TABLE ADD COLUMN's) as a ColumnDef. */
export function columnDefOf(node: Node): ColumnDef {
  const name = columnName(node.column);
  const d = node.definition ?? {};
  const sqlType = String(d.dataType ?? '').toUpperCase();
  const type = TYPES[sqlType];
  if (type === undefined) throw unsupported(`the column type ${sqlType} (column '${name}')`);
  const def: ColumnDef = { name, type };
  if (type === 'VARCHAR' && typeof d.length === 'number') def.length = d.length;
  if (type === 'DECIMAL') {
    if (typeof d.length === 'number') def.precision = d.length;
    if (typeof d.scale === 'number') def.scale = d.scale;
  }
  if (node.primary_key) def.primary = true;
  if (node.auto_increment) def.autoIncrement = true;
  if (node.unique || node.unique_or_primary === 'unique') def.unique = true;
  if (node.unique_or_primary === 'primary key') def.primary = true;
  const nullable = node.nullable?.type;
  if (nullable === 'not null' || nullable === 'notnull' || node.nullable?.value === 'not null') def.nullable = false;
  else if (nullable === 'null') def.nullable = true;
  if (node.default_val !== undefined && node.default_val !== null) {
    const v = node.default_val.value;
    if (v?.type === 'function' || (v?.type === 'origin' && /^CURRENT_TIMESTAMP|NOW$/i.test(String(v.value)))) {
      const fn = String(v.name?.name?.[0]?.value ?? v.value ?? '').toUpperCase();
      if (fn === 'CURRENT_TIMESTAMP' || fn === 'NOW' || fn === 'LOCALTIMESTAMP') def.default = 'now';
      else throw unsupported(`DEFAULT ${fn}() (column '${name}')`);
    } else {
      const lit = literalOf(v, []);
      if (lit === NOT_LITERAL) throw unsupported(`this DEFAULT expression (column '${name}')`);
      if (lit !== null) def.default = type === 'VARCHAR' || type === 'TEXT' ? (typeof lit === 'number' ? String(lit) : lit) : lit;
    }
  }
  if (node.check) throw unsupported(`CHECK constraints (column '${name}')`);
  if (node.reference_definition) throw unsupported(`REFERENCES / foreign keys (column '${name}')`);
  return def;
}

function indexColumns(defs: Node[]): string[] {
  return (defs ?? []).map((c: Node) => columnName(c));
}

/** MySQL's name for an unnamed index: its first column, then _2, _3 ... when taken. */
function autoName(columns: string[], taken: Set<string>): string {
  const base = columns[0] ?? 'idx';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

export interface TableDefinition {
  options: CreateTableOptions;
  route: Route;
}

/** A CREATE TABLE statement as createTable's options and the route its ENGINE asks for. */
export function createTableOf(ast: Node): TableDefinition {
  if (ast.query_expr || ast.as) throw unsupported('CREATE TABLE ... AS SELECT');
  if (ast.like) throw unsupported('CREATE TABLE ... LIKE');
  if (ast.temporary) throw unsupported('CREATE TEMPORARY TABLE');
  const name = String(ast.table?.[0]?.table);
  const columns: ColumnDef[] = [];
  const indexes: IndexDef[] = [];
  let primaryKey: string[] | undefined;
  const taken = new Set<string>();
  const pending: { columns: string[]; unique: boolean; name: string | null }[] = [];
  for (const d of ast.create_definitions ?? []) {
    if (d.resource === 'column') columns.push(columnDefOf(d));
    else if (d.resource === 'constraint' || d.resource === 'index') {
      const kind = String(d.constraint_type ?? d.keyword ?? '').toLowerCase().replace(/\s+/g, '');
      const cols = indexColumns(d.definition);
      if (kind === 'primarykey') primaryKey = cols;
      else if (kind.startsWith('unique')) pending.push({ columns: cols, unique: true, name: d.index ?? d.constraint ?? null });
      else if (kind === 'index' || kind === 'key') pending.push({ columns: cols, unique: false, name: d.index ?? null });
      else if (kind === 'foreignkey') throw unsupported('FOREIGN KEY constraints');
      else if (kind === 'check') throw unsupported('CHECK constraints');
      else throw unsupported(`the table constraint ${kind.toUpperCase()}`);
    } else throw unsupported(`the definition ${String(d.resource)} in CREATE TABLE`);
  }
  for (const p of pending) if (p.name !== null) taken.add(p.name);
  for (const c of columns) if (c.unique) taken.add(c.name);
  for (const p of pending) {
    const n = p.name ?? autoName(p.columns, taken);
    taken.add(n);
    indexes.push({ name: n, columns: p.columns, unique: p.unique });
  }
  if (primaryKey !== undefined) {
    if (primaryKey.length === 1) {
      const c = columns.find((x) => x.name === primaryKey![0]);
      if (c !== undefined) c.primary = true;
      else throw invalid(`Key column '${primaryKey[0]}' doesn't exist in table`);
    }
  }
  let route: Route = 'default';
  for (const o of ast.table_options ?? []) {
    const key = String(o.keyword ?? '').toLowerCase();
    if (key === 'engine') {
      const engine = String(o.value ?? '').toUpperCase().replace(/['"`]/g, '');
      const r = ENGINES[engine];
      if (r === undefined) throw unsupported(`ENGINE=${engine} (sett has ENGINE=memory and ENGINE=disk; InnoDB reads as disk)`);
      route = r;
    }
    // Other table options (CHARSET, COLLATE, COMMENT, AUTO_INCREMENT=) do not apply to sett: strings are UTF-8, comparisons binary.
  }
  const options: CreateTableOptions = { name, columns, ifNotExists: Boolean(ast.if_not_exists) };
  if (primaryKey !== undefined && primaryKey.length > 1) options.primaryKey = primaryKey;
  if (indexes.length > 0) options.indexes = indexes;
  return { options, route };
}

/** An index definition inside ALTER TABLE ADD (INDEX | KEY | UNIQUE ...). */
export function indexDefOf(d: Node, existing: string[]): IndexDef {
  const kind = String(d.constraint_type ?? d.keyword ?? '').toLowerCase().replace(/\s+/g, '');
  if (kind === 'primarykey') throw unsupported('ALTER TABLE ADD PRIMARY KEY (the primary key is fixed at CREATE TABLE)');
  if (kind === 'foreignkey') throw unsupported('FOREIGN KEY constraints');
  const columns = indexColumns(d.definition);
  const unique = kind.startsWith('unique');
  const name = d.index ?? d.constraint ?? autoName(columns, new Set(existing));
  return { name, columns, unique };
}

/** MySQL's spelling of a column type (DESCRIBE's Type). */
export function typeText(c: { type: string; length?: number; precision?: number; scale?: number }): string {
  switch (c.type) {
    case 'VARCHAR':
      return c.length === undefined ? 'varchar' : `varchar(${c.length})`;
    case 'DECIMAL':
      return `decimal(${c.precision ?? 10},${c.scale ?? 0})`;
    case 'BOOL':
      return 'tinyint(1)';
    default:
      return c.type.toLowerCase();
  }
}
