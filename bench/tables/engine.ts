// The one interface every engine of `npm run bench:tables` implements: sett's table layer
// (sett.ts), the hybrid layer (hybrid.ts) and better-sqlite3 (sqlite.ts). Each runs alone in its own child process, so every
// call site in workloads.ts is monomorphic.
//
// Calls that one engine answers synchronously and the other with a promise return either: the
// workloads await only promises, so a synchronous engine pays no microtask it would not pay in
// real use.

import type { UserRow } from './data.js';
import type { Operation, TableEngineName } from './plan.js';

export type Row = Record<string, unknown>;

export interface Durability {
  /** The setting as the engine names it, e.g. "synchronous = NORMAL (WAL)". */
  setting: string;
  /** What a resolved write promises, in a sentence. */
  meaning: string;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
  /** Encoded bytes of the rows cached. */
  bytes: number;
}

export interface TableEngine {
  readonly name: TableEngineName;
  /** How reports name it. */
  readonly label: string;
  /** The package and version, e.g. "better-sqlite3 12.11.1 (SQLite 3.50.4)". */
  readonly provider: string;
  readonly durability: Durability;
  /** The memory the engine is configured to use for caching (both run with their defaults). */
  readonly memory: string;
  /** The calls each operation makes, for the report. */
  readonly apis: Readonly<Record<Operation, string>>;
  /** Opens a fresh database in `dir` and creates the users table with its two indexes. */
  open(dir: string): Promise<void>;
  /** Inserts the rows in one atomic statement; returns the id given to the last one. */
  insertBatch(rows: UserRow[]): number | Promise<number>;
  /** The row with this id. */
  get(id: number): Row | undefined;
  /** The same through an async call, where the engine has one; undefined where it has none. */
  readonly getAsync: ((id: number) => Promise<Row | undefined>) | undefined;
  /** The row with this email (unique index). */
  byEmail(email: string): Row | undefined;
  /** `age = ? ORDER BY id LIMIT limit`. */
  byAge(age: number, limit: number): Row[];
  /** Sets `city` of the row with this id in its own statement; returns the rows matched. */
  updateCity(id: number, city: string): number | Promise<number>;
  /** Inserts one row in its own statement; returns its id. */
  insertOne(row: UserRow): number | Promise<number>;
  /** Full scan filtered on the unindexed city; returns how many rows matched. */
  filterCity(city: string): number;
  /** Resolves once background work (flushes, compactions) is done; untimed. */
  settle(): Promise<void>;
  close(): Promise<void>;
  /** The row cache's counters (the hybrid layer's `stats()`), where the engine has one. */
  cacheStats?(): CacheCounters;
  /** The engine's own summary of its state, for the JSON results. */
  describe(): unknown;
}
