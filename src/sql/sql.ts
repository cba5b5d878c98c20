// `openSql`: the SQL front over the hybrid layer (TABLES.md §4). One `SqlDatabase` holds the
// databases (a directory each under `dataDir`) and hands out sessions.

import { Databases } from './databases.js';
import { invalid } from './errors.js';
import { SqlSession } from './session.js';
import type { SqlOptions } from './types.js';

export async function openSql(options: SqlOptions = {}): Promise<SqlDatabase> {
  if (typeof options !== 'object' || options === null) throw invalid('openSql takes an options object');
  const { dataDir, ...hybrid } = options;
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir === '')) throw invalid('openSql: dataDir must be a non-empty string');
  const dbs = new Databases(dataDir, hybrid);
  await dbs.init();
  return new SqlDatabase(dbs);
}

export class SqlDatabase {
  private readonly sessions = new Set<SqlSession>();
  private closed = false;

  /** @internal Use `openSql`. */
  constructor(private readonly dbs: Databases) {}

  /** A new session (a connection's state: current database, open transaction). */
  session(): SqlSession {
    if (this.closed) throw invalid('the SQL database is closed');
    const s = new SqlSession(this.dbs, (x) => this.sessions.delete(x));
    this.sessions.add(s);
    return s;
  }

  /** Rolls back every session's open transaction and closes every database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sessions) s.rollbackOpen();
    this.sessions.clear();
    await this.dbs.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
