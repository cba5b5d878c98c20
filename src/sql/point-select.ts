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
import type { ColumnInfo, Row } from './hybrid-types.js';
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
}

/** By AST: parsed statements are cached and frozen, so one analysis serves every execution of a text. */
const shapes = new WeakMap<object, PointShape | null>();

/** The statement's result when it is a point SELECT this path can answer exactly; otherwise undefined. */
export async function tryPointSelect(ast: Node, env: StatementEnv): Promise<SqlResult | undefined> {
  let shape = shapes.get(ast);
  if (shape === undefined) {
    shape = shapeOf(ast);
    shapes.set(ast, shape);
  }
  if (shape === null) return undefined;
  const access = await env.access(shape.db);
  let info;
  try {
    info = access.h.describeTable(shape.table);
  } catch {
    return undefined;
  }
  const source: Source = { table: shape.table, alias: shape.alias, columns: info.columns };
  const pk = primaryKeyOf(shape, source, info.primaryKey, env.params);
  if (pk === undefined) return undefined;
  const output = outputOf(shape, source);
  if (output === undefined) return undefined;
  const { limit, offset } = limitOf(ast, env.params);

  let found: Row | undefined;
  try {
    found = await access.get(shape.table, pk.length === 1 ? pk[0] : pk);
  } catch (e) {
    // A key the table layer refuses (out of the column's range, too long) matches no row there.
    if (isSettError(e) && (e.code === 'INVALID_ARGUMENT' || e.code === 'CONSTRAINT')) return undefined;
    throw e;
  }
  const rows: Row[] = [];
  if (found !== undefined && offset === 0 && limit !== 0) {
    const row: Row = {};
    for (const c of output) row[c.name] = found[c.column] ?? null;
    rows.push(row);
  }
  const seen = new Set<string>();
  const fields: SqlField[] = [];
  for (const c of output) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    fields.push({ name: c.name, type: c.type });
  }
  return { rows, fields, affectedRows: 0, insertId: 0 };
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

/** The primary key's values in key order, when the equalities name exactly its columns with values of their own type. */
function primaryKeyOf(shape: PointShape, source: Source, primaryKey: readonly string[], params: readonly unknown[]): unknown[] | undefined {
  if (shape.equalities.length !== primaryKey.length) return undefined;
  const values = new Map<string, unknown>();
  for (const q of shape.equalities) {
    const column = columnOf(source, q.ref);
    if (column === undefined || values.has(column.name)) return undefined;
    const v = literalOf(q.value, params);
    if (!ownType(column, v)) return undefined;
    values.set(column.name, v);
  }
  const pk: unknown[] = [];
  for (const name of primaryKey) {
    if (!values.has(name)) return undefined;
    pk.push(values.get(name));
  }
  return pk;
}

function columnOf(source: Source, ref: Node): ColumnInfo | undefined {
  try {
    return resolveColumn({ sources: [source], clause: 'where clause' }, ref).column;
  } catch {
    return undefined;
  }
}

/** Whether `v` compares with `column`'s values without conversion (else the general path decides). */
function ownType(column: ColumnInfo, v: unknown): boolean {
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

function outputOf(shape: PointShape, source: Source): { name: string; column: string; type: string }[] | undefined {
  if (shape.select === undefined) return source.columns.map((c) => ({ name: c.name, column: c.name, type: c.type }));
  const out = [];
  for (const s of shape.select) {
    const column = columnOf(source, s.ref);
    if (column === undefined) return undefined;
    out.push({ name: s.name, column: column.name, type: column.type });
  }
  return out;
}
