// `startServer` (sett serve) through the real mysql2 client: authentication, DDL, DML, results and
// their types, prepared statements with NULLs, transactions per connection, MySQL error numbers,
// concurrent connections, SET as a no-op, and a clean shutdown that loses nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSql, startServer, type SettServer } from '../../src/sql/index.js';

const USER = 'app';
const PASSWORD = 's3cret';

let dir: string;
let server: SettServer;
const clients: mysql.Connection[] = [];

async function connect(options: Partial<mysql.ConnectionOptions> = {}): Promise<mysql.Connection> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: USER, password: PASSWORD, ...options });
  clients.push(c);
  return c;
}

async function mysqlError(p: Promise<unknown>): Promise<{ errno?: number; sqlState?: string; message: string; code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { errno?: number; sqlState?: string; message: string };
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sett-serve-'));
  server = await startServer({ dataDir: dir, port: 0, host: '127.0.0.1', user: USER, password: PASSWORD });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sett serve (startServer) with the mysql2 client', () => {
  it('authenticates with mysql_native_password; a wrong password or user is refused with 1045', async () => {
    const c = await connect();
    await c.ping();
    const [rows] = await c.query('SELECT 1 + 1 AS two');
    expect(rows).toEqual([{ two: 2 }]);
    const wrong = await mysqlError(mysql.createConnection({ host: '127.0.0.1', port: server.port, user: USER, password: 'nope' }));
    expect(wrong).toMatchObject({ errno: 1045, sqlState: '28000' });
    expect(wrong.message).toContain(`Access denied for user '${USER}'`);
    const noPassword = await mysqlError(mysql.createConnection({ host: '127.0.0.1', port: server.port, user: USER }));
    expect(noPassword.message).toContain('(using password: NO)');
    const otherUser = await mysqlError(mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root', password: PASSWORD }));
    expect(otherUser.errno).toBe(1045);
  });

  it('sets TCP_NODELAY on each server-side socket (else a multi-packet result waits ~40 ms for a delayed ACK)', async () => {
    const spy = vi.spyOn(Socket.prototype, 'setNoDelay');
    try {
      const c = await connect();
      await c.ping();
      const serverSide = spy.mock.contexts.filter((s) => (s as Socket).localPort === server.port);
      expect(serverSide.length).toBeGreaterThan(0);
      const calls = spy.mock.calls.filter((_, i) => (spy.mock.contexts[i] as Socket).localPort === server.port);
      expect(calls.every((args) => args[0] === true)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('runs DDL and DML (OK packets with affectedRows and insertId) and returns typed results', async () => {
    const c = await connect();
    await c.query('SET NAMES utf8mb4');
    await c.query('SET autocommit = 1');
    await c.query("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
    await c.query(
      'CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(32) NOT NULL, big BIGINT, price DECIMAL(10,2), ratio DOUBLE, data BLOB, at DATETIME, day DATE, ok BOOLEAN, meta JSON, INDEX (name)) ENGINE=disk',
    );
    const [ins] = await c.query<mysql.ResultSetHeader>(
      "INSERT INTO items (name, big, price, ratio, data, at, day, ok, meta) VALUES ('ada', 12345678901, '3.25', 0.5, 'xy', '2024-01-02 03:04:05', '2024-05-06', TRUE, '{\"k\":[1,2]}'), ('grace', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    );
    expect(ins).toMatchObject({ affectedRows: 2, insertId: 1 });
    const [upd] = await c.query<mysql.ResultSetHeader>("UPDATE items SET name = 'Grace' WHERE id = 2");
    expect(upd.affectedRows).toBe(1);
    const [rows, fields] = await c.query<mysql.RowDataPacket[]>('SELECT * FROM items ORDER BY id');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: 1, name: 'ada', big: 12345678901, price: '3.25', ratio: 0.5, ok: 1, meta: { k: [1, 2] } });
    expect(Buffer.isBuffer(rows[0]!['data'])).toBe(true);
    expect((rows[0]!['data'] as Buffer).toString()).toBe('xy');
    expect(rows[0]!['at']).toBeInstanceOf(Date);
    expect((rows[0]!['at'] as Date).getTime()).toBe(new Date(2024, 0, 2, 3, 4, 5).getTime());
    expect(rows[0]!['day']).toBeInstanceOf(Date);
    expect(rows[1]).toMatchObject({ id: 2, name: 'Grace', big: null, price: null, data: null, at: null, meta: null });
    const types = Object.fromEntries(fields.map((f) => [f.name, f.columnType]));
    expect(types).toMatchObject({ id: 3, name: 253, big: 8, price: 246, ratio: 5, data: 252, at: 12, day: 10, ok: 1, meta: 245 });
    const [del] = await c.query<mysql.ResultSetHeader>('DELETE FROM items WHERE id = 2');
    expect(del.affectedRows).toBe(1);
    const [tables] = await c.query<mysql.RowDataPacket[]>('SHOW TABLES');
    expect(tables.map((r) => Object.values(r)[0])).toContain('items');
  });

  it('prepared statements: execute with parameters of every kind, NULLs in parameters and in binary rows', async () => {
    const c = await connect({ supportBigNumbers: true, bigNumberStrings: true });
    await c.query('CREATE TABLE people (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(32), age INT, score DOUBLE, born DATETIME, photo BLOB, big BIGINT)');
    const born = new Date(1990, 4, 17, 8, 30, 0);
    const [a] = await c.execute<mysql.ResultSetHeader>('INSERT INTO people (name, age, score, born, photo, big) VALUES (?, ?, ?, ?, ?, ?)', ['ada', 36, 9.5, born, Buffer.from([0, 1, 2]), 9007199254740993n]);
    expect(a).toMatchObject({ affectedRows: 1, insertId: 1 });
    const [b] = await c.execute<mysql.ResultSetHeader>('INSERT INTO people (name, age, score, born, photo, big) VALUES (?, ?, ?, ?, ?, ?)', [null, null, null, null, null, null]);
    expect(b.insertId).toBe(2);
    const [rows] = await c.execute<mysql.RowDataPacket[]>('SELECT id, name, age, score, born, photo, big FROM people WHERE id >= ? ORDER BY id', [1]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: 1, name: 'ada', age: 36, score: 9.5 });
    expect((rows[0]!['born'] as Date).getTime()).toBe(born.getTime());
    expect(rows[0]!['photo']).toEqual(Buffer.from([0, 1, 2]));
    expect(String(rows[0]!['big'])).toBe('9007199254740993');
    expect(rows[1]).toEqual({ id: 2, name: null, age: null, score: null, born: null, photo: null, big: null });
    // The same statement again (cached by mysql2: COM_STMT_EXECUTE without new types), and a NULL parameter.
    const [again] = await c.execute<mysql.RowDataPacket[]>('SELECT id, name, age, score, born, photo, big FROM people WHERE id >= ? ORDER BY id', [2]);
    expect(again.map((r) => r['id'])).toEqual([2]);
    const [none] = await c.execute<mysql.RowDataPacket[]>('SELECT id FROM people WHERE name = ?', [null]);
    expect(none).toEqual([]);
    const [isNull] = await c.execute<mysql.RowDataPacket[]>('SELECT id FROM people WHERE name IS NULL AND age IS NULL AND id = ?', [2]);
    expect(isNull).toEqual([{ id: 2 }]);
    // Many columns: the NULL bitmap spans several bytes.
    const [wide] = await c.execute<mysql.RowDataPacket[]>('SELECT name AS c1, age AS c2, 1 AS c3, name AS c4, 2 AS c5, age AS c6, name AS c7, 3 AS c8, age AS c9, name AS c10 FROM people WHERE id = ?', [2]);
    expect(wide).toEqual([{ c1: null, c2: null, c3: 1, c4: null, c5: 2, c6: null, c7: null, c8: 3, c9: null, c10: null }]);
    const [upd] = await c.execute<mysql.ResultSetHeader>('UPDATE people SET age = ? WHERE id = ?', [37, 1]);
    expect(upd.affectedRows).toBe(1);
    // Explicit prepare / close.
    const stmt = await c.prepare('SELECT age FROM people WHERE id = ?');
    const [r1] = await stmt.execute([1]);
    expect(r1).toEqual([{ age: 37 }]);
    await stmt.close();
    const syntax = await mysqlError(c.execute('SELEC ? FROM people', [1]));
    expect(syntax.errno).toBe(1064);
  });

  it('transactions are per connection: BEGIN / COMMIT / ROLLBACK, isolated from another connection', async () => {
    const [c1, c2] = await Promise.all([connect(), connect()]);
    await c1.query('CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=disk');
    await c1.query('INSERT INTO accounts VALUES (1, 100), (2, 100)');
    await c1.query('BEGIN');
    await c1.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1');
    await c1.query('UPDATE accounts SET balance = balance + 30 WHERE id = 2');
    const [inside] = await c1.query<mysql.RowDataPacket[]>('SELECT balance FROM accounts ORDER BY id');
    expect(inside.map((r) => r['balance'])).toEqual([70, 130]);
    const [outside] = await c2.query<mysql.RowDataPacket[]>('SELECT balance FROM accounts ORDER BY id');
    expect(outside.map((r) => r['balance'])).toEqual([100, 100]);
    const [commit] = await c1.query<mysql.ResultSetHeader>('COMMIT');
    expect(commit.serverStatus & 1).toBe(0); // no longer in a transaction
    const [after] = await c2.query<mysql.RowDataPacket[]>('SELECT balance FROM accounts ORDER BY id');
    expect(after.map((r) => r['balance'])).toEqual([70, 130]);

    await c2.beginTransaction();
    await c2.execute('DELETE FROM accounts WHERE id = ?', [1]);
    const [gone] = await c2.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM accounts');
    expect(gone).toEqual([{ n: 1 }]);
    await c2.rollback();
    const [back] = await c1.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM accounts');
    expect(back).toEqual([{ n: 2 }]);

    // Two transactions writing the same row: the second commit is a conflict (1213).
    await c1.query('BEGIN');
    await c2.query('BEGIN');
    await c1.query('SELECT balance FROM accounts WHERE id = 1');
    await c2.query('SELECT balance FROM accounts WHERE id = 1');
    await c1.query('UPDATE accounts SET balance = 1 WHERE id = 1');
    await c2.query('UPDATE accounts SET balance = 2 WHERE id = 1');
    await c1.query('COMMIT');
    const conflict = await mysqlError(c2.query('COMMIT'));
    expect(conflict).toMatchObject({ errno: 1213, sqlState: '40001' });
  });

  it('errors carry MySQL numbers and SQLSTATEs (1062, 1146, 1064, 1049); the connection stays usable', async () => {
    const c = await connect();
    await c.query('CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(64) UNIQUE)');
    await c.query("INSERT INTO u VALUES (1, 'a@x')");
    const dup = await mysqlError(c.query("INSERT INTO u VALUES (2, 'a@x')"));
    expect(dup).toMatchObject({ errno: 1062, sqlState: '23000', code: 'ER_DUP_ENTRY' });
    expect(dup.message).toContain("Duplicate entry 'a@x'");
    const missing = await mysqlError(c.query('SELECT * FROM no_such_table'));
    expect(missing).toMatchObject({ errno: 1146, sqlState: '42S02', code: 'ER_NO_SUCH_TABLE' });
    const syntax = await mysqlError(c.query('SELEC 1'));
    expect(syntax).toMatchObject({ errno: 1064, sqlState: '42000' });
    const db = await mysqlError(c.query('USE nowhere'));
    expect(db.errno).toBe(1049);
    const setGlobal = await mysqlError(c.query('SET GLOBAL max_connections = 10'));
    expect(setGlobal.errno).toBe(1235);
    const [ok] = await c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM u');
    expect(ok).toEqual([{ n: 1 }]);
  });

  it('databases: CREATE DATABASE, the database given at connect (COM_INIT_DB via changeUser), USE', async () => {
    const c = await connect();
    await c.query('CREATE DATABASE shop');
    await c.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, total INT)');
    await c.query('INSERT INTO shop.orders VALUES (1, 10)');
    const s = await connect({ database: 'shop' });
    const [rows] = await s.query<mysql.RowDataPacket[]>('SELECT total FROM orders');
    expect(rows).toEqual([{ total: 10 }]);
    await c.query('USE shop');
    const [cur] = await c.query<mysql.RowDataPacket[]>('SELECT DATABASE() AS db');
    expect(cur).toEqual([{ db: 'shop' }]);
    const bad = await mysqlError(connect({ database: 'nowhere' }));
    expect(bad.errno).toBe(1049);
  });

  it('serves 5 concurrent connections, each with its own session and transaction', async () => {
    const setup = await connect();
    await setup.query('CREATE TABLE hits (id INT PRIMARY KEY, who INT NOT NULL, n INT NOT NULL, INDEX (who)) ENGINE=disk');
    const conns = await Promise.all(Array.from({ length: 5 }, () => connect()));
    await Promise.all(
      conns.map(async (c, who) => {
        await c.query('BEGIN');
        for (let i = 0; i < 20; i++) await c.execute('INSERT INTO hits (id, who, n) VALUES (?, ?, ?)', [who * 100 + i, who, i]);
        const [mine] = await c.execute<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM hits WHERE who = ?', [who]);
        expect(mine).toEqual([{ n: 20 }]);
        if (who === 4) await c.query('ROLLBACK');
        else await c.query('COMMIT');
      }),
    );
    const [rows] = await setup.query<mysql.RowDataPacket[]>('SELECT who, COUNT(*) AS n FROM hits GROUP BY who ORDER BY who');
    expect(rows).toEqual([0, 1, 2, 3].map((who) => ({ who, n: 20 })));
    expect(server.connections).toBeGreaterThanOrEqual(6);
  });

  it('close() stops accepting, closes connections and the database: committed data is there after a reopen', async () => {
    const own = mkdtempSync(join(tmpdir(), 'sett-serve-close-'));
    try {
      const s = await startServer({ dataDir: own, port: 0, user: USER, password: PASSWORD });
      const c = await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: USER, password: PASSWORD });
      await c.query('CREATE TABLE kept (id INT PRIMARY KEY, v VARCHAR(20))'); // no ENGINE: on disk by default
      await c.execute('INSERT INTO kept VALUES (?, ?)', [1, 'one']);
      await c.query('BEGIN');
      await c.query("INSERT INTO kept VALUES (2, 'uncommitted')");
      const closed = new Promise<void>((resolve) => c.once('end', () => resolve()));
      c.on('error', () => undefined);
      await s.close();
      await closed;
      expect(s.connections).toBe(0);
      const refused = await mysqlError(mysql.createConnection({ host: '127.0.0.1', port: s.port, user: USER, password: PASSWORD }));
      expect(refused.code).toBe('ECONNREFUSED');
      const db = await openSql({ dataDir: own });
      try {
        const r = await db.session().execute('SELECT id, v FROM kept ORDER BY id');
        expect(r.rows).toEqual([{ id: 1, v: 'one' }]);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
