// The handle `Tables.transaction(fn)` passes to `fn`: every statement of §2 inside one engine
// transaction, which sees its own writes and commits (or fails with CONFLICT) as a whole.

import { ClosedError, type Transaction } from '../index.js';
import { countRows, deleteFrom, explainQuery, getRow, insertInto, queryRows, updateIn, type StatementHost } from './statements.js';
import type { Plan, QueryOptions, QueryResult, Row, Where } from './types.js';

export class TableTransaction {
  private readonly host: StatementHost;
  private ended = false;

  /** @internal Created by `Tables.transaction`. */
  constructor(host: StatementHost, private readonly txn: Transaction) {
    this.host = host;
  }

  async insert(table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }> {
    return insertInto(this.host, this.live(), table, rows);
  }

  getSync(table: string, pk: unknown): Row | undefined {
    const txn = this.live();
    return getRow(this.host.meta(table), txn, pk);
  }

  async get(table: string, pk: unknown): Promise<Row | undefined> {
    return this.getSync(table, pk);
  }

  querySync(table: string, options: QueryOptions = {}): QueryResult {
    const txn = this.live();
    return queryRows(this.host.meta(table), txn, options);
  }

  async query(table: string, options: QueryOptions = {}): Promise<QueryResult> {
    return this.querySync(table, options);
  }

  async count(table: string, where?: Where): Promise<number> {
    const txn = this.live();
    return countRows(this.host.meta(table), txn, where);
  }

  async update(table: string, where: Where | undefined, set: Row): Promise<{ updated: number }> {
    return updateIn(this.host, this.live(), table, where, set);
  }

  async delete(table: string, where: Where | undefined): Promise<{ deleted: number }> {
    return deleteFrom(this.host, this.live(), table, where);
  }

  explain(table: string, options: QueryOptions = {}): Plan {
    return explainQuery(this.host.meta(table), options);
  }

  /** @internal The callback returned: later calls are errors, not silent writes into nothing. */
  end(): void {
    this.ended = true;
  }

  private live(): Transaction {
    if (this.ended) throw new ClosedError('table transaction');
    return this.txn;
  }
}

/**
 * A transaction the caller commits or rolls back itself (`Tables.begin()`), for layers that
 * coordinate several (the hybrid layer commits a disk and a memory transaction in turn). No
 * retries: a CONFLICT at commit is the caller's to handle.
 */
export class OpenTableTransaction extends TableTransaction {
  private settled = false;

  /** @internal Created by `Tables.begin`. */
  constructor(
    host: StatementHost,
    txn: Transaction,
    private readonly finish: (commit: boolean) => Promise<void>,
  ) {
    super(host, txn);
  }

  /** Commits every statement of the transaction at once; CONFLICT if its reads were overwritten. */
  async commit(): Promise<void> {
    this.settle();
    await this.finish(true);
  }

  /** Writes nothing. Idempotent; safe after commit. */
  rollback(): void {
    if (this.settled) return;
    this.settle();
    void this.finish(false);
  }

  private settle(): void {
    if (this.settled) throw new ClosedError('table transaction');
    this.settled = true;
    this.end();
  }
}
