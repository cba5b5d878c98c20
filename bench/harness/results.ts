// The shape of a run's results: what each child reports per workload, and the JSON file
// (bench/results/<timestamp>.json) the parent writes. Plain data, so it crosses the IPC channel
// and JSON as is.

import type { Durability, EngineName } from './engines/engine.js';
import type { LatencySummary } from './histogram.js';
import type { MachineInfo } from './machine.js';
import type { Plan } from './plan.js';
import type { TargetResult } from './targets.js';
import type { WorkloadName } from './workloads.js';

export interface WorkloadResult {
  workload: WorkloadName;
  engine: EngineName;
  /** Entries written, keys read, entries scanned or YCSB operations. */
  ops: number;
  /** What one latency sample timed, e.g. "batch of 1000" or "get". */
  latencyOf: string;
  /** Wall time of the operations (input generation between chunks excluded; background work after the last write excluded). */
  ms: number;
  opsPerSec: number;
  /** Undefined for whole-scan workloads, which are timed as a whole. */
  latency: LatencySummary | undefined;
  /** Time the engine took afterwards to finish its background work (untimed in ops/s). */
  settleMs: number;
  /** Key + value bytes the workload wrote (keys only for deletes). */
  userBytesWritten: number;
  /** Bytes the process dirtied for storage during the workload and its settle (/proc/self/io write_bytes). */
  storageBytesWritten: number;
  /** storage / user bytes; undefined for workloads that write nothing. */
  writeAmp: number | undefined;
  /** Allocated bytes of the database directory after the workload (and settle). */
  diskBytes: number;
  /** Key + value bytes of the live entries after the workload. */
  liveBytes: number;
  /** disk / live bytes; undefined when nothing is live. */
  spaceAmp: number | undefined;
  /** Peak RSS of the engine's process during the workload (since the last reset where possible). */
  peakRssBytes: number;
  durability: string;
  /** The calls the workload used, e.g. "batch", "getSync", "get (async)". */
  api: string;
  /** Set when the engine answered wrongly (a missing key, a wrong scan count): its figures are not comparable. */
  problem: string | undefined;
}

export interface EngineRun {
  engine: EngineName;
  label: string;
  provider: string;
  /** The engine's durability setting in the ordinary workloads and in the syncwrite ones. */
  durability: { normal: Durability; durable: Durability };
  /** How readrandom reads, e.g. "getSync". */
  readApi: string;
  /** RSS of the child before the engine opened its first database. */
  baselineRssBytes: number;
  /** Whether peak RSS could be reset per workload (Linux); otherwise it is the peak since the child started. */
  peakRssPerWorkload: boolean;
  results: WorkloadResult[];
  /** The engine's own summary of each group's database before it was closed. */
  describe: Record<string, unknown>;
  /** Set when the engine's process failed; the results before the failure stand. */
  error: string | undefined;
  ms: number;
}

export interface RunResults {
  format: 'sett-bench/1';
  startedAt: string;
  totalMs: number;
  argv: string[];
  plan: Plan;
  workloads: WorkloadName[];
  machine: MachineInfo;
  engines: EngineRun[];
  targets: TargetResult[];
}
