// SELECT: FROM (one table, or INNER/LEFT JOINs on equality), WHERE split into the table layer's
// `where` and a JS residual, GROUP BY / aggregates / HAVING, DISTINCT, ORDER BY, LIMIT/OFFSET.
// A single-table query with nothing to do in JS pushes ORDER BY and LIMIT down to the planner.

import { isSettError } from '../index.js';
import { AggregateRegistry, Accumulators } from './aggregate.js';
import type { StatementEnv, TableAccess } from './access.js';
import { invalid, noSuchTable, unsupported } from './errors.js';
import { columnName, compile, collectAggregates, resolveColumn, type CompileContext, type Compiled, type Source, type Tuple } from './expr.js';
import type { OrderBy, QueryOptions, Row, Where } from './hybrid-types.js';
import { joinRows, planJoin, type JoinStep } from './join.js';
import type { Node } from './parse.js';
import { textOf } from './text.js';
import type { SqlField, SqlResult } from './types.js';
import { groupKey, literalOf, NOT_LITERAL, sortCompare } from './values.js';
import { andOf, splitWhere } from './where.js';

interface OutputColumn {
  name: string;
  expr: Compiled;
  /** The column's type when it is a plain column; undefined to infer from values. */
  type: string | undefined;
  node: Node;
}

/** How a SELECT reads: its sources, the first table's query, the joins, and what JS does after. */
export interface SelectPlan {
  sources: Source[];
  accesses: TableAccess[];
  /** The first table's read. */
  first: QueryOptions;
  joins: JoinStep[];
  /** WHERE left for JS after the reads. */
  residual: Compiled | undefined;
  residualNode: Node | undefined;
  /** Whether ORDER BY / LIMIT went to the table layer. */
  pushedDown: boolean;
}

export async function resolveSources(ast: Node, env: StatementEnv): Promise<{ sources: Source[]; accesses: TableAccess[] }> {
  const sources: Source[] = [];
  const accesses: TableAccess[] = [];
  for (const f of ast.from ?? []) {
    if (f.expr !== undefined || f.table === undefined) throw unsupported('subqueries in FROM');
    const access = await env.access(f.db);
    const table = String(f.table);
    let columns;
    try {
      columns = access.h.describeTable(table).columns;
    } catch {
      throw noSuchTable(f.db ?? env.database, table);
    }
    const alias = f.as ?? table;
    if (sources.some((s) => s.alias === alias)) throw invalid(`Not unique table/alias: '${alias}'`);
    sources.push({ table, alias, columns });
    accesses.push(access);
  }
  return { sources, accesses };
}

function checkSupported(ast: Node): void {
  if (ast.with) throw unsupported('WITH (common table expressions)');
  if (ast._next || ast.set_op) throw unsupported('UNION / INTERSECT / EXCEPT');
  if (ast.window) throw unsupported('window functions');
  if (ast.into?.position) throw unsupported('SELECT ... INTO');
}

export async function runSelect(ast: Node, env: StatementEnv): Promise<SqlResult> {
  checkSupported(ast);
  const { sources, accesses } = await resolveSources(ast, env);
  const ctx: CompileContext = { sources, params: env.params, database: env.database, clause: 'field list' };
  const registry = new AggregateRegistry(ctx);
  const columns = outputColumns(ast, { ...ctx, aggregateSlot: registry.slot });
  const groupNodes: Node[] = ast.groupby?.columns ?? (Array.isArray(ast.groupby) ? ast.groupby : []);
  const aliases = new Map(columns.map((c) => [c.name, c.expr]));
  const having = ast.having ? compile(ast.having, { ...ctx, clause: 'having clause', aggregateSlot: registry.slot, aliases }) : undefined;
  const orderNodes: Node[] = ast.orderby ?? [];
  const grouped = groupNodes.length > 0 || registry.specs.length > 0 || collectAggregates(orderNodes).length > 0 || having !== undefined;
  const order = orderNodes.map((o) => ({
    expr: orderExpr(o.expr, columns, { ...ctx, clause: 'order clause', aggregateSlot: grouped ? registry.slot : undefined, aliases }),
    desc: String(o.type ?? '').toUpperCase() === 'DESC',
    numeric: isDecimal(o.expr, ctx),
  }));
  const groups = groupNodes.map((g) => groupExpr(g, columns, { ...ctx, clause: 'group statement' }));
  const { limit, offset } = limitOf(ast, env.params);
  const distinct = String(ast.distinct ?? '').toUpperCase() === 'DISTINCT';

  // No FROM: one empty row.
  if (sources.length === 0) {
    const t: Tuple = [];
    if (ast.where && compile(ast.where, { ...ctx, clause: 'where clause' })(t) !== true) return result([], columns, []);
    const acc = new Accumulators(registry.specs);
    if (grouped) acc.add(t);
    const a = grouped ? acc.values() : undefined;
    const row = project(columns, t, a);
    return result([row], columns, [row]);
  }

  // COUNT(*) alone over one table with an index-able WHERE: the table layer counts.
  if (sources.length === 1 && grouped && groupNodes.length === 0 && having === undefined && columns.length === 1 && registry.specs.length === 1 && registry.specs[0]!.name === 'COUNT' && registry.specs[0]!.arg === undefined && columns[0]!.node?.type === 'aggr_func') {
    const split = ast.where ? splitWhere(ast.where, sources, 0, env.params) : { pushed: undefined, residual: undefined };
    if (split.residual === undefined && (await canPush(accesses[0]!, sources[0]!.table, split.pushed))) {
      const n = await accesses[0]!.count(sources[0]!.table, split.pushed);
      const row = { [columns[0]!.name]: n };
      const rows = offset > 0 || limit === 0 ? [] : [row];
      return { rows, fields: [{ name: columns[0]!.name, type: 'INT' }], affectedRows: 0, insertId: 0 };
    }
  }

  const shape = { grouped, distinct, order: orderNodes, limit, offset };
  let plan = await planSelect(ast, env, sources, accesses, shape, true);
  let tuples: Tuple[];
  try {
    tuples = await readTuples(plan);
  } catch (e) {
    // The table layer refused the pushed WHERE (a value it cannot compare, a JSON column): plan
    // again with it checked first, so JS evaluates what the table layer cannot. Checking up front
    // would plan every query twice.
    if (plan.first.where === undefined || !isSettError(e) || e.code !== 'INVALID_ARGUMENT') throw e;
    plan = await planSelect(ast, env, sources, accesses, shape, false);
    tuples = await readTuples(plan);
  }
  if (plan.residual !== undefined) tuples = tuples.filter((t) => plan.residual!(t) === true);

  let items: { t: Tuple; a?: unknown[] }[];
  if (grouped) {
    const byKey = new Map<string, { t: Tuple; acc: Accumulators }>();
    for (const t of tuples) {
      const key = groupKey(groups.map((g) => g(t)));
      let g = byKey.get(key);
      if (g === undefined) {
        g = { t, acc: new Accumulators(registry.specs) };
        byKey.set(key, g);
      }
      g.acc.add(t);
    }
    if (byKey.size === 0 && groupNodes.length === 0) byKey.set('', { t: sources.map(() => null), acc: new Accumulators(registry.specs) });
    items = [...byKey.values()].map((g) => ({ t: g.t, a: g.acc.values() }));
    if (having !== undefined) items = items.filter((i) => having(i.t, i.a) === true);
  } else items = tuples.map((t) => ({ t }));

  if (order.length > 0 && !plan.pushedDown) {
    const keyed = items.map((i) => ({ i, k: order.map((o) => o.expr(i.t, i.a)) }));
    keyed.sort((x, y) => {
      for (let n = 0; n < order.length; n++) {
        const c = sortCompare(x.k[n], y.k[n], order[n]!.numeric);
        if (c !== 0) return order[n]!.desc ? -c : c;
      }
      return 0;
    });
    items = keyed.map((k) => k.i);
  }
  let rows = items.map((i) => project(columns, i.t, i.a));
  if (distinct) {
    const seen = new Set<string>();
    rows = rows.filter((r) => {
      const k = groupKey(columns.map((c) => r[c.name]));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  if (!plan.pushedDown && (offset > 0 || limit !== undefined)) rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
  return result(rows, columns, rows);
}

function isDecimal(node: Node, ctx: CompileContext): boolean {
  if (node?.type !== 'column_ref') return false;
  try {
    return resolveColumn(ctx, node).column.type === 'DECIMAL';
  } catch {
    return false;
  }
}

async function canPush(access: TableAccess, table: string, where: Where | undefined): Promise<boolean> {
  if (where === undefined) return true;
  try {
    access.h.explain(table, { where });
    return true;
  } catch {
    // The table layer refused it (a value it cannot compare, a JSON column): JS evaluates it instead.
    return false;
  }
}

export async function planSelect(
  ast: Node,
  env: StatementEnv,
  sources: Source[],
  accesses: TableAccess[],
  shape: { grouped: boolean; distinct: boolean; order: Node[]; limit: number | undefined; offset: number },
  /** Push the WHERE without asking the table layer first (the caller retries with false when it refuses). */
  assumePushable = false,
): Promise<SelectPlan> {
  const ctx: CompileContext = { sources, params: env.params, database: env.database, clause: 'where clause' };
  let split = ast.where ? splitWhere(ast.where, sources, 0, env.params) : { pushed: undefined, residual: undefined };
  if (!assumePushable && !(await canPush(accesses[0]!, sources[0]!.table, split.pushed))) split = { pushed: undefined, residual: ast.where };
  const first: QueryOptions = {};
  if (split.pushed !== undefined) first.where = split.pushed;
  const joins = sources.length > 1 ? planJoin(ast, sources, accesses, env) : [];
  const residualNode = split.residual;
  let pushedDown = false;
  if (joins.length === 0 && residualNode === undefined && !shape.grouped && !shape.distinct) {
    const orderBy = pushableOrder(shape.order, sources[0]!, ast);
    if (orderBy !== undefined) {
      if (orderBy.length > 0) first.orderBy = orderBy;
      if (shape.limit !== undefined) first.limit = shape.limit;
      if (shape.offset > 0) first.offset = shape.offset;
      pushedDown = true;
    }
  }
  const residual = residualNode === undefined ? undefined : compile(residualNode, ctx);
  return { sources, accesses, first, joins, residual, residualNode, pushedDown };
}

/** ORDER BY as the table layer's orderBy when every key is a plain column of the table (or an alias of one). */
function pushableOrder(order: Node[], source: Source, ast: Node): OrderBy[] | undefined {
  const out: OrderBy[] = [];
  for (const o of order) {
    let e = o.expr;
    if (e?.type === 'number') e = ast.columns?.[Number(e.value) - 1]?.expr;
    if (e?.type === 'column_ref' && (e.table === null || e.table === undefined)) {
      const alias = (ast.columns ?? []).find((c: Node) => c.as === columnName(e));
      if (alias !== undefined) e = alias.expr;
    }
    if (e?.type !== 'column_ref' || (e.table && e.table !== source.alias && e.table !== source.table)) return undefined;
    const c = source.columns.find((x) => x.name === columnName(e));
    if (c === undefined || c.type === 'JSON') return undefined;
    out.push({ column: c.name, desc: String(o.type ?? '').toUpperCase() === 'DESC' });
  }
  return out;
}

async function readTuples(plan: SelectPlan): Promise<Tuple[]> {
  const first = await plan.accesses[0]!.query(plan.sources[0]!.table, plan.first);
  let tuples: Tuple[] = first.rows.map((r) => [r]);
  for (const step of plan.joins) tuples = await joinRows(step, tuples);
  return tuples;
}

function outputColumns(ast: Node, ctx: CompileContext): OutputColumn[] {
  const out: OutputColumn[] = [];
  const list: Node[] = ast.columns === '*' ? [{ expr: { type: 'column_ref', table: null, column: '*' }, as: null }] : ast.columns ?? [];
  for (const item of list) {
    const e = item.expr;
    if (e?.type === 'column_ref' && columnName(e) === '*') {
      const matching = ctx.sources.map((s, i) => ({ s, i })).filter(({ s }) => e.table === null || e.table === undefined || e.table === s.alias || e.table === s.table);
      if (matching.length === 0) throw invalid(e.table ? `Unknown table '${e.table}'` : 'SELECT * needs FROM');
      for (const { s, i } of matching) {
        for (const c of s.columns) {
          const name = c.name;
          out.push({ name, type: c.type, node: e, expr: (t) => t[i]?.[name] ?? null });
        }
      }
      continue;
    }
    const expr = compile(e, ctx);
    let type: string | undefined;
    if (e?.type === 'column_ref') type = resolveColumn(ctx, e).column.type;
    else if (e?.type === 'aggr_func') type = aggregateType(e, ctx);
    out.push({ name: item.as ?? textOf(e), expr, type, node: e });
  }
  return out;
}

function aggregateType(e: Node, ctx: CompileContext): string | undefined {
  const name = String(e.name).toUpperCase();
  if (name === 'COUNT') return 'INT';
  if (name === 'AVG') return 'DOUBLE';
  const arg = e.args?.expr;
  if (arg?.type !== 'column_ref') return undefined;
  const t = resolveColumn(ctx, arg).column.type;
  if (name === 'SUM') return t === 'BIGINT' ? 'BIGINT' : 'DOUBLE';
  return t;
}

function orderExpr(node: Node, columns: OutputColumn[], ctx: CompileContext): Compiled {
  if (node?.type === 'number') {
    const c = columns[Number(node.value) - 1];
    if (c === undefined) throw invalid(`Unknown column '${node.value}' in 'order clause'`);
    return c.expr;
  }
  return compile(node, ctx);
}

function groupExpr(node: Node, columns: OutputColumn[], ctx: CompileContext): Compiled {
  if (node?.type === 'number') {
    const c = columns[Number(node.value) - 1];
    if (c === undefined) throw invalid(`Unknown column '${node.value}' in 'group statement'`);
    return c.expr;
  }
  if (node?.type === 'column_ref' && !node.table) {
    const name = columnName(node);
    const isColumn = ctx.sources.some((s) => s.columns.some((c) => c.name === name));
    const alias = columns.find((c) => c.name === name);
    if (!isColumn && alias !== undefined) return alias.expr;
  }
  return compile(node, ctx);
}

const NO_LIMIT = Object.freeze({ limit: undefined, offset: 0 });

export function limitOf(ast: Node, params: readonly unknown[]): { limit: number | undefined; offset: number } {
  const values: Node[] | undefined = ast.limit?.value;
  if (values === undefined || values.length === 0) return NO_LIMIT;
  const num = (n: Node): number => {
    const v = literalOf(n, params);
    const x = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (v === NOT_LITERAL || typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw invalid('LIMIT and OFFSET take non-negative integers');
    return x;
  };
  if (values.length === 1) return { limit: num(values[0]), offset: 0 };
  // LIMIT a, b is offset a, count b; LIMIT a OFFSET b is count a, offset b.
  return ast.limit.seperator === ',' ? { limit: num(values[1]), offset: num(values[0]) } : { limit: num(values[0]), offset: num(values[1]) };
}

function project(columns: OutputColumn[], t: Tuple, a?: unknown[]): Row {
  const row: Row = {};
  for (const c of columns) {
    const v = c.expr(t, a);
    row[c.name] = v === undefined ? null : v;
  }
  return row;
}

function result(rows: Row[], columns: OutputColumn[], sample: Row[]): SqlResult {
  const seen = new Set<string>();
  const fields: SqlField[] = [];
  for (const c of columns) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    fields.push({ name: c.name, type: c.type ?? inferType(sample.map((r) => r[c.name])) });
  }
  return { rows, fields, affectedRows: 0, insertId: 0 };
}

export function inferType(values: unknown[]): string {
  const v = values.find((x) => x !== null && x !== undefined);
  if (v === undefined) return 'NULL';
  if (typeof v === 'number') return values.every((x) => x === null || x === undefined || Number.isInteger(x)) ? 'INT' : 'DOUBLE';
  if (typeof v === 'bigint') return 'BIGINT';
  if (typeof v === 'string') return 'VARCHAR';
  if (typeof v === 'boolean') return 'BOOL';
  if (v instanceof Date) return 'DATETIME';
  if (v instanceof Uint8Array) return 'BLOB';
  return 'JSON';
}

export { andOf };
