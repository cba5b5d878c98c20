// The shape of a bench:tables run: what each child reports per operation, and the JSON file
// (bench/results/tables-<timestamp>.json) the parent writes. Plain data: it crosses the IPC
// channel and JSON as is.

import type { LatencySummary } from '../harness/histogram.js';
import type { MachineInfo } from '../harness/machine.js';
import type { Durability } from './engine.js';
import type { Operation, PairName, TableEngineName, TablesPlan } from './plan.js';

export interface OperationResult {
  operation: Operation;
  engine: TableEngineName;
  /** Rows inserted, rows read, queries, updates or scans. */
  ops: number;
  /** What one op (and one latency sample) is: "row" (latency per batch for the batched insert), "get", "query", "scan". */
  unit: string;
  /** What one latency sample timed. */
  latencyOf: string;
  /** Wall time of the operations: input generation excluded, one event-loop turn per 1,000 operations included. */
  ms: number;
  opsPerSec: number;
  latency: LatencySummary | undefined;
  /** Untimed wait for the engine's background work after a writing operation. */
  settleMs: number;
  /** Peak RSS of the engine's process during the operation (since the last reset where possible). */
  peakRssBytes: number;
  /** Allocated bytes of the database directory afterwards. */
  diskBytes: number;
  /** Bytes the process dirtied for storage during the operation and its settle (/proc/self/io). */
  storageBytesWritten: number;
  api: string;
  /** Set when the engine answered wrongly (a missing row, a wrong count): its figure is not comparable. */
  problem: string | undefined;
  /** The hybrid row cache's counters over the operation (`h.stats()` before and after), where the engine has a cache. */
  cache?: OperationCache | undefined;
}

export interface OperationCache {
  hits: number;
  misses: number;
  /** hits / (hits + misses); undefined when the operation read nothing through the cache. */
  hitRate: number | undefined;
  evictions: number;
  /** The cache's size in encoded row bytes after the operation. */
  bytes: number;
}

export interface TablesEngineRun {
  engine: TableEngineName;
  label: string;
  provider: string;
  durability: Durability;
  /** Its cache settings, as the engine states them. */
  memory: string;
  /** RSS of the child before it opened a database. */
  baselineRssBytes: number;
  /** The highest peak RSS over the measured operations (the warm-up excluded). */
  peakRssBytes: number;
  peakRssPerOperation: boolean;
  warmUpMs: number;
  results: OperationResult[];
  /** The engine's own summary of the database before it was closed (sett: its query plans too). */
  describe: unknown;
  error: string | undefined;
  ms: number;
}

export type Check = 'PASS' | 'MISS' | 'INVALID' | 'n/a';

export interface Comparison {
  /** Which pair (plan.ts PAIRS): 'disk' is sett / SQLite, 'memory' hybrid memory tables / SQLite :memory:. */
  pair: PairName;
  operation: Operation;
  label: string;
  /** ops/s of the pair's sett side (sett, or hybrid memory). */
  sett: number | undefined;
  /** ops/s of the pair's SQLite side (SQLite, or SQLite :memory:). */
  sqlite: number | undefined;
  /** sett / SQLite ops/s. */
  ratio: number | undefined;
  target: number | undefined;
  check: Check;
}

/** The row cache comparison: warm primary-key gets of the cached persistent table over the uncached one. */
export interface CacheComparison {
  operation: Operation;
  cached: number | undefined;
  uncached: number | undefined;
  /** cached / uncached ops/s. */
  ratio: number | undefined;
  target: number;
  check: Check;
  /** The cached table's cache hits over the measured gets (`h.stats()`), and over its pre-pass. */
  hitRate: number | undefined;
  prepassHitRate: number | undefined;
  cacheBytes: number | undefined;
  evictions: number | undefined;
}

export interface TablesResults {
  /** 2: memory pair, cache comparison and Comparison.pair added. */
  format: 'sett-bench-tables/2';
  startedAt: string;
  totalMs: number;
  argv: string[];
  plan: TablesPlan;
  machine: MachineInfo;
  /** 1, 5 and 15 minute load averages when the run ended (the machine's at the start). */
  loadAverageAtEnd: [number, number, number];
  engines: TablesEngineRun[];
  /** Both pairs' comparisons, the disk pair's first. */
  comparisons: Comparison[];
  /** Undefined when neither cache engine ran. */
  cache: CacheComparison | undefined;
}
