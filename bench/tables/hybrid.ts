// The hybrid layer (`sett/hybrid`, TABLES.md §3) on the bench:tables workload, every call through
// the `Hybrid` object as an application makes it (routing, table gates, counters and the row
// cache included), the same schema as sett.ts:
// - `hybrid-memory`: `openHybrid({ enableDisk: false })`, the users table in memory — beside
//   SQLite `:memory:`;
// - `hybrid-cached`: `openHybrid({ dataDir, cache: { maxSizeMb: CACHE_MAX_MB } })` with the users
//   table persistent and `cacheInMemory: true`; `hybrid-uncached`: the same options, the table
//   persistent without `cacheInMemory` — the row cache comparison. Both keep the disk engine's
//   default options (syncWrites false, no syncOnWrite), as sett.ts does.

import { DEFAULT_OPTIONS } from '../../src/index.js';
import { openHybrid, type Hybrid } from '../../src/hybrid/index.js';
import type { CacheCounters, Durability, TableEngine } from './engine.js';
import { USERS, USERS_TABLE, UsersOperations, type TableApi } from './users-table.js';
import { CACHE_MAX_MB, TABLE_ENGINE_LABELS, type Operation } from './plan.js';

const TABLE = USERS;
const MiB = 1024 * 1024;

export type HybridMode = 'hybrid-memory' | 'hybrid-cached' | 'hybrid-uncached';

export class HybridTableEngine extends UsersOperations implements TableEngine {
  readonly label: string;
  readonly provider: string;
  readonly durability: Durability;
  readonly memory: string;
  readonly apis: Record<Operation, string> = {
    insert: 'await h.insert(users, rows1000)',
    'get-cold': 'h.getSync(users, id)',
    'get-prepass': 'h.getSync(users, id)',
    get: 'h.getSync(users, id)',
    'get-async': 'await h.get(users, id)',
    'unique-get': 'h.querySync(users, { where: email = v })',
    'index-eq': 'h.querySync(users, { where: age = v, orderBy: id, limit: 10 })',
    update: 'await h.update(users, id = v, { city })',
    'insert-single': 'await h.insert(users, [row])',
    'scan-filter': 'h.querySync(users, { where: city = v })',
  };
  private h: Hybrid | undefined;

  constructor(readonly name: HybridMode) {
    super();
    this.label = TABLE_ENGINE_LABELS[name];
    const memoryEngine =
      `memtables ${DEFAULT_OPTIONS.memTableSize / MiB} MiB (up to ${DEFAULT_OPTIONS.numMemtables}), ` +
      `block cache ${DEFAULT_OPTIONS.blockCacheSize / MiB} MiB (the defaults)`;
    if (name === 'hybrid-memory') {
      this.provider = 'sett/hybrid (this checkout): openHybrid({ enableDisk: false }), users in memory';
      this.durability = { setting: 'memory table (enableDisk: false)', meaning: 'none: an inMemory sett engine, gone when the process exits' };
      this.memory = `the whole table in an inMemory sett engine (${memoryEngine})`;
    } else {
      const cached = name === 'hybrid-cached';
      this.provider =
        `sett/hybrid (this checkout): openHybrid({ dataDir, cache: { maxSizeMb: ${CACHE_MAX_MB} } }), ` +
        `enablePersistence(users, { cacheInMemory: ${cached} }), default engine options`;
      this.durability = DEFAULT_OPTIONS.syncWrites
        ? { setting: 'syncWrites: true (default), syncOnWrite: false', meaning: 'fdatasync of the WAL per commit group before a write resolves' }
        : {
            setting: 'syncWrites: false (default), syncOnWrite: false',
            meaning: "the disk engine's WAL record is written to the OS, not fsynced: survives a process kill, a power loss may drop the last commits",
          };
      this.memory = cached ? `row cache ${CACHE_MAX_MB} MiB (LRU) over the disk engine's ${memoryEngine}` : `no row cache: the disk engine's ${memoryEngine}`;
    }
  }

  async open(dir: string): Promise<void> {
    const h =
      this.name === 'hybrid-memory'
        ? await openHybrid({ enableDisk: false })
        : await openHybrid({ dataDir: dir, cache: { maxSizeMb: CACHE_MAX_MB } });
    try {
      // Persistence set before the table exists: createTable puts it on disk.
      if (this.name !== 'hybrid-memory') await h.enablePersistence(TABLE, { cacheInMemory: this.name === 'hybrid-cached' });
      await h.createTable(USERS_TABLE);
      const config = h.getPersistenceConfig(TABLE);
      const want = this.name !== 'hybrid-memory';
      if (config.persistent !== want || config.cacheInMemory !== (this.name === 'hybrid-cached')) {
        throw new Error(`${this.name}: users table came out ${JSON.stringify(config)}`);
      }
    } catch (e) {
      await h.close();
      throw e;
    }
    this.h = h;
  }

  /** Flushes and compactions of the engine the table lives in (the layer's own waitForBackgroundWork covers DDL only). */
  async settle(): Promise<void> {
    const h = this.hybrid();
    await h.waitForBackgroundWork();
    await (this.name === 'hybrid-memory' ? h.memory : h.disk!).db.waitForBackgroundWork();
  }

  cacheStats(): CacheCounters {
    const s = this.hybrid().stats();
    return { hits: s.cacheHits, misses: s.cacheMisses, evictions: s.cacheEvictions, bytes: s.cacheBytes };
  }

  async close(): Promise<void> {
    const h = this.h;
    this.h = undefined;
    await h?.close();
  }

  describe(): unknown {
    const h = this.h;
    if (h === undefined) return {};
    const t = this.name === 'hybrid-memory' ? h.memory : h.disk!;
    const s = t.db.stats();
    return {
      persistence: h.getPersistenceConfig(TABLE),
      hybridStats: h.stats(),
      plans: this.plans(),
      levels: s.levels.filter((l) => l.tables > 0),
      files: s.files,
      valueLog: s.valueLog,
    };
  }

  protected api(): TableApi {
    return this.hybrid();
  }

  private hybrid(): Hybrid {
    if (this.h === undefined) throw new Error(`${this.name} is not open`);
    return this.h;
  }
}
