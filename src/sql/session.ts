// A session: one connection's state — its current database (USE) and its open transaction
// (BEGIN ... COMMIT) — and `execute`, which parses a statement and dispatches it. Statements of one
// session run one at a time, in call order.

import type { Hybrid } from '../hybrid/index.js';
import { accessOf, type StatementEnv, type TableAccess } from './access.js';
import { Databases, DEFAULT_DATABASE } from './databases.js';
import { alterTable, createIndex, createTable, dropIndex, dropTables, truncateTables } from './ddl-statements.js';
import { invalid, SqlError, toSqlError, unsupported } from './errors.js';
import type { HybridTransaction } from './hybrid-types.js';
import { runInsert } from './insert.js';
import { runDelete, runUpdate } from './modify.js';
import { parseSql, type Node } from './parse.js';
import { pointSelect } from './point-select.js';
import { runSelect } from './select.js';
import { describeTable, explainSelect, showDatabases, showIndex, showTables } from './show.js';
import { emptyResult, type SqlResult } from './types.js';

interface OpenTransaction {
  db: string;
  h: Hybrid;
  tx: HybridTransaction;
  access?: TableAccess;
}

const noop = (): void => undefined;
const DDL = new Set(['create', 'drop', 'alter', 'truncate', 'rename']);
const WRITES = new Set(['insert', 'replace', 'update', 'delete']);

export class SqlSession {
  private current = DEFAULT_DATABASE;
  private open: OpenTransaction | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private ended = false;
  /** Autocommit access per database, kept while the database's hybrid stays the same one. */
  private readonly accesses = new Map<string, TableAccess>();

  /** @internal Use `SqlDatabase.session()`. */
  constructor(
    private readonly dbs: Databases,
    private readonly onEnd: (s: SqlSession) => void,
  ) {}

  /** The session's current database (USE changes it). */
  get database(): string {
    return this.current;
  }

  /** Whether BEGIN / START TRANSACTION opened a transaction that COMMIT or ROLLBACK has not ended. */
  get inTransaction(): boolean {
    return this.open !== undefined;
  }

  /** Runs one statement (or several separated by `;`, returning the last one's result); `?` placeholders take `params` in order. */
  execute(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    // Statements run one at a time in call order; one called when none is waiting starts at once
    // instead of a tick later behind a settled queue.
    const next = (): Promise<SqlResult> => this.run(sql, params);
    this.pending++;
    // The queue may hold a rejected statement: the next one runs after it either way.
    const run = this.pending === 1 ? next() : this.queue.then(next, next);
    this.queue = run;
    return run;
  }

  /** Statements called and not yet settled (run() counts itself out when it ends). */
  private pending = 0;

  /** Rolls back an open transaction; the session can no longer execute. */
  async end(): Promise<void> {
    await this.queue.then(noop, noop);
    this.rollbackOpen();
    this.ended = true;
    this.onEnd(this);
  }

  /** @internal */
  rollbackOpen(): void {
    this.open?.tx.rollback();
    this.open = undefined;
  }

  private async run(sql: string, params: readonly unknown[]): Promise<SqlResult> {
    try {
      if (this.ended) throw new SqlError('CLOSED', 'ER_UNKNOWN_ERROR', 'the SQL session has ended');
      if (!Array.isArray(params)) throw invalid('execute(sql, params): params must be an array');
      const parsed = parseSql(sql);
      if (parsed.placeholders !== params.length) throw invalid(`Incorrect arguments: the statement has ${parsed.placeholders} placeholders (?) and ${params.length} values were given`);
      if (parsed.statements.length === 0) throw new SqlError('INVALID_ARGUMENT', 'ER_PARSE_ERROR', 'Query was empty');
      if (parsed.statements.length === 1 && parsed.statements[0].type === 'select') {
        // The statement applications repeat most answers without dispatch's promise.
        let point: SqlResult | undefined;
        try {
          point = pointSelect(parsed.statements[0], params, this.now);
        } catch (e) {
          throw toSqlError(e, this.current);
        }
        if (point !== undefined) return point;
      }
      let result: SqlResult = emptyResult();
      for (const ast of parsed.statements) {
        const type = String(ast.type);
        try {
          result = await this.dispatch(ast, params);
        } catch (e) {
          const err = toSqlError(e, this.current);
          // A failed write may have written part of itself into the transaction: the whole transaction is rolled back.
          if (this.open !== undefined && WRITES.has(type)) {
            this.rollbackOpen();
            Object.defineProperty(err, 'transactionRolledBack', { value: true, enumerable: true });
          }
          throw err;
        }
      }
      return result;
    } finally {
      this.pending--;
    }
  }

  /** accessNow for statements that need nothing else of an env. */
  private readonly now: Pick<StatementEnv, 'accessNow'> = { accessNow: (db) => this.accessNow(db) };

  private accessNow(db: string | null | undefined): TableAccess | undefined {
    const name = db ?? this.current;
    if (this.open !== undefined) return this.transactionAccess(name);
    const h = this.dbs.opened(name);
    return h === undefined ? undefined : this.autocommitAccess(name, h);
  }

  private env(params: readonly unknown[]): StatementEnv {
    return {
      database: this.current,
      params,
      access: async (db): Promise<TableAccess> => {
        const name = db ?? this.current;
        if (this.open !== undefined) return this.transactionAccess(name);
        return this.autocommitAccess(name, await this.dbs.get(name));
      },
      accessNow: (db) => this.accessNow(db),
    };
  }

  private transactionAccess(name: string): TableAccess {
    const open = this.open!;
    if (name !== open.db) throw unsupported(`a transaction over two databases (it began in '${open.db}')`);
    return (open.access ??= accessOf(open.h, name, open.tx));
  }

  private autocommitAccess(name: string, h: Hybrid): TableAccess {
    let a = this.accesses.get(name);
    if (a?.h !== h) {
      a = accessOf(h, name);
      this.accesses.set(name, a);
    }
    return a;
  }

  private async dispatch(ast: Node, params: readonly unknown[]): Promise<SqlResult> {
    const type = String(ast.type);
    // MySQL commits an open transaction before DDL (implicit commit).
    if (DDL.has(type) && this.open !== undefined) await this.commit();
    const env = this.env(params);
    const keyword = String(ast.keyword ?? '').toLowerCase();
    switch (type) {
      case 'select':
        return runSelect(ast, env);
      case 'insert':
      case 'replace':
        return runInsert(ast, env);
      case 'update':
        return runUpdate(ast, env);
      case 'delete':
        return runDelete(ast, env);
      case 'create':
        if (keyword === 'database' || keyword === 'schema') {
          const created = await this.dbs.create(databaseName(ast.database ?? ast.name), Boolean(ast.if_not_exists));
          return emptyResult(created ? 1 : 0);
        }
        if (keyword === 'table') return createTable(ast, env);
        if (keyword === 'index') return createIndex(ast, env);
        throw unsupported(`CREATE ${keyword.toUpperCase()}`);
      case 'drop':
        if (keyword === 'database' || keyword === 'schema') {
          const name = databaseName(ast.name);
          const dropped = await this.dbs.drop(name, String(ast.prefix ?? '').toLowerCase().replace(/\s+/g, '') === 'ifexists');
          return emptyResult(dropped ? 1 : 0);
        }
        if (keyword === 'table') return dropTables(ast, env);
        if (keyword === 'index') return dropIndex(ast, env);
        throw unsupported(`DROP ${keyword.toUpperCase()}`);
      case 'alter':
        if (ast.keyword !== undefined && keyword !== 'table' && keyword !== '') throw unsupported(`ALTER ${keyword.toUpperCase()}`);
        return alterTable(ast, env);
      case 'truncate':
        return truncateTables(ast, env);
      case 'use': {
        const name = databaseName(ast.db);
        if (!(await this.dbs.exists(name))) throw new SqlError('INVALID_ARGUMENT', 'ER_BAD_DB_ERROR', `Unknown database '${name}'`);
        this.current = name;
        return emptyResult();
      }
      case 'show':
        return this.show(ast, env);
      case 'desc':
        return describeTable(env, null, tableName(ast.table));
      case 'explain':
        return explainSelect(ast.expr, env);
      case 'transaction':
        return this.transaction(ast);
      default:
        throw unsupported(`the statement ${type.toUpperCase()}`);
    }
  }

  private async show(ast: Node, env: StatementEnv): Promise<SqlResult> {
    const keyword = String(ast.keyword ?? '').toLowerCase();
    const from = Array.isArray(ast.from) ? ast.from[0] : ast.from;
    switch (keyword) {
      case 'databases':
      case 'schemas':
        return showDatabases(this.dbs);
      case 'tables':
        return showTables(env, from === undefined || from === null ? null : typeof from === 'string' ? from : (from.table ?? from.db));
      case 'columns':
      case 'fields':
        return describeTable(env, from?.db, tableName(from));
      case 'index':
      case 'indexes':
      case 'keys':
        return showIndex(env, from?.db, tableName(from));
      default:
        throw unsupported(`SHOW ${keyword.toUpperCase()}`);
    }
  }

  private async transaction(ast: Node): Promise<SqlResult> {
    const action = String(ast.expr?.action?.value ?? ast.expr?.action ?? '').toLowerCase();
    if (action === 'begin' || action === 'start') {
      // MySQL: BEGIN inside a transaction commits it first.
      if (this.open !== undefined) await this.commit();
      const h = await this.dbs.get(this.current);
      this.open = { db: this.current, h, tx: h.begin() };
      return emptyResult();
    }
    if (action === 'commit') {
      await this.commit();
      return emptyResult();
    }
    if (action === 'rollback') {
      this.rollbackOpen();
      return emptyResult();
    }
    throw unsupported(`the transaction statement ${action.toUpperCase()}`);
  }

  private async commit(): Promise<void> {
    const open = this.open;
    if (open === undefined) return;
    this.open = undefined;
    try {
      await open.tx.commit();
    } catch (e) {
      open.tx.rollback();
      throw e;
    }
  }
}

function databaseName(node: Node): string {
  if (typeof node === 'string') return node;
  if (node?.schema?.[0]?.value !== undefined) return String(node.schema[0].value);
  if (Array.isArray(node)) return databaseName(node[0]);
  return String(node?.value ?? node?.db ?? node?.table ?? node);
}

function tableName(node: Node): string {
  if (typeof node === 'string') return node;
  return String(node?.table ?? node?.value ?? node);
}
