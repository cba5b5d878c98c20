// BadgerDataSource's maintenance calls (seed 000's MaintenanceManager): GC, compaction, stats,
// backup and restore.
import { describe, expect, it } from 'vitest';
import { ManualClock } from 'sett';
import { BadgerDataSource, NotConnectedError } from '../../../examples/sqlexec/index.js';
import { tempDir, track, USERS } from './helpers.js';

async function withUsers(options: object, clock?: ManualClock): Promise<BadgerDataSource> {
  const ds = track(new BadgerDataSource({ name: 'persistent', options, ...(clock === undefined ? {} : { clock }) }));
  await ds.connect();
  await ds.createTable(USERS);
  await ds.insert('users', [
    { name: 'Alice', email: 'alice@example.com', age: 30 },
    { name: 'Bob', email: 'bob@example.com', age: 25 },
  ]);
  return ds;
}

describe('BadgerDataSource maintenance', () => {
  it('refuses maintenance calls before connect with "not connected"', async () => {
    const ds = new BadgerDataSource();
    for (const [operation, call] of [
      ['runGC', () => ds.runGC()],
      ['compact', () => ds.compact()],
      ['stats', () => ds.stats()],
      ['backup', () => ds.backup('/tmp/none')],
      ['restore', () => ds.restore('/tmp/none')],
    ] as const) {
      await expect(call(), operation).rejects.toThrow(NotConnectedError);
      await expect(call(), operation).rejects.toMatchObject({ message: 'not connected', operation });
    }
  });

  it('runGC and compact run on the engine and stamp their time on the injected clock', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ds = await withUsers({ data_dir: tempDir(), value_threshold: 16 }, clock);
    expect((await ds.stats()).lastGCTime).toBeNull();
    expect((await ds.stats()).lastCompactionTime).toBeNull();
    // Values over 16 bytes go to the value log; overwrite them so it holds garbage.
    for (let i = 0; i < 3; i++) await ds.update('users', [], { name: `a name longer than sixteen bytes, round ${i}` });
    expect(await ds.runGC()).toBeGreaterThanOrEqual(0);
    expect((await ds.stats()).lastGCTime).toEqual(new Date(1_700_000_000_000));
    await expect(ds.runGC(1.5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    clock.advance(5_000);
    expect((await ds.stats()).lsmSize).toBe(0); // all still in the memtable
    await ds.compact();
    const s = await ds.stats();
    expect(s.lastCompactionTime).toEqual(new Date(1_700_000_005_000));
    expect(s.lsmSize).toBeGreaterThan(0);
    expect(s.vlogSize).toBeGreaterThan(0);
    expect(s.diskUsage).toBeGreaterThanOrEqual(s.lsmSize + s.vlogSize);
    expect((await ds.query('users', { orderBy: 'id' })).rows.map((r) => r.name)).toEqual([
      'a name longer than sixteen bytes, round 2',
      'a name longer than sixteen bytes, round 2',
    ]);
  });

  it('stats counts tables and keys; in memory uses no disk', async () => {
    const ds = await withUsers({});
    await ds.createTable({ name: 'empty', columns: [{ name: 'id', type: 'INT', primary: true }] });
    const s = await ds.stats();
    expect(s.tableCount).toBe(2);
    // Two rows and their email index entries, beside the catalog's keys.
    expect(s.keyCount).toBeGreaterThanOrEqual(4);
    expect(s.diskUsage).toBe(0);
    await ds.insert('users', [{ name: 'Carol', email: 'c@example.com' }]);
    expect((await ds.stats()).keyCount).toBe(s.keyCount + 2);
  });

  it('restore replaces every table with the backup: later tables gone, rows and ids back', async () => {
    const ds = await withUsers({ data_dir: tempDir() });
    const file = `${tempDir()}/users.bak`;
    expect(await ds.backup(file)).toBeGreaterThan(0);
    await ds.delete('users', [{ field: 'name', operator: '=', value: 'Alice' }]);
    await ds.insert('users', [{ name: 'Later' }]);
    await ds.createTable({ name: 'later', columns: [{ name: 'id', type: 'INT', primary: true }] });
    await ds.restore(file);
    expect(await ds.getTables()).toEqual(['users']);
    expect((await ds.query('users')).rows.map((r) => r.name)).toEqual(['Alice', 'Bob']);
    await ds.insert('users', [{ name: 'Carol' }]);
    expect((await ds.query('users', { filters: [{ field: 'name', operator: '=', value: 'Carol' }] })).rows[0]!.id).toBe(3);
    // Into another, in-memory source as well.
    const other = track(new BadgerDataSource());
    await other.connect();
    await other.restore(file);
    expect((await other.query('users')).total).toBe(2);
  });

  it('a missing backup file fails before anything is dropped', async () => {
    const ds = await withUsers({ data_dir: tempDir() });
    await expect(ds.restore(`${tempDir()}/missing.bak`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await ds.query('users')).total).toBe(2);
  });

  it('keeps rows across close and reopen with sync_writes and zstd compression', async () => {
    const dir = tempDir();
    const ds = await withUsers({ data_dir: dir, sync_writes: true, compression: 2, num_memtables: 2, base_table_size: 65536 });
    await ds.compact();
    await ds.close();
    const again = track(new BadgerDataSource({ options: { data_dir: dir, compression: 0 } }));
    await again.connect();
    expect((await again.query('users')).rows.map((r) => r.email)).toEqual(['alice@example.com', 'bob@example.com']);
  });
});
