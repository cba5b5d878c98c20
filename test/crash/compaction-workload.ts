// The compaction and MANIFEST-rewrite workload (used by compaction.test.ts):
//   - writes (writes.ts) mixed with flatten(), compactL0(), dropPrefix(p) and dropAll(), and its model,
//     including a dropPrefix cut part-way by a crash;
//   - names for what each file-system operation is doing (a compaction's output, its directory
//     sync, its MANIFEST record, a MANIFEST rewrite...; naming.ts), so a test can aim crashes at
//     those steps and prove that it hit each of them;
//   - a tally of what the runs did.

import type { Rng } from '../../src/base/index.js';
import type { DB, OpenOptions } from '../../src/db/index.js';
import type { FsOp } from '../../src/fs/index.js';
import { matchPrefix } from './checks.js';
import { listCounts } from './harness.js';
import { callStack, type LaggingExecutor, type SpyFS } from './naming.js';
import { applyWrite, execWrite, makeWrites, type Write } from './writes.js';

/** Tiny memtables, tables and levels, and a MANIFEST that is rewritten whenever deletions pile up. */
export const COMPACTING: OpenOptions = {
  memTableSize: 16 * 1024,
  blockSize: 256,
  compression: 'none',
  baseTableSize: 4096,
  baseLevelSize: 8192,
  levelSizeMultiplier: 2,
  maxLevels: 5,
  numLevelZeroTables: 2,
  numLevelZeroTablesStall: 4,
  manifestRewriteThreshold: 3,
};

// ---- the workload ---------------------------------------------------------------------------

export type TreeOp = { kind: 'flatten' } | { kind: 'compactL0' } | { kind: 'dropPrefix'; prefix: string } | { kind: 'dropAll' };
export type Op = { kind: 'write'; write: Write } | TreeOp;

/**
 * `count` operations: runs of 10-50 writes (writes.ts's makeWrites: keys b{j}-{i}, p{j} and
 * "counter"), each followed by a tree operation. dropPrefix drops b1..b9 (about a ninth of the
 * batch keys), p1..p9, or every batch key.
 */
export function makeOps(rng: Rng, count: number): Op[] {
  const live = new Map<string, string>();
  const ops: Op[] = [];
  while (ops.length < count) {
    for (const w of makeWrites(rng, ops.length, 10 + rng.int(40), live)) ops.push({ kind: 'write', write: w });
    const r = rng.next();
    const digit = String(1 + rng.int(9));
    const op: TreeOp =
      r < 0.2
        ? { kind: 'flatten' }
        : r < 0.45
          ? { kind: 'compactL0' }
          : r < 0.8
            ? { kind: 'dropPrefix', prefix: rng.bool(0.2) ? 'b' : rng.bool(0.7) ? `b${digit}` : `p${digit}` }
            : { kind: 'dropAll' };
    applyOp(live, op);
    ops.push(op);
  }
  return ops;
}

export function applyOp(state: Map<string, string>, op: Op): void {
  if (op.kind === 'write') applyWrite(state, op.write);
  else if (op.kind === 'dropAll') state.clear();
  else if (op.kind === 'dropPrefix') for (const k of [...state.keys()]) if (k.startsWith(op.prefix)) state.delete(k);
}

export function execOp(db: DB, op: Op): Promise<void> {
  if (op.kind === 'write') return execWrite(db, op.write);
  if (op.kind === 'flatten') return db.flatten();
  if (op.kind === 'compactL0') return db.compactL0();
  if (op.kind === 'dropPrefix') return db.dropPrefix(op.prefix);
  return db.dropAll();
}

export function describeOp(op: Op): string {
  return op.kind === 'write' ? op.write.kind : op.kind === 'dropPrefix' ? `dropPrefix("${op.prefix}")` : `${op.kind}()`;
}

/** states[i] = the state after the first i operations. */
export function opStates(ops: readonly Op[]): Map<string, string>[] {
  const cur = new Map<string, string>();
  const out = [new Map(cur)];
  for (const op of ops) {
    applyOp(cur, op);
    out.push(new Map(cur));
  }
  return out;
}

/** Index of the last tree operation that resolved, or -1. */
export function lastResolvedTreeOp(ops: readonly Op[], resolved: readonly boolean[]): number {
  for (let j = resolved.length - 1; j >= 0; j--) if (resolved[j] === true && ops[j]!.kind !== 'write') return j;
  return -1;
}

export interface Recovered {
  /** The state equals states[prefix], or states[prefix] with some keys of a dropPrefix at `prefix` gone. */
  prefix: number;
  partialDrop: boolean;
}

/**
 * Which state `got` is: the state after a prefix of the operations in [lo, hi], or — a dropPrefix
 * is not atomic across a crash — the state before an unresolved, issued dropPrefix (op d, lo <= d
 * < hi) with some of its keys gone and every other key unchanged. A key whose value went back to an
 * older one is neither. Throws matchPrefix's message (the closest prefix and its difference).
 */
export function matchOps(got: [string, string][], ops: readonly Op[], states: readonly Map<string, string>[], lo: number, hi: number): Recovered {
  try {
    return { prefix: matchPrefix(got, states, lo, hi), partialDrop: false };
  } catch (err) {
    const gotMap = new Map(got);
    for (let d = Math.min(hi - 1, ops.length - 1); d >= lo; d--) {
      const op = ops[d]!;
      if (op.kind !== 'dropPrefix') continue;
      const before = states[d]!;
      let fits = true;
      for (const [k, v] of gotMap) if (before.get(k) !== v) fits = false;
      for (const k of before.keys()) if (!gotMap.has(k) && !k.startsWith(op.prefix)) fits = false;
      if (fits) return { prefix: d, partialDrop: true };
    }
    throw err;
  }
}

// ---- naming what each operation does ------------------------------------------------------

/** Which engine function is on the stack: the caller of a directory sync or a rewrite step. */
function caller(): string {
  const stack = callStack();
  if (stack.includes('rewriteNow')) return 'manifest-rewrite';
  if (stack.includes('Compactor.execute')) return 'compaction';
  if (stack.includes('flushOne')) return 'flush';
  if (stack.includes('rotate')) return 'rotation';
  return 'open';
}

/**
 * Names an operation `op:what`, e.g. append:compaction-output, syncDir:compaction,
 * append:manifest-compaction (a record that adds and deletes tables), unlink:compaction-input,
 * rename:manifest-rewrite. Called from the operation hook, so it sees the engine mid-step.
 */
export function categorize(op: FsOp, path: string, fs: SpyFS, executor: LaggingExecutor, dropAllInFlight: boolean): string {
  if (path.endsWith('.sst')) {
    if (op === 'unlink') return executor.compactionInputs.has(path) ? 'unlink:compaction-input' : 'unlink:table';
    if (executor.compactionOutputs.has(path)) return `${op}:compaction-output`;
    if (executor.flushOutputs.has(path)) return `${op}:flush-output`;
    return `${op}:table`;
  }
  if (path.endsWith('.mem')) return `${op}:wal`;
  if (op === 'syncDir') return `syncDir:${caller()}`;
  if (path.endsWith('/MANIFEST-REWRITE')) return `${op}:${caller() === 'manifest-rewrite' ? 'manifest-rewrite' : 'manifest-create'}`;
  if (path.endsWith('/MANIFEST')) {
    if (op === 'append' || op === 'sync') {
      const r = fs.lastRecord;
      if (op === 'sync') fs.lastRecord = undefined;
      if (r === undefined) return `${op}:manifest`;
      const kind =
        r.deletes.length === 0
          ? 'flush'
          : r.adds.length === 0
            ? dropAllInFlight
              ? 'dropall'
              : 'compaction'
            : r.adds.every((id) => r.deletes.includes(id))
              ? 'move'
              : 'compaction';
      return `${op}:manifest-${kind}`;
    }
    return caller() === 'manifest-rewrite' ? `${op}:manifest-rewrite` : `${op}:manifest`;
  }
  return `${op}:other`;
}

// ---- aiming crashes ------------------------------------------------------------------------

/** Crash points per workload: one counting pass serves each of them. */
export const POINTS_PER_SEED = 2;

/** The steps the compaction crash tests exist for: every full run must crash inside each of them. */
export const REQUIRED = [
  'append:compaction-output',
  'sync:compaction-output',
  'syncDir:compaction', // before the MANIFEST names the outputs
  'append:manifest-compaction',
  'sync:manifest-compaction',
  'unlink:compaction-input',
  'append:manifest-rewrite',
  'sync:manifest-rewrite',
  'rename:manifest-rewrite',
  'syncDir:manifest-rewrite',
];
/** Further steps crash points favour. */
export const FAVOURED = [
  ...REQUIRED,
  'open:compaction-output',
  'close:compaction-output',
  'append:manifest-move',
  'sync:manifest-move',
  'append:manifest-dropall',
  'sync:manifest-dropall',
  'unlink:table',
  'close:manifest-rewrite',
  'open:manifest-rewrite',
  'append:manifest-flush',
  'unlink:wal',
];

export interface TraceEntry {
  op: string;
  path: string;
  category: string;
  during: TreeOp['kind'] | undefined;
}

/**
 * The crash points of one workload: the first aims at the next required step this trace has
 * (rotating, so each run covers them all); the others are uniform over all operations (30%), over
 * the operations of one kind of tree operation (30%), or over one favoured step (40%).
 */
export function pickOperations(rng: Rng, seed: number, trace: readonly TraceEntry[]): number[] {
  const byCategory = new Map<string, number[]>();
  const byTreeOp = new Map<string, number[]>();
  trace.forEach((e, i) => {
    if (FAVOURED.includes(e.category)) byCategory.set(e.category, [...(byCategory.get(e.category) ?? []), i + 1]);
    if (e.during !== undefined) byTreeOp.set(e.during, [...(byTreeOp.get(e.during) ?? []), i + 1]);
  });
  const any = <T>(items: readonly T[]): T => items[rng.int(items.length)]!;
  const points: number[] = [];
  for (let k = 0; k < REQUIRED.length; k++) {
    const c = REQUIRED[(seed + k) % REQUIRED.length]!;
    if (!byCategory.has(c)) continue;
    points.push(any(byCategory.get(c)!));
    break;
  }
  while (points.length < POINTS_PER_SEED) {
    const r = rng.next();
    if (r < 0.3 || (r < 0.6 && byTreeOp.size === 0) || byCategory.size === 0) points.push(1 + rng.int(trace.length));
    else if (r < 0.6) points.push(any(byTreeOp.get(any([...byTreeOp.keys()].sort()))!));
    else points.push(any(byCategory.get(any([...byCategory.keys()].sort()))!));
  }
  return points;
}

// ---- what the runs did -------------------------------------------------------------------

/** What the runs did, so a reader can see the checks were exercised (printed once per test). */
export interface Tally {
  cases: number;
  images: number;
  categories: Map<string, number>;
  /** Crash points inside each kind of tree operation. */
  during: Map<string, number>;
  compactions: number;
  rewrites: number;
  partialDrops: number;
  /** Second crashes inside a recovery, by operation kind. */
  recoveryCrashes: Map<string, number>;
  /** Recoveries that compacted. */
  recoveriesCompacting: number;
  lostSome: number;
  keptInFlight: number;
  tornTails: number;
}

export function newTally(): Tally {
  return { cases: 0, images: 0, categories: new Map(), during: new Map(), compactions: 0, rewrites: 0, partialDrops: 0, recoveryCrashes: new Map(), recoveriesCompacting: 0, lostSome: 0, keptInFlight: 0, tornTails: 0 };
}

export function tallyLine(t: Tally): string {
  const list = listCounts;
  return (
    `${t.cases} crash points, ${t.images} recovered images; counting passes ran ${t.compactions} compactions and ${t.rewrites} MANIFEST rewrites; ` +
    `${t.partialDrops} images kept a dropPrefix cut part-way, ${t.lostSome} lost unpromised operations, ${t.keptInFlight} kept in-flight ones, ` +
    `${t.tornTails} truncated a torn tail; inside tree operations: ${list(t.during)}; crash points: ${list(t.categories)}; ` +
    `${t.recoveriesCompacting} recoveries compacted; second crashes inside recovery: ${list(t.recoveryCrashes)}`
  );
}
