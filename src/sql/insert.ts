// INSERT INTO t [(columns)] VALUES (...), (...): one atomic multi-row insert through the table
// layer; `insertId` is the first generated auto-increment id (MySQL).

import type { StatementEnv } from './access.js';
import { invalid, noSuchTable, SqlError, unsupported } from './errors.js';
import { compile, columnName } from './expr.js';
import type { Row, TableInfo } from './hybrid-types.js';
import type { Node } from './parse.js';
import type { SqlResult } from './types.js';
import { adapt } from './where.js';

export function describe(access: { h: { describeTable(t: string): TableInfo } }, db: string, table: string): TableInfo {
  try {
    return access.h.describeTable(table);
  } catch {
    throw noSuchTable(db, table);
  }
}

export async function runInsert(ast: Node, env: StatementEnv): Promise<SqlResult> {
  if (ast.type === 'replace') throw unsupported('REPLACE');
  if (ast.on_duplicate_update) throw unsupported('INSERT ... ON DUPLICATE KEY UPDATE');
  if (String(ast.prefix ?? '').toLowerCase().includes('ignore') || ast.ignore) throw unsupported('INSERT IGNORE');
  const target = ast.table?.[0];
  const access = await env.access(target?.db);
  const table = String(target?.table);
  const info = describe(access, target?.db ?? env.database, table);
  const columns: string[] = ast.columns ? ast.columns.map((c: Node) => (typeof c === 'string' ? c : columnName(c))) : info.columns.map((c) => c.name);
  const defs = columns.map((name) => {
    const c = info.columns.find((x) => x.name === name);
    if (c === undefined) throw new SqlError('NO_SUCH_COLUMN', 'ER_BAD_FIELD_ERROR', `Unknown column '${name}' in 'field list'`);
    return c;
  });
  const values = ast.values;
  if (values?.type === 'select' || ast.select) throw unsupported('INSERT ... SELECT');
  if (ast.set) throw unsupported('INSERT ... SET (write INSERT ... (columns) VALUES (...))');
  const lists: Node[] = Array.isArray(values) ? values : values?.values ?? [];
  const ctx = { sources: [], params: env.params, database: env.database, clause: 'field list' };
  const rows: Row[] = lists.map((list: Node, n: number) => {
    const items: Node[] = list.value ?? [];
    if (items.length !== columns.length) throw new SqlError('INVALID_ARGUMENT', 'ER_WRONG_VALUE_COUNT_ON_ROW', `Column count doesn't match value count at row ${n + 1}`);
    const row: Row = {};
    items.forEach((item, i) => {
      if (item?.type === 'default' || (item?.type === 'origin' && String(item.value).toUpperCase() === 'DEFAULT')) return;
      row[columns[i]!] = adapt(defs[i]!, compile(item, ctx)([]));
    });
    return row;
  });
  if (rows.length === 0) throw invalid('INSERT needs at least one row of VALUES');
  const r = await access.insert(table, rows);
  return { rows: [], fields: [], affectedRows: r.inserted, insertId: idOf(r.ids[0]) };
}

function idOf(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return 0;
}
