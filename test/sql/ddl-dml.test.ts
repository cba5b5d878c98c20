import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/index.js';
import { failure, session } from './helpers.js';

const USERS = 'CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, age INT, INDEX (name))';

describe('sett/sql: DDL', () => {
  it('CREATE TABLE maps types, keys, defaults, UNIQUE and INDEX; DESCRIBE and SHOW COLUMNS show them', async () => {
    const s = await session();
    await s.execute(`CREATE TABLE t (
      id BIGINT NOT NULL AUTO_INCREMENT, code CHAR(3) UNIQUE, price DECIMAL(10,2) DEFAULT 0, ok BOOLEAN,
      body TEXT, data JSON, at DATETIME DEFAULT CURRENT_TIMESTAMP, d DATE, f DOUBLE, b BLOB,
      PRIMARY KEY (id), KEY by_price (price), UNIQUE KEY u_body (d, f))`);
    const r = await s.execute('DESCRIBE t');
    expect(r.fields.map((f) => f.name)).toEqual(['Field', 'Type', 'Null', 'Key', 'Default', 'Extra']);
    const by = Object.fromEntries(r.rows.map((x) => [x.Field, x]));
    expect(by.id).toMatchObject({ Type: 'bigint', Null: 'NO', Key: 'PRI', Extra: 'auto_increment' });
    expect(by.code).toMatchObject({ Type: 'varchar(3)', Key: 'UNI' });
    expect(by.price).toMatchObject({ Type: 'decimal(10,2)', Key: 'MUL' });
    expect(Number(by.price!.Default)).toBe(0);
    expect(by.at).toMatchObject({ Type: 'datetime', Default: 'CURRENT_TIMESTAMP' });
    expect(by.ok!.Type).toBe('tinyint(1)');
    expect((await s.execute('DESC t')).rows).toEqual(r.rows);
    expect((await s.execute('SHOW COLUMNS FROM t')).rows).toEqual(r.rows);
    const idx = await s.execute('SHOW INDEX FROM t');
    expect(idx.rows.map((x) => `${x.Key_name}:${x.Column_name}`)).toEqual(['PRIMARY:id', 'code:code', 'by_price:price', 'u_body:d', 'u_body:f']);
  });

  it('composite primary keys, IF NOT EXISTS, DROP TABLE [IF EXISTS], SHOW TABLES, TRUNCATE', async () => {
    const s = await session();
    await s.execute('CREATE TABLE kv (a INT, b VARCHAR(10), v TEXT, PRIMARY KEY (a, b))');
    await s.execute('CREATE TABLE IF NOT EXISTS kv (x INT)');
    await s.execute("INSERT INTO kv VALUES (1, 'x', 'one'), (1, 'y', 'two')");
    expect((await failure(s.execute("INSERT INTO kv VALUES (1, 'x', 'dup')"))).errno).toBe(1062);
    expect((await s.execute('SHOW TABLES')).rows).toEqual([{ Tables_in_main: 'kv' }]);
    await s.execute('TRUNCATE TABLE kv');
    expect((await s.execute('SELECT COUNT(*) AS n FROM kv')).rows).toEqual([{ n: 0 }]);
    await s.execute('DROP TABLE kv');
    await s.execute('DROP TABLE IF EXISTS kv');
    expect((await failure(s.execute('DROP TABLE kv'))).errno).toBe(1146);
    expect((await s.execute('SHOW TABLES')).rows).toEqual([]);
  });

  it('ALTER TABLE ADD/DROP COLUMN and INDEX, CREATE [UNIQUE] INDEX, DROP INDEX', async () => {
    const s = await session();
    await s.execute(USERS);
    await s.execute("INSERT INTO users (name) VALUES ('ada'), ('grace')");
    await s.execute('ALTER TABLE users ADD COLUMN email VARCHAR(100)');
    await s.execute('ALTER TABLE users ADD INDEX by_age (age)');
    expect((await s.execute('SELECT * FROM users WHERE id = 1')).rows).toEqual([{ id: 1, name: 'ada', age: null, email: null }]);
    await s.execute('CREATE UNIQUE INDEX by_email ON users (email)');
    await s.execute("UPDATE users SET email = 'a@x' WHERE id = 1");
    const dup = await failure(s.execute("UPDATE users SET email = 'a@x' WHERE id = 2"));
    expect(dup.errno).toBe(1062);
    expect(dup.code).toBe('DUPLICATE_KEY');
    await s.execute('DROP INDEX by_email ON users');
    await s.execute('ALTER TABLE users DROP INDEX by_age');
    await s.execute('ALTER TABLE users DROP COLUMN email');
    expect((await s.execute('SHOW INDEX FROM users')).rows.map((r) => r.Key_name)).toEqual(['PRIMARY', 'name']);
    expect((await s.execute('DESCRIBE users')).rows.map((r) => r.Field)).toEqual(['id', 'name', 'age']);
  });
});

describe('sett/sql: INSERT, UPDATE, DELETE', () => {
  it('multi-row INSERT with ? params: affectedRows and the first generated insertId', async () => {
    const s = await session();
    await s.execute(USERS);
    const r = await s.execute('INSERT INTO users (name, age) VALUES (?, ?), (?, ?)', ['ada', 36, 'grace', null]);
    expect(r).toMatchObject({ affectedRows: 2, insertId: 1 });
    expect((await s.execute('INSERT INTO users (name) VALUES (?), (?)', ['x', 'y'])).insertId).toBe(3);
    const rows = (await s.execute('SELECT * FROM users ORDER BY id')).rows;
    expect(rows).toEqual([
      { id: 1, name: 'ada', age: 36 },
      { id: 2, name: 'grace', age: null },
      { id: 3, name: 'x', age: null },
      { id: 4, name: 'y', age: null },
    ]);
    // A '?' inside a string literal is text, not a placeholder.
    await s.execute("INSERT INTO users (name) VALUES ('who?')");
    expect((await s.execute('SELECT name FROM users WHERE id = ?', [5])).rows).toEqual([{ name: 'who?' }]);
    expect((await failure(s.execute('SELECT * FROM users WHERE id = ?', []))).errno).toBe(1210);
  });

  it('INSERT without a column list, DEFAULT values, typed values back', async () => {
    const s = await session();
    await s.execute("CREATE TABLE p (id INT PRIMARY KEY, price DECIMAL(8,2), big BIGINT, ok BOOLEAN, d DATE, note VARCHAR(10) DEFAULT 'none')");
    await s.execute("INSERT INTO p (id, price, big, ok, d) VALUES (1, 9.5, 9007199254740993, TRUE, '2024-03-01')");
    await s.execute("INSERT INTO p VALUES (2, '1', 1, 0, NULL, 'n')");
    const rows = (await s.execute('SELECT * FROM p')).rows;
    expect(rows).toEqual([
      { id: 1, price: '9.50', big: 9007199254740993n, ok: true, d: new Date('2024-03-01T00:00:00Z'), note: 'none' },
      { id: 2, price: '1.00', big: 1n, ok: false, d: null, note: 'n' },
    ]);
    expect((await failure(s.execute('INSERT INTO p VALUES (1, 2)'))).errno).toBe(1136);
  });

  it('UPDATE reports changed rows (MySQL), with matchedRows beside; SET expressions over the row', async () => {
    const s = await session();
    await s.execute(USERS);
    await s.execute("INSERT INTO users (name, age) VALUES ('a', 30), ('b', 30), ('c', 40)");
    const same = await s.execute('UPDATE users SET age = 30 WHERE age <= 30');
    expect(same).toMatchObject({ affectedRows: 0, matchedRows: 2 });
    const some = await s.execute('UPDATE users SET age = ? WHERE name IN (?, ?)', [40, 'a', 'c']);
    expect(some).toMatchObject({ affectedRows: 1, matchedRows: 2 });
    const inc = await s.execute('UPDATE users SET age = age + 1, name = CONCAT(name, ?) WHERE id >= 2', ['!']);
    expect(inc.affectedRows).toBe(2);
    expect((await s.execute('SELECT name, age FROM users ORDER BY id')).rows).toEqual([
      { name: 'a', age: 40 },
      { name: 'b!', age: 31 },
      { name: 'c!', age: 41 },
    ]);
  });

  it('DELETE with an indexed WHERE, a residual WHERE, ORDER BY + LIMIT, and none', async () => {
    const s = await session();
    await s.execute(USERS);
    await s.execute("INSERT INTO users (name, age) VALUES ('a', 1), ('b', 2), ('c', 3), ('d', 4), ('e', 5)");
    expect((await s.execute("DELETE FROM users WHERE name = 'a'")).affectedRows).toBe(1);
    expect((await s.execute('DELETE FROM users WHERE age * 2 = id * 2')).affectedRows).toBe(4);
    await s.execute("INSERT INTO users (name, age) VALUES ('x', 1), ('y', 2), ('z', 3)");
    expect((await s.execute('DELETE FROM users ORDER BY age DESC LIMIT 2')).affectedRows).toBe(2);
    expect((await s.execute('SELECT name FROM users')).rows).toEqual([{ name: 'x' }]);
    expect((await s.execute('DELETE FROM users')).affectedRows).toBe(1);
  });
});

describe('sett/sql: errors carry sett code, MySQL errno and sqlState', () => {
  it('1062, 1146, 1050, 1054, 1048, 1406, 1064 with the position, unsupported statements named', async () => {
    const s = await session();
    await s.execute(USERS);
    await s.execute("INSERT INTO users (name) VALUES ('ada')");
    const cases: [string, number, string, string][] = [
      ["INSERT INTO users (id, name) VALUES (1, 'x')", 1062, 'DUPLICATE_KEY', '23000'],
      ['SELECT * FROM nope', 1146, 'NO_SUCH_TABLE', '42S02'],
      ['CREATE TABLE users (id INT)', 1050, 'TABLE_EXISTS', '42S01'],
      ['SELECT nope FROM users', 1054, 'NO_SUCH_COLUMN', '42S22'],
      ['SELECT * FROM users WHERE nope = 1', 1054, 'NO_SUCH_COLUMN', '42S22'],
      ["INSERT INTO users (nope) VALUES ('x')", 1054, 'NO_SUCH_COLUMN', '42S22'],
      ['INSERT INTO users (name) VALUES (NULL)', 1048, 'CONSTRAINT', '23000'],
      [`INSERT INTO users (name) VALUES ('${'x'.repeat(65)}')`, 1406, 'CONSTRAINT', '22001'],
    ];
    for (const [sql, errno, code, sqlState] of cases) {
      const e = await failure(s.execute(sql));
      expect({ sql, errno: e.errno, code: e.code, sqlState: e.sqlState }).toEqual({ sql, errno, code, sqlState });
      expect(isSettError(e)).toBe(true);
    }
    const syntax = await failure(s.execute('SELEC * FROM users'));
    expect(syntax).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(syntax.position).toEqual({ offset: 6, line: 1, column: 7 });
    const withParam = await failure(s.execute('SELECT * FROM users WHERE id = ? ANDD x', [1]));
    expect(withParam.position?.offset).toBe('SELECT * FROM users WHERE id = ? '.length);
    for (const sql of ['GRANT ALL ON *.* TO u', 'CREATE VIEW v AS SELECT 1', 'SELECT * FROM users UNION SELECT * FROM users']) {
      const e = await failure(s.execute(sql));
      expect(e.errno).toBe(1235);
      expect(e.message).toMatch(/does not support/);
    }
  });
});
