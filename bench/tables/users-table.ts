// The users table of bench:tables (TABLES.md §6) as sett's table API sees it, shared by the
// runners over `sett/table` (sett.ts) and `sett/hybrid` (hybrid.ts) and by the demo: the same
// definition, and each operation as the same call on whichever object holds the table.

import type { CreateTableOptions, Plan, QueryOptions, Row as TableRow, Where } from '../../src/table/index.js';
import type { UserRow } from './data.js';
import type { Row } from './engine.js';

export const USERS = 'users';

export const USERS_TABLE: CreateTableOptions = {
  name: USERS,
  columns: [
    { name: 'id', type: 'INT', primary: true, autoIncrement: true },
    { name: 'name', type: 'VARCHAR', length: 64 },
    { name: 'email', type: 'VARCHAR', length: 255, unique: true },
    { name: 'age', type: 'INT' },
    { name: 'city', type: 'VARCHAR', length: 64 },
  ],
  indexes: [{ name: 'by_age', columns: ['age'] }],
};

/** What `Tables` and `Hybrid` both offer, as far as the workload uses it. */
export interface TableApi {
  insert(table: string, rows: TableRow[]): Promise<{ ids: unknown[] }>;
  getSync(table: string, pk: unknown): Row | undefined;
  get(table: string, pk: unknown): Promise<Row | undefined>;
  querySync(table: string, options: QueryOptions): { rows: Row[] };
  update(table: string, where: Where | undefined, set: TableRow): Promise<{ updated: number }>;
  explain(table: string, options: QueryOptions): Plan;
}

/** The workload's operations over `api()`. */
export abstract class UsersOperations {
  protected abstract api(): TableApi;

  async insertBatch(rows: UserRow[]): Promise<number> {
    const { ids } = await this.api().insert(USERS, rows as unknown as TableRow[]);
    return Number(ids[ids.length - 1]);
  }

  get(id: number): Row | undefined {
    return this.api().getSync(USERS, id);
  }

  readonly getAsync = (id: number): Promise<Row | undefined> => this.api().get(USERS, id);

  byEmail(email: string): Row | undefined {
    return this.api().querySync(USERS, { where: { column: 'email', op: '=', value: email } }).rows[0];
  }

  byAge(age: number, limit: number): Row[] {
    return this.api().querySync(USERS, { where: { column: 'age', op: '=', value: age }, orderBy: [{ column: 'id' }], limit }).rows;
  }

  async updateCity(id: number, city: string): Promise<number> {
    return (await this.api().update(USERS, { column: 'id', op: '=', value: id }, { city })).updated;
  }

  async insertOne(row: UserRow): Promise<number> {
    return Number((await this.api().insert(USERS, [row as unknown as TableRow])).ids[0]);
  }

  filterCity(city: string): number {
    return this.api().querySync(USERS, { where: { column: 'city', op: '=', value: city } }).rows.length;
  }

  /** The plan of each query the workload makes (for the report's engine notes). */
  protected plans(): Record<string, Plan> {
    const api = this.api();
    return {
      get: api.explain(USERS, { where: { column: 'id', op: '=', value: 1 } }),
      uniqueGet: api.explain(USERS, { where: { column: 'email', op: '=', value: 'x' } }),
      indexEq: api.explain(USERS, { where: { column: 'age', op: '=', value: 40 }, orderBy: [{ column: 'id' }], limit: 10 }),
      scanFilter: api.explain(USERS, { where: { column: 'city', op: '=', value: 'x' } }),
    };
  }
}
