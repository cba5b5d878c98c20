import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SqlSession } from '../../src/sql/index.js';
import { failure, session } from './helpers.js';

/** What a statement gives: its result, or its error's code and errno. */
async function outcome(s: SqlSession, sql: string, params: unknown[]): Promise<unknown> {
  try {
    const r = await s.execute(sql, params);
    return { rows: r.rows, fields: r.fields };
  } catch (e) {
    const err = e as { code?: string; errno?: number };
    return { code: err.code, errno: err.errno };
  }
}

async function tables(): Promise<SqlSession> {
  const s = await session();
  await s.execute('CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(8), age INT, big BIGINT)');
  await s.execute('CREATE TABLE pairs (a VARCHAR(4), b INT, note TEXT, PRIMARY KEY (a, b))');
  for (let i = 1; i <= 20; i++) {
    await s.execute('INSERT INTO users VALUES (?, ?, ?, ?)', [i, `u${i}`, i % 3 === 0 ? null : 20 + i, BigInt(i) * 10n ** 15n]);
    await s.execute('INSERT INTO pairs VALUES (?, ?, ?)', [`k${i % 4}`, i, `n${i}`]);
  }
  return s;
}

const value = fc.oneof(
  fc.integer({ min: -2, max: 23 }),
  fc.constantFrom(null, 1.5, '3', 'u3', 'k1', 'k10000', 2 ** 40, 2 ** 53 + 2, 7n, true, -0),
);
const userColumns = fc.constantFrom('*', 'id', 'name, age', 'big AS b, id', 'users.name', 'u.id', 'nope', 'id, id');
const pairColumns = fc.constantFrom('*', 'note', 'a, b, note AS n', 'b', 'missing');

describe('sett/sql: a SELECT by the whole primary key', () => {
  // The one-get path must give what the general path gives; ORDER BY on a one-row result
  // changes nothing but sends the statement down the general path.
  it('answers as the general path does, rows, fields and errors (property)', async () => {
    const s = await tables();
    await fc.assert(
      fc.asyncProperty(userColumns, value, fc.boolean(), fc.constantFrom('', ' LIMIT 1', ' LIMIT 0', ' LIMIT 1, 1'), async (columns, v, param, limit) => {
        const from = columns.includes('u.') ? 'users u' : 'users';
        const where = param ? 'id = ?' : `id = ${typeof v === 'string' ? `'${v}'` : String(v)}`;
        const params = param ? [v] : [];
        const fast = await outcome(s, `SELECT ${columns} FROM ${from} WHERE ${where}${limit}`, params);
        const general = await outcome(s, `SELECT ${columns} FROM ${from} WHERE ${where} ORDER BY id${limit}`, params);
        expect(fast).toEqual(general);
      }),
      { numRuns: 300 },
    );
  });

  it('answers composite keys, in either order of the terms, as the general path does (property)', async () => {
    const s = await tables();
    await fc.assert(
      fc.asyncProperty(pairColumns, value, value, fc.boolean(), async (columns, a, b, swap) => {
        const where = swap ? 'b = ? AND a = ?' : 'a = ? AND b = ?';
        const params = swap ? [b, a] : [a, b];
        const fast = await outcome(s, `SELECT ${columns} FROM pairs WHERE ${where}`, params);
        const general = await outcome(s, `SELECT ${columns} FROM pairs WHERE ${where} ORDER BY a`, params);
        expect(fast).toEqual(general);
      }),
      { numRuns: 300 },
    );
  });

  it('sees the open transaction’s own writes and not another session’s', async () => {
    const s = await tables();
    await s.execute('BEGIN');
    await s.execute('UPDATE users SET name = ? WHERE id = ?', ['mine', 4]);
    await s.execute('INSERT INTO users (id, name) VALUES (?, ?)', [99, 'new']);
    expect((await s.execute('SELECT name FROM users WHERE id = ?', [4])).rows).toEqual([{ name: 'mine' }]);
    expect((await s.execute('SELECT name FROM users WHERE id = ?', [99])).rows).toEqual([{ name: 'new' }]);
    await s.execute('ROLLBACK');
    expect((await s.execute('SELECT name FROM users WHERE id = ?', [4])).rows).toEqual([{ name: 'u4' }]);
    expect((await s.execute('SELECT name FROM users WHERE id = ?', [99])).rows).toEqual([]);
  });

  it('follows the schema when a column is added or dropped between executions of one text', async () => {
    const s = await tables();
    const sql = 'SELECT * FROM users WHERE id = ?';
    expect(Object.keys((await s.execute(sql, [1])).rows[0]!)).toEqual(['id', 'name', 'age', 'big']);
    await s.execute('ALTER TABLE users ADD COLUMN email VARCHAR(20)');
    expect((await s.execute(sql, [1])).rows).toEqual([{ id: 1, name: 'u1', age: 21, big: 10n ** 15n, email: null }]);
    await s.execute('ALTER TABLE users DROP COLUMN age');
    expect(Object.keys((await s.execute(sql, [1])).rows[0]!)).toEqual(['id', 'name', 'big', 'email']);
    await s.execute('DROP TABLE users');
    expect(await outcome(s, sql, [1])).toMatchObject({ errno: 1146 });
  });
});

describe('sett/sql: a point SELECT’s errors', () => {
  it('carry MySQL numbers as the general path’s do', async () => {
    const s = await tables();
    await s.execute('CREATE DATABASE other');
    await s.execute('BEGIN');
    const e = await failure(s.execute('SELECT * FROM other.users WHERE id = ?', [1]));
    expect(e.message).toMatch(/does not support a transaction over two databases/);
    expect(e.errno).toBe(1235);
    await s.execute('ROLLBACK');
    const limit = await failure(s.execute('SELECT * FROM users WHERE id = 1 LIMIT ?', [-1]));
    expect(limit.errno).toBeGreaterThan(0);
  });
});
