// sett's table layer (`sett/table`, TABLES.md §2) on the bench:tables workload: `openTables(dir)`
// on a fresh directory with the engine's default options, the users table with a unique email
// and the secondary index by_age, and each operation through the documented calls.

import { DEFAULT_OPTIONS } from '../../src/index.js';
import { openTables, type Tables } from '../../src/table/index.js';
import type { Durability, TableEngine } from './engine.js';
import { USERS_TABLE, UsersOperations, type TableApi } from './users-table.js';
import type { Operation } from './plan.js';

const MiB = 1024 * 1024;

export class SettTableEngine extends UsersOperations implements TableEngine {
  readonly name = 'sett' as const;
  readonly label = 'sett';
  readonly provider = 'sett/table (this checkout), default engine options';
  readonly durability: Durability = DEFAULT_OPTIONS.syncWrites
    ? { setting: 'syncWrites: true (default)', meaning: 'fdatasync of the WAL per commit group before a write resolves' }
    : {
        setting: 'syncWrites: false (default)',
        meaning: 'each statement is one engine transaction whose WAL record is written to the OS, not fsynced: survives a process kill, a power loss may drop the last commits',
      };
  readonly memory =
    `memtables ${DEFAULT_OPTIONS.memTableSize / MiB} MiB (up to ${DEFAULT_OPTIONS.numMemtables}), ` +
    `block cache ${DEFAULT_OPTIONS.blockCacheSize / MiB} MiB (the defaults)`;
  readonly apis: Record<Operation, string> = {
    insert: 'await insert(users, rows1000)',
    'get-cold': 'getSync(users, id)',
    'get-prepass': 'getSync(users, id)',
    get: 'getSync(users, id)',
    'get-async': 'await get(users, id)',
    'unique-get': "querySync(users, { where: email = v })",
    'index-eq': "querySync(users, { where: age = v, orderBy: id, limit: 10 })",
    update: "await update(users, id = v, { city })",
    'insert-single': 'await insert(users, [row])',
    'scan-filter': "querySync(users, { where: city = v })",
  };
  private t: Tables | undefined;

  async open(dir: string): Promise<void> {
    const t = await openTables(dir);
    await t.createTable(USERS_TABLE);
    this.t = t;
  }

  settle(): Promise<void> {
    return this.tables().db.waitForBackgroundWork();
  }

  async close(): Promise<void> {
    const t = this.t;
    this.t = undefined;
    await t?.close();
  }

  describe(): unknown {
    const t = this.t;
    if (t === undefined) return {};
    const s = t.db.stats();
    return {
      plans: this.plans(),
      levels: s.levels.filter((l) => l.tables > 0),
      files: s.files,
      valueLog: s.valueLog,
      writeAmplification: s.writeAmplification,
    };
  }

  protected api(): TableApi {
    return this.tables();
  }

  private tables(): Tables {
    if (this.t === undefined) throw new Error('sett is not open');
    return this.t;
  }
}
