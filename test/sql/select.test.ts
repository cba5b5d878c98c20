import { describe, expect, it } from 'vitest';
import { failure, session } from './helpers.js';

async function people() {
  const s = await session();
  await s.execute('CREATE TABLE people (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(32) NOT NULL, city VARCHAR(32), age INT, INDEX by_city (city))');
  await s.execute(
    'INSERT INTO people (name, city, age) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)',
    ['ada', 'london', 36, 'grace', 'ny', 45, 'alan', 'london', 41, 'linus', null, 28, 'Ann', 'ny', 36],
  );
  await s.execute('CREATE TABLE pets (id INT PRIMARY KEY AUTO_INCREMENT, owner INT, kind VARCHAR(10), INDEX by_owner (owner))');
  await s.execute("INSERT INTO pets (owner, kind) VALUES (1, 'cat'), (1, 'dog'), (3, 'cat'), (9, 'fish')");
  return s;
}

const names = (rows: Record<string, unknown>[]) => rows.map((r) => r.name);

describe('sett/sql: SELECT', () => {
  it('WHERE operators: = != <> < <= > >= AND OR NOT IN NOT IN BETWEEN LIKE NOT LIKE IS [NOT] NULL', async () => {
    const s = await people();
    const q = async (where: string, params: unknown[] = []) => names((await s.execute(`SELECT name FROM people WHERE ${where} ORDER BY id`, params)).rows);
    expect(await q('age = 36')).toEqual(['ada', 'Ann']);
    expect(await q('age != 36')).toEqual(['grace', 'alan', 'linus']);
    expect(await q('age <> 36 AND city = ?', ['london'])).toEqual(['alan']);
    expect(await q('age < 36')).toEqual(['linus']);
    expect(await q('age <= 36')).toEqual(['ada', 'linus', 'Ann']);
    expect(await q('age > 41 OR name = ?', ['ada'])).toEqual(['ada', 'grace']);
    expect(await q('36 < age')).toEqual(['grace', 'alan']);
    expect(await q('age >= 41')).toEqual(['grace', 'alan']);
    expect(await q('NOT (age >= 41)')).toEqual(['ada', 'linus', 'Ann']);
    expect(await q('city IN (?, ?)', ['ny', 'paris'])).toEqual(['grace', 'Ann']);
    expect(await q("city NOT IN ('ny')")).toEqual(['ada', 'alan']);
    expect(await q('age BETWEEN 36 AND 41')).toEqual(['ada', 'alan', 'Ann']);
    expect(await q('age NOT BETWEEN 36 AND 41')).toEqual(['grace', 'linus']);
    expect(await q("name LIKE 'a%'")).toEqual(['ada', 'alan']);
    expect(await q("name NOT LIKE 'a%'")).toEqual(['grace', 'linus', 'Ann']);
    expect(await q('city IS NULL')).toEqual(['linus']);
    expect(await q('city IS NOT NULL AND age > 40')).toEqual(['grace', 'alan']);
    // NULL follows SQL: NOT over unknown is unknown.
    expect(await q("NOT (city = 'ny')")).toEqual(['ada', 'alan']);
    // Residual (not expressible in the table layer): column vs column, arithmetic, functions.
    expect(await q('age = id * 36')).toEqual(['ada']);
    expect(await q("UPPER(name) = 'ANN' OR age + 1 = 29")).toEqual(['linus', 'Ann']);
    expect(await q("city = 'london' AND LENGTH(name) > 3")).toEqual(['alan']);
  });

  it('column lists, *, aliases, expressions, DISTINCT, ORDER BY (alias, position, DESC), LIMIT / OFFSET', async () => {
    const s = await people();
    const r = await s.execute('SELECT id AS n, name, age * 2 AS twice FROM people WHERE id <= 2 ORDER BY n DESC');
    expect(r.rows).toEqual([
      { n: 2, name: 'grace', twice: 90 },
      { n: 1, name: 'ada', twice: 72 },
    ]);
    expect(r.fields).toEqual([
      { name: 'n', type: 'INT' },
      { name: 'name', type: 'VARCHAR' },
      { name: 'twice', type: 'INT' },
    ]);
    expect((await s.execute('SELECT DISTINCT city FROM people ORDER BY city')).rows).toEqual([{ city: null }, { city: 'london' }, { city: 'ny' }]);
    expect(names((await s.execute('SELECT name FROM people ORDER BY age DESC, name LIMIT 2')).rows)).toEqual(['grace', 'alan']);
    expect(names((await s.execute('SELECT name FROM people ORDER BY 1 LIMIT 2 OFFSET 1')).rows)).toEqual(['ada', 'alan']);
    expect(names((await s.execute('SELECT name FROM people ORDER BY id LIMIT ?, ?', [3, 5])).rows)).toEqual(['linus', 'Ann']);
    expect((await s.execute('SELECT * FROM people p WHERE p.id = 1')).rows).toEqual([{ id: 1, name: 'ada', city: 'london', age: 36 }]);
    expect((await s.execute('SELECT 1 + 1 AS two, DATABASE() AS db')).rows).toEqual([{ two: 2, db: 'main' }]);
  });

  it('COUNT(*) / COUNT(col) / COUNT(DISTINCT) / SUM / AVG / MIN / MAX with GROUP BY and HAVING', async () => {
    const s = await people();
    expect((await s.execute('SELECT COUNT(*) AS n, COUNT(city) AS c, COUNT(DISTINCT city) AS d, SUM(age) AS s, AVG(age) AS a, MIN(age) AS lo, MAX(name) AS hi FROM people')).rows).toEqual([
      { n: 5, c: 4, d: 2, s: 186, a: 37.2, lo: 28, hi: 'linus' },
    ]);
    const g = await s.execute('SELECT city, COUNT(*) AS n, MAX(age) AS oldest FROM people GROUP BY city HAVING COUNT(*) > 1 ORDER BY city');
    expect(g.rows).toEqual([
      { city: 'london', n: 2, oldest: 41 },
      { city: 'ny', n: 2, oldest: 45 },
    ]);
    expect((await s.execute('SELECT age, COUNT(*) FROM people GROUP BY age HAVING age = 36')).rows).toEqual([{ age: 36, 'COUNT(*)': 2 }]);
    expect((await s.execute("SELECT COUNT(*) FROM people WHERE city = 'nowhere'")).rows).toEqual([{ 'COUNT(*)': 0 }]);
    expect((await s.execute("SELECT SUM(age) AS s FROM people WHERE city = 'nowhere'")).rows).toEqual([{ s: null }]);
  });

  it('INNER and LEFT JOIN on equality, looked up through the joined table index', async () => {
    const s = await people();
    const inner = await s.execute('SELECT p.name, x.kind FROM people p INNER JOIN pets x ON x.owner = p.id ORDER BY x.id');
    expect(inner.rows).toEqual([
      { name: 'ada', kind: 'cat' },
      { name: 'ada', kind: 'dog' },
      { name: 'alan', kind: 'cat' },
    ]);
    const left = await s.execute("SELECT p.name, x.kind FROM people p LEFT JOIN pets x ON p.id = x.owner AND x.kind = 'cat' WHERE p.city = 'london' OR p.city IS NULL ORDER BY p.id");
    expect(left.rows).toEqual([
      { name: 'ada', kind: 'cat' },
      { name: 'alan', kind: 'cat' },
      { name: 'linus', kind: null },
    ]);
    const counts = await s.execute('SELECT p.name, COUNT(x.id) AS pets FROM people p LEFT JOIN pets x ON x.owner = p.id GROUP BY p.name ORDER BY pets DESC, p.name LIMIT 2');
    expect(counts.rows).toEqual([
      { name: 'ada', pets: 2 },
      { name: 'alan', pets: 1 },
    ]);
    const plan = await s.execute('EXPLAIN SELECT p.name FROM people p JOIN pets x ON x.owner = p.id');
    expect(plan.rows[1]).toMatchObject({ table: 'pets AS x', access: 'index-eq', index: 'by_owner' });
    expect((await failure(s.execute('SELECT id FROM people p JOIN pets x ON x.owner = p.id'))).errno).toBe(1052);
    expect((await failure(s.execute('SELECT * FROM people p RIGHT JOIN pets x ON x.owner = p.id'))).errno).toBe(1235);
  });

  it('EXPLAIN shows an index lookup for an indexed WHERE and a full scan otherwise', async () => {
    const s = await people();
    const ix = await s.execute('EXPLAIN SELECT * FROM people WHERE city = ?', ['ny']);
    expect(ix.rows[0]).toMatchObject({ access: 'index-eq', index: 'by_city', filter: null });
    expect((await s.execute('EXPLAIN SELECT * FROM people WHERE id = 3')).rows[0]).toMatchObject({ access: 'pk-point', index: 'PRIMARY' });
    expect((await s.execute('EXPLAIN SELECT * FROM people WHERE id BETWEEN 2 AND 4 ORDER BY id LIMIT 1')).rows[0]).toMatchObject({ access: 'pk-range', limitPushedDown: true });
    const full = await s.execute("EXPLAIN SELECT * FROM people WHERE UPPER(name) = 'ADA'");
    expect(full.rows[0]).toMatchObject({ access: 'full-scan' });
    expect(full.rows[0]!.filter).toMatch(/residual/);
    const mixed = await s.execute("EXPLAIN SELECT * FROM people WHERE city = 'ny' AND age + 1 > 40");
    expect(mixed.rows[0]).toMatchObject({ access: 'index-eq', index: 'by_city' });
  });
});
