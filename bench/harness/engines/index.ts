// The engines the harness can compare, by name. Each is imported only when asked for, so a child
// process measuring one engine does not also map the others' native libraries into its RSS.

import type { Engine, EngineName } from './engine.js';

export { ENGINE_NAMES, type Durability, type Engine, type EngineName, type OpenSettings, type ScanResult } from './engine.js';

export interface EngineSettings {
  /** How long a native engine's background thread must stay quiet to count as settled. */
  quietMs: number;
}

export async function createEngine(name: EngineName, settings: EngineSettings): Promise<Engine> {
  switch (name) {
    case 'sett':
      return new (await import('./sett.js')).SettEngine();
    case 'leveldb':
      return new (await import('./leveldb.js')).LevelDbEngine(settings.quietMs);
    case 'rocksdb':
      return new (await import('./rocksdb.js')).RocksDbEngine(settings.quietMs);
    case 'lmdb':
      return new (await import('./lmdb.js')).LmdbEngine();
  }
}

/** Report names, without loading any engine's package. */
export const ENGINE_LABELS: Readonly<Record<EngineName, string>> = { sett: 'sett', leveldb: 'LevelDB', rocksdb: 'RocksDB', lmdb: 'LMDB' };
