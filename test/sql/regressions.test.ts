// Bugs colleagues reported in sett/sql, each kept fixed by a test here.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { openSql } from '../../src/sql/index.js';
import { failure, open, session, tempDir } from './helpers.js';

describe('sett/sql: reported bugs', () => {
  it('a backtick-quoted table qualifier resolves, also for a table named with a keyword', async () => {
    const s = await session();
    await s.execute('CREATE TABLE `users` (`id` INT PRIMARY KEY, `name` VARCHAR(10))');
    await s.execute('CREATE TABLE `order` (`id` INT PRIMARY KEY, `uid` INT, INDEX (`uid`))');
    await s.execute("INSERT INTO `users` VALUES (1, 'ada'), (2, 'grace')");
    await s.execute('INSERT INTO `order` VALUES (10, 1), (11, 2), (12, 1)');

    expect((await s.execute('SELECT `users`.`name` FROM `users` ORDER BY `users`.`id`')).rows).toEqual([{ name: 'ada' }, { name: 'grace' }]);
    expect((await s.execute('SELECT `users`.* FROM `users` WHERE `users`.`id` = ?', [2])).rows).toEqual([{ id: 2, name: 'grace' }]);
    expect((await s.execute('SELECT `order`.`id` FROM `order` WHERE `order`.`uid` = 1 ORDER BY `order`.`id` DESC')).rows).toEqual([{ id: 12 }, { id: 10 }]);
    const joined = await s.execute(
      'SELECT `users`.`name`, `order`.`id` FROM `users` INNER JOIN `order` ON `order`.`uid` = `users`.`id` WHERE `users`.`name` = ? ORDER BY `order`.`id`',
      ['ada'],
    );
    expect(joined.rows).toEqual([
      { name: 'ada', id: 10 },
      { name: 'ada', id: 12 },
    ]);
    const grouped = await s.execute(
      'SELECT `u`.`name`, COUNT(`o`.`id`) AS n FROM `users` AS `u` LEFT JOIN `order` `o` ON `o`.`uid` = `u`.`id` GROUP BY `u`.`name` HAVING COUNT(`o`.`id`) > 1',
    );
    expect(grouped.rows).toEqual([{ name: 'ada', n: 2 }]);
    expect((await s.execute("UPDATE `users` SET `users`.`name` = 'g' WHERE `users`.`id` = 2")).affectedRows).toBe(1);
    expect((await s.execute('DELETE FROM `order` WHERE `order`.`id` = 12')).affectedRows).toBe(1);
    // A qualifier that names no table of FROM is still 1054.
    expect((await failure(s.execute('SELECT `nope`.`name` FROM `users`'))).errno).toBe(1054);
  });

  it('BIGINT literals beyond 2^53, negative and positive, round-trip exactly', async () => {
    const db = await open({ dataDir: await tempDir() });
    const s = db.session();
    await s.execute('CREATE TABLE big (id INT PRIMARY KEY, v BIGINT, d BIGINT DEFAULT -9223372036854775808) ENGINE=disk');
    await s.execute(
      'INSERT INTO big (id, v) VALUES (1, -9223372036854775808), (2, 9223372036854775807), (3, 9007199254740993), (4, -9007199254740993), (5, -9007199254740991), (6, 5--9007199254740993)',
    );
    const rows = (await s.execute('SELECT id, v, d FROM big ORDER BY id')).rows;
    expect(rows.map((r) => r.v)).toEqual([-9223372036854775808n, 9223372036854775807n, 9007199254740993n, -9007199254740993n, -9007199254740991n, 9007199254740998n]);
    expect(rows.every((r) => r.d === -9223372036854775808n)).toBe(true);
    // In WHERE (pushed to the table layer) and in expressions.
    expect((await s.execute('SELECT id FROM big WHERE v = -9007199254740993')).rows).toEqual([{ id: 4 }]);
    expect((await s.execute('SELECT id FROM big WHERE v < -9007199254740992 ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 4 }]);
    expect((await s.execute('SELECT -9223372036854775807 - 1 AS x')).rows).toEqual([{ x: -9223372036854775808n }]);
    // Out of BIGINT's range is an error, not a rounded value.
    expect((await failure(s.execute('INSERT INTO big (id, v) VALUES (7, -9223372036854775809)'))).errno).toBe(1264);
    // Decimals, exponents and text are untouched; a syntax error's position is the caller's.
    expect((await s.execute("SELECT -12.50 AS a, 2-1 AS b, '-9223372036854775808' AS c")).rows).toEqual([{ a: -12.5, b: 1, c: '-9223372036854775808' }]);
    const e = await failure(s.execute('SELECT -9223372036854775808 FROMM big'));
    expect(e.position?.offset).toBe('SELECT -9223372036854775808 FROMM '.length);
  });
});

describe('openSql on a directory that can never be made', () => {
  it.skipIf(!existsSync('/proc/self'))('fails with IO_ERROR instead of hanging (Node 20 recursive mkdir)', async () => {
    await expect(openSql({ dataDir: '/proc/sett-cannot-exist' })).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
