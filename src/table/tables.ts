// `Tables`: the table layer's handle (TABLES.md §2). Reads run on a snapshot (one version of the
// table, whatever writes go on); each write statement is one engine transaction, retried on
// CONFLICT up to MAX_STATEMENT_RETRIES; DDL statements run one at a time and are each one catalog
// write.

import { InvalidArgumentError, isSettError, open, systemClock, type Clock, type DB, type OpenOptions, type Transaction } from '../index.js';
import { Catalog } from './catalog.js';
import { DdlRunner } from './ddl-runner.js';
import { NoSuchTableError } from './errors.js';
import { matchingRows, toRow } from './executor.js';
import { RecordingIds, TableIds } from './ids.js';
import { planQuery, type PlanDetail } from './planner.js';
import type { TableMeta } from './schema.js';
import { countRows, deleteFrom, explainQuery, getRow, insertInto, pkKey, queryPlanned, SchemaChangedError, uniquePointQuery, updateIn, type StatementHost } from './statements.js';
import { decodeRow } from './row-codec.js';
import { coerceValue } from './values.js';
import { OpenTableTransaction, TableTransaction } from './table-transaction.js';
import type { AlterTableOptions, CreateTableOptions, Plan, QueryOptions, QueryResult, Row, TableInfo, Where } from './types.js';

/** How often a statement or `transaction()` re-runs after a CONFLICT before giving it to the caller. */
export const MAX_STATEMENT_RETRIES = 16;
/** Rows `scan()` and `query()` read between yields to the event loop. */
export const SCAN_SLICE_ROWS = 512;

export interface OpenTablesOptions {
  /** An open engine to use; it stays open after `close()`. */
  db: DB;
  clock?: Clock;
}

/** Opens the table layer on its own engine at `dir`, or over an open engine (`{ db }`). */
export async function openTables(target: string | OpenTablesOptions, engineOptions?: OpenOptions): Promise<Tables> {
  let db: DB;
  let owns = false;
  let clock: Clock = systemClock;
  if (typeof target === 'string') {
    db = await open(target, engineOptions);
    owns = true;
  } else {
    db = target.db;
    clock = target.clock ?? systemClock;
  }
  try {
    const tables = new Tables(db, owns, Catalog.load(db), clock);
    await tables.ddl.recover();
    return tables;
  } catch (e) {
    if (owns) await db.close();
    throw e;
  }
}

export class Tables implements StatementHost {
  readonly ids: TableIds;
  /** @internal */
  readonly ddl: DdlRunner;
  /**
   * Tables whose statements commit with `{ sync: true }`: a write statement, `transaction()` or
   * `begin()` that used a table for which this returns true is fsynced before it resolves, even with
   * `syncWrites: false` (the hybrid layer's `syncOnWrite`). Undefined: no table asks for it.
   */
  commitSync: ((table: string) => boolean) | undefined = undefined;
  private closed = false;

  /** @internal Use `openTables`. */
  constructor(
    readonly db: DB,
    private readonly ownsDb: boolean,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {
    this.ids = new TableIds(db);
    this.ddl = new DdlRunner(db, catalog, this.ids);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  /** @internal The current definition of `table`. */
  meta(table: string): TableMeta {
    const meta = typeof table === 'string' ? this.catalog.tables.get(table) : undefined;
    if (meta === undefined) throw new NoSuchTableError(String(table));
    return meta;
  }

  // ---- DDL -----------------------------------------------------------------------------

  createTable(options: CreateTableOptions): Promise<void> {
    return this.ddl.createTable(options);
  }

  dropTable(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    return this.ddl.dropTable(name, options.ifExists === true);
  }

  truncateTable(name: string): Promise<void> {
    return this.ddl.truncateTable(name);
  }

  alterTable(name: string, change: AlterTableOptions): Promise<void> {
    return this.ddl.alterTable(name, change);
  }

  /** Renames a table: one catalog write; rows, indexes and auto-increment stay as they are. */
  renameTable(from: string, to: string): Promise<void> {
    return this.ddl.renameTable(from, to);
  }

  hasTable(name: string): boolean {
    return this.catalog.tables.has(name);
  }

  listTables(): string[] {
    return [...this.catalog.tables.keys()].sort();
  }

  describeTable(name: string): TableInfo {
    return this.meta(name).info();
  }

  /**
   * describeTable's answer as one frozen object, the same one until DDL changes the table: what
   * a caller that derives something from a definition (a prepared statement) can cache by.
   */
  tableInfo(name: string): Readonly<TableInfo> {
    return this.meta(name).sharedInfo();
  }

  // ---- reads ---------------------------------------------------------------------------

  getSync(table: string, pk: unknown): Row | undefined {
    return getRow(this.meta(table), this.db, pk);
  }

  async get(table: string, pk: unknown): Promise<Row | undefined> {
    return this.getSync(table, pk);
  }

  /**
   * A string that names one row of `table` by its primary key, the same for every spelling of
   * the key (`1`, `'1'`, `[1]`): the bytes of its key, as latin1. For caches keyed by row.
   */
  pkString(table: string, pk: unknown): string {
    return Buffer.from(pkKey(this.meta(table), pk)).toString('latin1');
  }

  /**
   * pkString's cheaper twin for caches: the primary key itself when it is one INT column (every
   * spelling of it converted to the number), else pkString.
   */
  rowKey(table: string, pk: unknown): string | number {
    const meta = this.meta(table);
    if (meta.pkIsOneInt) {
      if (Number.isSafeInteger(pk)) return pk as number;
      const v = Array.isArray(pk) && pk.length === 1 ? pk[0] : pk;
      if (v === null || v === undefined) throw new InvalidArgumentError(`primary-key column '${meta.columns[meta.pkPositions[0]!]!.name}' needs a value`);
      return coerceValue(meta.pkLookupColumns[0]!, v, meta.name) as number;
    }
    return Buffer.from(pkKey(meta, pk)).toString('latin1');
  }

  /** getSync, with the row's encoded size in bytes (what a row cache charges for it). */
  getSyncSized(table: string, pk: unknown): { row: Row; bytes: number } | undefined {
    const meta = this.meta(table);
    const found = this.db.getSync(pkKey(meta, pk));
    return found === undefined ? undefined : { row: toRow(meta, decodeRow(meta.rowSchema, found), undefined), bytes: found.length };
  }

  querySync(table: string, options: QueryOptions = {}): QueryResult {
    const meta = this.meta(table);
    return uniquePointQuery(meta, options, this.db) ?? this.runPlanned(meta, planQuery(meta, checkQuery(options)), options ?? {});
  }

  private runPlanned(meta: TableMeta, d: PlanDetail, options: QueryOptions): QueryResult {
    // Point lookups are key reads made in this one synchronous call, with no await between them:
    // no commit can land in between, so they agree without a snapshot to take and release.
    if (d.pointLookups) return queryPlanned(meta, d, this.db, options);
    const snap = this.db.snapshot();
    try {
      return queryPlanned(meta, d, snap, options);
    } finally {
      snap.release();
    }
  }

  /** Like querySync, but reads in slices that yield to the event loop. */
  async query(table: string, options: QueryOptions = {}): Promise<QueryResult> {
    const meta = this.meta(table);
    const point = uniquePointQuery(meta, options, this.db);
    if (point !== undefined) return point;
    const d = planQuery(meta, checkQuery(options));
    // Sorted plans need every row anyway; point plans and small limits read a handful of keys.
    if (d.plan.sort || d.pointLookups || (d.plan.limitPushedDown && d.limit + d.offset <= SCAN_SLICE_ROWS)) return this.runPlanned(meta, d, options ?? {});
    const rows: Row[] = [];
    let total = 0;
    const positions = options.columns?.map((c) => meta.position(c));
    for await (const values of this.slices(meta, d, options.total === true)) {
      total++;
      if (values !== TOTAL_ONLY) rows.push(toRow(meta, values, positions));
    }
    const result: QueryResult = { rows };
    if (options.total === true) result.total = total;
    return result;
  }

  /** Streams matching rows; holds a bounded window unless the plan must sort. */
  async *scan(table: string, options: QueryOptions = {}): AsyncIterable<Row> {
    const meta = this.meta(table);
    const d = planQuery(meta, options ?? {});
    const positions = options.columns?.map((c) => meta.position(c));
    if (d.plan.sort) {
      // Sorting needs every row: read them in one snapshot, then hand them out.
      for (const row of this.querySync(table, options).rows) yield row;
      return;
    }
    for await (const values of this.slices(meta, d, false)) if (values !== TOTAL_ONLY) yield toRow(meta, values, positions);
  }

  private async *slices(meta: TableMeta, d: ReturnType<typeof planQuery>, countAll: boolean): AsyncGenerator<unknown[] | typeof TOTAL_ONLY> {
    const snap = this.db.snapshot();
    try {
      let seen = 0;
      let sinceYield = 0;
      const stopAt = d.offset + d.limit;
      for (const values of matchingRows(meta, d, snap)) {
        if (seen >= d.offset && seen < stopAt) yield values;
        else if (countAll) yield TOTAL_ONLY;
        seen++;
        if (seen >= stopAt && !countAll) break;
        if (++sinceYield >= SCAN_SLICE_ROWS) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      snap.release();
    }
  }

  async count(table: string, where?: Where): Promise<number> {
    const meta = this.meta(table);
    const snap = this.db.snapshot();
    try {
      return countRows(meta, snap, where);
    } finally {
      snap.release();
    }
  }

  explain(table: string, options: QueryOptions = {}): Plan {
    return explainQuery(this.meta(table), options);
  }

  // ---- writes --------------------------------------------------------------------------

  insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }> {
    return this.statement((host, txn) => insertInto(host, txn, table, rows));
  }

  update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }> {
    return this.statement((host, txn) => updateIn(host, txn, table, where, set));
  }

  delete(table: string, where: Where | undefined): Promise<{ deleted: number }> {
    return this.statement((host, txn) => deleteFrom(host, txn, table, where));
  }

  /** Runs `fn` in one engine transaction, retried as a whole on CONFLICT; `tx` sees its own writes. */
  transaction<T>(fn: (tx: TableTransaction) => T | Promise<T>): Promise<T> {
    return this.statement(async (host, txn) => {
      const tx = new TableTransaction(host, txn);
      try {
        return await fn(tx);
      } finally {
        // The callback returned: later calls through `tx` are errors, not writes into nothing.
        tx.end();
      }
    });
  }

  /** A transaction committed or rolled back by the caller (`commit()`, `rollback()`); no retries. */
  begin(): OpenTableTransaction {
    const used = new Map<string, TableMeta>();
    const host = this.tracking(used);
    const txn = this.db.transaction();
    return new OpenTableTransaction(host, txn, async (commit) => {
      try {
        if (!commit) return;
        this.checkCurrent(used);
        await txn.commit(this.commitOptions(used));
      } catch (e) {
        host.ids.giveBack();
        throw e;
      } finally {
        if (!commit) host.ids.giveBack();
        txn.discard();
      }
    });
  }

  /** Runs `fn` in one engine transaction and commits it, re-running it on CONFLICT up to MAX_STATEMENT_RETRIES. */
  private async statement<T>(fn: (host: StatementHost, txn: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const used = new Map<string, TableMeta>();
      const host = this.tracking(used);
      const txn = this.db.transaction();
      try {
        const result = await fn(host, txn);
        this.checkCurrent(used);
        await txn.commit(this.commitOptions(used));
        return result;
      } catch (e) {
        host.ids.giveBack();
        if (isRetryable(e) && attempt < MAX_STATEMENT_RETRIES) continue;
        throw e;
      } finally {
        txn.discard();
      }
    }
  }

  /** The commit options of a statement that used `used`: synced if any of its tables asks (commitSync). */
  private commitOptions(used: Map<string, TableMeta>): { sync: true } | undefined {
    const commitSync = this.commitSync;
    if (commitSync === undefined) return undefined;
    for (const name of used.keys()) if (commitSync(name) === true) return { sync: true };
    return undefined;
  }

  /** @internal A host that records which table definitions a statement used and which ids it drew. */
  tracking(used: Map<string, TableMeta>): StatementHost & { ids: RecordingIds } {
    return {
      ids: new RecordingIds(this.ids),
      nowMs: () => this.nowMs(),
      meta: (table: string) => {
        const m = this.meta(table);
        used.set(table, m);
        return m;
      },
    };
  }

  /** @internal A statement whose tables changed definition since it read them must re-run. */
  checkCurrent(used: Map<string, TableMeta>): void {
    for (const [name, meta] of used) if (this.catalog.tables.get(name) !== meta) throw new SchemaChangedError(name);
  }

  /** Resolves when dropped tables' and indexes' keys are removed (TRUNCATE and DROP return first). */
  waitForBackgroundWork(): Promise<void> {
    return this.ddl.idle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ddl.close();
    if (this.ownsDb) await this.db.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

const TOTAL_ONLY = Symbol('total-only');

function isRetryable(e: unknown): boolean {
  return isSettError(e) && e.code === 'CONFLICT' && !/open too long/.test(e.message);
}

/** Query options as the planner takes them: an object (INVALID_ARGUMENT otherwise). */
function checkQuery(options: QueryOptions | undefined): QueryOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('query options must be an object');
  return options;
}
