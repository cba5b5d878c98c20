// Running DDL: CREATE / DROP / TRUNCATE / ALTER TABLE, CREATE / DROP INDEX, on the hybrid layer.
// ENGINE=disk sets the table's persistence (enablePersistence) before createTable, ENGINE=memory
// clears it (disablePersistence); without ENGINE the hybrid's defaultPersistent decides.

import type { StatementEnv } from './access.js';
import { columnDefOf, createTableOf, indexDefOf } from './ddl.js';
import { noSuchTable, SqlError, unsupported } from './errors.js';
import { columnName } from './expr.js';
import type { AlterTableOptions } from './hybrid-types.js';
import { describe } from './insert.js';
import type { Node } from './parse.js';
import { emptyResult, type SqlResult } from './types.js';

export async function createTable(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const { options, route } = createTableOf(ast);
  const access = await env.access(ast.table?.[0]?.db);
  const h = access.h;
  if (h.listTables().includes(options.name)) {
    if (options.ifNotExists) return emptyResult();
    throw new SqlError('TABLE_EXISTS', 'ER_TABLE_EXISTS_ERROR', `Table '${options.name}' already exists`);
  }
  if (route === 'disk') await h.enablePersistence(options.name);
  // A memory setting, so neither defaultPersistent nor an old setting sends it to disk.
  else if (route === 'memory') await h.disablePersistence(options.name);
  await h.createTable(options);
  return emptyResult();
}

export async function dropTables(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const ifExists = String(ast.prefix ?? '').toLowerCase().replace(/\s+/g, '') === 'ifexists';
  for (const t of ast.name ?? []) {
    const access = await env.access(t.db);
    const name = String(t.table);
    if (!access.h.listTables().includes(name)) {
      if (ifExists) continue;
      throw noSuchTable(t.db ?? env.database, name);
    }
    await access.h.dropTable(name, { ifExists });
  }
  return emptyResult();
}

export async function truncateTables(ast: Node, env: StatementEnv): Promise<SqlResult> {
  for (const t of ast.name ?? []) {
    const access = await env.access(t.db);
    describe(access, t.db ?? env.database, String(t.table));
    await access.h.truncateTable(String(t.table));
  }
  return emptyResult();
}

export async function alterTable(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const target = ast.table?.[0];
  const access = await env.access(target?.db);
  const name = String(target?.table);
  const changes: AlterTableOptions[] = [];
  for (const e of ast.expr ?? []) {
    const action = String(e.action ?? '').toLowerCase();
    const resource = String(e.resource ?? '').toLowerCase();
    const info = describe(access, target?.db ?? env.database, name);
    const indexNames = info.indexes.map((i) => i.name);
    if (action === 'add' && resource === 'column') changes.push({ addColumn: columnDefOf(e) });
    else if (action === 'drop' && resource === 'column') changes.push({ dropColumn: columnName(e.column) });
    else if (action === 'add' && resource === 'index') changes.push({ addIndex: indexDefOf(e, indexNames) });
    else if (action === 'add' && resource === 'constraint') changes.push({ addIndex: indexDefOf(e.create_definitions ?? e, indexNames) });
    else if (action === 'drop' && (resource === 'index' || resource === 'key')) changes.push({ dropIndex: String(e.index ?? columnName(e)) });
    else throw unsupported(`ALTER TABLE ${action.toUpperCase()} ${resource.toUpperCase()}`);
  }
  // Each change is its own table-layer call; they run in order (not atomically as a group).
  for (const c of changes) await access.h.alterTable(name, c);
  return emptyResult();
}

export async function createIndex(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const access = await env.access(ast.table?.db);
  const name = String(ast.table?.table);
  describe(access, ast.table?.db ?? env.database, name);
  const kind = String(ast.index_type ?? '').toLowerCase();
  if (kind === 'fulltext' || kind === 'spatial') throw unsupported(`${kind.toUpperCase()} indexes`);
  const columns = (ast.index_columns ?? []).map((c: Node) => columnName(c));
  await access.h.alterTable(name, { addIndex: { name: String(ast.index), columns, unique: kind === 'unique' } });
  return emptyResult();
}

export async function dropIndex(ast: Node, env: StatementEnv): Promise<SqlResult> {
  const access = await env.access(ast.table?.db);
  const name = String(ast.table?.table);
  describe(access, ast.table?.db ?? env.database, name);
  const index = typeof ast.name === 'string' ? ast.name : columnName(ast.name);
  await access.h.alterTable(name, { dropIndex: index });
  return emptyResult();
}
