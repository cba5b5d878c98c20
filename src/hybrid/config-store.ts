// Per-table persistence settings, kept in the disk engine (TABLES.md §3: restored on open) under
// a key space of their own:
//
//   +------+---------------------+          value: JSON { format: 1, syncOnWrite, cacheInMemory, persistent }
//   | 0x02 | table name (UTF-8)  |
//   +------+---------------------+
//
// A setting can exist before its table (enablePersistence before createTable routes the create
// to disk). Whether a table *is* on disk is the disk catalog's answer, not this store's.

import { CorruptionError, type DB } from '../index.js';

/** Part of the stored form of hybrid settings: never change it. */
export const HYBRID_KEY_SPACE = 0x02;
const FORMAT = 1;

export interface TableSetting {
  persistent: boolean;
  syncOnWrite: boolean;
  cacheInMemory: boolean;
  /** Set before a disk table is dropped: an open that finds it finishes the drop (DROP is then all or nothing). */
  dropping?: boolean;
}

export class ConfigStore {
  private readonly settings = new Map<string, TableSetting>();

  private constructor(private readonly db: DB | undefined) {}

  /** Loads every setting; without a disk engine, settings live in memory only. */
  static load(db: DB | undefined): ConfigStore {
    const store = new ConfigStore(db);
    if (db === undefined) return store;
    for (const [key, value] of db.iterator({ prefix: Buffer.of(HYBRID_KEY_SPACE) })) {
      const name = key!.subarray(1).toString('utf8');
      let parsed: { format?: unknown } & Partial<TableSetting>;
      try {
        parsed = JSON.parse(value!.toString('utf8'));
      } catch {
        throw new CorruptionError('hybrid settings', 0, `the setting of table '${name}' is not JSON`);
      }
      if (parsed.format !== FORMAT) throw new CorruptionError('hybrid settings', 0, `the setting of table '${name}' has format ${String(parsed.format)}, expected ${FORMAT}`);
      const setting: TableSetting = { persistent: parsed.persistent === true, syncOnWrite: parsed.syncOnWrite === true, cacheInMemory: parsed.cacheInMemory === true };
      if (parsed.dropping === true) setting.dropping = true;
      store.settings.set(name, setting);
    }
    return store;
  }

  get(table: string): TableSetting | undefined {
    return this.settings.get(table);
  }

  entries(): IterableIterator<[string, TableSetting]> {
    return this.settings.entries();
  }

  async set(table: string, setting: TableSetting): Promise<void> {
    await this.db?.put(key(table), JSON.stringify({ format: FORMAT, ...setting }));
    this.settings.set(table, { ...setting });
  }

  async delete(table: string): Promise<void> {
    if (!this.settings.has(table)) return;
    await this.db?.delete(key(table));
    this.settings.delete(table);
  }
}

function key(table: string): Buffer {
  return Buffer.concat([Buffer.of(HYBRID_KEY_SPACE), Buffer.from(table, 'utf8')]);
}
