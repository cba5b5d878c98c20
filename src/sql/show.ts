// SHOW DATABASES / TABLES / COLUMNS / INDEX, DESCRIBE, and EXPLAIN SELECT: results shaped as
// MySQL's, with sett's plan in EXPLAIN.

import type { StatementEnv } from './access.js';
import { Databases } from './databases.js';
import { typeText } from './ddl.js';
import { invalid, unsupported } from './errors.js';
import { collectAggregates, type Source } from './expr.js';
import type { ColumnInfo, Plan, Row, TableInfo } from './hybrid-types.js';
import { describe } from './insert.js';
import { lookupWhere } from './join.js';
import type { Node } from './parse.js';
import { limitOf, planSelect, resolveSources } from './select.js';
import type { SqlField, SqlResult } from './types.js';

function table(rows: Row[], fields: SqlField[]): SqlResult {
  return { rows, fields, affectedRows: 0, insertId: 0 };
}

export async function showDatabases(dbs: Databases): Promise<SqlResult> {
  return table((await dbs.list()).map((d) => ({ Database: d })), [{ name: 'Database', type: 'VARCHAR' }]);
}

export async function showTables(env: StatementEnv, db: string | null | undefined): Promise<SqlResult> {
  const access = await env.access(db);
  const name = `Tables_in_${db ?? env.database}`;
  return table(access.h.listTables().map((t) => ({ [name]: t })), [{ name, type: 'VARCHAR' }]);
}

function keyOf(info: TableInfo, c: ColumnInfo): string {
  if (info.primaryKey.includes(c.name)) return 'PRI';
  if (info.indexes.some((i) => i.unique && i.columns.length === 1 && i.columns[0] === c.name)) return 'UNI';
  if (info.indexes.some((i) => i.columns[0] === c.name)) return 'MUL';
  return '';
}

function defaultText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (v === 'now') return 'CURRENT_TIMESTAMP';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && !(v instanceof Uint8Array)) return JSON.stringify(v);
  return String(v);
}

export async function describeTable(env: StatementEnv, db: string | null | undefined, name: string): Promise<SqlResult> {
  const access = await env.access(db);
  const info = describe(access, db ?? env.database, name);
  const rows = info.columns.map((c) => ({
    Field: c.name,
    Type: typeText(c),
    Null: c.nullable ? 'YES' : 'NO',
    Key: keyOf(info, c),
    Default: defaultText(c.default),
    Extra: c.autoIncrement ? 'auto_increment' : c.default === 'now' ? 'DEFAULT_GENERATED' : '',
  }));
  const f = (n: string): SqlField => ({ name: n, type: 'VARCHAR' });
  return table(rows, ['Field', 'Type', 'Null', 'Key', 'Default', 'Extra'].map(f));
}

export async function showIndex(env: StatementEnv, db: string | null | undefined, name: string): Promise<SqlResult> {
  const access = await env.access(db);
  const info = describe(access, db ?? env.database, name);
  const rows: Row[] = [];
  info.primaryKey.forEach((c, i) => rows.push({ Table: name, Non_unique: 0, Key_name: 'PRIMARY', Seq_in_index: i + 1, Column_name: c, Index_type: 'BTREE', Comment: '' }));
  for (const ix of info.indexes) {
    ix.columns.forEach((c, i) => rows.push({ Table: name, Non_unique: ix.unique ? 0 : 1, Key_name: ix.name, Seq_in_index: i + 1, Column_name: c, Index_type: 'BTREE', Comment: ix.state === 'building' ? 'building' : '' }));
  }
  const fields: SqlField[] = [
    { name: 'Table', type: 'VARCHAR' },
    { name: 'Non_unique', type: 'INT' },
    { name: 'Key_name', type: 'VARCHAR' },
    { name: 'Seq_in_index', type: 'INT' },
    { name: 'Column_name', type: 'VARCHAR' },
    { name: 'Index_type', type: 'VARCHAR' },
    { name: 'Comment', type: 'VARCHAR' },
  ];
  return table(rows, fields);
}

const SAMPLES: Record<string, unknown> = { INT: 0, BIGINT: 0n, FLOAT: 0, DOUBLE: 0, DECIMAL: '0', VARCHAR: '', TEXT: '', BOOL: false, BLOB: Buffer.alloc(0), DATE: new Date(0), DATETIME: new Date(0), TIMESTAMP: new Date(0) };

const EXPLAIN_FIELDS: SqlField[] = [
  { name: 'id', type: 'INT' },
  { name: 'table', type: 'VARCHAR' },
  { name: 'join', type: 'VARCHAR' },
  { name: 'access', type: 'VARCHAR' },
  { name: 'index', type: 'VARCHAR' },
  { name: 'ranges', type: 'JSON' },
  { name: 'residual', type: 'JSON' },
  { name: 'sort', type: 'BOOL' },
  { name: 'limitPushedDown', type: 'BOOL' },
  { name: 'covering', type: 'BOOL' },
  { name: 'reverse', type: 'BOOL' },
  { name: 'filter', type: 'VARCHAR' },
];

function planRow(id: number, source: Source, join: string, plan: Plan, filter: string | null): Row {
  return {
    id,
    table: source.alias === source.table ? source.table : `${source.table} AS ${source.alias}`,
    join,
    access: plan.access,
    index: plan.index,
    ranges: plan.ranges,
    residual: plan.residual ?? null,
    sort: plan.sort,
    limitPushedDown: plan.limitPushedDown,
    covering: plan.covering,
    reverse: plan.reverse,
    filter,
  };
}

/** EXPLAIN SELECT: one row per table read, with the table layer's plan (access path, index, ranges, residual). */
export async function explainSelect(ast: Node, env: StatementEnv): Promise<SqlResult> {
  if (ast?.type !== 'select') throw unsupported(`EXPLAIN ${String(ast?.type ?? '').toUpperCase()} (sett explains SELECT)`);
  const { sources, accesses } = await resolveSources(ast, env);
  if (sources.length === 0) throw invalid('EXPLAIN needs a SELECT with FROM');
  const groupNodes: Node[] = ast.groupby?.columns ?? [];
  const grouped = groupNodes.length > 0 || collectAggregates(ast.columns).length > 0 || ast.having;
  const { limit, offset } = limitOf(ast, env.params);
  const plan = await planSelect(ast, env, sources, accesses, { grouped: Boolean(grouped), distinct: String(ast.distinct ?? '').toUpperCase() === 'DISTINCT', order: ast.orderby ?? [], limit, offset });
  const rows: Row[] = [];
  const jsFilter = plan.residualNode === undefined ? null : 'WHERE (residual, evaluated in JS)';
  rows.push(planRow(1, sources[0]!, 'FROM', accesses[0]!.h.explain(sources[0]!.table, plan.first), jsFilter));
  for (const step of plan.joins) {
    const sample = step.key === undefined ? undefined : SAMPLES[step.key.column.type];
    const where = step.key === undefined ? step.extra : lookupWhere(step, sample);
    const p = step.access.h.explain(step.source.table, where === undefined ? {} : { where });
    rows.push(planRow(step.index + 1, step.source, `${step.outer ? 'LEFT JOIN' : 'INNER JOIN'}${step.key === undefined ? ' (nested loop)' : ` ON ${step.key.column.name} = <each row>`}`, p, step.on === undefined ? null : 'ON (residual, evaluated in JS)'));
  }
  return table(rows, EXPLAIN_FIELDS);
}
