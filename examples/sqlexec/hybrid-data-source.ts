// HybridDataSource (seed 004): each table in memory or on disk, chosen per table, over sett/hybrid;
// the seed's persistence control, migrations and counters with its names (Badger reads, not disk).

import { openHybrid, type Hybrid, type HybridStats } from 'sett/hybrid';
import { TableDataSource } from './data-source.js';
import { hybridOpenOptions, type HybridSourceOptions } from './options.js';
import type { DataSourceConfig } from './types.js';

export interface PersistenceOptions {
  /** Commits of the table are fsynced before they resolve (the seed's WithSyncOnWrite). */
  syncOnWrite?: boolean;
  /** Primary-key reads are served from the row cache (the seed's WithCacheInMemory). */
  cacheInMemory?: boolean;
}

/** The seed's TableConfig. */
export interface PersistenceConfig {
  tableName: string;
  persistent: boolean;
  syncOnWrite: boolean;
  cacheInMemory: boolean;
}

/** The seed's counters (rows read and written per side), with the row cache's beside them. */
/** sett/hybrid's counters under the seed's names: its disk side is "badger". */
export type HybridSourceStats = Omit<HybridStats, 'diskReads' | 'diskWrites'> & { badgerReads: number; badgerWrites: number };

export class HybridDataSource extends TableDataSource<Hybrid> {
  private readonly hybridOptions: ReturnType<typeof hybridOpenOptions>;

  /** Checks the options at once (bad names and values are OptionError); `connect()` opens. */
  constructor(config?: DataSourceConfig<HybridSourceOptions>) {
    super(config, 'hybrid');
    this.hybridOptions = hybridOpenOptions(config?.options);
  }

  /** Whether the source has a disk side (enable_badger and a non-empty data_dir). */
  get hasDisk(): boolean {
    return this.hybridOptions.enableDisk === true;
  }

  protected openStore(): Promise<Hybrid> {
    return openHybrid(this.hybridOptions);
  }

  protected closeStore(store: Hybrid): Promise<void> {
    return store.close();
  }

  /**
   * Routes `table` to disk (created there from now; an empty memory table moves as its
   * definition). Routing only: a memory table holding rows is refused, as moving them is
   * `migrateToPersistent`'s job (the seed would have hidden them).
   */
  async enablePersistence(table: string, options: PersistenceOptions = {}): Promise<void> {
    await this.live('enablePersistence').enablePersistence(table, options);
  }

  /** Routes `table` to memory; a disk table holding rows is refused (use `loadToMemory`). */
  async disablePersistence(table: string): Promise<void> {
    await this.live('disablePersistence').disablePersistence(table);
  }

  /** NO_SUCH_TABLE for a table that neither exists nor has a setting. */
  getPersistenceConfig(table: string): PersistenceConfig {
    const c = this.live('getPersistenceConfig').getPersistenceConfig(table);
    return { tableName: c.table, persistent: c.persistent, syncOnWrite: c.syncOnWrite, cacheInMemory: c.cacheInMemory };
  }

  listPersistentTables(): string[] {
    return this.live('listPersistentTables').listPersistentTables();
  }

  /** Moves a memory table and its rows to disk (copied in chunks, switched in one write). */
  async migrateToPersistent(table: string): Promise<void> {
    await this.live('migrateToPersistent').migrateToPersistent(table);
  }

  /** Moves a disk table and its rows to memory (gone after a restart from then on). */
  async loadToMemory(table: string): Promise<void> {
    await this.live('loadToMemory').loadToMemory(table);
  }

  stats(): HybridSourceStats {
    const s = this.live('stats').stats();
    return {
      totalReads: s.totalReads,
      memoryReads: s.memoryReads,
      badgerReads: s.diskReads,
      totalWrites: s.totalWrites,
      memoryWrites: s.memoryWrites,
      badgerWrites: s.diskWrites,
      cacheHits: s.cacheHits,
      cacheMisses: s.cacheMisses,
      cacheEvictions: s.cacheEvictions,
      cacheBytes: s.cacheBytes,
      memoryTables: s.memoryTables,
      persistentTables: s.persistentTables,
    };
  }
}
