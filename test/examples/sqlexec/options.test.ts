// The seeds' option names mapped onto sett's open options and openHybrid's, and refused when bad.
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { badgerOpenOptions, BadgerDataSource, hybridOpenOptions, HybridDataSource, OptionError } from '../../../examples/sqlexec/index.js';
import { tempDir, track, USERS } from './helpers.js';

function optionErrorOf(f: () => unknown): OptionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OptionError);
    expect((e as OptionError).code).toBe('INVALID_ARGUMENT');
    return e as OptionError;
  }
  throw new Error('no error');
}

describe('BadgerDataSource options', () => {
  it('maps every seed option onto sett open options', () => {
    const key = new Uint8Array(32).fill(7);
    expect(
      badgerOpenOptions({ data_dir: '/d', sync_writes: true, value_threshold: 64, num_memtables: 3, base_table_size: 1 << 20, compression: 2, encryption_key: key }),
    ).toEqual({ dir: '/d', options: { syncWrites: true, valueThreshold: 64, numMemtables: 3, baseTableSize: 1 << 20, compression: 'zstd', encryptionKey: key } });
    expect(badgerOpenOptions({ data_dir: '/d', compression: 0 }).options.compression).toBe('none');
    expect(badgerOpenOptions({ data_dir: '/d', compression: 1 }).options.compression).toBe('snappy');
    expect(badgerOpenOptions({ data_dir: '/d' })).toEqual({ dir: '/d', options: {} }); // sett's defaults are the seed's
  });

  it('an empty or absent data_dir, or in_memory, means in memory', () => {
    expect(badgerOpenOptions({ data_dir: '' })).toEqual({ dir: undefined, options: { inMemory: true } });
    expect(badgerOpenOptions(undefined)).toEqual({ dir: undefined, options: { inMemory: true } });
    expect(badgerOpenOptions({ data_dir: '/d', in_memory: true })).toEqual({ dir: undefined, options: { inMemory: true } });
    expect(new BadgerDataSource({ options: { data_dir: '' } }).inMemory).toBe(true);
    expect(new BadgerDataSource({ options: { data_dir: '/x' } }).inMemory).toBe(false);
  });

  it('refuses bad values and unknown names with OptionError naming the option', () => {
    const cases: [object, string][] = [
      [{ compression: 3 }, 'compression'],
      [{ compression: 'zstd' }, 'compression'],
      [{ sync_writes: 'yes' }, 'sync_writes'],
      [{ in_memory: 1 }, 'in_memory'],
      [{ num_memtables: 0 }, 'num_memtables'],
      [{ value_threshold: -1 }, 'value_threshold'],
      [{ base_table_size: 1.5 }, 'base_table_size'],
      [{ data_dir: 5 }, 'data_dir'],
      [{ encryption_key: new Uint8Array(10) }, 'encryption_key'],
      [{ encryption_key: 'secret-secret-16' }, 'encryption_key'],
      [{ sync_write: true }, 'sync_write'],
    ];
    for (const [options, option] of cases) {
      const e = optionErrorOf(() => new BadgerDataSource({ options: options as never }));
      expect(e.option, JSON.stringify(options)).toBe(option);
      expect(e.message).toContain(option);
    }
    expect(optionErrorOf(() => new BadgerDataSource({ options: [] as never })).option).toBe('options');
    expect(optionErrorOf(() => new BadgerDataSource({ type: 'mysql' })).option).toBe('type');
    expect(optionErrorOf(() => new BadgerDataSource({ writable: 'yes' as never })).option).toBe('writable');
    expect(optionErrorOf(() => new BadgerDataSource({ name: 3 as never })).option).toBe('name');
    expect(new BadgerDataSource({ type: 'badger', name: 'persistent', writable: true }).name).toBe('persistent');
  });

  it('a value only sett can judge (num_memtables over 64) fails at connect with INVALID_ARGUMENT', async () => {
    const ds = track(new BadgerDataSource({ options: { num_memtables: 100 } }));
    await expect(ds.connect()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('numMemtables') });
    expect(ds.isConnected()).toBe(false);
  });

  it('in memory writes no file; with data_dir the engine lives there', async () => {
    const mem = track(new BadgerDataSource({ options: { data_dir: '' } }));
    await mem.connect();
    await mem.createTable(USERS);
    await mem.insert('users', [{ name: 'a' }]);
    expect((await mem.query('users')).total).toBe(1);
    const dir = `${tempDir()}/db`;
    const disk = track(new BadgerDataSource({ options: { data_dir: dir, sync_writes: true, compression: 2, value_threshold: 16 } }));
    await disk.connect();
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toContain('MANIFEST');
  });

  it('encryption_key encrypts at rest: reopening without it or with another key fails', async () => {
    const dir = tempDir();
    const key = new Uint8Array(16).fill(1);
    const ds = track(new BadgerDataSource({ options: { data_dir: dir, encryption_key: key } }));
    await ds.connect();
    await ds.createTable(USERS);
    await ds.insert('users', [{ name: 'secret' }]);
    await ds.close();
    const wrong = track(new BadgerDataSource({ options: { data_dir: dir, encryption_key: new Uint8Array(16).fill(2) } }));
    await expect(wrong.connect()).rejects.toMatchObject({ code: 'WRONG_KEY' });
    const none = track(new BadgerDataSource({ options: { data_dir: dir } }));
    await expect(none.connect()).rejects.toMatchObject({ code: 'WRONG_KEY' });
    await ds.connect();
    expect((await ds.query('users')).rows[0]!.name).toBe('secret');
  });
});

describe('HybridDataSource options', () => {
  it('maps seed 004 options onto openHybrid, nested or dotted cache names', () => {
    expect(hybridOpenOptions({ data_dir: '/d', default_persistent: true, cache: { enabled: false, max_size_mb: 8, eviction_policy: 'lfu' }, sync_writes: true })).toEqual({
      enableDisk: true,
      dataDir: '/d',
      defaultPersistent: true,
      engine: { syncWrites: true },
      cache: { enabled: false, maxSizeMb: 8, evictionPolicy: 'lfu' },
    });
    expect(hybridOpenOptions({ data_dir: '/d', 'cache.max_size_mb': 1, 'cache.eviction_policy': 'lru', 'cache.enabled': true }).cache).toEqual({ enabled: true, maxSizeMb: 1, evictionPolicy: 'lru' });
    expect(hybridOpenOptions({ data_dir: '/d', enable_badger: false })).toMatchObject({ enableDisk: false });
    expect(hybridOpenOptions({ data_dir: '/d', enable_badger: false }).dataDir).toBeUndefined();
    // An empty data_dir means no disk side, as an empty data_dir means in memory for Badger.
    expect(hybridOpenOptions({})).toMatchObject({ enableDisk: false, defaultPersistent: false });
    expect(new HybridDataSource({ options: { data_dir: '' } }).hasDisk).toBe(false);
  });

  it('refuses bad values and unknown names with OptionError', () => {
    const cases: [object, string][] = [
      [{ default_persistent: 'no' }, 'default_persistent'],
      [{ enable_badger: 0 }, 'enable_badger'],
      [{ 'cache.eviction_policy': 'fifo' }, 'cache.eviction_policy'],
      [{ cache: { max_size_mb: -1 } }, 'cache.max_size_mb'],
      [{ cache: { enabled: 'yes' } }, 'cache.enabled'],
      [{ cache: { size: 1 } }, 'cache.size'],
      [{ in_memory: true }, 'in_memory'],
      [{ compression: 9 }, 'compression'],
    ];
    for (const [options, option] of cases) expect(optionErrorOf(() => new HybridDataSource({ options: options as never })).option, JSON.stringify(options)).toBe(option);
    expect(optionErrorOf(() => new HybridDataSource({ type: 'badger' })).option).toBe('type');
  });
});
