// Crash points of the mixed workload: every sync (fdatasync), rename and directory sync of a run,
// named by its cause — the WAL (a commit's sync, a rotation's), a flush (its table, the directory,
// the value log before the MANIFEST names the table, the MANIFEST record), a compaction (its
// outputs, the directory, its MANIFEST record), a MANIFEST rewrite (the new file, its rename, the
// directory), the value log (a group's sync, a rotation's old file, new file and directory), GC
// (its syncs, the DISCARD file's sync, rename and directory sync, the directory sync after a
// collected file's unlink), open and close — then a sample of them that covers every cause.

import type { Rng } from '../../src/base/index.js';
import type { FsOp } from '../../src/fs/index.js';
import { callStack, type LaggingExecutor, type SpyFS } from './naming.js';

/** The operations a crash is placed at. */
export const POINT_OPS: readonly FsOp[] = ['sync', 'rename', 'syncDir'];

/** Coarse kinds, for the report: which part of the engine a crash point belongs to. */
export const KINDS = ['WAL', 'flush', 'compaction', 'MANIFEST', 'vlog', 'GC', 'open/close'] as const;
export type Kind = (typeof KINDS)[number];

const KIND_OF: Readonly<Record<string, Kind>> = {
  'wal-commit': 'WAL',
  'wal-rotation': 'WAL',
  'wal-new': 'WAL',
  flush: 'flush',
  'manifest-flush': 'flush',
  'vlog-flush': 'flush',
  compaction: 'compaction',
  'manifest-compaction': 'compaction',
  'manifest-move': 'compaction',
  'manifest-rewrite': 'MANIFEST',
  'vlog-group': 'vlog',
  'vlog-rotation': 'vlog',
  'vlog-new': 'vlog',
  gc: 'GC',
  'gc-delete': 'GC',
  discard: 'GC',
};

export function kindOf(category: string): Kind {
  return KIND_OF[category.slice(category.indexOf(':') + 1)] ?? 'open/close';
}

/** The engine step on the stack, for operations the file name alone does not place. */
function step(): string {
  const s = callStack();
  if (s.includes('syncAll')) return 'gc';
  if (s.includes('rewriteNow')) return 'manifest-rewrite';
  if (s.includes('saveNow')) return 'discard';
  if (s.includes('deleteFile')) return 'gc-delete';
  if (s.includes('createFile')) return s.includes('ValueLog.rotate') ? 'vlog-new' : 'open';
  if (s.includes('ValueLog.rotate')) return 'vlog-rotation';
  if (s.includes('Compactor.execute')) return 'compaction';
  if (s.includes('flushOne')) return 'flush';
  if (s.includes('separateValues')) return 'vlog-group';
  if (s.includes('Lsm.rotate')) return 'wal-rotation';
  if (s.includes('commitGroup')) return 'wal-commit';
  return 'open';
}

/**
 * `op:cause` for a crash-point operation, e.g. sync:wal-commit, syncDir:compaction,
 * sync:manifest-flush, rename:manifest-rewrite, sync:vlog-group, syncDir:gc-delete,
 * rename:discard. Called from the operation hook.
 */
export function causeOf(op: FsOp, path: string, fs: SpyFS, executor: LaggingExecutor): string {
  const s = step();
  let cause: string;
  if (path.endsWith('.sst')) cause = executor.compactionOutputs.has(path) ? 'compaction' : 'flush';
  else if (path.endsWith('.mem')) cause = s === 'gc' ? 'gc' : s === 'wal-rotation' ? ((fs.walAppends.get(path) ?? 0) <= 1 ? 'wal-new' : 'wal-rotation') : s === 'wal-commit' ? 'wal-commit' : isClose() ? 'close' : 'open';
  else if (path.endsWith('.vlog')) cause = s === 'flush' ? 'vlog-flush' : ['gc', 'vlog-new', 'vlog-rotation', 'vlog-group'].includes(s) ? s : isClose() ? 'close' : 'open';
  else if (path.includes('DISCARD')) cause = 'discard';
  else if (path.includes('MANIFEST-REWRITE')) cause = s === 'manifest-rewrite' ? 'manifest-rewrite' : 'open';
  else if (path.endsWith('/MANIFEST')) {
    const r = fs.lastRecord;
    fs.lastRecord = undefined;
    cause = s === 'manifest-rewrite' ? 'manifest-rewrite' : r === undefined ? 'open' : r.deletes.length === 0 ? 'manifest-flush' : r.adds.length > 0 && r.adds.every((id) => r.deletes.includes(id)) ? 'manifest-move' : 'manifest-compaction';
  } else cause = op === 'syncDir' && s === 'wal-rotation' ? 'wal-new' : s === 'gc' ? 'gc' : s;
  return `${op}:${cause}`;
}

function isClose(): boolean {
  return /\.close|doClose/.test(callStack());
}

export interface PointEntry {
  /** 1-based index of the operation in the run. */
  n: number;
  category: string;
}

export interface Point extends PointEntry {
  /** Before the operation takes effect, or right after it (before the next operation). */
  position: 'before' | 'after';
}

/**
 * The steps the suite exists for: a full run must crash at each of them (those of syncWrites true
 * only when the run has them: syncWrites false syncs no commit).
 */
export function requiredCauses(syncWrites: boolean): string[] {
  return [
    ...(syncWrites ? ['sync:wal-commit', 'sync:vlog-group'] : []),
    'sync:wal-rotation', // the old WAL, before writes move to a new one
    'sync:wal-new', // the new WAL's header, then its directory entry
    'syncDir:wal-new',
    'sync:flush', // the table, its directory entry, the value log, then the MANIFEST record
    'syncDir:flush',
    'sync:vlog-flush',
    'sync:manifest-flush',
    'sync:compaction', // the outputs, their directory entries, then the MANIFEST record
    'syncDir:compaction',
    'sync:manifest-compaction',
    'sync:manifest-rewrite', // MANIFEST-REWRITE, its rename over MANIFEST, the directory
    'rename:manifest-rewrite',
    'syncDir:manifest-rewrite',
    'sync:vlog-rotation', // the old value-log file, the new one's header and directory entry
    'sync:vlog-new',
    'syncDir:vlog-new',
    'sync:gc', // GC's syncs after its rewrites
    'sync:discard', // the DISCARD statistics: a temporary file, renamed, the directory synced
    'rename:discard',
    'syncDir:discard',
    'syncDir:gc-delete', // after a collected value-log file's unlink
  ];
}

/**
 * `count` crash points from a run's enumerated ones: the first three at required causes this run
 * has (the next present after index 3 × seed + m of the list, so twelve seeds and more cover them
 * all); then, alternately, one round-robin
 * over the causes present (starting at an offset that moves with the seed) and one uniform over all
 * points (so frequent causes get their share). Each is placed right before its operation (60%) or
 * right after it. A function of the seed and the run alone, so a replayed seed crashes at the
 * same points.
 */
const REQUIRED_PER_RUN = 3;

export function samplePoints(rng: Rng, seed: number, syncWrites: boolean, entries: readonly PointEntry[], count: number): Point[] {
  const byCategory = new Map<string, PointEntry[]>();
  for (const e of entries) byCategory.set(e.category, [...(byCategory.get(e.category) ?? []), e]);
  const categories = [...byCategory.keys()].sort();
  const points: Point[] = [];
  const position = (): Point['position'] => (rng.bool(0.6) ? 'before' : 'after');
  const any = <T>(items: readonly T[]): T => items[rng.int(items.length)]!;
  const required = requiredCauses(syncWrites);
  for (let m = 0; m < REQUIRED_PER_RUN && points.length < count; m++) {
    for (let k = 0; k < required.length; k++) {
      const list = byCategory.get(required[(REQUIRED_PER_RUN * seed + m + k) % required.length]!);
      if (list === undefined) continue;
      points.push({ ...any(list), position: position() });
      break;
    }
  }
  for (let k = 0; points.length < count && entries.length > 0; k++) {
    const e = k % 2 === 0 ? any(byCategory.get(categories[(seed * count + k / 2) % categories.length]!)!) : any(entries);
    points.push({ ...e, position: position() });
  }
  return points;
}
