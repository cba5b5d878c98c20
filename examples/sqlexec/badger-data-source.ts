// BadgerDataSource (seed 000): every table in one sett engine, on disk or in memory, through the
// table layer; plus the seed's maintenance calls (value-log GC, compaction, stats, backup and
// restore) on that engine.

import { access, constants } from 'node:fs/promises';
import { open, type DB } from 'sett';
import { openTables, type Tables } from 'sett/table';
import { TableDataSource } from './data-source.js';
import { badgerOpenOptions, type BadgerOptions } from './options.js';
import type { DataSourceConfig } from './types.js';

/** runGC rewrites at most this many value-log files per call (the seed looped until none qualified). */
export const MAX_GC_REWRITES_PER_RUN = 1000;

/** The seed's DatabaseStats; sizes in bytes, times null until the call first ran. */
export interface DatabaseStats {
  tableCount: number;
  /** Bytes of SSTables. */
  lsmSize: number;
  /** Bytes of value-log files. */
  vlogSize: number;
  /** Keys in the engine: rows, index entries and the catalog (the seed counted every key too). */
  keyCount: number;
  /** Every file the engine keeps: tables, value log, WALs, MANIFEST (0 in memory). */
  diskUsage: number;
  lastGCTime: Date | null;
  lastCompactionTime: Date | null;
}

export class BadgerDataSource extends TableDataSource<Tables> {
  private readonly dir: string | undefined;
  private readonly openOptions: ReturnType<typeof badgerOpenOptions>['options'];
  private lastGCMs: number | undefined;
  private lastCompactionMs: number | undefined;

  /** Checks the options at once (bad names and values are OptionError); `connect()` opens. */
  constructor(config?: DataSourceConfig<BadgerOptions>) {
    super(config, 'badger');
    const { dir, options } = badgerOpenOptions(config?.options);
    this.dir = dir;
    this.openOptions = options;
  }

  /** True when the source keeps nothing on disk (in_memory, or an empty data_dir). */
  get inMemory(): boolean {
    return this.dir === undefined;
  }

  protected async openStore(): Promise<Tables> {
    const db = this.dir === undefined ? await open({ ...this.openOptions, inMemory: true }) : await open(this.dir, this.openOptions);
    try {
      return await this.tablesOver(db);
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** The table layer over the source's own engine (it leaves the engine open on close). */
  private tablesOver(db: DB): Promise<Tables> {
    return openTables({ db, clock: this.clock });
  }

  protected async closeStore(store: Tables): Promise<void> {
    try {
      await store.close();
    } finally {
      await store.db.close();
    }
  }

  private opened(operation: string): { db: DB; tables: Tables } {
    const tables = this.live(operation);
    return { db: tables.db, tables };
  }

  // ---- maintenance (the seed's MaintenanceManager) ---------------------------------------

  /** Value-log GC until no file has `discardRatio` of garbage; resolves with the files rewritten. */
  async runGC(discardRatio = 0.5): Promise<number> {
    const { db } = this.opened('runGC');
    let rewritten = 0;
    while (rewritten < MAX_GC_REWRITES_PER_RUN && (await db.runValueLogGC(discardRatio))) rewritten++;
    this.lastGCMs = this.clock.nowMs();
    return rewritten;
  }

  /** Compacts every table into one level (Badger's Flatten). */
  async compact(): Promise<void> {
    const { db } = this.opened('compact');
    await db.flatten();
    this.lastCompactionMs = this.clock.nowMs();
  }

  async stats(): Promise<DatabaseStats> {
    const { db, tables } = this.opened('stats');
    const s = db.stats();
    let keyCount = 0;
    const it = db.iterator({ values: false });
    try {
      while (it.nextEntry() !== undefined) keyCount++;
    } finally {
      it.close();
    }
    return {
      tableCount: tables.listTables().length,
      lsmSize: s.files.tableBytes,
      vlogSize: s.valueLog.bytes,
      keyCount,
      diskUsage: this.inMemory ? 0 : s.files.tableBytes + s.files.walBytes + s.files.manifestBytes + s.valueLog.bytes,
      lastGCTime: this.lastGCMs === undefined ? null : new Date(this.lastGCMs),
      lastCompactionTime: this.lastCompactionMs === undefined ? null : new Date(this.lastCompactionMs),
    };
  }

  /** Writes a consistent backup of every table to the file `path` while writes go on; resolves with the version it reached. */
  async backup(path: string): Promise<number> {
    const { db } = this.opened('backup');
    return db.backup(path);
  }

  /**
   * Replaces every table with the backup's. Badger's Load merged a backup into the live keys;
   * merging two table catalogs is not a database, so the keys are dropped first. Not atomic: a
   * crash part-way leaves a partly restored database, to restore again.
   */
  async restore(path: string): Promise<void> {
    const { db, tables } = this.opened('restore');
    // A missing or unreadable file is found before anything is dropped.
    await access(path, constants.R_OK);
    await tables.close();
    try {
      await db.dropAll();
      await db.load(path);
    } finally {
      // Reopened whatever happened: the catalog is read again from the keys now there.
      this.replaceStore(await this.tablesOver(db));
    }
  }
}
