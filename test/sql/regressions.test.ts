// Bugs colleagues reported in sett/sql, each kept fixed by a test here.
import { describe, expect, it } from 'vitest';
import { failure, session } from './helpers.js';

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
});
