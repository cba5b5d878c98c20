// The performance targets of issues 9 and 14, read off a run's results: each compares sett's ops/s on one
// workload with a baseline (a peer's ops/s on the same workload, or sett's own on another). They
// are reported, PASS or MISS, never asserted: machines differ.

import type { EngineName } from './engines/engine.js';
import type { EngineRun } from './results.js';
import type { WorkloadName } from './workloads.js';

export interface Target {
  label: string;
  workload: WorkloadName;
  against: { engine: EngineName; workload: WorkloadName };
  min: number;
  /** How the two sides are measured, when that needs saying. */
  note?: string;
}

export const TARGETS: readonly Target[] = [
  { label: 'fillrandom >= 1.0x LevelDB', workload: 'fillrandom', against: { engine: 'leveldb', workload: 'fillrandom' }, min: 1.0 },
  {
    label: 'readrandom >= 1.0x LevelDB',
    workload: 'readrandom',
    against: { engine: 'leveldb', workload: 'readrandom' },
    min: 1.0,
    note: 'sett getSync vs classic-level getSync (both synchronous)',
  },
  { label: 'readrandom >= 0.5x LMDB', workload: 'readrandom', against: { engine: 'lmdb', workload: 'readrandom' }, min: 0.5, note: 'sett getSync vs LMDB get (sync)' },
  { label: 'readseq >= 1.0x LevelDB', workload: 'readseq', against: { engine: 'leveldb', workload: 'readseq' }, min: 1.0 },
  { label: 'fill4k >= 2.0x LevelDB', workload: 'fill4k', against: { engine: 'leveldb', workload: 'fill4k' }, min: 2.0 },
  {
    label: 'syncwrite1 >= 1.0x LevelDB',
    workload: 'syncwrite1',
    against: { engine: 'leveldb', workload: 'syncwrite1' },
    min: 1.0,
    note: 'one writer, each durable put awaited (sett syncWrites vs LevelDB sync: true)',
  },
  {
    label: 'syncwrite64 >= 10x syncwrite1',
    workload: 'syncwrite64',
    against: { engine: 'sett', workload: 'syncwrite1' },
    min: 10,
    note: 'sett with 64 durable writers vs sett with one',
  },
];

export type TargetStatus = 'PASS' | 'MISS' | 'INVALID' | 'n/a';

export interface TargetResult {
  label: string;
  min: number;
  /** sett's ops/s over the baseline's; undefined when either side did not run. */
  ratio: number | undefined;
  status: TargetStatus;
  note: string | undefined;
}

export function evaluateTargets(runs: readonly EngineRun[], targets: readonly Target[] = TARGETS): TargetResult[] {
  const find = (engine: EngineName, workload: WorkloadName) => runs.find((r) => r.engine === engine)?.results.find((r) => r.workload === workload);
  return targets.map((t) => {
    const mine = find('sett', t.workload);
    const base = find(t.against.engine, t.against.workload);
    const note = t.note;
    if (mine === undefined || base === undefined) return { label: t.label, min: t.min, ratio: undefined, status: 'n/a', note };
    const ratio = mine.opsPerSec / base.opsPerSec;
    if (mine.problem !== undefined || base.problem !== undefined || !Number.isFinite(ratio)) return { label: t.label, min: t.min, ratio, status: 'INVALID', note };
    return { label: t.label, min: t.min, ratio, status: ratio >= t.min ? 'PASS' : 'MISS', note };
  });
}
