import { afterEach, describe, expect, it } from 'vitest';
import { open, FaultFS, type DB } from '../../src/index.js';
import { openTables, type Tables } from '../../src/table/index.js';

const open_: Tables[] = [];
afterEach(async () => {
  for (const t of open_.splice(0)) await t.close();
});

async function tables(db?: DB): Promise<Tables> {
  const t = await openTables({ db: db ?? (await open({ inMemory: true })) });
  open_.push(t);
  return t;
}

async function users(t: Tables): Promise<void> {
  await t.createTable({
    name: 'users',
    columns: [
      { name: 'id', type: 'INT', primary: true, autoIncrement: true },
      { name: 'email', type: 'VARCHAR', length: 32, unique: true },
      { name: 'age', type: 'INT', nullable: true },
      { name: 'name', type: 'TEXT', nullable: false, default: 'anon' },
    ],
    indexes: [{ name: 'by_age', columns: ['age'] }],
  });
}

const byId = (rows: { id?: unknown }[]): unknown[] => rows.map((r) => r.id);

describe('tables: catalog', () => {
  it('creates, lists, describes and drops tables; names the errors', async () => {
    const t = await tables();
    await users(t);
    expect(t.listTables()).toEqual(['users']);
    const info = t.describeTable('users');
    expect(info.primaryKey).toEqual(['id']);
    expect(info.indexes.map((i) => [i.name, i.unique, i.implicit])).toEqual([
      ['email', true, true],
      ['by_age', false, false],
    ]);
    await expect(users(t)).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    await t.createTable({ name: 'users', ifNotExists: true, columns: [{ name: 'x', type: 'INT', primary: true }] });
    expect(t.describeTable('users').columns).toHaveLength(4);
    expect(() => t.describeTable('nope')).toThrow(expect.objectContaining({ code: 'NO_SUCH_TABLE' }));
    await expect(t.insert('nope', [{}])).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });
    await expect(t.insert('users', [{ email: 'a', nope: 1 }])).rejects.toMatchObject({ code: 'NO_SUCH_COLUMN' });
    expect(() => t.querySync('users', { where: { column: 'nope', op: '=', value: 1 } })).toThrow(expect.objectContaining({ code: 'NO_SUCH_COLUMN' }));
    expect(() => t.querySync('users', { where: { column: 'age', op: 'near' as never, value: 1 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await t.dropTable('users');
    expect(t.listTables()).toEqual([]);
    await expect(t.dropTable('users')).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });
    await t.dropTable('users', { ifExists: true });
  });

  it('rejects bad definitions before writing anything', async () => {
    const t = await tables();
    await expect(t.createTable({ name: 'bad name', columns: [{ name: 'a', type: 'INT' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.createTable({ name: 'x', columns: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.createTable({ name: 'x', columns: [{ name: 'a', type: 'WHAT' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.createTable({ name: 'x', columns: [{ name: 'a', type: 'JSON', primary: true }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.createTable({ name: 'x', columns: [{ name: 'a', type: 'INT' }], primaryKey: ['b'] })).rejects.toMatchObject({ code: 'NO_SUCH_COLUMN' });
    expect(t.listTables()).toEqual([]);
  });
});

describe('tables: rows', () => {
  it('inserts with generated ids from 1, defaults and typed values; gets by primary key', async () => {
    const t = await tables();
    await users(t);
    const r = await t.insert('users', [{ email: 'a@x', age: 9 }, { email: 'b@x', age: 10 }]);
    expect(r).toEqual({ inserted: 2, ids: [1, 2] });
    expect(t.getSync('users', 1)).toEqual({ id: 1, email: 'a@x', age: 9, name: 'anon' });
    expect(await t.get('users', 3)).toBeUndefined();
    // Numbers compare as numbers: 9 < 10 (the seed compared strings).
    expect(byId(t.querySync('users', { where: { column: 'age', op: '<', value: 10 } }).rows)).toEqual([1]);
    expect(byId(t.querySync('users', { orderBy: [{ column: 'age', desc: true }] }).rows)).toEqual([2, 1]);
  });

  it('refuses duplicate primary and unique keys, naming the index, and writes nothing of the statement', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ id: 5, email: 'a@x' }]);
    await expect(t.insert('users', [{ id: 5, email: 'other' }])).rejects.toMatchObject({ code: 'DUPLICATE_KEY', index: 'PRIMARY' });
    await expect(t.insert('users', [{ email: 'b@x' }, { email: 'a@x' }])).rejects.toMatchObject({ code: 'DUPLICATE_KEY', index: 'email' });
    await expect(t.insert('users', [{ email: 'c@x' }, { email: 'c@x' }])).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    await expect(t.insert('users', [{ email: 'd@x' }, { email: 'x'.repeat(33) }])).rejects.toMatchObject({ code: 'CONSTRAINT' });
    await expect(t.insert('users', [{ email: 'e@x', name: null }])).rejects.toMatchObject({ code: 'CONSTRAINT' });
    await expect(t.insert('users', [{ email: 'f@x', age: 'old' }])).rejects.toMatchObject({ code: 'CONSTRAINT' });
    expect(await t.count('users')).toBe(1);
    // Generated ids continue past the explicit 5.
    expect((await t.insert('users', [{ email: 'g@x' }])).ids).toEqual([6]);
  });

  it('lets a unique column hold any number of NULLs', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: null }, { email: null }, { email: 'a' }]);
    expect(await t.count('users', { column: 'email', op: 'is-null' })).toBe(2);
  });

  it('keeps indexes exact through UPDATE and DELETE (no stale entries)', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: 'a', age: 1 }, { email: 'b', age: 2 }, { email: 'c', age: 2 }]);
    expect(await t.update('users', { column: 'age', op: '=', value: 2 }, { age: 3 })).toEqual({ updated: 2 });
    expect(byId(t.querySync('users', { where: { column: 'age', op: '=', value: 2 } }).rows)).toEqual([]);
    expect(byId(t.querySync('users', { where: { column: 'age', op: '=', value: 3 } }).rows)).toEqual([2, 3]);
    await t.update('users', { column: 'id', op: '=', value: 1 }, { email: 'z' });
    expect(t.querySync('users', { where: { column: 'email', op: '=', value: 'a' } }).rows).toEqual([]);
    expect(byId(t.querySync('users', { where: { column: 'email', op: '=', value: 'z' } }).rows)).toEqual([1]);
    await t.insert('users', [{ email: 'a' }]); // the old value is free again
    await expect(t.update('users', { column: 'id', op: '=', value: 2 }, { email: 'z' })).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    expect(await t.delete('users', { column: 'age', op: '=', value: 3 })).toEqual({ deleted: 2 });
    expect(t.querySync('users', { where: { column: 'age', op: '=', value: 3 } }).rows).toEqual([]);
    expect(t.querySync('users', { where: { column: 'email', op: '=', value: 'b' } }).rows).toEqual([]);
    // Every index entry left has its row: count through each index equals the table's count.
    const n = await t.count('users');
    expect(t.querySync('users', { where: { column: 'age', op: '>=', value: -1000 } }).rows.length + (await t.count('users', { column: 'age', op: 'is-null' }))).toBe(n);
  });

  it('moves a row when its primary key is updated', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: 'a', age: 7 }]);
    await t.update('users', { column: 'id', op: '=', value: 1 }, { id: 10 });
    expect(t.getSync('users', 1)).toBeUndefined();
    expect(t.getSync('users', 10)).toMatchObject({ email: 'a' });
    expect(byId(t.querySync('users', { where: { column: 'age', op: '=', value: 7 } }).rows)).toEqual([10]);
    expect(byId(t.querySync('users', { where: { column: 'email', op: '=', value: 'a' } }).rows)).toEqual([10]);
  });

  it('filters with LIKE (% and _, escapes, case-sensitive), IN, BETWEEN and three-valued NOT', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [
      { email: 'ada@x', age: 30 },
      { email: 'Ada@x', age: null },
      { email: 'a_b@x', age: 40 },
      { email: 'ab@x', age: 50 },
    ]);
    const ids = (where: object): unknown[] => byId(t.querySync('users', { where: where as never }).rows);
    expect(ids({ column: 'email', op: 'like', value: 'a%' })).toEqual([1, 3, 4]);
    expect(ids({ column: 'email', op: 'like', value: 'a_b@x' })).toEqual([3]);
    expect(ids({ column: 'email', op: 'like', value: '_b@x' })).toEqual([4]);
    expect(ids({ column: 'email', op: 'like', value: 'a\\_b%' })).toEqual([3]);
    expect(ids({ column: 'email', op: 'not-like', value: 'a%' })).toEqual([2]);
    expect(ids({ column: 'age', op: 'in', value: [30, 50, null] })).toEqual([1, 4]);
    expect(ids({ column: 'age', op: 'not-in', value: [30] })).toEqual([3, 4]);
    expect(ids({ column: 'age', op: 'between', value: [30, 40] })).toEqual([1, 3]);
    // NOT over an unknown stays unknown: the NULL age is in neither answer.
    expect(ids({ not: { column: 'age', op: '>', value: 35 } })).toEqual([1]);
    expect(ids({ or: [{ column: 'age', op: '=', value: 30 }, { column: 'email', op: '=', value: 'ab@x' }] })).toEqual([1, 4]);
    expect(ids({ column: 'age', op: '=', value: null })).toEqual([]);
  });

  it('orders, limits, offsets, projects and counts the total', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', Array.from({ length: 20 }, (_, i) => ({ email: `u${i}`, age: i % 4 })));
    const r = t.querySync('users', { where: { column: 'age', op: '=', value: 1 }, orderBy: [{ column: 'id', desc: true }], limit: 2, offset: 1, columns: ['id'], total: true });
    expect(r).toEqual({ rows: [{ id: 14 }, { id: 10 }], total: 5 });
    expect(await t.query('users', { where: { column: 'age', op: '=', value: 1 }, orderBy: [{ column: 'id', desc: true }], limit: 2, offset: 1, columns: ['id'], total: true })).toEqual(r);
    const streamed: unknown[] = [];
    for await (const row of t.scan('users', { where: { column: 'age', op: '>', value: 2 } })) streamed.push(row.id);
    expect(streamed).toEqual([4, 8, 12, 16, 20]);
  });

  it('runs transactions that see their own writes and write nothing when they throw', async () => {
    const t = await tables();
    await users(t);
    await t.transaction(async (tx) => {
      const { ids } = await tx.insert('users', [{ email: 'a' }]);
      expect(tx.getSync('users', ids[0])).toMatchObject({ email: 'a' });
      expect((await tx.query('users', { where: { column: 'email', op: '=', value: 'a' } })).rows).toHaveLength(1);
      await tx.update('users', { column: 'email', op: '=', value: 'a' }, { age: 4 });
    });
    expect(t.getSync('users', 1)).toMatchObject({ age: 4 });
    await expect(
      t.transaction(async (tx) => {
        await tx.insert('users', [{ email: 'b' }]);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await t.count('users')).toBe(1);
  });

  it('lets exactly one of two concurrent inserts of one unique value win', async () => {
    const t = await tables();
    await users(t);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        t.transaction(async (tx) => {
          const found = await tx.query('users', { where: { column: 'email', op: '=', value: 'same' } });
          await new Promise((r) => setImmediate(r));
          if (found.rows.length === 0) await tx.insert('users', [{ email: 'same' }]);
        }),
      ),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await t.count('users', { column: 'email', op: '=', value: 'same' })).toBe(1);
    const races = await Promise.allSettled([t.insert('users', [{ email: 'race' }]), t.insert('users', [{ email: 'race' }])]);
    expect(races.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(races.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.objectContaining({ code: 'DUPLICATE_KEY' }) });
  });

  it('supports composite primary keys and tables without one', async () => {
    const t = await tables();
    await t.createTable({
      name: 'pairs',
      columns: [
        { name: 'a', type: 'INT' },
        { name: 'b', type: 'VARCHAR' },
        { name: 'v', type: 'DOUBLE', nullable: true },
      ],
      primaryKey: ['a', 'b'],
    });
    await t.insert('pairs', [{ a: 1, b: 'x', v: 1.5 }, { a: 1, b: 'y' }, { a: 2, b: 'x' }]);
    expect(t.getSync('pairs', [1, 'y'])).toEqual({ a: 1, b: 'y', v: null });
    expect(t.explain('pairs', { where: { column: 'a', op: '=', value: 1 } }).access).toBe('pk-range');
    expect(t.querySync('pairs', { where: { column: 'a', op: '=', value: 1 } }).rows.map((r) => r.b)).toEqual(['x', 'y']);
    await expect(t.insert('pairs', [{ a: 1, b: 'x' }])).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    await t.createTable({ name: 'log', columns: [{ name: 'msg', type: 'TEXT' }] });
    await t.insert('log', [{ msg: 'b' }, { msg: 'a' }, { msg: 'b' }]);
    expect(t.querySync('log').rows.map((r) => r.msg)).toEqual(['b', 'a', 'b']);
    expect(await t.delete('log', { column: 'msg', op: '=', value: 'b' })).toEqual({ deleted: 2 });
  });
});

describe('tables: schema changes', () => {
  it('adds and drops columns without rewriting rows; old rows read the default', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: 'a' }]);
    await t.alterTable('users', { addColumn: { name: 'city', type: 'VARCHAR', default: 'Oslo' } });
    await expect(t.alterTable('users', { addColumn: { name: 'must', type: 'INT', nullable: false } })).rejects.toMatchObject({ code: 'CONSTRAINT' });
    expect(t.getSync('users', 1)).toMatchObject({ city: 'Oslo' });
    await t.alterTable('users', { dropColumn: 'age' });
    expect(t.getSync('users', 1)).toEqual({ id: 1, email: 'a', name: 'anon', city: 'Oslo' });
    expect(t.describeTable('users').indexes.map((i) => i.name)).toEqual(['email']);
    await expect(t.alterTable('users', { dropColumn: 'id' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('adds a unique column with its index in one step, or not at all', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: 'a' }, { email: 'b' }]);
    await expect(t.alterTable('users', { addColumn: { name: 'code', type: 'INT', unique: true, default: 7 } })).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    expect(t.describeTable('users').columns.map((c) => c.name)).not.toContain('code');
    await t.alterTable('users', { addColumn: { name: 'code', type: 'INT', unique: true } });
    expect(t.describeTable('users').indexes.find((i) => i.name === 'code')).toMatchObject({ unique: true, state: 'ready' });
    await t.update('users', { column: 'id', op: '=', value: 1 }, { code: 5 });
    await expect(t.update('users', { column: 'id', op: '=', value: 2 }, { code: 5 })).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
  });

  it('builds an index over existing rows; a unique build over duplicates fails and leaves no index', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', Array.from({ length: 700 }, (_, i) => ({ email: `u${i}`, age: i % 7, name: `n${i % 350}` })));
    await t.alterTable('users', { addIndex: { name: 'by_name', columns: ['name'] } });
    const plan = t.explain('users', { where: { column: 'name', op: '=', value: 'n3' } });
    expect(plan).toMatchObject({ access: 'index-eq', index: 'by_name' });
    expect(byId(t.querySync('users', { where: { column: 'name', op: '=', value: 'n3' } }).rows)).toEqual([4, 354]);
    await expect(t.alterTable('users', { addIndex: { name: 'u_name', columns: ['name'], unique: true } })).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    expect(t.describeTable('users').indexes.map((i) => i.name)).toEqual(['email', 'by_age', 'by_name']);
    await t.waitForBackgroundWork();
    await t.alterTable('users', { dropIndex: 'by_name' });
    expect(t.explain('users', { where: { column: 'name', op: '=', value: 'n3' } }).access).toBe('full-scan');
  });

  it('maintains an index from the start of its build, with writes going on', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', Array.from({ length: 2000 }, (_, i) => ({ email: `u${i}`, name: `n${i % 10}` })));
    const build = t.alterTable('users', { addIndex: { name: 'by_name', columns: ['name'] } });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      writes.push(t.insert('users', [{ email: `w${i}`, name: 'n1' }]));
      writes.push(t.update('users', { column: 'id', op: '=', value: i * 37 + 1 }, { name: 'moved' }));
    }
    await Promise.all([build, ...writes]);
    const viaIndex = byId(t.querySync('users', { where: { column: 'name', op: '=', value: 'n1' } }).rows);
    const viaScan = byId(t.querySync('users', { where: { and: [{ column: 'name', op: '>=', value: 'n1' }, { column: 'name', op: '<=', value: 'n1' }] } }).rows);
    expect(t.explain('users', { where: { column: 'name', op: '=', value: 'n1' } }).index).toBe('by_name');
    expect(viaIndex).toEqual(viaScan);
    expect(await t.count('users', { column: 'name', op: '=', value: 'moved' })).toBe(50);
  });

  it('truncates and drops in one catalog write; truncate restarts ids at 1', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: 'a' }, { email: 'b' }]);
    await t.truncateTable('users');
    expect(await t.count('users')).toBe(0);
    expect((await t.insert('users', [{ email: 'a' }])).ids).toEqual([1]);
    await t.waitForBackgroundWork();
    await t.dropTable('users');
    await t.waitForBackgroundWork();
    // Nothing of the table is left in the engine but the catalog's id counter.
    const left = [...t.db.iterator({ prefix: Buffer.from([0x01]) })].map(([k]) => k!.toString('hex'));
    expect(left.every((k) => k.startsWith('0100000000'))).toBe(true);
  });
});

describe('tables: reopen', () => {
  it('keeps tables, rows, indexes and auto-increment (never reusing an id) across a reopen', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    let t = await openTables('/db', { fs });
    await users(t);
    await t.insert('users', [{ email: 'a', age: 1 }, { email: 'b', age: 2 }, { email: 'c', age: 3 }]);
    await t.delete('users', { column: 'id', op: '=', value: 3 });
    await t.close();
    t = await openTables('/db', { fs });
    open_.push(t);
    expect(t.listTables()).toEqual(['users']);
    expect(t.explain('users', { where: { column: 'age', op: '=', value: 2 } }).index).toBe('by_age');
    expect(byId(t.querySync('users', { where: { column: 'age', op: '=', value: 2 } }).rows)).toEqual([2]);
    expect((await t.insert('users', [{ email: 'd' }])).ids).toEqual([4]);
    await expect(t.insert('users', [{ email: 'a' }])).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
  });

  it('never reuses the ids of deleted highest rows, with or without a primary key, after a reopen', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    let t = await openTables('/db', { fs });
    await users(t);
    await t.createTable({ name: 'log', columns: [{ name: 'a', type: 'INT' }] });
    await t.insert('users', [{ email: 'a', age: 1 }, { email: 'b', age: 2 }, { email: 'c', age: 2 }]);
    for (const a of [1, 2, 3]) await t.insert('log', [{ a }]);
    await t.delete('users', { column: 'age', op: '=', value: 2 });
    await t.delete('log', { column: 'a', op: '>=', value: 2 });
    await t.close();
    t = await openTables('/db', { fs });
    open_.push(t);
    expect((await t.insert('users', [{ email: 'd' }])).ids).toEqual([4]);
    // The hidden row ids of the deleted rows 2 and 3 are not drawn again.
    expect(t.ids.next(t.meta('log'))).toBe(4);
    await t.close();
    t = await openTables('/db', { fs });
    open_.push(t);
    expect((await t.insert('users', [{ email: 'e' }])).ids).toEqual([5]);
  });

  it('closes only an engine it opened', async () => {
    const db = await open({ inMemory: true });
    const t = await openTables({ db });
    await t.close();
    expect(db.isClosed).toBe(false);
    await db.close();
  });
});

describe('tables: key layout (docs/format.md "Key layout of the table layer")', () => {
  it('stores rows, unique and non-unique index entries and the id counter under the documented keys', async () => {
    const t = await tables();
    await t.createTable({
      name: 'u',
      columns: [
        { name: 'id', type: 'INT', primary: true, autoIncrement: true },
        { name: 'email', type: 'VARCHAR', unique: true },
        { name: 'age', type: 'INT' },
      ],
      indexes: [{ name: 'by_age', columns: ['age'] }],
    });
    await t.insert('u', [{ email: 'a', age: 30 }]);
    const keys = [...t.db.iterator({ prefix: Buffer.from('0100000001', 'hex') })].map(([k, v]) => [k!.toString('hex'), v!.toString('hex')]);
    expect(keys).toEqual([
      ['01000000010000' + '20bff0000000000000', expect.any(String)],
      ['01000000010001' + '30610001', '20bff0000000000000'],
      ['01000000010002' + '20c03e000000000000' + '20bff0000000000000', ''],
    ]);
    // The ids are the row keys: the last key is the mark until a delete writes the stored one.
    await t.insert('u', [{ email: 'b', age: 31 }]);
    await t.delete('u', { column: 'email', op: '=', value: 'b' });
    const mark = [...t.db.iterator({ prefix: Buffer.from('0100000001ffff', 'hex') })].map(([k, v]) => [k!.toString('hex'), v!.toString('hex')]);
    expect(mark).toEqual([['0100000001ffff', Buffer.from('2').toString('hex')]]);
    const catalog = [...t.db.iterator({ prefix: Buffer.from('0100000000', 'hex') })].map(([k]) => k!.toString('hex'));
    expect(catalog).toEqual(['010000000001' + Buffer.from('u').toString('hex'), '010000000002']);
  });
});

describe('tables: snapshot reads and streaming', () => {
  it('scan yields to the event loop between slices and sees one version while writes go on', async () => {
    const t = await tables();
    await users(t);
    const n = 3000;
    for (let b = 0; b < n / 1000; b++) await t.insert('users', Array.from({ length: 1000 }, (_, i) => ({ email: `u${b * 1000 + i}`, age: i % 5 })));
    let ticks = 0;
    let ticking = true;
    const tick = (): void => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    let wrote = false;
    for await (const row of t.scan('users', { columns: ['id'] })) {
      seen.push(row.id as number);
      if (!wrote) {
        wrote = true;
        // Writes after the scan began: a new row, a deleted row, a changed row.
        await t.insert('users', [{ email: 'late' }]);
        await t.delete('users', { column: 'id', op: '=', value: n });
        ticks = 0; // from here on only the scan's own slices let the ticker run
      }
    }
    ticking = false;
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(ticks).toBeGreaterThan(1);
    expect(await t.count('users')).toBe(n);
  });

  it('query() reads in slices too and returns what querySync returns', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', Array.from({ length: 2000 }, (_, i) => ({ email: `u${i}`, age: i % 3 })));
    let ticks = 0;
    let ticking = true;
    const tick = (): void => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const q = { where: { column: 'email' as const, op: 'like' as const, value: 'u1%' }, total: true };
    const viaAsync = await t.query('users', q);
    ticking = false;
    expect(viaAsync).toEqual(t.querySync('users', q));
    expect(viaAsync.total).toBe(1111);
    expect(ticks).toBeGreaterThan(1);
  });
});

describe('tables: DATE operands', () => {
  it('compares a DATE column with a time of day as MySQL does (the stored day at midnight)', async () => {
    const t = await tables();
    await t.createTable({ name: 'd', columns: [{ name: 'id', type: 'INT', primary: true }, { name: 'day', type: 'DATE' }], indexes: [{ name: 'by_day', columns: ['day'] }] });
    await t.insert('d', [{ id: 1, day: '2020-01-01' }, { id: 2, day: '2020-01-02T18:00:00Z' }]);
    expect(t.getSync('d', 2)!.day).toEqual(new Date('2020-01-02T00:00:00Z'));
    const ids = (where: object): unknown[] => t.querySync('d', { where: where as never }).rows.map((r) => r.id);
    expect(ids({ column: 'day', op: '<', value: '2020-01-01T12:00:00Z' })).toEqual([1]);
    expect(ids({ column: 'day', op: '=', value: '2020-01-01T12:00:00Z' })).toEqual([]);
    expect(ids({ column: 'day', op: '=', value: '2020-01-02' })).toEqual([2]);
    expect(ids({ column: 'day', op: '>', value: '2020-01-01T00:00:00.001Z' })).toEqual([2]);
  });
});

describe('tables: statement size', () => {
  it('fails a statement larger than one engine transaction with TXN_TOO_BIG and writes nothing', async () => {
    const t = await tables(await open({ inMemory: true, memTableSize: 64 * 1024 }));
    await users(t);
    const rows = Array.from({ length: 2000 }, (_, i) => ({ email: `user${i}@example.com`, age: i }));
    await expect(t.insert('users', rows)).rejects.toMatchObject({ code: 'TXN_TOO_BIG' });
    expect(await t.count('users')).toBe(0);
    await t.insert('users', rows.slice(0, 100));
    await expect(t.update('users', undefined, { name: 'x'.repeat(400) })).rejects.toMatchObject({ code: 'TXN_TOO_BIG' });
    expect(await t.count('users', { column: 'name', op: '=', value: 'anon' })).toBe(100);
    // Ids the failed statement drew were given back: the first row got id 1.
    expect(t.getSync('users', 1)).toMatchObject({ email: 'user0@example.com' });
  });
});

describe('tables: rename and caller-run transactions', () => {
  it('renames a table in one catalog write, keeping rows, indexes and ids', async () => {
    const t = await tables();
    await users(t);
    await t.insert('users', [{ email: 'a', age: 3 }]);
    await t.renameTable('users', 'people');
    expect(t.listTables()).toEqual(['people']);
    expect(t.querySync('people', { where: { column: 'age', op: '=', value: 3 } }).rows).toHaveLength(1);
    expect((await t.insert('people', [{ email: 'b' }])).ids).toEqual([2]);
    await users(t);
    await expect(t.renameTable('people', 'users')).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    await expect(t.renameTable('nope', 'x')).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });
    expect(t.getSyncSized('people', 1)).toMatchObject({ row: { email: 'a' }, bytes: expect.any(Number) });
  });

  it('begin() gives a transaction the caller commits or rolls back', async () => {
    const t = await tables();
    await users(t);
    const tx = t.begin();
    await tx.insert('users', [{ email: 'a' }]);
    expect(tx.getSync('users', 1)).toMatchObject({ email: 'a' });
    expect(t.getSync('users', 1)).toBeUndefined();
    await tx.commit();
    expect(t.getSync('users', 1)).toMatchObject({ email: 'a' });
    await expect(tx.commit()).rejects.toMatchObject({ code: 'CLOSED' });
    const rolled = t.begin();
    await rolled.insert('users', [{ email: 'b' }]);
    rolled.rollback();
    expect(await t.count('users')).toBe(1);
    expect((await t.insert('users', [{ email: 'c' }])).ids).toEqual([2]);
    const a = t.begin();
    const b = t.begin();
    a.getSync('users', 1);
    b.getSync('users', 1);
    await a.update('users', { column: 'id', op: '=', value: 1 }, { age: 1 });
    await b.update('users', { column: 'id', op: '=', value: 1 }, { age: 2 });
    await a.commit();
    await expect(b.commit()).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(t.getSync('users', 1)).toMatchObject({ age: 1 });
  });
});
