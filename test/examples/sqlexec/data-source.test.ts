// The behaviour both data sources share, run against each: connection rules, DDL, DML,
// QueryOptions, transactions, JSON export/import and reopening from disk.
import { describe, expect, it } from 'vitest';
import { isSettError } from 'sett';
import { NotConnectedError, ImportError } from '../../../examples/sqlexec/index.js';
import { SOURCES, tempDir, USERS, type AnySource } from './helpers.js';

async function seeded(make: (dir?: string) => AnySource, dir?: string): Promise<AnySource> {
  const ds = make(dir);
  await ds.connect();
  await ds.createTable(USERS);
  await ds.insert('users', [
    { name: 'Alice', email: 'alice@example.com', age: 30 },
    { name: 'Bob', email: 'bob@example.com', age: 25 },
    { name: 'Carol', email: null, age: null },
    { name: 'Dave', email: 'dave@example.com', age: 41 },
  ]);
  return ds;
}

function codeOf(e: unknown): string | undefined {
  return isSettError(e) ? e.code : undefined;
}

describe.each(SOURCES)('$kind data source', ({ make }) => {
  it('refuses every call before connect with NotConnectedError "not connected"', async () => {
    const ds = make();
    const calls: [string, () => unknown][] = [
      ['getTables', () => ds.getTables()],
      ['getTableInfo', () => ds.getTableInfo('users')],
      ['createTable', () => ds.createTable(USERS)],
      ['dropTable', () => ds.dropTable('users')],
      ['truncateTable', () => ds.truncateTable('users')],
      ['insert', () => ds.insert('users', [{ name: 'x' }])],
      ['query', () => ds.query('users')],
      ['update', () => ds.update('users', [], { age: 1 })],
      ['delete', () => ds.delete('users', [])],
      ['exportData', () => ds.exportData()],
      ['importData', () => ds.importData({ version: '1.0', exported_at: '', tables: {} })],
      ['beginTransaction', () => ds.beginTransaction()],
    ];
    for (const [operation, call] of calls) {
      const err = await (async () => call())().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, operation).toBeInstanceOf(NotConnectedError);
      expect((err as NotConnectedError).message).toBe('not connected');
      expect((err as NotConnectedError).operation).toBe(operation);
      expect((err as NotConnectedError).code).toBe('CLOSED');
    }
    expect(ds.isConnected()).toBe(false);
    await ds.close(); // closing a source never connected does nothing
  });

  it('connect twice is one connection; after close calls fail again and connect reopens', async () => {
    const ds = make();
    await Promise.all([ds.connect(), ds.connect()]);
    await ds.connect();
    expect(ds.isConnected()).toBe(true);
    await ds.createTable(USERS);
    await ds.close();
    await expect(ds.query('users')).rejects.toBeInstanceOf(NotConnectedError);
    await ds.connect();
    expect(await ds.getTables()).toEqual([]); // in memory: a new, empty database
  });

  it('creates, describes, truncates (auto-increment back to 1) and drops tables', async () => {
    const ds = await seeded(make);
    expect(await ds.getTables()).toEqual(['users']);
    const info = await ds.getTableInfo('users');
    expect(info.columns.map((c) => [c.name, c.type, c.primary, c.nullable])).toEqual([
      ['id', 'INT', true, false],
      ['name', 'VARCHAR', false, false],
      ['email', 'VARCHAR', false, true],
      ['age', 'INT', false, true],
    ]);
    expect(info.columns[2]!.unique).toBe(true);
    await expect(ds.createTable(USERS)).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    await ds.truncateTable('users');
    expect((await ds.query('users')).rows).toEqual([]);
    await ds.insert('users', [{ name: 'Eve' }]);
    expect((await ds.query('users')).rows).toEqual([{ id: 1, name: 'Eve', email: null, age: null }]);
    await ds.dropTable('users');
    expect(await ds.getTables()).toEqual([]);
    await expect(ds.query('users')).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });
    await expect(ds.dropTable('users')).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });
  });

  it('inserts with generated ids, updates and deletes by filters, counting matched rows', async () => {
    const ds = await seeded(make);
    const all = await ds.query('users');
    expect(all.rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(all.total).toBe(4);
    expect(all.columns.map((c) => c.name)).toEqual(['id', 'name', 'email', 'age']);
    expect(await ds.insert('users', [])).toBe(0);
    expect(await ds.update('users', [{ field: 'age', operator: '>=', value: 30 }], { age: 50 })).toBe(2);
    expect((await ds.query('users', { filters: [{ field: 'age', operator: '=', value: 50 }] })).rows.map((r) => r.name)).toEqual(['Alice', 'Dave']);
    expect(await ds.delete('users', [{ field: 'email', operator: 'IS NULL' }])).toBe(1);
    expect(await ds.update('users', undefined, { age: 1 })).toBe(3);
    expect(await ds.delete('users', [])).toBe(3);
    expect((await ds.query('users')).rows).toEqual([]);
  });

  it('a failing insert writes no row of its statement (duplicate unique value)', async () => {
    const ds = await seeded(make);
    const err = await ds.insert('users', [{ name: 'X', email: 'x@example.com' }, { name: 'Y', email: 'alice@example.com' }]).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('DUPLICATE_KEY');
    expect((await ds.query('users')).total).toBe(4);
  });

  it('applies QueryOptions: order by ASC/DESC, limit, offset, select columns', async () => {
    const ds = await seeded(make);
    const names = async (o: Parameters<AnySource['query']>[1]): Promise<unknown[]> => (await ds.query('users', o)).rows.map((r) => r.name);
    expect(await names({ orderBy: 'name', order: 'DESC' })).toEqual(['Dave', 'Carol', 'Bob', 'Alice']);
    expect(await names({ orderBy: 'age' })).toEqual(['Carol', 'Bob', 'Alice', 'Dave']); // NULL first ascending
    expect(await names({ orderBy: 'age', order: 'desc' })).toEqual(['Dave', 'Alice', 'Bob', 'Carol']);
    const page = await ds.query('users', { orderBy: 'id', limit: 2, offset: 1 });
    expect(page.rows.map((r) => r.id)).toEqual([2, 3]);
    expect(page.total).toBe(2); // the page's rows, as the seed's Total
    expect((await ds.query('users', { offset: 3 })).rows.map((r) => r.id)).toEqual([4]);
    expect((await ds.query('users', { limit: 0 })).rows).toHaveLength(4); // 0: no limit, as the seed
    const narrow = await ds.query('users', { selectColumns: ['name', 'id'], filters: [{ field: 'id', operator: '=', value: 2 }] });
    expect(narrow.rows).toEqual([{ name: 'Bob', id: 2 }]);
    expect(narrow.columns.map((c) => c.name)).toEqual(['name', 'id']);
    const star = await ds.query('users', { selectAll: true, selectColumns: ['name'], limit: 1 });
    expect(Object.keys(star.rows[0]!)).toEqual(['id', 'name', 'email', 'age']);
    await expect(ds.query('users', { limit: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ds.query('users', { offset: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ds.query('users', { orderBy: 'name', order: 'UP' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ds.query('users', { orderBy: 'nope' })).rejects.toMatchObject({ code: 'NO_SUCH_COLUMN' });
    await expect(ds.query('users', { selectColumns: ['nope'] })).rejects.toMatchObject({ code: 'NO_SUCH_COLUMN' });
  });

  it('a primary-key point query (the get() path) answers as a query would', async () => {
    const ds = await seeded(make);
    const q = (o: Parameters<AnySource['query']>[1]) => ds.query('users', o);
    expect((await q({ filters: [{ field: 'id', operator: '=', value: 2 }] })).rows).toEqual([{ id: 2, name: 'Bob', email: 'bob@example.com', age: 25 }]);
    expect(await q({ filters: [{ field: 'id', operator: '==', value: '3' }], selectColumns: ['age', 'name'] })).toMatchObject({ rows: [{ age: null, name: 'Carol' }], total: 1 });
    expect(await q({ filters: [{ field: 'id', operator: '=', value: 99 }] })).toMatchObject({ rows: [], total: 0 });
    expect((await q({ filters: [{ field: 'id', operator: '=', value: 2 }], offset: 1 })).rows).toEqual([]);
    await expect(q({ filters: [{ field: 'id', operator: '=', value: 'abc' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(q({ filters: [{ field: 'id', operator: '=', value: 2 }], selectColumns: ['nope'] })).rejects.toMatchObject({ code: 'NO_SUCH_COLUMN' });
  });

  it('a transaction sees its own writes and commits them together; rollback writes nothing', async () => {
    const ds = await seeded(make);
    const tx = ds.beginTransaction();
    expect(await tx.insert('users', [{ name: 'Eve', age: 22 }])).toBe(1);
    expect(await tx.update('users', [{ field: 'name', operator: '=', value: 'Bob' }], { age: 26 })).toBe(1);
    expect((await tx.query('users', { filters: [{ field: 'age', operator: '<', value: 27 }], orderBy: 'age' })).rows.map((r) => r.name)).toEqual(['Eve', 'Bob']);
    expect((await ds.query('users')).total).toBe(4); // not visible outside before commit
    await tx.commit();
    expect((await ds.query('users')).total).toBe(5);
    const rolled = ds.beginTransaction();
    expect(await rolled.delete('users', [])).toBe(5);
    rolled.rollback();
    expect((await ds.query('users')).total).toBe(5);
  });

  it('exports JSON and imports it in create, replace and append modes', async () => {
    const ds = await seeded(make);
    const exported = await ds.exportData();
    expect(exported.version).toBe('1.0');
    expect(exported.tables.users!.row_count).toBe(4);
    expect(exported.tables.users!.schema!.columns.map((c) => c.name)).toEqual(['id', 'name', 'email', 'age']);
    const text = JSON.stringify(exported);

    // create: fails over an existing table, works into an empty database
    await expect(ds.importData(text)).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    const other = make();
    await other.connect();
    expect(await other.importData(text, { mode: 'create', batchSize: 3 })).toEqual({ tables: 1, rows: 4 });
    expect((await other.query('users')).rows).toEqual((await ds.query('users')).rows);
    expect(await other.insert('users', [{ name: 'Next' }])).toBe(1);
    expect((await other.query('users', { filters: [{ field: 'name', operator: '=', value: 'Next' }] })).rows[0]!.id).toBe(5); // counter past the imported ids

    // replace: the table becomes the export's, rows and all
    expect(await other.importData(exported, { mode: 'replace' })).toEqual({ tables: 1, rows: 4 });
    expect((await other.query('users')).total).toBe(4);

    // append: rows added to the existing table (ids dropped so they are generated again)
    const appended = { ...exported, tables: { users: { ...exported.tables.users!, schema: undefined, rows: exported.tables.users!.rows!.map(({ id: _id, email: _e, ...r }) => r) } } };
    expect(await other.importData(appended, { mode: 'append' })).toEqual({ tables: 1, rows: 4 });
    expect((await other.query('users')).total).toBe(8);
    await other.dropTable('users');
    await expect(other.importData(appended, { mode: 'append' })).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });

    // a schema-only export creates empty tables
    const third = make();
    await third.connect();
    await third.importData(await ds.exportData({ includeData: false }));
    expect((await third.query('users')).rows).toEqual([]);
    await expect(third.importData(text, { mode: 'merge' as never })).rejects.toBeInstanceOf(ImportError);
    await expect(third.importData('{not json')).rejects.toBeInstanceOf(ImportError);
    await expect(third.importData({ version: '9', exported_at: '', tables: {} })).rejects.toBeInstanceOf(ImportError);
  });

  it('round-trips BIGINT, DATE, BLOB, DECIMAL, BOOL and JSON values through a JSON file', async () => {
    const ds = make();
    await ds.connect();
    await ds.createTable({
      name: 'v',
      columns: [
        { name: 'id', type: 'BIGINT', primary: true },
        { name: 'd', type: 'DATETIME' },
        { name: 'b', type: 'BLOB' },
        { name: 'm', type: 'DECIMAL', precision: 10, scale: 2 },
        { name: 'f', type: 'BOOL' },
        { name: 'j', type: 'JSON' },
      ],
    });
    const row = { id: 9007199254740993n, d: new Date('2024-02-03T04:05:06.789Z'), b: Buffer.from([0, 1, 255]), m: '12.50', f: true, j: { a: [1, 'x'] } };
    await ds.insert('v', [row]);
    const file = `${tempDir()}/export.json`;
    await ds.exportToFile(file);
    const other = make();
    await other.connect();
    expect(await other.importFromFile(file)).toEqual({ tables: 1, rows: 1 });
    expect((await other.query('v')).rows).toEqual([row]);
  });

  it('a source reopened from its directory keeps its tables and rows', async () => {
    const dir = tempDir();
    const ds = await seeded(make, dir);
    await ds.update('users', [{ field: 'name', operator: '=', value: 'Bob' }], { age: 26 });
    await ds.close();
    const again = make(dir);
    await again.connect();
    expect(await again.getTables()).toEqual(['users']);
    const rows = (await again.query('users', { orderBy: 'id' })).rows;
    expect(rows.map((r) => [r.id, r.name, r.age])).toEqual([
      [1, 'Alice', 30],
      [2, 'Bob', 26],
      [3, 'Carol', null],
      [4, 'Dave', 41],
    ]);
    expect(await again.insert('users', [{ name: 'Eve' }])).toBe(1);
    expect((await again.query('users', { orderBy: 'id', order: 'DESC', limit: 1 })).rows[0]!.id).toBe(5);
  });
});
