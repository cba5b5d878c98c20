// sett's table layer (`sett/table`, TABLES.md §2) on the bench:tables workload: `openTables(dir)`
// on a fresh directory with the engine's default options, the users table with a unique email
// and the secondary index by_age, and each operation through the documented calls.

import { DEFAULT_OPTIONS } from '../../src/index.js';
import { openTables, type Tables } from '../../src/table/index.js';
import type { UserRow } from './data.js';
import type { Durability, Row, TableEngine } from './engine.js';
import type { Operation } from './plan.js';

const TABLE = 'users';
const MiB = 1024 * 1024;

export class SettTableEngine implements TableEngine {
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
    await t.createTable({
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
    this.t = t;
  }

  async insertBatch(rows: UserRow[]): Promise<number> {
    const { ids } = await this.tables().insert(TABLE, rows as unknown as Row[]);
    return Number(ids[ids.length - 1]);
  }

  get(id: number): Row | undefined {
    return this.tables().getSync(TABLE, id);
  }

  readonly getAsync = (id: number): Promise<Row | undefined> => this.tables().get(TABLE, id);

  byEmail(email: string): Row | undefined {
    return this.tables().querySync(TABLE, { where: { column: 'email', op: '=', value: email } }).rows[0];
  }

  byAge(age: number, limit: number): Row[] {
    return this.tables().querySync(TABLE, { where: { column: 'age', op: '=', value: age }, orderBy: [{ column: 'id' }], limit }).rows;
  }

  async updateCity(id: number, city: string): Promise<number> {
    return (await this.tables().update(TABLE, { column: 'id', op: '=', value: id }, { city })).updated;
  }

  async insertOne(row: UserRow): Promise<number> {
    return Number((await this.tables().insert(TABLE, [row as unknown as Row])).ids[0]);
  }

  filterCity(city: string): number {
    return this.tables().querySync(TABLE, { where: { column: 'city', op: '=', value: city } }).rows.length;
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
      plans: {
        get: t.explain(TABLE, { where: { column: 'id', op: '=', value: 1 } }),
        uniqueGet: t.explain(TABLE, { where: { column: 'email', op: '=', value: 'x' } }),
        indexEq: t.explain(TABLE, { where: { column: 'age', op: '=', value: 40 }, orderBy: [{ column: 'id' }], limit: 10 }),
        scanFilter: t.explain(TABLE, { where: { column: 'city', op: '=', value: 'x' } }),
      },
      levels: s.levels.filter((l) => l.tables > 0),
      files: s.files,
      valueLog: s.valueLog,
      writeAmplification: s.writeAmplification,
    };
  }

  private tables(): Tables {
    if (this.t === undefined) throw new Error('sett is not open');
    return this.t;
  }
}
