import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Logger } from 'sett';
import { ConfigError, KVStore, defaultConfig, openOptionsFor, type KVStoreConfig } from '../../../examples/kv-store/index.js';
import { tempDir } from './helpers.js';

describe('kv-store configuration', () => {
  it('refuses a missing config with the seed message "config cannot be nil", as a typed error', async () => {
    for (const missing of [undefined, null]) {
      const err = await KVStore.open(missing as unknown as KVStoreConfig).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as ConfigError).message).toBe('config cannot be nil');
      expect((err as ConfigError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('refuses an empty path, a bad logging level, numVersionsToKeep and syncWrites', () => {
    const bad: [Partial<KVStoreConfig>, RegExp][] = [
      [{ path: '' }, /path cannot be empty/],
      [{ path: 'x', loggingLevel: 4 as 3 }, /loggingLevel must be 0 \(DEBUG\)/],
      [{ path: 'x', loggingLevel: -1 as 0 }, /loggingLevel/],
      [{ path: 'x', numVersionsToKeep: 0 }, /numVersionsToKeep must be a positive integer, got 0/],
      [{ path: 'x', numVersionsToKeep: 1.5 }, /numVersionsToKeep/],
      [{ path: 'x', syncWrites: 'yes' as unknown as boolean }, /syncWrites must be a boolean/],
    ];
    for (const [config, message] of bad) {
      expect(() => openOptionsFor(config as KVStoreConfig)).toThrow(ConfigError);
      expect(() => openOptionsFor(config as KVStoreConfig)).toThrow(message);
    }
  });

  it('defaults: syncWrites true, ERROR logging, one version (the seed DefaultConfig)', () => {
    expect(defaultConfig('/d')).toEqual({ path: '/d', syncWrites: true, loggingLevel: 3, numVersionsToKeep: 1 });
    const { path, options } = openOptionsFor({ path: '/d' });
    expect(path).toBe('/d');
    expect(options).toMatchObject({ syncWrites: true, loggingLevel: 'error', numVersionsToKeep: 1 });
  });

  it('maps the seed logging levels 0..3 onto sett levels and passes the logger through', () => {
    const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const levels = [0, 1, 2, 3].map((l) => openOptionsFor({ path: 'x', loggingLevel: l as 0, logger }).options);
    expect(levels.map((o) => o.loggingLevel)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(levels[0]!.logger).toBe(logger);
  });

  it('openPath opens with the defaults and the data survives a reopen', async () => {
    const dir = tempDir();
    const store = await KVStore.openPath(dir);
    await store.put('user:1', 'alice@example.com');
    await store.close();
    const again = await KVStore.open({ path: dir, syncWrites: false, loggingLevel: 1 });
    expect((await again.get('user:1')).value?.toString()).toBe('alice@example.com');
    await again.close();
  });

  it('numVersionsToKeep reaches the engine: compaction keeps that many versions of a key', async () => {
    const store = await KVStore.open({ path: tempDir(), syncWrites: false, numVersionsToKeep: 3 });
    for (let i = 0; i < 6; i++) await store.put('k', `v${i}`);
    await store.engine.flatten();
    const versions = [...store.engine.iterator({ allVersions: true })].map(([, v]) => v!.toString());
    expect(versions).toEqual(['v5', 'v4', 'v3']);
    await store.close();
  });
});
