import { describe, expect, it } from 'vitest';
import { failure, open, session, tempDir } from './helpers.js';

describe('sett/sql: transactions', () => {
  it('BEGIN ... COMMIT writes; BEGIN ... ROLLBACK does not; the transaction sees its own writes, others do not until COMMIT', async () => {
    const db = await open();
    const s = db.session();
    const other = db.session();
    await s.execute('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))');
    await s.execute('BEGIN');
    expect(s.inTransaction).toBe(true);
    await s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    await s.execute("UPDATE t SET v = 'B' WHERE id = 2");
    expect((await s.execute('SELECT * FROM t ORDER BY id')).rows).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'B' },
    ]);
    expect((await other.execute('SELECT COUNT(*) AS n FROM t')).rows).toEqual([{ n: 0 }]);
    await s.execute('COMMIT');
    expect(s.inTransaction).toBe(false);
    expect((await other.execute('SELECT COUNT(*) AS n FROM t')).rows).toEqual([{ n: 2 }]);

    await s.execute('START TRANSACTION');
    await s.execute('DELETE FROM t WHERE id = 1');
    await s.execute("INSERT INTO t VALUES (3, 'c')");
    expect((await s.execute('SELECT COUNT(*) AS n FROM t')).rows).toEqual([{ n: 2 }]);
    await s.execute('ROLLBACK');
    expect((await s.execute('SELECT id FROM t ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('a write conflict at COMMIT is 1213 and leaves nothing written; a failed write rolls the transaction back', async () => {
    const db = await open();
    const a = db.session();
    const b = db.session();
    await a.execute('CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await a.execute('INSERT INTO t VALUES (1, 0)');
    await a.execute('BEGIN');
    await b.execute('BEGIN');
    await a.execute('UPDATE t SET v = v + 1 WHERE id = 1');
    await b.execute('UPDATE t SET v = v + 10 WHERE id = 1');
    await a.execute('COMMIT');
    const e = await failure(b.execute('COMMIT'));
    expect(e).toMatchObject({ errno: 1213, code: 'CONFLICT', sqlState: '40001' });
    expect((await b.execute('SELECT v FROM t')).rows).toEqual([{ v: 1 }]);

    await a.execute('BEGIN');
    await a.execute('INSERT INTO t VALUES (2, 0)');
    const dup = await failure(a.execute('INSERT INTO t VALUES (3, 0), (1, 0)'));
    expect(dup.errno).toBe(1062);
    expect(a.inTransaction).toBe(false);
    expect((await a.execute('SELECT id FROM t')).rows).toEqual([{ id: 1 }]);
  });

  it('DDL inside a transaction commits it first (MySQL implicit commit)', async () => {
    const s = await session();
    await s.execute('CREATE TABLE t (id INT PRIMARY KEY)');
    await s.execute('BEGIN');
    await s.execute('INSERT INTO t VALUES (1)');
    await s.execute('CREATE TABLE u (id INT PRIMARY KEY)');
    expect(s.inTransaction).toBe(false);
    await s.execute('ROLLBACK');
    expect((await s.execute('SELECT id FROM t')).rows).toEqual([{ id: 1 }]);
  });
});

describe('sett/sql: databases and ENGINE routing', () => {
  it('a disk table survives reopening openSql on the same dataDir; a memory one does not; InnoDB reads as disk', async () => {
    const dataDir = await tempDir();
    let db = await open({ dataDir });
    let s = db.session();
    await s.execute('CREATE TABLE d (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(10)) ENGINE=disk');
    await s.execute('CREATE TABLE i (id INT PRIMARY KEY) ENGINE=InnoDB');
    await s.execute('CREATE TABLE m (id INT PRIMARY KEY) ENGINE=memory');
    await s.execute('CREATE TABLE plain (id INT PRIMARY KEY)');
    await s.execute("INSERT INTO d (v) VALUES ('kept'), ('too')");
    await s.execute('INSERT INTO i VALUES (7)');
    await s.execute('INSERT INTO m VALUES (1)');
    await s.execute('INSERT INTO plain VALUES (1)');
    await db.close();

    db = await open({ dataDir });
    s = db.session();
    expect((await s.execute('SHOW TABLES')).rows.map((r) => r.Tables_in_main)).toEqual(['d', 'i']);
    expect((await s.execute('SELECT * FROM d ORDER BY id')).rows).toEqual([
      { id: 1, v: 'kept' },
      { id: 2, v: 'too' },
    ]);
    expect((await s.execute('SELECT * FROM i')).rows).toEqual([{ id: 7 }]);
    expect((await failure(s.execute('SELECT * FROM m'))).errno).toBe(1146);
    expect((await failure(s.execute('CREATE TABLE x (id INT) ENGINE=MyISAM'))).errno).toBe(1235);
  });

  it('defaultPersistent: true sends tables without ENGINE to disk, ENGINE=memory keeps one in memory', async () => {
    const dataDir = await tempDir();
    let db = await open({ dataDir, defaultPersistent: true });
    let s = db.session();
    await s.execute('CREATE TABLE p (id INT PRIMARY KEY)');
    await s.execute('CREATE TABLE m (id INT PRIMARY KEY) ENGINE=memory');
    await db.close();
    db = await open({ dataDir, defaultPersistent: true });
    s = db.session();
    expect((await s.execute('SHOW TABLES')).rows).toEqual([{ Tables_in_main: 'p' }]);
  });

  it('CREATE / DROP DATABASE [IF (NOT) EXISTS], SHOW DATABASES, USE, db.table names, persisted per directory', async () => {
    const dataDir = await tempDir();
    let db = await open({ dataDir });
    let s = db.session();
    expect(s.database).toBe('main');
    expect((await s.execute('CREATE DATABASE shop')).affectedRows).toBe(1);
    expect((await failure(s.execute('CREATE DATABASE shop'))).errno).toBe(1007);
    await s.execute('CREATE DATABASE IF NOT EXISTS shop');
    expect((await s.execute('SHOW DATABASES')).rows).toEqual([{ Database: 'main' }, { Database: 'shop' }]);
    await s.execute('USE shop');
    await s.execute('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=disk');
    await s.execute("INSERT INTO items VALUES (1, 'pen')");
    await s.execute('USE main');
    expect((await failure(s.execute('SELECT * FROM items'))).errno).toBe(1146);
    expect((await s.execute('SELECT name FROM shop.items')).rows).toEqual([{ name: 'pen' }]);
    expect((await failure(s.execute('USE nowhere'))).errno).toBe(1049);
    await db.close();

    db = await open({ dataDir });
    s = db.session();
    await s.execute('USE shop');
    expect((await s.execute('SELECT name FROM items')).rows).toEqual([{ name: 'pen' }]);
    await s.execute('USE main');
    await s.execute('DROP DATABASE shop');
    await s.execute('DROP DATABASE IF EXISTS shop');
    expect((await failure(s.execute('DROP DATABASE shop'))).errno).toBe(1008);
    expect((await s.execute('SHOW DATABASES')).rows).toEqual([{ Database: 'main' }]);
  });

  it('in-memory databases without dataDir', async () => {
    const s = await session();
    await s.execute('CREATE DATABASE a');
    await s.execute('USE a');
    await s.execute('CREATE TABLE t (id INT PRIMARY KEY)');
    await s.execute('INSERT INTO t VALUES (1)');
    expect((await s.execute('SELECT COUNT(*) AS n FROM a.t')).rows).toEqual([{ n: 1 }]);
    expect((await failure(s.execute('CREATE TABLE d (id INT) ENGINE=disk'))).code).toBe('INVALID_ARGUMENT');
  });
});
