// UPDATE and DELETE. The WHERE goes to the table layer; when it is all the table layer's and SET
// is constants, one table-layer statement does the work. Otherwise (a residual filter, SET
// expressions over the row, ORDER BY / LIMIT) the rows are read and written one by one by primary
// key, in one transaction. UPDATE reports MySQL's changed-rows count (TABLES.md §7).

import { atomically, type StatementEnv, type TableAccess } from './access.js';
import { unsupported } from './errors.js';
import { columnName, compile, resolveColumn, type CompileContext, type Compiled, type Source, type Tuple } from './expr.js';
import type { ColumnInfo, Row, TableInfo, Where } from './hybrid-types.js';
import { describe } from './insert.js';
import type { Node } from './parse.js';
import { limitOf } from './select.js';
import type { SqlResult } from './types.js';
import { compareSql, groupKey, literalOf, NOT_LITERAL, sortCompare } from './values.js';
import { adapt, andWhere, splitWhere } from './where.js';

interface Target {
  access: TableAccess;
  table: string;
  info: TableInfo;
  source: Source;
  pushed: Where | undefined;
  residual: Compiled | undefined;
  order: { expr: Compiled; desc: boolean }[];
  limit: number | undefined;
}

async function targetOf(ast: Node, env: StatementEnv, tables: Node[]): Promise<Target> {
  if (tables.length !== 1 || tables[0]?.join) throw unsupported(`multi-table ${String(ast.type).toUpperCase()}`);
  const t = tables[0];
  const access = await env.access(t.db);
  const table = String(t.table);
  const info = describe(access, t.db ?? env.database, table);
  const source: Source = { table, alias: t.as ?? table, columns: info.columns };
  const ctx: CompileContext = { sources: [source], params: env.params, database: env.database, clause: 'where clause' };
  let { pushed, residual } = ast.where ? splitWhere(ast.where, [source], 0, env.params) : { pushed: undefined, residual: undefined };
  if (pushed !== undefined) {
    try {
      access.h.explain(table, { where: pushed });
    } catch {
      pushed = undefined;
      residual = ast.where;
    }
  }
  const order = (ast.orderby ?? []).map((o: Node) => ({ expr: compile(o.expr, { ...ctx, clause: 'order clause' }), desc: String(o.type ?? '').toUpperCase() === 'DESC' }));
  const { limit } = limitOf(ast, env.params);
  return { access, table, info, source, pushed, residual: residual === undefined ? undefined : compile(residual, ctx), order, limit };
}

/** The rows a statement names, in ORDER BY order, LIMIT applied. */
async function matching(a: TableAccess, t: Target): Promise<Row[]> {
  let rows = (await a.query(t.table, t.pushed === undefined ? {} : { where: t.pushed })).rows;
  if (t.residual !== undefined) rows = rows.filter((r) => t.residual!([r]) === true);
  if (t.order.length > 0) {
    const keyed = rows.map((r) => ({ r, k: t.order.map((o) => o.expr([r])) }));
    keyed.sort((x, y) => {
      for (let i = 0; i < t.order.length; i++) {
        const c = sortCompare(x.k[i], y.k[i]);
        if (c !== 0) return t.order[i]!.desc ? -c : c;
      }
      return 0;
    });
    rows = keyed.map((k) => k.r);
  }
  if (t.limit !== undefined) rows = rows.slice(0, t.limit);
  return rows;
}

/** A `where` naming exactly `row`: its primary key, or every column for a table without one. */
function rowWhere(info: TableInfo, row: Row): Where {
  const cols = info.primaryKey.length > 0 ? info.primaryKey : info.columns.filter((c) => c.type !== 'JSON').map((c) => c.name);
  return andWhere(cols.map((c): Where => (row[c] === null || row[c] === undefined ? { column: c, op: 'is-null' } : { column: c, op: '=', value: row[c] })))!;
}

function rowKey(info: TableInfo, row: Row): string {
  const cols = info.primaryKey.length > 0 ? info.primaryKey : info.columns.map((c) => c.name);
  return groupKey(cols.map((c) => row[c]));
}

function sameValue(column: ColumnInfo, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (column.type === 'JSON') return JSON.stringify(a) === JSON.stringify(b);
  return compareSql(a, b, column.type === 'DECIMAL') === 0;
}

export async function runUpdate(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const t = await targetOf(ast, env, ast.table ?? []);
  const ctx: CompileContext = { sources: [t.source], params: env.params, database: env.database, clause: 'field list' };
  const sets: { column: ColumnInfo; expr: Compiled; constant: boolean }[] = (ast.set ?? []).map((s: Node) => {
    const column = resolveColumn(ctx, { type: 'column_ref', table: s.table ?? null, column: s.column }).column;
    const isDefault = s.value?.type === 'default';
    if (isDefault) throw unsupported('SET column = DEFAULT');
    return { column, expr: compile(s.value, ctx), constant: literalOf(s.value, env.params) !== NOT_LITERAL };
  });
  const bulk = t.residual === undefined && t.order.length === 0 && t.limit === undefined && sets.every((s) => s.constant);
  const outcome = await atomically(t.access, async (a) => {
    const rows = await matching(a, t);
    let changed = 0;
    const writes: { where: Where; set: Row }[] = [];
    const done = new Set<string>();
    for (const row of rows) {
      const tuple: Tuple = [row];
      const set: Row = {};
      let differs = false;
      for (const s of sets) {
        const v = adapt(s.column, s.expr(tuple));
        set[s.column.name] = v;
        if (!sameValue(s.column, row[s.column.name], v)) differs = true;
      }
      if (!differs) continue;
      changed++;
      if (bulk) continue;
      const k = rowKey(t.info, row);
      if (done.has(k)) continue;
      done.add(k);
      writes.push({ where: rowWhere(t.info, row), set });
    }
    if (bulk) {
      if (changed > 0) {
        const set: Row = {};
        for (const s of sets) set[s.column.name] = adapt(s.column, s.expr([]));
        await a.update(t.table, t.pushed, set);
      }
    } else for (const w of writes) await a.update(t.table, w.where, w.set);
    return { matched: rows.length, changed };
  });
  return { rows: [], fields: [], affectedRows: outcome.changed, insertId: 0, matchedRows: outcome.matched };
}

export async function runDelete(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const tables: Node[] = ast.from ?? ast.table ?? [];
  if ((ast.table ?? []).length > 1) throw unsupported('multi-table DELETE');
  const t = await targetOf(ast, env, tables);
  if (t.residual === undefined && t.order.length === 0 && t.limit === undefined) {
    const r = await t.access.delete(t.table, t.pushed);
    return { rows: [], fields: [], affectedRows: r.deleted, insertId: 0 };
  }
  const deleted = await atomically(t.access, async (a) => {
    const rows = await matching(a, t);
    const done = new Set<string>();
    let n = 0;
    for (const row of rows) {
      const k = rowKey(t.info, row);
      if (done.has(k)) continue;
      done.add(k);
      n += (await a.delete(t.table, rowWhere(t.info, row))).deleted;
    }
    return n;
  });
  return { rows: [], fields: [], affectedRows: deleted, insertId: 0 };
}

export { columnName };
