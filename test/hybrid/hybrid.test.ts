import { afterEach, describe, expect, it } from 'vitest';
import { FaultFS } from '../../src/index.js';
import { openHybrid, type Hybrid, type HybridOptions } from '../../src/hybrid/index.js';
import type { ColumnDef } from '../../src/table/index.js';

const opened: Hybrid[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close();
});

async function hybrid(options: HybridOptions = {}, fs = new FaultFS({ durableMkdir: true })): Promise<Hybrid> {
  const h = await openHybrid({ dataDir: '/db', ...options, engine: { fs, ...options.engine } });
  opened.push(h);
  return h;
}

const columns: ColumnDef[] = [
  { name: 'id', type: 'INT', primary: true, autoIncrement: true },
  { name: 'name', type: 'VARCHAR', length: 64 },
  { name: 'n', type: 'INT', nullable: true },
];

describe('hybrid: routing', () => {
  it('keeps new tables in memory by default, and creates a table on disk once persistence is enabled for it', async () => {
    const h = await hybrid();
    await h.createTable({ name: 'm', columns });
    await h.enablePersistence('d', { syncOnWrite: true });
    await h.createTable({ name: 'd', columns });
    expect(h.getPersistenceConfig('m')).toEqual({ table: 'm', persistent: false, syncOnWrite: false, cacheInMemory: false });
    expect(h.getPersistenceConfig('d')).toEqual({ table: 'd', persistent: true, syncOnWrite: true, cacheInMemory: false });
    expect(h.listPersistentTables()).toEqual(['d']);
    expect(h.listTables()).toEqual(['d', 'm']);
    expect(() => h.getPersistenceConfig('nope')).toThrow(expect.objectContaining({ code: 'NO_SUCH_TABLE' }));
    // The router: each side's engine holds only its own tables.
    expect(h.memory.listTables()).toEqual(['m']);
    expect(h.disk!.listTables()).toEqual(['d']);
    await expect(h.createTable({ name: 'm', columns })).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
  });

  it('runs the same CRUD, indexes and planner on both sides', async () => {
    const h = await hybrid({ defaultPersistent: true });
    await h.createTable({ name: 'd', columns, indexes: [{ name: 'by_n', columns: ['n'] }] });
    await h.disablePersistence('m');
    await h.createTable({ name: 'm', columns, indexes: [{ name: 'by_n', columns: ['n'] }] });
    for (const t of ['d', 'm']) {
      expect((await h.insert(t, [{ name: 'a', n: 10 }, { name: 'b', n: 9 }])).ids).toEqual([1, 2]);
      expect(h.querySync(t, { where: { column: 'n', op: '<', value: 10 } }).rows.map((r) => r.name)).toEqual(['b']);
      expect(h.explain(t, { where: { column: 'n', op: '=', value: 9 } }).index).toBe('by_n');
      expect(await h.update(t, { column: 'name', op: '=', value: 'a' }, { n: 1 })).toEqual({ updated: 1 });
      expect(await h.delete(t, { column: 'id', op: '=', value: 2 })).toEqual({ deleted: 1 });
      expect(await h.count(t)).toBe(1);
      const streamed = [];
      for await (const row of h.scan(t)) streamed.push(row);
      expect(streamed).toEqual([{ id: 1, name: 'a', n: 1 }]);
      await h.truncateTable(t);
      expect(await h.count(t)).toBe(0);
      expect((await h.insert(t, [{ name: 'c' }])).ids).toEqual([1]);
    }
    expect(h.getPersistenceConfig('d').persistent).toBe(true);
    expect(h.getPersistenceConfig('m').persistent).toBe(false);
  });

  it('never hides rows: enabling or disabling persistence on a table with rows names the migration', async () => {
    const h = await hybrid();
    await h.createTable({ name: 'm', columns });
    await h.insert('m', [{ name: 'a' }]);
    await expect(h.enablePersistence('m')).rejects.toThrow(/migrateToPersistent\('m'\)/);
    expect(h.getPersistenceConfig('m').persistent).toBe(false);
    await h.enablePersistence('d');
    await h.createTable({ name: 'd', columns });
    await h.insert('d', [{ name: 'a' }]);
    await expect(h.disablePersistence('d')).rejects.toThrow(/loadToMemory\('d'\)/);
    // An empty table moves as its definition.
    await h.createTable({ name: 'e', columns, indexes: [{ name: 'by_n', columns: ['n'] }] });
    await h.enablePersistence('e');
    expect(h.disk!.listTables()).toContain('e');
    expect(h.describeTable('e').indexes.map((i) => i.name)).toEqual(['by_n']);
  });

  it('refuses every call after close', async () => {
    const h = await openHybrid({ enableDisk: false });
    await h.createTable({ name: 'm', columns });
    await h.close();
    expect(() => h.getSync('m', 1)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await expect(h.insert('m', [{ name: 'a' }])).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => h.listTables()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await h.close();
  });

  it('runs everything in memory with enableDisk: false', async () => {
    const h = await openHybrid({ enableDisk: false, defaultPersistent: true });
    opened.push(h);
    await h.createTable({ name: 'm', columns });
    expect(h.getPersistenceConfig('m').persistent).toBe(false);
    await expect(h.enablePersistence('m')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('hybrid: the memory engine', () => {
  it("flushes and compacts on a worker thread unless engine.executor is 'inline'", { timeout: 30_000 }, async () => {
    for (const executor of [undefined, 'inline'] as const) {
      const h = await hybrid({ enableDisk: false, engine: { memTableSize: 64 * 1024, ...(executor === undefined ? {} : { executor }) } });
      await h.createTable({ name: 'm', columns });
      for (let i = 0; i < 20; i++) {
        await h.insert('m', Array.from({ length: 100 }, (_, j) => ({ name: `row ${i * 100 + j}`.padEnd(60, '.'), n: j })));
      }
      const threads = h.memory.db.stats().backgroundThreads;
      await h.memory.db.waitForBackgroundWork();
      expect(h.memory.db.stats().counters.flushes).toBeGreaterThan(0);
      if (executor === undefined) expect(threads).toBeGreaterThan(0);
      else expect(threads).toBe(0);
      expect(await h.count('m')).toBe(2000);
      expect(h.getSync('m', 1234)?.name).toBe('row 1233'.padEnd(60, '.'));
    }
  });

  it('takes engine.idleCompactionDelay (off by default), and checks it', async () => {
    const off = await hybrid({ enableDisk: false });
    expect(off.memory.db.options.idleCompactionDelay).toBe(0);
    await off.close();
    const on = await hybrid({ enableDisk: false, engine: { idleCompactionDelay: 250 } });
    expect(on.memory.db.options.idleCompactionDelay).toBe(250);
    await on.close();
    await expect(hybrid({ enableDisk: false, engine: { idleCompactionDelay: -5 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('hybrid: restart', () => {
  it('restores settings and disk rows; memory tables are gone', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const h = await openHybrid({ dataDir: '/db', engine: { fs } });
    await h.createTable({ name: 'm', columns });
    await h.insert('m', [{ name: 'a' }]);
    await h.enablePersistence('d', { cacheInMemory: true, syncOnWrite: true });
    await h.enablePersistence('later');
    await h.createTable({ name: 'd', columns });
    await h.insert('d', [{ name: 'x' }]);
    await h.close();
    const again = await hybrid({}, fs);
    expect(again.listTables()).toEqual(['d']);
    expect(again.getPersistenceConfig('d')).toEqual({ table: 'd', persistent: true, syncOnWrite: true, cacheInMemory: true });
    expect(again.listPersistentTables()).toEqual(['d', 'later']);
    expect(again.getSync('d', 1)).toEqual({ id: 1, name: 'x', n: null });
    await again.createTable({ name: 'later', columns });
    expect(again.disk!.listTables()).toContain('later');
  });
});

describe('hybrid: transactions', () => {
  it('commits the disk part, then the memory part; a throw leaves both untouched', async () => {
    const h = await hybrid();
    await h.createTable({ name: 'm', columns });
    await h.enablePersistence('d');
    await h.createTable({ name: 'd', columns });
    await h.transaction(async (tx) => {
      await tx.insert('m', [{ name: 'a' }]);
      await tx.insert('d', [{ name: 'b' }]);
      expect(tx.getSync('m', 1)).toMatchObject({ name: 'a' });
      expect((await tx.query('d')).rows).toHaveLength(1);
      expect(h.getSync('d', 1)).toBeUndefined();
    });
    expect(h.getSync('m', 1)).toMatchObject({ name: 'a' });
    expect(h.getSync('d', 1)).toMatchObject({ name: 'b' });
    await expect(
      h.transaction(async (tx) => {
        await tx.insert('m', [{ name: 'c' }]);
        await tx.update('d', { column: 'id', op: '=', value: 1 }, { name: 'changed' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await h.count('m')).toBe(1);
    expect(h.getSync('d', 1)).toMatchObject({ name: 'b' });
  });

  it('re-runs on a disk conflict, so concurrent read-modify-writes add up', async () => {
    const h = await hybrid();
    await h.enablePersistence('d');
    await h.createTable({ name: 'd', columns });
    await h.insert('d', [{ name: 'counter', n: 0 }]);
    await Promise.all(
      Array.from({ length: 10 }, () =>
        h.transaction(async (tx) => {
          const row = tx.getSync('d', 1)!;
          await new Promise((r) => setImmediate(r));
          await tx.update('d', { column: 'id', op: '=', value: 1 }, { n: (row.n as number) + 1 });
        }),
      ),
    );
    expect(h.getSync('d', 1)!.n).toBe(10);
  });
});

describe('hybrid: stats', () => {
  it('counts rows read and written on each side; totals add up', async () => {
    const h = await hybrid();
    await h.createTable({ name: 'm', columns });
    await h.enablePersistence('d');
    await h.createTable({ name: 'd', columns });
    await h.enablePersistence('c', { cacheInMemory: true });
    await h.createTable({ name: 'c', columns });
    await h.insert('m', [{ name: 'a' }, { name: 'b' }]); // 2 memory writes
    await h.insert('d', [{ name: 'a' }]); // 1 disk write
    await h.insert('c', [{ name: 'a' }]); // dual: 1 disk + 1 memory
    h.getSync('m', 1); // memory read
    h.querySync('d'); // 1 disk read (rows)
    h.getSync('c', 1); // cache hit: memory read
    h.getSync('m', 99); // no row: nothing read
    const s = h.stats();
    expect(s).toMatchObject({ memoryWrites: 3, diskWrites: 2, totalWrites: 5, memoryReads: 2, diskReads: 1, totalReads: 3, cacheHits: 1, memoryTables: 1, persistentTables: 2 });
    expect(s.cacheBytes).toBeGreaterThan(0);
  });
});

describe('hybrid: row cache', () => {
  async function cachedTable(options: HybridOptions, rows: number): Promise<Hybrid> {
    const h = await hybrid(options);
    await h.enablePersistence('c', { cacheInMemory: true });
    await h.createTable({ name: 'c', columns });
    await h.insert('c', Array.from({ length: rows }, (_, i) => ({ name: `row${i}`.padEnd(60, '.') })));
    return h;
  }

  it('holds its bound under a workload larger than it', async () => {
    const maxSizeMb = 4096 / (1024 * 1024); // 4 KiB: about 60 rows of ~67 bytes
    const h = await cachedTable({ cache: { maxSizeMb } }, 500);
    for (let i = 0; i < 3000; i++) {
      expect(h.getSync('c', 1 + ((i * 7919) % 500))).toBeDefined();
      expect(h.stats().cacheBytes).toBeLessThanOrEqual(4096);
    }
    const s = h.stats();
    expect(s.cacheEvictions).toBeGreaterThan(0);
    expect(s.cacheMisses).toBeGreaterThan(0);
    expect(s.cacheHits + s.cacheMisses).toBe(3000);
  });

  it('evicts the least recently used row with lru, the least frequently used with lfu', async () => {
    for (const policy of ['lru', 'lfu'] as const) {
      // Room for three rows of this size.
      const probe = await cachedTable({ cache: { maxSizeMb: 1 } }, 1);
      const bytes = probe.stats().cacheBytes;
      const h = await cachedTable({ cache: { maxSizeMb: (3 * bytes + 1) / (1024 * 1024), evictionPolicy: policy } }, 4);
      h.cache!.clear();
      h.getSync('c', 1);
      h.getSync('c', 1);
      h.getSync('c', 1); // 1: used often, long ago
      h.getSync('c', 2);
      h.getSync('c', 3);
      h.getSync('c', 4); // evicts 1 under lru, 2 under lfu
      const before = h.stats().cacheHits;
      h.getSync('c', 1);
      expect(h.stats().cacheHits - before).toBe(policy === 'lru' ? 0 : 1);
    }
  });

  it('serves primary-key reads from the cache after a miss fills it, and refreshes rows written through it', async () => {
    const h = await cachedTable({}, 3);
    h.cache!.clear();
    expect(h.getSync('c', '2')).toMatchObject({ name: expect.stringMatching(/^row1/) }); // miss
    expect(h.getSync('c', 2)).toMatchObject({ name: expect.stringMatching(/^row1/) }); // hit, whatever the key's spelling
    expect(h.stats()).toMatchObject({ cacheHits: 1, cacheMisses: 1 });
    await h.update('c', { column: 'id', op: '=', value: 2 }, { name: 'new' });
    expect(h.getSync('c', 2)).toMatchObject({ name: 'new' });
    await h.update('c', { column: 'name', op: '=', value: 'new' }, { n: 5 });
    expect(h.getSync('c', 2)).toMatchObject({ name: 'new', n: 5 });
    await h.delete('c', { column: 'id', op: '=', value: 2 });
    expect(h.getSync('c', 2)).toBeUndefined();
  });

  it('leaves the cache unchanged when the disk write fails', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const h = await hybrid({}, fs);
    await h.enablePersistence('c', { cacheInMemory: true });
    await h.createTable({ name: 'c', columns });
    await h.insert('c', [{ name: 'before' }]);
    expect(h.getSync('c', 1)).toMatchObject({ name: 'before' });
    fs.injectFault({ op: 'append', path: /\.mem$/, errno: 'EIO', sticky: true });
    await expect(h.update('c', { column: 'id', op: '=', value: 1 }, { name: 'after' })).rejects.toMatchObject({ code: 'IO_ERROR' });
    const hitsBefore = h.stats().cacheHits;
    expect(h.getSync('c', 1)).toMatchObject({ name: 'before' });
    expect(h.stats().cacheHits).toBe(hitsBefore + 1);
  });
});

describe('hybrid: migrations', () => {
  it('moves a table to disk and back with its rows, indexes and settings', async () => {
    const h = await hybrid();
    await h.createTable({ name: 't', columns, indexes: [{ name: 'by_n', columns: ['n'] }] });
    await h.insert('t', Array.from({ length: 2500 }, (_, i) => ({ name: `r${i}`, n: i % 7 })));
    await h.migrateToPersistent('t');
    expect(h.getPersistenceConfig('t').persistent).toBe(true);
    expect(h.memory.listTables()).toEqual([]);
    expect(await h.count('t')).toBe(2500);
    expect(h.explain('t', { where: { column: 'n', op: '=', value: 3 } }).index).toBe('by_n');
    expect(await h.count('t', { column: 'n', op: '=', value: 3 })).toBe(357);
    await h.loadToMemory('t');
    expect(h.getPersistenceConfig('t').persistent).toBe(false);
    expect(h.disk!.listTables()).toEqual([]);
    expect(await h.count('t')).toBe(2500);
    expect(h.getSync('t', 2500)).toMatchObject({ name: 'r2499' });
  });

  it('holds writes to the table until the migration switched, so none is lost', async () => {
    const h = await hybrid();
    await h.createTable({ name: 't', columns });
    await h.insert('t', Array.from({ length: 3000 }, (_, i) => ({ name: `r${i}` })));
    const migration = h.migrateToPersistent('t');
    const writes = Array.from({ length: 20 }, (_, i) => h.insert('t', [{ name: `w${i}` }]));
    await Promise.all([migration, ...writes]);
    expect(await h.count('t')).toBe(3020);
    expect(h.getPersistenceConfig('t').persistent).toBe(true);
  });
});

describe('hybrid: caller-run transactions', () => {
  it('begin() commits the disk part, then the memory part, when the caller says; rollback writes nothing', async () => {
    const h = await hybrid();
    await h.createTable({ name: 'm', columns });
    await h.enablePersistence('d');
    await h.createTable({ name: 'd', columns });
    const tx = h.begin();
    await tx.insert('m', [{ name: 'a' }]);
    await tx.insert('d', [{ name: 'b' }]);
    expect(h.getSync('d', 1)).toBeUndefined();
    await tx.commit();
    expect(h.getSync('m', 1)).toMatchObject({ name: 'a' });
    expect(h.getSync('d', 1)).toMatchObject({ name: 'b' });
    const rolled = h.begin();
    await rolled.insert('m', [{ name: 'c' }]);
    await rolled.delete('d', undefined);
    rolled.rollback();
    rolled.rollback();
    expect(await h.count('m')).toBe(1);
    expect(await h.count('d')).toBe(1);
  });
});

describe('hybrid: drop across a crash', () => {
  it('finishes at open a drop whose setting was marked but whose table was not yet dropped', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const h = await openHybrid({ dataDir: '/db', engine: { fs } });
    await h.enablePersistence('x', { syncOnWrite: true });
    await h.createTable({ name: 'x', columns });
    await h.insert('x', [{ name: 'a' }]);
    // What a crash between the marker and the drop leaves: the marker, and the whole table.
    await h.disk!.db.put(Buffer.concat([Buffer.of(0x02), Buffer.from('x')]), JSON.stringify({ format: 1, persistent: true, syncOnWrite: true, cacheInMemory: false, dropping: true }));
    await h.close();
    const again = await hybrid({}, fs);
    expect(again.listTables()).toEqual([]);
    expect(again.listPersistentTables()).toEqual([]);
    expect(() => again.getPersistenceConfig('x')).toThrow(expect.objectContaining({ code: 'NO_SUCH_TABLE' }));
  });
});
