import { Kysely, sql, type Generated } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SettDialect, openSql } from '../../src/sql/index.js';
import { tempDir } from './helpers.js';

interface Users {
  id: Generated<number>;
  name: string;
  email: string | null;
  age: number;
}

interface Orders {
  id: Generated<number>;
  user_id: number;
  total: string;
}

interface DB {
  users: Users;
  orders: Orders;
}

const dbs: Kysely<DB>[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
});

async function kysely(dataDir?: string): Promise<Kysely<DB>> {
  const db = new Kysely<DB>({ dialect: new SettDialect({ options: dataDir === undefined ? {} : { dataDir } }) });
  dbs.push(db);
  await sql`CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, email VARCHAR(128), age INT NOT NULL DEFAULT 0, INDEX (name))${sql.raw(dataDir === undefined ? '' : ' ENGINE=disk')}`.execute(db);
  await sql`CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, user_id INT NOT NULL, total DECIMAL(10,2) NOT NULL, INDEX (user_id))`.execute(db);
  return db;
}

describe('sett/sql: Kysely dialect (SettDialect)', () => {
  it('insertInto returns insertId; typed selectFrom / where / orderBy / limit', async () => {
    const db = await kysely(await tempDir());
    const r = await db.insertInto('users').values({ name: 'ada', email: 'ada@x', age: 36 }).executeTakeFirstOrThrow();
    expect(r.insertId).toBe(1n);
    const many = await db
      .insertInto('users')
      .values([
        { name: 'grace', email: null, age: 45 },
        { name: 'alan', email: 'alan@x', age: 41 },
        { name: 'barbara', email: 'b@x', age: 29 },
      ])
      .executeTakeFirstOrThrow();
    expect(many.insertId).toBe(2n);
    expect(many.numInsertedOrUpdatedRows).toBe(3n);

    const rows = await db.selectFrom('users').select(['id', 'name']).where('age', '>', 30).orderBy('age', 'desc').limit(2).execute();
    expect(rows).toEqual([
      { id: 2, name: 'grace' },
      { id: 3, name: 'alan' },
    ]);
    const one = await db.selectFrom('users').selectAll().where('name', '=', 'ada').executeTakeFirst();
    expect(one).toEqual({ id: 1, name: 'ada', email: 'ada@x', age: 36 });
    const like = await db.selectFrom('users').select('name').where('name', 'like', 'a%').where('email', 'is not', null).orderBy('id').execute();
    expect(like.map((x) => x.name)).toEqual(['ada', 'alan']);
    const offset = await db.selectFrom('users').select('id').orderBy('id').limit(2).offset(1).execute();
    expect(offset).toEqual([{ id: 2 }, { id: 3 }]);
    const inList = await db.selectFrom('users').select('id').where('id', 'in', [1, 4]).orderBy('id').execute();
    expect(inList).toEqual([{ id: 1 }, { id: 4 }]);
    const count = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(4);
  });

  it('joins, updateTable and deleteFrom report their row counts', async () => {
    const db = await kysely();
    await db.insertInto('users').values([{ name: 'ada', email: null, age: 36 }, { name: 'grace', email: null, age: 45 }]).execute();
    await db.insertInto('orders').values([{ user_id: 1, total: '10.50' }, { user_id: 1, total: '2.00' }, { user_id: 2, total: '7.25' }]).execute();
    const joined = await db
      .selectFrom('orders')
      .innerJoin('users', 'users.id', 'orders.user_id')
      .select(['users.name as name', 'orders.total as total'])
      .where('users.name', '=', 'ada')
      .orderBy('orders.id')
      .execute();
    expect(joined).toEqual([
      { name: 'ada', total: '10.50' },
      { name: 'ada', total: '2.00' },
    ]);

    const up = await db.updateTable('users').set({ age: 37 }).where('name', '=', 'ada').executeTakeFirstOrThrow();
    expect(up.numUpdatedRows).toBe(1n);
    expect(up.numChangedRows).toBe(1n);
    // Matched but unchanged: counted as updated (mysql2's CLIENT_FOUND_ROWS), not as changed.
    const same = await db.updateTable('users').set({ age: 37 }).where('name', '=', 'ada').executeTakeFirstOrThrow();
    expect(same.numUpdatedRows).toBe(1n);
    expect(same.numChangedRows).toBe(0n);
    const expr = await db.updateTable('users').set((eb) => ({ age: eb('age', '+', 1) })).executeTakeFirstOrThrow();
    expect(expr.numUpdatedRows).toBe(2n);
    expect(await db.selectFrom('users').select(['name', 'age']).orderBy('id').execute()).toEqual([
      { name: 'ada', age: 38 },
      { name: 'grace', age: 46 },
    ]);

    const del = await db.deleteFrom('orders').where('user_id', '=', 1).executeTakeFirstOrThrow();
    expect(del.numDeletedRows).toBe(2n);
    expect(await db.selectFrom('orders').select('id').execute()).toEqual([{ id: 3 }]);
  });

  it('quoted qualifiers as Kysely writes them, and a table named with a keyword', async () => {
    const db = await kysely();
    expect(db.selectFrom('users').select('users.name').compile().sql).toBe('select `users`.`name` from `users`');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const any = db as unknown as Kysely<any>;
    await sql`CREATE TABLE \`order\` (id INT PRIMARY KEY AUTO_INCREMENT, user_id INT NOT NULL, INDEX (user_id))`.execute(db);
    await db.insertInto('users').values([{ name: 'ada', email: null, age: 36 }, { name: 'grace', email: null, age: 45 }]).execute();
    await any.insertInto('order').values([{ user_id: 2 }, { user_id: 1 }, { user_id: 2 }]).execute();
    const rows = await any
      .selectFrom('order')
      .innerJoin('users', 'users.id', 'order.user_id')
      .select(['order.id', 'users.name'])
      .where('users.name', '=', 'grace')
      .orderBy('order.id', 'desc')
      .execute();
    expect(rows).toEqual([
      { id: 3, name: 'grace' },
      { id: 1, name: 'grace' },
    ]);
    const up = await any.updateTable('order').set({ user_id: 1 }).where('order.id', '=', 3).executeTakeFirstOrThrow();
    expect(up.numUpdatedRows).toBe(1n);
    const del = await any.deleteFrom('order').where('order.user_id', '=', 1).executeTakeFirstOrThrow();
    expect(del.numDeletedRows).toBe(2n);
  });

  it('db.transaction().execute commits, and rolls back when the callback throws', async () => {
    const db = await kysely(await tempDir());
    const id = await db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('users').values({ name: 'ada', email: null, age: 36 }).executeTakeFirstOrThrow();
      await trx.insertInto('orders').values({ user_id: Number(r.insertId), total: '1.00' }).execute();
      // The transaction sees its own writes.
      expect(await trx.selectFrom('orders').select('user_id').execute()).toEqual([{ user_id: 1 }]);
      return r.insertId;
    });
    expect(id).toBe(1n);
    expect(await db.selectFrom('users').select('name').execute()).toEqual([{ name: 'ada' }]);

    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ name: 'grace', email: null, age: 45 }).execute();
        await trx.updateTable('users').set({ age: 99 }).where('name', '=', 'ada').execute();
        expect((await trx.selectFrom('users').selectAll().execute()).length).toBe(2);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.selectFrom('users').select(['name', 'age']).execute()).toEqual([{ name: 'ada', age: 36 }]);
    // The rolled-back connection is reused cleanly.
    expect(await db.selectFrom('orders').select('total').execute()).toEqual([{ total: '1.00' }]);
  });

  it('errors keep their MySQL numbers; an open database passed in is used and destroy() closes it', async () => {
    const dir = await tempDir();
    const sqlDb = await openSql({ dataDir: dir });
    const db = new Kysely<DB>({ dialect: new SettDialect({ database: sqlDb }) });
    await sql`CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(4) NOT NULL, email VARCHAR(8), age INT NOT NULL) ENGINE=InnoDB`.execute(db);
    await db.insertInto('users').values({ id: 1, name: 'ada', email: null, age: 1 } as never).execute();
    await expect(db.insertInto('users').values({ id: 1, name: 'bob', email: null, age: 1 } as never).execute()).rejects.toMatchObject({ errno: 1062 });
    await expect(db.selectFrom('orders').selectAll().execute()).rejects.toMatchObject({ errno: 1146 });
    await db.destroy();
    expect(() => sqlDb.session()).toThrow(/closed/);
    // The data is on disk.
    const again = new Kysely<DB>({ dialect: new SettDialect({ options: { dataDir: dir } }) });
    dbs.push(again);
    expect(await again.selectFrom('users').select('name').execute()).toEqual([{ name: 'ada' }]);
  });
});
