// `Hybrid`: every table method of the table layer, routed per table to a memory engine or a disk
// engine (TABLES.md §3, after seed 004). Both sides are the same table layer (`sett/table`) over
// a sett engine — the memory one `inMemory` — so types, indexes, the planner and transactions are
// the same everywhere. Routing: a table the disk catalog holds is persistent; any other table is
// in memory; a table not yet created goes where its setting (or `defaultPersistent`) says.

import { ClosedError, InvalidArgumentError, open, type DB } from '../index.js';
import { NoSuchTableError, openTables, TableExistsError, type AlterTableOptions, type CreateTableOptions, type Plan, type QueryOptions, type QueryResult, type Row, type TableInfo, type Tables, type Where } from '../table/index.js';
import { ConfigStore, type TableSetting } from './config-store.js';
import { HybridTransaction } from './hybrid-transaction.js';
import { copyTable, definitionOf, MIGRATION_PREFIX } from './migrate.js';
import { RowCache } from './row-cache.js';
import { HybridCounters } from './stats.js';
import { TableGates } from './table-gates.js';
import type { HybridOptions, HybridStats, PersistenceConfig, PersistenceOptions } from './types.js';

/** Bytes in the MiB of `cache.maxSizeMb`. */
const MIB = 1024 * 1024;

export type Side = 'memory' | 'disk';

export async function openHybrid(options: HybridOptions = {}): Promise<Hybrid> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('openHybrid takes an options object');
  const enableDisk = options.enableDisk !== false;
  if (enableDisk && (typeof options.dataDir !== 'string' || options.dataDir === '')) {
    throw new InvalidArgumentError('openHybrid needs dataDir (the disk engine\'s directory), or enableDisk: false');
  }
  const cache = options.cache ?? {};
  const maxSizeMb = cache.maxSizeMb ?? 256;
  if (typeof maxSizeMb !== 'number' || !(maxSizeMb >= 0)) throw new InvalidArgumentError('cache.maxSizeMb must be a non-negative number');
  const policy = cache.evictionPolicy ?? 'lru';
  if (policy !== 'lru' && policy !== 'lfu') throw new InvalidArgumentError(`cache.evictionPolicy must be 'lru' or 'lfu'; got ${JSON.stringify(policy)}`);
  const engine = options.engine ?? {};
  const memoryDb = await open({ ...sizesOf(engine), inMemory: true });
  const memory = await openTables({ db: memoryDb });
  let disk: Tables | undefined;
  try {
    if (enableDisk) disk = await openTables(options.dataDir!, engine);
    const hybrid = new Hybrid(memoryDb, memory, disk, ConfigStore.load(disk?.db), {
      defaultPersistent: options.defaultPersistent === true && enableDisk,
      cache: cache.enabled === false ? undefined : new RowCache({ maxBytes: Math.floor(maxSizeMb * MIB), policy }),
    });
    await hybrid.removeLeftovers();
    return hybrid;
  } catch (e) {
    await memory.close();
    await memoryDb.close();
    await disk?.close();
    throw e;
  }
}

/**
 * The engine options that size an engine and say where its background work runs (the memory
 * engine takes these, nothing about files). Its flushes and compactions run on a worker thread
 * unless `executor` is 'inline': on the main thread they took 15% of a 1M-row load. (An Executor
 * object is the disk engine's own, bound to its file system: the memory engine does not take it.)
 * `idleCompactionDelay` too: memory tables loaded and then queried gain from it (docs/hybrid.md).
 */
function sizesOf(engine: HybridOptions['engine']): object {
  const { memTableSize, numMemtables, numCompactors, blockSize, baseTableSize, baseLevelSize, blockCacheSize, executor, idleCompactionDelay } = (engine ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {
    memTableSize,
    numMemtables,
    numCompactors,
    blockSize,
    baseTableSize,
    baseLevelSize,
    blockCacheSize,
    executor: executor === 'inline' ? 'inline' : 'worker',
    idleCompactionDelay,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export class Hybrid {
  readonly counters = new HybridCounters();
  private readonly gates = new TableGates();
  /** Migrations started: numbers their temporary tables. */
  private migrations = 0;
  private closed = false;
  private readonly defaultPersistent: boolean;
  /** @internal */
  readonly cache: RowCache | undefined;

  /** @internal Use `openHybrid`. */
  constructor(
    private readonly memoryDb: DB,
    /** @internal */ readonly memory: Tables,
    /** @internal */ readonly disk: Tables | undefined,
    private readonly config: ConfigStore,
    options: { defaultPersistent: boolean; cache: RowCache | undefined },
  ) {
    this.defaultPersistent = options.defaultPersistent;
    this.cache = options.cache;
    if (disk !== undefined) disk.commitSync = (table) => this.config.get(table)?.syncOnWrite === true;
  }

  // ---- routing ---------------------------------------------------------------------------

  /** @internal */
  gatesOf(): TableGates {
    return this.gates;
  }

  /** @internal Where `table` lives now; NO_SUCH_TABLE when nowhere. */
  side(table: string): Side {
    this.checkOpen();
    if (this.disk?.hasTable(table) === true) return 'disk';
    if (this.memory.hasTable(table)) return 'memory';
    throw new NoSuchTableError(String(table));
  }

  /** @internal The table layer `table` lives in. */
  tablesOf(side: Side): Tables {
    return side === 'disk' ? this.disk! : this.memory;
  }

  /** @internal Whether primary-key reads of `table` (on disk) go through the row cache. */
  cached(table: string): boolean {
    return this.cache !== undefined && this.config.get(table)?.cacheInMemory === true;
  }

  private where(table: string): { side: Side; t: Tables } {
    const side = this.side(table);
    return { side, t: this.tablesOf(side) };
  }

  // ---- DDL -------------------------------------------------------------------------------

  async createTable(options: CreateTableOptions): Promise<void> {
    this.checkOpen();
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createTable takes { name, columns, ... }');
    const name = options.name;
    if (typeof name === 'string' && name.startsWith(MIGRATION_PREFIX)) {
      throw new InvalidArgumentError(`table names starting with '${MIGRATION_PREFIX}' are reserved for migrations in progress (the next open drops such tables)`);
    }
    if (this.exists(name)) {
      if (options.ifNotExists === true) return;
      throw new TableExistsError(name);
    }
    const setting = this.config.get(name);
    const persistent = setting?.persistent ?? this.defaultPersistent;
    await (persistent && this.disk !== undefined ? this.disk : this.memory).createTable(options);
  }

  async dropTable(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    this.checkOpen();
    if (!this.exists(name)) {
      if (options.ifExists === true) return;
      throw new NoSuchTableError(name);
    }
    await this.gates.exclusive(name, async () => {
      const { side, t } = this.where(name);
      const setting = this.config.get(name);
      // A disk table's setting says "dropping" first: a crash between the two writes below leaves
      // a marked setting, and the next open finishes the drop instead of keeping a setting with no
      // table (or a table that lost its setting).
      if (side === 'disk' && setting !== undefined) await this.config.set(name, { ...setting, dropping: true });
      await t.dropTable(name);
      this.cache?.dropTable(name);
      await this.config.delete(name);
    });
  }

  async truncateTable(name: string): Promise<void> {
    await this.gates.shared(name, async () => {
      await this.where(name).t.truncateTable(name);
      this.cache?.dropTable(name);
    });
  }

  async alterTable(name: string, change: AlterTableOptions): Promise<void> {
    await this.gates.shared(name, async () => {
      await this.where(name).t.alterTable(name, change);
      this.cache?.dropTable(name);
    });
  }

  listTables(): string[] {
    this.checkOpen();
    return [...new Set([...this.memory.listTables(), ...(this.disk?.listTables() ?? [])])].filter((n) => !n.startsWith(MIGRATION_PREFIX)).sort();
  }

  describeTable(name: string): TableInfo {
    return this.where(name).t.describeTable(name);
  }

  /** describeTable as one frozen object per definition of the table (Tables.tableInfo). */
  tableInfo(name: string): Readonly<TableInfo> {
    return this.where(name).t.tableInfo(name);
  }

  // ---- reads -----------------------------------------------------------------------------

  getSync(table: string, pk: unknown): Row | undefined {
    const { side, t } = this.where(table);
    if (side === 'disk' && this.cached(table)) {
      const key = t.rowKey(table, pk);
      const hit = this.cache!.get(table, key);
      if (hit !== undefined) {
        this.counters.read('memory', 1);
        return hit;
      }
      const found = t.getSyncSized(table, pk);
      this.counters.read('disk', found === undefined ? 0 : 1);
      if (found === undefined) return undefined;
      this.cache!.set(table, key, found.row, found.bytes);
      return found.row;
    }
    const row = t.getSync(table, pk);
    this.counters.read(side, row === undefined ? 0 : 1);
    return row;
  }

  async get(table: string, pk: unknown): Promise<Row | undefined> {
    return this.getSync(table, pk);
  }

  querySync(table: string, options: QueryOptions = {}): QueryResult {
    const { side, t } = this.where(table);
    const result = t.querySync(table, options);
    this.counters.read(side, result.rows.length);
    return result;
  }

  async query(table: string, options: QueryOptions = {}): Promise<QueryResult> {
    const { side, t } = this.where(table);
    const result = await t.query(table, options);
    this.counters.read(side, result.rows.length);
    return result;
  }

  async *scan(table: string, options: QueryOptions = {}): AsyncIterable<Row> {
    const { side, t } = this.where(table);
    for await (const row of t.scan(table, options)) {
      this.counters.read(side, 1);
      yield row;
    }
  }

  async count(table: string, where?: Where): Promise<number> {
    return this.where(table).t.count(table, where);
  }

  explain(table: string, options: QueryOptions = {}): Plan {
    return this.where(table).t.explain(table, options);
  }

  // ---- writes: disk first, then the cache ------------------------------------------------

  async insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }> {
    return this.gates.shared(table, async () => {
      const { side, t } = this.where(table);
      const result = await t.insert(table, rows);
      const cached = side === 'disk' && this.cached(table);
      if (cached) this.refreshInserted(table, t, rows, result.ids);
      this.counters.wrote(side, result.inserted, cached);
      return result;
    });
  }

  async update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }> {
    return this.gates.shared(table, async () => {
      const { side, t } = this.where(table);
      const cached = side === 'disk' && this.cached(table);
      const point = cached ? this.pointKey(t, table, where) : undefined;
      const result = await t.update(table, where, set);
      if (cached) this.afterChange(t, table, point, result.updated);
      this.counters.wrote(side, result.updated, cached);
      return result;
    });
  }

  async delete(table: string, where: Where | undefined): Promise<{ deleted: number }> {
    return this.gates.shared(table, async () => {
      const { side, t } = this.where(table);
      const cached = side === 'disk' && this.cached(table);
      const point = cached ? this.pointKey(t, table, where) : undefined;
      const result = await t.delete(table, where);
      if (cached) this.afterChange(t, table, point, result.deleted);
      this.counters.wrote(side, result.deleted, cached);
      return result;
    });
  }

  /** Runs `fn` over both sides: the disk part commits first, then the memory part (docs/hybrid.md). */
  async transaction<T>(fn: (tx: HybridTransaction) => T | Promise<T>): Promise<T> {
    this.checkOpen();
    return HybridTransaction.run(this, fn);
  }

  /**
   * A transaction over both sides that the caller commits or rolls back (SQL sessions' BEGIN ...
   * COMMIT): `commit()` commits the disk part, then the memory part; no retries.
   */
  begin(): HybridTransaction {
    this.checkOpen();
    return new HybridTransaction(this);
  }

  /** The cache key of the one row a primary-key-point `where` names, or undefined for any other where. */
  private pointKey(t: Tables, table: string, where: Where | undefined): { key: string | number; pk: unknown[] } | undefined {
    if (where === undefined) return undefined;
    const plan = t.explain(table, { where });
    if (plan.access !== 'pk-point' || plan.ranges[0]?.low === undefined) return undefined;
    const pk = plan.ranges[0].low;
    return { key: t.rowKey(table, pk), pk };
  }

  /** After a committed update or delete: refresh the one row a point write named, else forget the table's rows. */
  private afterChange(t: Tables, table: string, point: { key: string | number; pk: unknown[] } | undefined, changed: number): void {
    const cache = this.cache!;
    if (changed === 0) return;
    if (point === undefined) {
      cache.dropTable(table);
      return;
    }
    cache.delete(table, point.key);
    // An update may have moved the row to another primary key: then the old key is simply gone.
    const found = t.getSyncSized(table, point.pk);
    if (found !== undefined) cache.set(table, point.key, found.row, found.bytes);
  }

  /** Puts freshly inserted rows, as stored, into the cache. */
  private refreshInserted(table: string, t: Tables, rows: Row[], ids: unknown[]): void {
    const info = t.describeTable(table);
    const pkCols = info.primaryKey;
    if (pkCols.length === 0) return;
    const auto = info.columns.find((c) => c.autoIncrement)?.name;
    let generated = 0;
    for (const row of rows) {
      const values = pkCols.map((c) => (c === auto && (row[c] === undefined || row[c] === null) ? ids[generated++] : row[c]));
      const pk = values.length === 1 ? values[0] : values;
      const found = t.getSyncSized(table, pk);
      if (found !== undefined) this.cache!.set(table, t.rowKey(table, pk), found.row, found.bytes);
    }
  }

  // ---- persistence control ---------------------------------------------------------------

  async enablePersistence(table: string, options: PersistenceOptions = {}): Promise<void> {
    this.checkOpen();
    if (this.disk === undefined) throw new InvalidArgumentError(`enablePersistence('${table}'): this hybrid database has no disk side (enableDisk: false)`);
    checkPersistenceOptions(options);
    const setting: TableSetting = { persistent: true, syncOnWrite: options.syncOnWrite === true, cacheInMemory: options.cacheInMemory === true };
    await this.gates.exclusive(table, async () => {
      if (this.memory.hasTable(table)) {
        if ((await this.memory.count(table)) > 0) {
          throw new InvalidArgumentError(`table '${table}' holds rows in memory; enablePersistence only changes routing and would hide them: call migrateToPersistent('${table}') to move them to disk`);
        }
        // An empty memory table moves as its definition. The setting is written first: a crash
        // between the two writes leaves the new setting (the memory table is gone anyway), never
        // the table on disk under a setting it was not given.
        const old = this.config.get(table);
        await this.config.set(table, setting);
        try {
          await this.disk!.createTable(definitionOf(this.memory.describeTable(table)));
        } catch (e) {
          await (old === undefined ? this.config.delete(table) : this.config.set(table, old)).catch(() => undefined);
          throw e;
        }
        await this.memory.dropTable(table);
      } else await this.config.set(table, setting);
      if (options.cacheInMemory !== true) this.cache?.dropTable(table);
    });
  }

  async disablePersistence(table: string): Promise<void> {
    this.checkOpen();
    await this.gates.exclusive(table, async () => {
      if (this.disk?.hasTable(table) === true) {
        if ((await this.disk.count(table)) > 0) {
          throw new InvalidArgumentError(`table '${table}' holds rows on disk; disablePersistence only changes routing and would hide them: call loadToMemory('${table}') to move them to memory`);
        }
        await this.memory.createTable(definitionOf(this.disk.describeTable(table)));
        await this.dropFromDisk(table);
      }
      this.cache?.dropTable(table);
      // Kept as a setting, not deleted: a table created later under this name goes to memory
      // even when defaultPersistent says disk.
      await this.config.set(table, { persistent: false, syncOnWrite: false, cacheInMemory: false });
    });
  }

  getPersistenceConfig(table: string): PersistenceConfig {
    this.checkOpen();
    const setting = this.config.get(table);
    const onDisk = this.disk?.hasTable(table) === true;
    if (onDisk || (setting?.persistent === true && !this.memory.hasTable(table))) {
      return { table, persistent: true, syncOnWrite: setting?.syncOnWrite ?? false, cacheInMemory: setting?.cacheInMemory ?? false };
    }
    if (this.memory.hasTable(table)) return { table, persistent: false, syncOnWrite: false, cacheInMemory: false };
    throw new NoSuchTableError(table);
  }

  listPersistentTables(): string[] {
    this.checkOpen();
    const names = new Set(this.disk?.listTables().filter((n) => !n.startsWith(MIGRATION_PREFIX)) ?? []);
    for (const [name, s] of this.config.entries()) if (s.persistent && !this.memory.hasTable(name)) names.add(name);
    return [...names].sort();
  }

  /** Moves a memory table to disk: copied in chunks, then switched in one disk catalog write. */
  async migrateToPersistent(table: string): Promise<void> {
    this.checkOpen();
    if (this.disk === undefined) throw new InvalidArgumentError(`migrateToPersistent('${table}'): this hybrid database has no disk side (enableDisk: false)`);
    await this.gates.exclusive(table, async () => {
      if (this.side(table) === 'disk') return;
      // Unique per migration: concurrent migrations of different tables never share a temp table.
      let temp: string;
      do temp = `${MIGRATION_PREFIX}${++this.migrations}`;
      while (this.disk!.hasTable(temp));
      await this.disk!.createTable(definitionOf(this.memory.describeTable(table), temp));
      try {
        await copyTable(this.memory, table, this.disk!, temp);
        // The switch: one catalog write makes the whole table appear on disk under its name.
        await this.disk!.renameTable(temp, table);
      } catch (e) {
        await this.disk!.dropTable(temp, { ifExists: true });
        throw e;
      }
      const setting: TableSetting = this.config.get(table) ?? { persistent: true, syncOnWrite: false, cacheInMemory: false };
      await this.config.set(table, { ...setting, persistent: true });
      await this.memory.dropTable(table);
    });
  }

  /** Moves a disk table to memory: copied in chunks, then the disk copy dropped in one catalog write. */
  async loadToMemory(table: string): Promise<void> {
    this.checkOpen();
    await this.gates.exclusive(table, async () => {
      if (this.side(table) === 'memory') return;
      await this.memory.createTable(definitionOf(this.disk!.describeTable(table)));
      try {
        await copyTable(this.disk!, table, this.memory, table);
      } catch (e) {
        await this.memory.dropTable(table, { ifExists: true });
        throw e;
      }
      await this.dropFromDisk(table);
      this.cache?.dropTable(table);
      await this.config.set(table, { persistent: false, syncOnWrite: false, cacheInMemory: false });
    });
  }

  /**
   * Drops `table` from disk, the switch of loadToMemory / disablePersistence. Its setting says
   * memory first: while the table is on disk its catalog record routes it and the setting's other
   * fields are kept, so a crash before the drop shows the old configuration and one after it the
   * new (not a persistent setting without its table).
   */
  private async dropFromDisk(table: string): Promise<void> {
    const old = this.config.get(table);
    await this.config.set(table, { persistent: false, syncOnWrite: old?.syncOnWrite ?? false, cacheInMemory: old?.cacheInMemory ?? false });
    try {
      await this.disk!.dropTable(table);
    } catch (e) {
      await (old === undefined ? this.config.delete(table) : this.config.set(table, old)).catch(() => undefined);
      throw e;
    }
  }

  stats(): HybridStats {
    const c = this.counters;
    const cache = this.cache?.stats();
    return {
      totalReads: c.memoryReads + c.diskReads,
      memoryReads: c.memoryReads,
      diskReads: c.diskReads,
      totalWrites: c.memoryWrites + c.diskWrites,
      memoryWrites: c.memoryWrites,
      diskWrites: c.diskWrites,
      cacheHits: cache?.hits ?? 0,
      cacheMisses: cache?.misses ?? 0,
      cacheEvictions: cache?.evictions ?? 0,
      cacheBytes: cache?.bytes ?? 0,
      memoryTables: this.closed ? 0 : this.memory.listTables().length,
      persistentTables: this.closed ? 0 : this.listPersistentTables().length,
    };
  }

  /** Resolves when both sides' background work (dropped tables' removal) is done. */
  async waitForBackgroundWork(): Promise<void> {
    await this.memory.waitForBackgroundWork();
    await this.disk?.waitForBackgroundWork();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gates.idle();
    this.cache?.clear();
    // Each side closes whatever the other's close does: a failure must not leave the disk
    // engine's LOCK held.
    try {
      await this.memory.close();
      await this.memoryDb.close();
    } finally {
      await this.disk?.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Tables a crashed migration left on disk under a temporary name. */
  async removeLeftovers(): Promise<void> {
    for (const name of this.disk?.listTables() ?? []) if (name.startsWith(MIGRATION_PREFIX)) await this.disk!.dropTable(name);
    for (const [name, setting] of [...this.config.entries()]) {
      if (setting.dropping !== true) continue;
      await this.disk?.dropTable(name, { ifExists: true });
      await this.config.delete(name);
    }
  }

  /** @internal */
  checkOpen(): void {
    if (this.closed) throw new ClosedError('hybrid database');
  }

  private exists(table: string): boolean {
    return this.memory.hasTable(table) || this.disk?.hasTable(table) === true;
  }
}

function checkPersistenceOptions(options: PersistenceOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('persistence options must be { syncOnWrite?, cacheInMemory? }');
  for (const k of ['syncOnWrite', 'cacheInMemory'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'boolean') throw new InvalidArgumentError(`persistence option ${k} must be a boolean`);
  }
}
