// HybridDataSource's own calls (seed 004): per-table persistence, migrations, the row cache
// and the counters, with settings kept across a restart.
import { describe, expect, it } from 'vitest';
import { HybridDataSource, NotConnectedError } from '../../../examples/sqlexec/index.js';
import { tempDir, track } from './helpers.js';

const ORDERS = {
  name: 'orders',
  columns: [
    { name: 'id', type: 'INT', primary: true, autoIncrement: true },
    { name: 'item', type: 'VARCHAR' },
  ],
};

async function hybrid(options: object): Promise<HybridDataSource> {
  const ds = track(new HybridDataSource({ type: 'hybrid', name: 'mydb', writable: true, options }));
  await ds.connect();
  return ds;
}

describe('HybridDataSource', () => {
  it('refuses its own calls before connect with "not connected"', async () => {
    const ds = new HybridDataSource({ options: { data_dir: tempDir() } });
    const calls: [string, () => unknown][] = [
      ['enablePersistence', () => ds.enablePersistence('t')],
      ['disablePersistence', () => ds.disablePersistence('t')],
      ['getPersistenceConfig', () => ds.getPersistenceConfig('t')],
      ['listPersistentTables', () => ds.listPersistentTables()],
      ['migrateToPersistent', () => ds.migrateToPersistent('t')],
      ['loadToMemory', () => ds.loadToMemory('t')],
      ['stats', () => ds.stats()],
    ];
    for (const [operation, call] of calls) {
      const err = await (async () => call())().catch((e: unknown) => e);
      expect(err, operation).toBeInstanceOf(NotConnectedError);
      expect(err).toMatchObject({ message: 'not connected', operation });
    }
  });

  it('routes tables per their setting; settings and persistent rows survive a restart, memory tables do not', async () => {
    const dir = tempDir();
    const ds = await hybrid({ data_dir: dir, default_persistent: false });
    await ds.createTable({ name: 'cache_data', columns: [{ name: 'id', type: 'INT', primary: true }, { name: 'value', type: 'TEXT' }] });
    expect(ds.getPersistenceConfig('cache_data')).toEqual({ tableName: 'cache_data', persistent: false, syncOnWrite: false, cacheInMemory: false });
    await ds.enablePersistence('important_data', { syncOnWrite: true, cacheInMemory: true });
    expect(ds.getPersistenceConfig('important_data')).toEqual({ tableName: 'important_data', persistent: true, syncOnWrite: true, cacheInMemory: true });
    await ds.createTable({ ...ORDERS, name: 'important_data' });
    await ds.insert('important_data', [{ item: 'kept' }]);
    await ds.insert('cache_data', [{ id: 1, value: 'lost' }]);
    expect(ds.listPersistentTables()).toEqual(['important_data']);
    await expect(async () => ds.getPersistenceConfig('nope')).rejects.toMatchObject({ code: 'NO_SUCH_TABLE' });
    await ds.close();

    await ds.connect();
    expect(await ds.getTables()).toEqual(['important_data']);
    expect(ds.getPersistenceConfig('important_data')).toEqual({ tableName: 'important_data', persistent: true, syncOnWrite: true, cacheInMemory: true });
    expect((await ds.query('important_data')).rows).toEqual([{ id: 1, item: 'kept' }]);
  });

  it('enable/disable persistence change routing only: a table holding rows must migrate', async () => {
    const ds = await hybrid({ data_dir: tempDir() });
    await ds.createTable(ORDERS);
    await ds.enablePersistence('orders'); // empty: moves as its definition
    expect(ds.getPersistenceConfig('orders').persistent).toBe(true);
    await ds.disablePersistence('orders');
    expect(ds.getPersistenceConfig('orders').persistent).toBe(false);
    await ds.insert('orders', [{ item: 'a' }, { item: 'b' }]);
    await expect(ds.enablePersistence('orders')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('migrateToPersistent') });
    await ds.migrateToPersistent('orders');
    expect(ds.getPersistenceConfig('orders').persistent).toBe(true);
    expect((await ds.query('orders')).total).toBe(2);
    await expect(ds.disablePersistence('orders')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('loadToMemory') });
    await ds.loadToMemory('orders');
    expect(ds.getPersistenceConfig('orders').persistent).toBe(false);
    expect((await ds.query('orders', { orderBy: 'id', order: 'DESC' })).rows.map((r) => r.item)).toEqual(['b', 'a']);
  });

  it('counts reads and writes per side with the seed names; a cached table serves id reads from memory', async () => {
    const ds = await hybrid({ data_dir: tempDir(), cache: { max_size_mb: 1 } });
    await ds.createTable({ ...ORDERS, name: 'mem' });
    await ds.enablePersistence('orders', { cacheInMemory: true });
    await ds.createTable(ORDERS);
    await ds.insert('mem', [{ item: 'x' }]);
    await ds.insert('orders', [{ item: 'y' }, { item: 'z' }]);
    let s = ds.stats();
    expect(s).toMatchObject({ memoryWrites: 3, badgerWrites: 2, totalWrites: 5, memoryTables: 1, persistentTables: 1 }); // a cached write counts both sides
    await ds.query('mem');
    await ds.query('orders', { filters: [{ field: 'id', operator: '=', value: 1 }] }); // cache hit: the insert cached it
    await ds.query('orders', { filters: [{ field: 'item', operator: '=', value: 'z' }] }); // not a key read: disk
    s = ds.stats();
    expect(s).toMatchObject({ memoryReads: 2, badgerReads: 1, totalReads: 3, cacheHits: 1 });
    expect(s.cacheBytes).toBeGreaterThan(0);
  });

  it('cache.enabled false: a cacheInMemory table reads disk', async () => {
    const ds = await hybrid({ data_dir: tempDir(), 'cache.enabled': false });
    await ds.enablePersistence('orders', { cacheInMemory: true });
    await ds.createTable(ORDERS);
    await ds.insert('orders', [{ item: 'y' }]);
    await ds.query('orders', { filters: [{ field: 'id', operator: '=', value: 1 }] });
    expect(ds.stats()).toMatchObject({ cacheHits: 0, cacheBytes: 0, badgerReads: 1 });
  });

  it('without data_dir there is no disk side: persistence calls are refused, tables live in memory', async () => {
    const ds = await hybrid({ default_persistent: true });
    expect(ds.hasDisk).toBe(false);
    await ds.createTable(ORDERS);
    expect(ds.getPersistenceConfig('orders').persistent).toBe(false);
    await expect(ds.enablePersistence('x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ds.migrateToPersistent('orders')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(ds.listPersistentTables()).toEqual([]);
  });

  it('default_persistent sends new tables to disk', async () => {
    const ds = await hybrid({ data_dir: tempDir(), default_persistent: true });
    await ds.createTable(ORDERS);
    expect(ds.getPersistenceConfig('orders')).toMatchObject({ persistent: true });
  });
});
