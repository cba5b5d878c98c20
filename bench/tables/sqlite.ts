// better-sqlite3 on the bench:tables workload: WAL mode, synchronous = NORMAL, prepared
// statements, the same schema as sett's table (UNIQUE email, index by_age on age). Everything
// else stays at SQLite's defaults (page size, cache size, auto-checkpoint at 1,000 pages), as
// sett runs with its default engine options. `sqlite-memory` is the same on `:memory:` (the
// database in SQLite's page cache, journal_mode = MEMORY, nothing on disk), beside the hybrid
// layer's memory tables.
//
// `INTEGER PRIMARY KEY AUTOINCREMENT`: ids are never reused, as TABLES.md §7 promises for sett's
// auto-increment ("like SQLite's AUTOINCREMENT"); it costs SQLite an update of sqlite_sequence
// per insert statement.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { packageVersion } from '../harness/engines/engine.js';
import type { UserRow } from './data.js';
import type { Durability, Row, TableEngine } from './engine.js';
import { TABLE_ENGINE_LABELS, type Operation } from './plan.js';

const require = createRequire(import.meta.url);

export const SQLITE_SCHEMA = [
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name VARCHAR(64),
     email VARCHAR(255) UNIQUE,
     age INT,
     city VARCHAR(64))`,
  'CREATE INDEX by_age ON users (age)',
];

interface Statements {
  insert: BetterSqlite3.Statement<[UserRow]>;
  get: BetterSqlite3.Statement<[number], Row>;
  byEmail: BetterSqlite3.Statement<[string], Row>;
  byAge: BetterSqlite3.Statement<[number, number], Row>;
  update: BetterSqlite3.Statement<[string, number]>;
  filter: BetterSqlite3.Statement<[string], Row>;
  insertMany: BetterSqlite3.Transaction<(rows: UserRow[]) => number>;
}

export class SqliteTableEngine implements TableEngine {
  readonly name: 'sqlite' | 'sqlite-memory';
  readonly label: string;
  readonly provider: string;
  readonly durability: Durability;
  readonly memory: string;
  readonly apis: Record<Operation, string> = {
    insert: 'db.transaction(() => INSERT.run x1000)',
    'get-cold': 'SELECT * WHERE id = ? .get',
    'get-prepass': 'SELECT * WHERE id = ? .get',
    get: 'SELECT * WHERE id = ? .get',
    'get-async': '(none: .get above)',
    'unique-get': 'SELECT * WHERE email = ? .get',
    'index-eq': 'SELECT * WHERE age = ? ORDER BY id LIMIT ? .all',
    update: 'UPDATE SET city = ? WHERE id = ? .run (autocommit)',
    'insert-single': 'INSERT .run (autocommit)',
    'scan-filter': 'SELECT * WHERE city = ? .all',
  };
  readonly getAsync = undefined;
  private db: BetterSqlite3.Database | undefined;
  private st: Statements | undefined;

  /** `inMemory`: the database is `:memory:` (the `sqlite-memory` engine). */
  constructor(private readonly inMemory = false) {
    this.name = inMemory ? 'sqlite-memory' : 'sqlite';
    this.label = TABLE_ENGINE_LABELS[this.name];
    this.durability = inMemory
      ? { setting: ':memory: (journal_mode = MEMORY)', meaning: 'none: the database lives in the process and is gone when it exits' }
      : {
          setting: 'journal_mode = WAL, synchronous = NORMAL',
          meaning: 'commits are written to the WAL, not fsynced (the WAL is fsynced at checkpoints): survives a process kill, a power loss may drop the last commits',
        };
    this.memory = inMemory
      ? 'the whole database in its page cache (:memory: grows it as needed)'
      : 'page cache: cache_size -2000 (2 MiB, the default); the OS page cache holds the rest of the file';
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const probe = new Database(':memory:');
    const version = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    probe.close();
    this.provider = `better-sqlite3 ${packageVersion(require, 'better-sqlite3')} (SQLite ${version})`;
  }

  async open(dir: string): Promise<void> {
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(this.inMemory ? ':memory:' : join(dir, 'users.db'));
    if (!this.inMemory) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    for (const sql of SQLITE_SCHEMA) db.exec(sql);
    const insert = db.prepare<[UserRow]>('INSERT INTO users (name, email, age, city) VALUES (@name, @email, @age, @city)');
    this.st = {
      insert,
      get: db.prepare<[number], Row>('SELECT * FROM users WHERE id = ?'),
      byEmail: db.prepare<[string], Row>('SELECT * FROM users WHERE email = ?'),
      byAge: db.prepare<[number, number], Row>('SELECT * FROM users WHERE age = ? ORDER BY id LIMIT ?'),
      update: db.prepare<[string, number]>('UPDATE users SET city = ? WHERE id = ?'),
      filter: db.prepare<[string], Row>('SELECT * FROM users WHERE city = ?'),
      insertMany: db.transaction((rows: UserRow[]): number => {
        let last = 0;
        for (const row of rows) last = Number(insert.run(row).lastInsertRowid);
        return last;
      }),
    };
    this.db = db;
  }

  insertBatch(rows: UserRow[]): number {
    return this.s().insertMany(rows);
  }

  get(id: number): Row | undefined {
    return this.s().get.get(id);
  }

  byEmail(email: string): Row | undefined {
    return this.s().byEmail.get(email);
  }

  byAge(age: number, limit: number): Row[] {
    return this.s().byAge.all(age, limit);
  }

  updateCity(id: number, city: string): number {
    return this.s().update.run(city, id).changes;
  }

  insertOne(row: UserRow): number {
    return Number(this.s().insert.run(row).lastInsertRowid);
  }

  filterCity(city: string): number {
    return this.s().filter.all(city).length;
  }

  async settle(): Promise<void> {
    // SQLite does its checkpoints inside the commits that cross the threshold: nothing runs later.
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.st = undefined;
    db?.close();
  }

  describe(): unknown {
    const db = this.db;
    if (db === undefined) return {};
    return {
      file: this.inMemory ? ':memory:' : 'users.db',
      journalMode: db.pragma('journal_mode', { simple: true }),
      pageSize: db.pragma('page_size', { simple: true }),
      pageCount: db.pragma('page_count', { simple: true }),
      cacheSize: db.pragma('cache_size', { simple: true }),
      walAutocheckpoint: db.pragma('wal_autocheckpoint', { simple: true }),
    };
  }

  private s(): Statements {
    if (this.st === undefined) throw new Error('SQLite is not open');
    return this.st;
  }
}
