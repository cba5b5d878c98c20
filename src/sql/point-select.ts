// SELECT of one row by its whole primary key (`SELECT ... FROM t WHERE id = ?`), the statement an
// application repeats most, as one primary-key get instead of a planned query. The general path
// compiles every column and WHERE per execution and asks the planner, which costs several times the
// read itself. This path answers only when the result is certain to be the general path's: plain
// columns, equalities on exactly the primary-key columns with values of the column's own JS type;
// anything else (an unknown column, a NULL, '5' for an INT, a value the table layer refuses) returns
// undefined and the general path answers, errors included.

import { isSettError } from '../index.js';
import type { StatementEnv } from './access.js';
import { columnName, resolveColumn, type Source } from './expr.js';
import type { ColumnInfo, Row, TableInfo } from './hybrid-types.js';
import { PARAM_PREFIX, type Node } from './parse.js';
import { limitOf } from './select.js';
import { textOf } from './text.js';
import type { SqlField, SqlResult } from './types.js';
import { literalOf, NOT_LITERAL } from './values.js';

/** What a point SELECT's AST says, independent of the schema and the parameters. */
interface PointShape {
  db: string | null;
  table: string;
  alias: string;
  /** Undefined for `*` (every column, in table order). */
  select: { ref: Node; name: string }[] | undefined;
  /** `column = value` pairs of the WHERE. */
  equalities: { ref: Node; value: Node }[];
  /** The last definition the shape was prepared against (one table's, usually, for its whole life). */
  prepared?: { info: Readonly<TableInfo>; plan: Prepared | null };
}

/** A shape against one definition of its table: where each key value comes from, what to output. */
interface Prepared {
  /** For each primary-key column in key order: the equality giving its value, and the column. */
  key: { equality: number; column: Readonly<ColumnInfo> }[];
  output: { name: string; column: string }[];
  fields: readonly SqlField[];
}

/** By AST: parsed statements are cached and frozen, so one analysis serves every execution of a text. */
const shapes = new WeakMap<object, PointShape | null>();

/**
 * The statement's result when it is a point SELECT this path can answer exactly, its database is
 * open already and its table is there; otherwise undefined. Synchronous: a read from memory needs
 * no promise of its own.
 */
export function pointSelect(ast: Node, params: readonly unknown[], at: Pick<StatementEnv, 'accessNow'>): SqlResult | undefined {
  let shape = shapes.get(ast);
  if (shape === undefined) {
    shape = shapeOf(ast);
    shapes.set(ast, shape);
  }
  if (shape === null) return undefined;
  const access = at.accessNow?.(shape.db);
  if (access === undefined) return undefined;
  let info: Readonly<TableInfo>;
  try {
    info = access.h.tableInfo(shape.table);
  } catch {
    return undefined;
  }
  if (shape.prepared?.info !== info) shape.prepared = { info, plan: prepare(shape, info) };
  const plan = shape.prepared.plan;
  if (plan === null) return undefined;
  const pk: unknown[] = [];
  for (const k of plan.key) {
    const v = literalOf(shape.equalities[k.equality]!.value, params);
    if (!ownType(k.column, v)) return undefined;
    pk.push(v);
  }
  const { limit, offset } = limitOf(ast, params);

  let found: Row | undefined;
  try {
    found = access.getSync(shape.table, pk.length === 1 ? pk[0] : pk);
  } catch (e) {
    // A key the table layer refuses (out of the column's range, too long) matches no row there.
    if (isSettError(e) && (e.code === 'INVALID_ARGUMENT' || e.code === 'CONSTRAINT')) return undefined;
    throw e;
  }
  const rows: Row[] = [];
  if (found !== undefined && offset === 0 && limit !== 0) {
    const row: Row = {};
    for (const c of plan.output) row[c.name] = found[c.column] ?? null;
    rows.push(row);
  }
  return { rows, fields: plan.fields.map((f) => ({ name: f.name, type: f.type })), affectedRows: 0, insertId: 0 };
}

function prepare(shape: PointShape, info: Readonly<TableInfo>): Prepared | null {
  const source: Source = { table: shape.table, alias: shape.alias, columns: info.columns as ColumnInfo[] };
  if (shape.equalities.length !== info.primaryKey.length) return null;
  const byColumn = new Map<string, { equality: number; column: Readonly<ColumnInfo> }>();
  for (let i = 0; i < shape.equalities.length; i++) {
    const column = columnOf(source, shape.equalities[i]!.ref);
    if (column === undefined || byColumn.has(column.name)) return null;
    byColumn.set(column.name, { equality: i, column });
  }
  const key = [];
  for (const name of info.primaryKey) {
    const k = byColumn.get(name);
    if (k === undefined) return null;
    key.push(k);
  }
  let output: Prepared['output'];
  const types = new Map<string, string>();
  if (shape.select === undefined) {
    output = info.columns.map((c) => ({ name: c.name, column: c.name }));
    for (const c of info.columns) types.set(c.name, c.type);
  } else {
    output = [];
    for (const s of shape.select) {
      const column = columnOf(source, s.ref);
      if (column === undefined) return null;
      output.push({ name: s.name, column: column.name });
      if (!types.has(s.name)) types.set(s.name, column.type);
    }
  }
  const fields = [...types].map(([name, type]) => ({ name, type }));
  return { key, output, fields };
}

function shapeOf(ast: Node): PointShape | null {
  if (ast.with || ast._next || ast.set_op || ast.window || ast.into?.position) return null;
  if (ast.distinct || ast.having || (ast.orderby?.length ?? 0) > 0) return null;
  const groups = ast.groupby?.columns ?? (Array.isArray(ast.groupby) ? ast.groupby : []);
  if (groups.length > 0) return null;
  const from = ast.from;
  if (!Array.isArray(from) || from.length !== 1) return null;
  const f = from[0];
  if (f.expr !== undefined || f.join !== undefined || typeof f.table !== 'string') return null;
  const alias = typeof f.as === 'string' ? f.as : f.table;
  const equalities: PointShape['equalities'] = [];
  if (!collectEqualities(ast.where, equalities)) return null;
  let select: PointShape['select'];
  if (ast.columns !== '*') {
    if (!Array.isArray(ast.columns)) return null;
    select = [];
    for (const item of ast.columns) {
      const e = item.expr;
      if (e?.type !== 'column_ref' || !ownQualifier(e, f.table, alias)) return null;
      if (columnName(e) === '*') {
        if (ast.columns.length !== 1) return null;
        select = undefined;
        break;
      }
      select.push({ ref: e, name: typeof item.as === 'string' ? item.as : textOf(e) });
    }
  }
  for (const q of equalities) if (!ownQualifier(q.ref, f.table, alias)) return null;
  return { db: f.db ?? null, table: f.table, alias, select, equalities };
}

function ownQualifier(ref: Node, table: string, alias: string): boolean {
  return ref.table === null || ref.table === undefined || ref.table === alias || ref.table === table;
}

/** WHERE as `column = literal` terms joined by AND; false for any other shape. */
function collectEqualities(where: Node, out: PointShape['equalities']): boolean {
  if (where?.type !== 'binary_expr') return false;
  const op = String(where.operator).toUpperCase();
  if (op === 'AND') return collectEqualities(where.left, out) && collectEqualities(where.right, out);
  if (op !== '=') return false;
  const [ref, value] = where.left?.type === 'column_ref' ? [where.left, where.right] : [where.right, where.left];
  const literal = value?.type === 'param' ? String(value.value).startsWith(PARAM_PREFIX) : literalOf(value, []) !== NOT_LITERAL;
  if (ref?.type !== 'column_ref' || !literal) return false;
  out.push({ ref, value });
  return true;
}

function columnOf(source: Source, ref: Node): Readonly<ColumnInfo> | undefined {
  try {
    return resolveColumn({ sources: [source], clause: 'where clause' }, ref).column;
  } catch {
    return undefined;
  }
}

/** Whether `v` compares with `column`'s values without conversion (else the general path decides). */
function ownType(column: Readonly<ColumnInfo>, v: unknown): boolean {
  switch (column.type) {
    case 'INT':
    case 'BIGINT':
      return (typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'bigint';
    case 'VARCHAR':
    case 'TEXT':
      return typeof v === 'string';
    default:
      return false;
  }
}
