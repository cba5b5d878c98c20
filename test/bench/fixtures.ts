// Fixed results for the report tests: figures chosen so every ratio is a round number.

import type { EngineName } from '../../bench/harness/engines/engine.js';
import type { EngineRun, RunResults, WorkloadResult } from '../../bench/harness/results.js';
import { evaluateTargets } from '../../bench/harness/targets.js';
import type { WorkloadName } from '../../bench/harness/workloads.js';

const LABELS: Record<EngineName, string> = { sett: 'sett', leveldb: 'LevelDB', rocksdb: 'RocksDB', lmdb: 'LMDB' };

export function result(engine: EngineName, workload: WorkloadName, opsPerSec: number, extra: Partial<WorkloadResult> = {}): WorkloadResult {
  return {
    workload,
    engine,
    ops: 1000,
    latencyOf: 'get',
    ms: 1000,
    opsPerSec,
    latency: { count: 1000, meanNs: 2000, minNs: 500, p50Ns: 1500, p99Ns: 25_000, p999Ns: 3_000_000, maxNs: 4_000_000 },
    settleMs: 0,
    userBytesWritten: 0,
    storageBytesWritten: 0,
    writeAmp: undefined,
    diskBytes: 2 * 1048576,
    liveBytes: 1048576,
    spaceAmp: 2,
    peakRssBytes: 100 * 1048576,
    durability: 'sync: false',
    api: 'getSync',
    problem: undefined,
    ...extra,
  };
}

export function engineRun(engine: EngineName, results: WorkloadResult[]): EngineRun {
  return {
    engine,
    label: LABELS[engine],
    provider: `${engine} 1.0.0`,
    durability: { normal: { setting: 'sync: false', meaning: 'not fsynced' }, durable: { setting: 'sync: true', meaning: 'fsynced' } },
    readApi: 'getSync',
    baselineRssBytes: 50 * 1048576,
    peakRssPerWorkload: true,
    results,
    describe: {},
    error: undefined,
    ms: 1000,
  };
}

export function runResults(engines: EngineRun[], workloads: WorkloadName[]): RunResults {
  return {
    format: 'sett-bench/1',
    startedAt: '2026-01-02T03:04:05.000Z',
    totalMs: 61_000,
    argv: ['--quick'],
    plan: {
      quick: true,
      seed: 301,
      num: 50_000,
      valueBytes: 100,
      reads: 50_000,
      seeks: 5_000,
      deletes: 25_000,
      fill4kEntries: 4096,
      fill64kEntries: 256,
      syncOps: 500,
      ycsbOps: 2000,
      quietMs: 200,
    },
    workloads,
    machine: { node: 'v20.0.0', platform: 'linux 6 x64', cpu: 'Test CPU', cores: 2, memoryBytes: 8 * 1024 ** 3, loadAverage: [1, 2, 3], tmpdir: '/tmp' },
    engines,
    targets: evaluateTargets(engines),
  };
}

/** sett twice LevelDB's rate on fillrandom, half LMDB's on readrandom, its readrandom invalid against RocksDB. */
export function sample(): RunResults {
  return runResults(
    [
      engineRun('sett', [result('sett', 'fillrandom', 200_000, { latencyOf: 'batch of 1000', writeAmp: 1.5 }), result('sett', 'readrandom', 400_000)]),
      engineRun('leveldb', [result('leveldb', 'fillrandom', 100_000, { latencyOf: 'batch of 1000' }), result('leveldb', 'readrandom', 100_000)]),
      engineRun('rocksdb', [result('rocksdb', 'readrandom', 50_000, { problem: 'found 3 of 1000 existing keys' })]),
      engineRun('lmdb', [result('lmdb', 'fillrandom', 400_000), result('lmdb', 'readrandom', 800_000)]),
    ],
    ['fillrandom', 'readrandom'],
  );
}
