import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { openSql, SqlError, type SqlDatabase, type SqlOptions } from '../../src/sql/index.js';

const opened: SqlDatabase[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sett-sql-'));
  dirs.push(d);
  return d;
}

export async function open(options: SqlOptions = {}): Promise<SqlDatabase> {
  const db = await openSql(options);
  opened.push(db);
  return db;
}

/** A session on a fresh in-memory SQL database. */
export async function session() {
  return (await open()).session();
}

/** The SqlError `p` rejects with, checked to be one. */
export async function failure(p: Promise<unknown>): Promise<SqlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SqlError);
    return e as SqlError;
  }
  throw new Error('expected the statement to fail');
}
