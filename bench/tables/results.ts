// The shape of a bench:tables run: what each child reports per operation, and the JSON file
// (bench/results/tables-<timestamp>.json) the parent writes. Plain data: it crosses the IPC
// channel and JSON as is.

import type { LatencySummary } from '../harness/histogram.js';
import type { MachineInfo } from '../harness/machine.js';
import type { Durability } from './engine.js';
import type { Operation, TableEngineName, TablesPlan } from './plan.js';

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
  operation: Operation;
  label: string;
  sett: number | undefined;
  sqlite: number | undefined;
  /** sett / SQLite ops/s. */
  ratio: number | undefined;
  target: number | undefined;
  check: Check;
}

export interface TablesResults {
  format: 'sett-bench-tables/1';
  startedAt: string;
  totalMs: number;
  argv: string[];
  plan: TablesPlan;
  machine: MachineInfo;
  /** 1, 5 and 15 minute load averages when the run ended (the machine's at the start). */
  loadAverageAtEnd: [number, number, number];
  engines: TablesEngineRun[];
  comparisons: Comparison[];
}
