// The Kysely driver of `SettDialect`: a connection is a sett/sql session (its own current database
// and open transaction), pooled while idle; queries run through `session.execute(sql, parameters)`.
// Only types come from 'kysely' here.

import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';
import type { SqlDatabase } from '../sql.js';
import type { SqlSession } from '../session.js';
import type { SqlResult } from '../types.js';

/** One Kysely connection: a sett/sql session. */
export class SettConnection implements DatabaseConnection {
  constructor(readonly session: SqlSession) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return toQueryResult<R>(await this.session.execute(compiledQuery.sql, compiledQuery.parameters));
  }

  /** sett/sql has no server-side cursor: the statement runs, then its rows are handed out `chunkSize` at a time. */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.session.execute(compiledQuery.sql, compiledQuery.parameters);
    const size = Math.max(1, Math.floor(chunkSize));
    for (let i = 0; i < result.rows.length; i += size) yield { rows: result.rows.slice(i, i + size) as R[] };
  }
}

/**
 * Kysely's result shape from sett's, as Kysely's MySQL driver fills it from mysql2: for UPDATE,
 * `numAffectedRows` counts matched rows (mysql2 connects with CLIENT_FOUND_ROWS) and
 * `numChangedRows` the rows actually changed; `insertId` only when one was generated.
 */
export function toQueryResult<R>(r: SqlResult): QueryResult<R> {
  const out: { rows: R[]; numAffectedRows?: bigint; numChangedRows?: bigint; insertId?: bigint } = { rows: r.rows as R[] };
  if (r.fields.length === 0) {
    out.numAffectedRows = BigInt(r.matchedRows ?? r.affectedRows);
    if (r.matchedRows !== undefined) out.numChangedRows = BigInt(r.affectedRows);
  }
  if (r.insertId !== 0 && r.insertId !== 0n) out.insertId = BigInt(r.insertId);
  return out;
}

export type DatabaseSource = SqlDatabase | Promise<SqlDatabase> | (() => SqlDatabase | Promise<SqlDatabase>);

export class SettDriver implements Driver {
  private db: SqlDatabase | undefined;
  private readonly idle: SettConnection[] = [];
  private readonly all = new Set<SettConnection>();

  constructor(
    private readonly source: DatabaseSource,
    private readonly database: string | undefined,
  ) {}

  async init(): Promise<void> {
    const s = this.source;
    this.db = await (typeof s === 'function' ? s() : s);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const reused = this.idle.pop();
    if (reused !== undefined) return reused;
    if (this.db === undefined) await this.init();
    const session = this.db!.session();
    if (this.database !== undefined) await session.execute(`USE \`${this.database.replace(/`/g, '``')}\``);
    const c = new SettConnection(session);
    this.all.add(c);
    return c;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // sett's transactions are snapshot reads with conflict detection at commit (1213 on a conflict):
    // no isolation level or access mode to choose (docs/sql.md §Kysely).
    void settings;
    await (connection as SettConnection).session.execute('BEGIN');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SettConnection).session.execute('COMMIT');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SettConnection).session.execute('ROLLBACK');
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as SettConnection;
    if (!this.all.has(c)) return;
    // A connection handed back inside a transaction (it should not be) does not leak it to the next user.
    if (c.session.inTransaction) await c.session.execute('ROLLBACK');
    this.idle.push(c);
  }

  /** Ends every session and closes the database. */
  async destroy(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.idle.length = 0;
    for (const c of this.all) await c.session.end().catch(() => undefined);
    this.all.clear();
    if (db !== undefined) await db.close();
  }
}
