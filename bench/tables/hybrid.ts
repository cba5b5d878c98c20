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
import type { Row as TableRow } from '../../src/table/index.js';
import type { UserRow } from './data.js';
import type { CacheCounters, Durability, Row, TableEngine } from './engine.js';
import { CACHE_MAX_MB, TABLE_ENGINE_LABELS, type Operation } from './plan.js';

const TABLE = 'users';
const MiB = 1024 * 1024;

export type HybridMode = 'hybrid-memory' | 'hybrid-cached' | 'hybrid-uncached';

export class HybridTableEngine implements TableEngine {
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
      await h.createTable({
        name: TABLE,
        columns: [
          { name: 'id', type: 'INT', primary: true, autoIncrement: true },
          { name: 'name', type: 'VARCHAR', length: 64 },
          { name: 'email', type: 'VARCHAR', length: 255, unique: true },
          { name: 'age', type: 'INT' },
          { name: 'city', type: 'VARCHAR', length: 64 },
        ],
        indexes: [{ name: 'by_age', columns: ['age'] }],
      });
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

  async insertBatch(rows: UserRow[]): Promise<number> {
    const { ids } = await this.hybrid().insert(TABLE, rows as unknown as TableRow[]);
    return Number(ids[ids.length - 1]);
  }

  get(id: number): Row | undefined {
    return this.hybrid().getSync(TABLE, id);
  }

  readonly getAsync = (id: number): Promise<Row | undefined> => this.hybrid().get(TABLE, id);

  byEmail(email: string): Row | undefined {
    return this.hybrid().querySync(TABLE, { where: { column: 'email', op: '=', value: email } }).rows[0];
  }

  byAge(age: number, limit: number): Row[] {
    return this.hybrid().querySync(TABLE, { where: { column: 'age', op: '=', value: age }, orderBy: [{ column: 'id' }], limit }).rows;
  }

  async updateCity(id: number, city: string): Promise<number> {
    return (await this.hybrid().update(TABLE, { column: 'id', op: '=', value: id }, { city })).updated;
  }

  async insertOne(row: UserRow): Promise<number> {
    return Number((await this.hybrid().insert(TABLE, [row as unknown as TableRow])).ids[0]);
  }

  filterCity(city: string): number {
    return this.hybrid().querySync(TABLE, { where: { column: 'city', op: '=', value: city } }).rows.length;
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
      plans: {
        get: h.explain(TABLE, { where: { column: 'id', op: '=', value: 1 } }),
        uniqueGet: h.explain(TABLE, { where: { column: 'email', op: '=', value: 'x' } }),
        indexEq: h.explain(TABLE, { where: { column: 'age', op: '=', value: 40 }, orderBy: [{ column: 'id' }], limit: 10 }),
        scanFilter: h.explain(TABLE, { where: { column: 'city', op: '=', value: 'x' } }),
      },
      levels: s.levels.filter((l) => l.tables > 0),
      files: s.files,
      valueLog: s.valueLog,
    };
  }

  private hybrid(): Hybrid {
    if (this.h === undefined) throw new Error(`${this.name} is not open`);
    return this.h;
  }
}
