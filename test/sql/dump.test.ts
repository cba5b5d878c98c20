import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openHybrid } from '../../src/hybrid/index.js';
import { createTableSql, dumpHybrid, dumpSql, quoteString, sqlLiteral } from '../../src/sql/dump.js';
import type { SqlSession } from '../../src/sql/index.js';
import { open, tempDir } from './helpers.js';

/** Statements of a dump: lines up to one ending in ';' (a dump's strings never span lines); comments dropped. */
function statements(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (cur === '' && (line.startsWith('--') || line.trim() === '')) continue;
    cur += (cur === '' ? '' : '\n') + line;
    if (line.endsWith(';')) {
      out.push(cur);
      cur = '';
    }
  }
  expect(cur).toBe('');
  return out;
}

async function collect(it: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const chunk of it) s += chunk;
  return s;
}

async function snapshot(s: SqlSession, db: string): Promise<Record<string, unknown>> {
  await s.execute(`USE ${db}`);
  const out: Record<string, unknown> = {};
  for (const r of (await s.execute('SHOW TABLES')).rows) {
    const t = String(Object.values(r)[0]);
    out[t] = {
      describe: (await s.execute(`DESCRIBE \`${t}\``)).rows,
      index: (await s.execute(`SHOW INDEX FROM \`${t}\``)).rows,
      rows: (await s.execute(`SELECT * FROM \`${t}\``)).rows,
    };
  }
  return out;
}

const NASTY = ["it's", 'back\\slash', 'new\nline', 'cr\r', 'nul\0byte', 'ctrl-z\x1a', '"dq"', 'tab\t', 'q?mark', '; DROP TABLE x; --', 'émoji 😀', "''", '\\'];

async function fill(s: SqlSession): Promise<void> {
  await s.execute(`CREATE TABLE users (
    id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, email VARCHAR(128) UNIQUE,
    active BOOLEAN NOT NULL DEFAULT TRUE, balance DECIMAL(12,2) DEFAULT 0, score DOUBLE, ratio FLOAT,
    big BIGINT, born DATE, seen DATETIME DEFAULT CURRENT_TIMESTAMP, at TIMESTAMP, photo BLOB, prefs JSON, bio TEXT,
    INDEX by_name (name), UNIQUE KEY by_big_score (big, score)) ENGINE=disk`);
  const rows: unknown[][] = [];
  for (let i = 0; i < 1200; i++) {
    rows.push([
      `${NASTY[i % NASTY.length]}-${i}`,
      i % 3 === 0 ? null : `u${i}@x.org`,
      i % 2 === 0,
      (i * 1.25).toFixed(2),
      i % 5 === 0 ? null : i / 7,
      i % 4 === 0 ? 1.5e-7 * i : i === 7 ? 1e21 : -i,
      i % 6 === 0 ? null : BigInt(i % 2 === 0 ? i : -i) * 3_000_000_000_000_001n,
      new Date(Date.UTC(1970 + (i % 80), i % 12, 1 + (i % 28))),
      new Date(Date.UTC(2024, 0, 1) + i * 3_600_123),
      i % 7 === 0 ? null : new Date(1_700_000_000_000 + i * 1000),
      i % 3 === 1 ? null : Buffer.from([i & 255, 0, 39, 92, 10, 255]),
      i % 4 === 1 ? null : { n: i, s: NASTY[i % NASTY.length], list: [1, 'two', null, true], nested: { q: "'\\\"" } },
      i % 9 === 0 ? null : NASTY.join('|').repeat(1 + (i % 3)),
    ]);
  }
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    await s.execute(`INSERT INTO users (name, email, active, balance, score, ratio, big, born, seen, at, photo, prefs, bio) VALUES ${batch.map(() => '(?,?,?,?,?,?,?,?,?,?,?,?,?)').join(',')}`, batch.flat());
  }
  await s.execute('DELETE FROM users WHERE id % 11 = 0');
  await s.execute('CREATE TABLE order_lines (order_id BIGINT NOT NULL, line INT NOT NULL, sku CHAR(8) NOT NULL, qty INT NOT NULL DEFAULT 1, note VARCHAR(20) DEFAULT \'n/a\', PRIMARY KEY (order_id, line), KEY (sku)) ENGINE=InnoDB');
  await s.execute("INSERT INTO order_lines VALUES (1, 1, 'A', 2, NULL), (1, 2, 'B', 1, 'x'), (2, 1, 'A', 5, 'it''s')");
  await s.execute('CREATE TABLE empty_one (k VARCHAR(10) PRIMARY KEY, v JSON) ENGINE=disk');
  await s.execute('CREATE TABLE nopk (a INT, b VARCHAR(5)) ENGINE=disk');
  await s.execute("INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (NULL, NULL)");
}

describe('sett dump-sql', () => {
  it('a dump loads back, statement by statement, into a fresh directory: every table identical (rows, DESCRIBE, SHOW INDEX)', async () => {
    const dir = await tempDir();
    const src = await open({ dataDir: dir });
    const s = src.session();
    await fill(s);
    await s.execute('CREATE DATABASE shop');
    await s.execute('USE shop');
    await s.execute('CREATE TABLE items (id BIGINT PRIMARY KEY, title TEXT NOT NULL) ENGINE=disk');
    await s.execute("INSERT INTO items VALUES (10, 'ten'), (20, 'twenty\\nlines')");
    const before = { main: await snapshot(s, 'main'), shop: await snapshot(s, 'shop') };
    await src.close();

    const text = await collect(dumpSql({ dataDir: dir, batchRows: 400 }));
    expect(text).toContain('CREATE DATABASE IF NOT EXISTS `shop`;\nUSE `shop`;');
    // INSERTs in batches of at most 400 rows: 1200 - 109 deleted users in 3 statements.
    expect(text.match(/INSERT INTO `users`/g)?.length).toBe(3);
    // The dump's strings never span lines.
    for (const line of text.split('\n')) if (line.startsWith('INSERT')) expect(line.endsWith(');')).toBe(true);

    const target = await tempDir();
    const dst = await open({ dataDir: target });
    const t = dst.session();
    for (const stmt of statements(text)) await t.execute(stmt);
    expect({ main: await snapshot(t, 'main'), shop: await snapshot(t, 'shop') }).toEqual(before);
    // AUTO_INCREMENT continues after the largest id, as MySQL does after a load.
    await t.execute('USE main');
    const r = await t.execute("INSERT INTO users (name) VALUES ('next')");
    expect(r.insertId).toBe(1200 + 1);
  }, 30_000);

  it('--database D: that database only, without CREATE DATABASE / USE; the CLI streams the same text', async () => {
    const dir = await tempDir();
    const src = await open({ dataDir: dir });
    const s = src.session();
    await s.execute('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8)) ENGINE=disk');
    await s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL)");
    await s.execute('CREATE DATABASE other');
    await src.close();
    const text = await collect(dumpSql({ dataDir: dir, database: 'main', batchRows: 2 }));
    expect(text).not.toContain('CREATE DATABASE');
    expect(text).not.toContain('USE ');
    expect(text).toContain("INSERT INTO `t` (`id`, `v`) VALUES (1,'a'),(2,'b');\nINSERT INTO `t` (`id`, `v`) VALUES (3,NULL);\n");
    await expect(collect(dumpSql({ dataDir: dir, database: 'nope' }))).rejects.toMatchObject({ errno: 1049 });

    const cli = join(process.cwd(), 'dist/src/cli/main.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'dump-sql', dir, '--database', 'main', '--batch-rows', '2']);
    expect(stdout.split('\n').slice(2).join('\n')).toBe(text.split('\n').slice(2).join('\n'));
  }, 30_000);

  it('golden DDL of one table; literals escaped for MySQL', async () => {
    const h = await openHybrid({ enableDisk: false });
    try {
      await h.createTable({
        name: 'orders',
        columns: [
          { name: 'id', type: 'BIGINT', primary: true, autoIncrement: true },
          { name: 'code', type: 'VARCHAR', length: 8, unique: true },
          { name: 'customer', type: 'INT', nullable: false },
          { name: 'total', type: 'DECIMAL', precision: 10, scale: 2, default: '0.00' },
          { name: 'status', type: 'VARCHAR', length: 16, nullable: false, default: "it's new" },
          { name: 'paid', type: 'BOOL', default: false },
          { name: 'placed', type: 'DATETIME', default: 'now' },
          { name: 'day', type: 'DATE' },
          { name: 'doc', type: 'JSON' },
          { name: 'raw', type: 'BLOB' },
          { name: 'notes', type: 'TEXT' },
          { name: 'weight', type: 'DOUBLE' },
        ],
        indexes: [
          { name: 'by_customer', columns: ['customer', 'placed'] },
          { name: 'by_status', columns: ['status'], unique: true },
        ],
      });
      expect(createTableSql(h.describeTable('orders'))).toBe(
        [
          'CREATE TABLE `orders` (',
          '  `id` bigint NOT NULL AUTO_INCREMENT,',
          '  `code` varchar(8) UNIQUE,',
          '  `customer` int NOT NULL,',
          "  `total` decimal(10,2) DEFAULT 0.00,",
          "  `status` varchar(16) NOT NULL DEFAULT 'it\\'s new',",
          '  `paid` boolean DEFAULT 0,',
          '  `placed` datetime(3) DEFAULT CURRENT_TIMESTAMP(3),',
          '  `day` date,',
          '  `doc` json,',
          '  `raw` longblob,',
          '  `notes` longtext,',
          '  `weight` double,',
          '  PRIMARY KEY (`id`),',
          '  KEY `by_customer` (`customer`, `placed`),',
          '  UNIQUE KEY `by_status` (`status`)',
          ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
        ].join('\n'),
      );
      // A memory table is dumped as ENGINE=MEMORY, or InnoDB on request.
      await h.insert('orders', [{ code: 'A1', customer: 1, status: 'x', raw: Buffer.from([0, 1, 0xfe]), doc: { a: "b'c" } }]);
      const dump = await collect(dumpHybrid(h));
      expect(dump).toContain(') ENGINE=MEMORY DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;');
      expect(dump).toContain("X'0001fe'");
      expect(await collect(dumpHybrid(h, { memoryEngine: 'innodb' }))).toContain(') ENGINE=InnoDB DEFAULT');
    } finally {
      await h.close();
    }
    expect(quoteString("a'b\\c\nd\re\0f\x1ag\"h\ti")).toBe("'a\\'b\\\\c\\nd\\re\\0f\\Zg\\\"h\ti'");
    const col = (type: string) => ({ name: 'c', type }) as Parameters<typeof sqlLiteral>[0];
    expect(sqlLiteral(col('INT'), null)).toBe('NULL');
    expect(sqlLiteral(col('BIGINT'), 42n)).toBe('42');
    expect(sqlLiteral(col('BIGINT'), -15000000000000005n)).toBe('-15000000000000005');
    expect(sqlLiteral(col('DOUBLE'), 1e21)).toBe('1.0e+21');
    expect(sqlLiteral(col('DOUBLE'), -2.5e-7)).toBe('-2.5e-7');
    expect(() => sqlLiteral(col('DOUBLE'), Number.NaN)).toThrow(/NaN/);
    expect(sqlLiteral(col('DECIMAL'), '-12.50')).toBe('-12.50');
    expect(sqlLiteral(col('BOOL'), true)).toBe('1');
    expect(sqlLiteral(col('BOOL'), false)).toBe('0');
    expect(sqlLiteral(col('BLOB'), Buffer.alloc(0))).toBe("X''");
    expect(sqlLiteral(col('JSON'), { a: [1, 'x\n'] })).toBe('\'{\\"a\\":[1,\\"x\\\\n\\"]}\'');
    expect(sqlLiteral(col('DATE'), new Date(Date.UTC(2024, 1, 29)))).toBe("'2024-02-29'");
    expect(sqlLiteral(col('DATETIME'), new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 7)), true)).toBe("'2024-02-29 13:05:09.007'");
    expect(sqlLiteral(col('TIMESTAMP'), new Date(Date.UTC(2024, 1, 29, 13, 5, 9)), true)).toBe("'2024-02-29 13:05:09'");
  });
});

