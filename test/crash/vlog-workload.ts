// The value-log workload (used by vlog.test.ts):
//   - a workload whose values mostly go to the value log (puts, overwrites of a small pool of keys,
//     deletes, batches mixing small and large values) with flatten() — which feeds the discard
//     statistics — and runValueLogGC(ratio) calls, some awaited and some left in flight;
//   - names for what each operation does for the value log (naming.ts's SpyFS: a write group's append
//     and sync, a rotation's file create, header and directory sync, the WAL record after a group,
//     a flush's value-log sync, a GC rewrite group and GC's syncs, each step of a DISCARD save, a
//     collected file's unlink and the directory sync after it), so a test can aim crashes at them
//     and prove it hit each;
//   - a tally of what the runs did.

import type { Rng } from '../../src/base/index.js';
import type { DB, OpenOptions } from '../../src/db/index.js';
import type { FsOp } from '../../src/fs/index.js';
import { listCounts } from './harness.js';
import { callStack, type SpyFS } from './naming.js';
import { COUNTER, applyWrite, execWrite, type KV, type Write } from './writes.js';

/** Most values (over 64 bytes) go to the value log; 16 KiB value-log files rotate every few dozen writes. */
export const SEPARATING: OpenOptions = {
  memTableSize: 16 * 1024,
  blockSize: 256,
  compression: 'none',
  valueThreshold: 64,
  valueLogFileSize: 16 * 1024,
  baseTableSize: 4096,
  baseLevelSize: 8192,
  levelSizeMultiplier: 2,
  maxLevels: 5,
  numLevelZeroTables: 2,
  numLevelZeroTablesStall: 4,
};

// ---- the workload ---------------------------------------------------------------------------

/** GC and flatten never change the data: the model treats them as no-ops. */
export type TreeOp = { kind: 'flatten' } | { kind: 'gc'; ratio: number; awaited: boolean };
export type Op = { kind: 'write'; write: Write } | TreeOp;

/** Keys overwritten again and again, so that value-log files fill with garbage for GC. */
const POOL_KEYS = 40;
const FILLER = 'abcdefghijklmnopqrstuvwxyz';

/** A value unique to its write (the tag), over valueThreshold seven times in ten. */
function valueFor(rng: Rng, tag: string): string {
  const len = rng.bool(0.7) ? 64 + rng.int(900) : 10 + rng.int(45);
  return `${tag}:` + FILLER[rng.int(FILLER.length)]!.repeat(len);
}

/** Keys are padded: a memtable holds only pointers for large values, and should still fill every hundred writes or so. */
const KEY_BYTES = 48;
const padKey = (key: string): string => key.padEnd(KEY_BYTES, '.');
const poolKey = (rng: Rng): string => padKey(`k${String(rng.int(POOL_KEYS)).padStart(2, '0')}`);

/**
 * `count` writes numbered from `first`, from the state `live` (which it updates): batches of 1-6
 * puts (fresh keys and pool keys, small and large values), the counter, and 0-2 deletes of live
 * keys; single puts (mostly overwriting a pool key); single deletes of a live key. Every write
 * changes the state, so a recovered state names the prefix it is.
 */
export function makeVlogWrites(rng: Rng, first: number, count: number, live: Map<string, string>): Write[] {
  const writes: Write[] = [];
  for (let j = first; j < first + count; j++) {
    const keys = [...live.keys()].filter((k) => k !== COUNTER).sort();
    const r = rng.next();
    let w: Write;
    if (r < 0.5 || keys.length === 0) {
      const ops: KV[] = [];
      const touched = new Set<string>([COUNTER]);
      const n = 1 + rng.int(6);
      for (let i = 0; i < n; i++) {
        const key = rng.bool(0.5) ? poolKey(rng) : padKey(`b${j}-${i}`);
        if (touched.has(key)) continue;
        touched.add(key);
        ops.push({ key, value: valueFor(rng, `${j}.${i}`) });
      }
      ops.push({ key: COUNTER, value: String(j) });
      for (let d = rng.bool(0.4) ? 1 + rng.int(2) : 0; d > 0 && keys.length > 0; d--) {
        const key = keys[rng.int(keys.length)]!;
        if (!touched.has(key)) ops.push({ key, value: undefined });
        touched.add(key);
      }
      w = { kind: 'batch', ops };
    } else if (r < 0.85) {
      const key = rng.bool(0.7) ? poolKey(rng) : padKey(`p${j}`);
      w = { kind: 'put', ops: [{ key, value: valueFor(rng, `${j}.p`) }] };
    } else {
      w = { kind: 'del', ops: [{ key: keys[rng.int(keys.length)]!, value: undefined }] };
    }
    applyWrite(live, w);
    writes.push(w);
  }
  return writes;
}

/** A tree operation: flatten (20%), or GC with a ratio of 0.1 to 0.5, awaited or left in flight. */
function makeTreeOp(rng: Rng): TreeOp {
  if (rng.bool(0.2)) return { kind: 'flatten' };
  return { kind: 'gc', ratio: (1 + rng.int(5)) / 10, awaited: rng.bool(0.5) };
}

/** About `count` operations from the state `live` (updated): runs of 4-20 writes, each followed by one or two tree operations. */
export function makeVlogOps(rng: Rng, first: number, count: number, live: Map<string, string>): Op[] {
  const ops: Op[] = [];
  while (ops.length < count) {
    for (const w of makeVlogWrites(rng, first + ops.length, 4 + rng.int(17), live)) ops.push({ kind: 'write', write: w });
    ops.push(makeTreeOp(rng));
    if (rng.bool(0.2)) ops.push(makeTreeOp(rng));
  }
  return ops;
}

export function applyOp(state: Map<string, string>, op: Op): void {
  if (op.kind === 'write') applyWrite(state, op.write);
}

/** Runs one operation; resolves with GC's answer for a GC, undefined otherwise. */
export async function execOp(db: DB, op: Op): Promise<boolean | undefined> {
  if (op.kind === 'write') return execWrite(db, op.write).then(() => undefined);
  if (op.kind === 'flatten') return db.flatten().then(() => undefined);
  return db.runValueLogGC(op.ratio);
}

export function describeOp(op: Op): string {
  return op.kind === 'write' ? op.write.kind : op.kind === 'gc' ? `gc(${op.ratio}${op.awaited ? '' : ', in flight'})` : 'flatten()';
}

/** states[i] = the state after the first i operations, from `initial`. */
export function opStates(initial: Map<string, string>, ops: readonly Op[]): Map<string, string>[] {
  const cur = new Map(initial);
  const out = [new Map(cur)];
  for (const op of ops) {
    applyOp(cur, op);
    out.push(new Map(cur));
  }
  return out;
}

/** Every key the operations write. */
export function keysOfOps(ops: readonly Op[], into = new Set<string>()): Set<string> {
  for (const op of ops) if (op.kind === 'write') for (const o of op.write.ops) into.add(o.key);
  return into;
}

/**
 * How many operations a power loss with syncWrites off cannot take: every one before the last
 * resolved flatten (it paused the writer behind every earlier write, flushed them into tables and
 * synced the value log before the MANIFEST named them).
 */
export function durableAfterPowerLoss(ops: readonly Op[], resolved: readonly boolean[]): number {
  for (let j = resolved.length - 1; j >= 0; j--) if (resolved[j] === true && ops[j]!.kind === 'flatten') return j + 1;
  return 0;
}

// ---- naming what each operation does ------------------------------------------------------

/** The engine step on the stack (async frames included) that an operation serves. */
function caller(): string {
  const stack = callStack();
  if (stack.includes('syncAll')) return 'gc';
  if (stack.includes('saveNow')) return 'discard';
  if (stack.includes('deleteFile')) return 'vlog-delete';
  if (stack.includes('createFile')) return stack.includes('ValueLog.rotate') ? 'vlog-create' : 'vlog-first';
  if (stack.includes('ValueLog.rotate')) return 'rotate';
  if (stack.includes('flushOne')) return 'flush';
  if (stack.includes('separateValues')) return 'group';
  if (stack.includes('Lsm.rotate')) return 'rotation';
  if (stack.includes('commitGroup')) return 'commit';
  if (stack.includes('openFiles')) return 'recovery';
  return 'other';
}

/**
 * Names an operation `op:what`: append:vlog-group, sync:vlog-group, sync:vlog-rotate (the old
 * file), open:vlog-create, append:vlog-header, sync:vlog-header, syncDir:vlog-create,
 * append:wal-after-group, sync:wal-after-group, sync:vlog-flush, append:vlog-gc-rewrite,
 * append:wal-after-gc-rewrite, sync:vlog-gc, sync:wal-gc, read:vlog (GC's scan, reads),
 * {open,append,sync,close,rename}:discard-tmp, syncDir:discard, close:vlog, unlink:vlog,
 * syncDir:vlog-delete... Called from the operation hook, so it sees the engine mid-step.
 */
export function categorize(op: FsOp, path: string, fs: SpyFS): string {
  if (path.endsWith('.vlog')) {
    if (op === 'append') {
      const what = fs.vlogAppend;
      fs.vlogAppend = undefined;
      // The first file's header (made by open) is no rotation's.
      if (what === 'header' && caller() === 'vlog-first') return 'append:vlog-first-header';
      return `append:vlog-${what ?? 'unknown'}`;
    }
    if (op === 'sync') {
      const c = caller();
      return c === 'vlog-create' ? 'sync:vlog-header' : c === 'vlog-first' ? 'sync:vlog-first-header' : `sync:vlog-${c}`;
    }
    if (op === 'open' && caller() === 'vlog-create') return 'open:vlog-create';
    return `${op}:vlog`;
  }
  if (path.endsWith('.mem')) {
    if (op === 'write' && !fs.walWriteIsRecord) return 'write:wal-zeros';
    if (op === 'append' || op === 'write') {
      fs.lastWalAppendAfter = fs.walAppendAfter;
      fs.walAppendAfter = undefined;
      return fs.lastWalAppendAfter === undefined ? 'append:wal' : `append:wal-after-${fs.lastWalAppendAfter}`;
    }
    if (op === 'sync') {
      const c = caller();
      if (c === 'gc') return 'sync:wal-gc';
      const after = fs.lastWalAppendAfter;
      fs.lastWalAppendAfter = undefined;
      if (c === 'rotation') return 'sync:wal-rotation';
      return c === 'commit' && after !== undefined ? `sync:wal-after-${after}` : 'sync:wal';
    }
    return `${op}:wal`;
  }
  if (path.endsWith('/DISCARD-TMP')) return `${op}:discard-tmp`;
  if (path.endsWith('/DISCARD')) return `${op}:discard`;
  if (op === 'syncDir') return `syncDir:${caller()}`;
  if (path.endsWith('.sst')) return `${op}:table`;
  if (path.includes('MANIFEST')) return `${op}:manifest`;
  return `${op}:other`;
}

// ---- aiming crashes ------------------------------------------------------------------------

/** Crash points per workload: one counting pass serves each of them. */
export const POINTS_PER_SEED = 2;

/** The steps every full run must crash inside (syncWrites off has no per-group syncs). */
export function requiredSteps(syncWrites: boolean): string[] {
  return [
    'append:vlog-group',
    ...(syncWrites ? ['sync:vlog-group', 'sync:wal-after-group'] : []),
    'append:wal-after-group',
    'sync:vlog-rotate', // the old file, before the new one is made
    'open:vlog-create', // a rotation's new file, its header, the header's sync, the directory sync
    'append:vlog-header',
    'sync:vlog-header',
    'syncDir:vlog-create',
    'sync:vlog-flush', // before the MANIFEST names the flushed table
    'append:vlog-gc-rewrite',
    'append:wal-after-gc-rewrite',
    'sync:vlog-gc',
    'sync:wal-gc',
    'append:discard-tmp',
    'sync:discard-tmp',
    'rename:discard-tmp',
    'syncDir:discard',
    'unlink:vlog',
    'syncDir:vlog-delete',
  ];
}

/** Further steps crash points favour. */
const FAVOURED_EXTRA = ['open:discard-tmp', 'close:discard-tmp', 'close:vlog', 'read:vlog', 'sync:wal-after-gc-rewrite', 'sync:vlog-gc-rewrite', 'syncDir:flush', 'sync:wal-rotation', 'unlink:wal'];

export interface TraceEntry {
  op: string;
  path: string;
  category: string;
  /** Indexes of the tree operations running at this operation (GCs in flight, a flatten). */
  during: string[];
}

/**
 * The crash points of one workload: the first aims at the next required step this trace has
 * (rotating by seed, so a run covers them all); the others are uniform over all operations (25%),
 * over the operations inside a GC (25%), or over one favoured step (50%).
 */
export function pickOperations(rng: Rng, seed: number, syncWrites: boolean, trace: readonly TraceEntry[]): number[] {
  const required = requiredSteps(syncWrites);
  const favoured = [...required, ...FAVOURED_EXTRA];
  const byCategory = new Map<string, number[]>();
  const insideGC: number[] = [];
  trace.forEach((e, i) => {
    if (favoured.includes(e.category)) byCategory.set(e.category, [...(byCategory.get(e.category) ?? []), i + 1]);
    if (e.during.some((d) => d.startsWith('gc'))) insideGC.push(i + 1);
  });
  const any = <T>(items: readonly T[]): T => items[rng.int(items.length)]!;
  const points: number[] = [];
  for (let k = 0; k < required.length; k++) {
    const c = required[(seed + k) % required.length]!;
    if (!byCategory.has(c)) continue;
    points.push(any(byCategory.get(c)!));
    break;
  }
  while (points.length < POINTS_PER_SEED) {
    const r = rng.next();
    if (r < 0.25 || byCategory.size === 0) points.push(1 + rng.int(trace.length));
    else if (r < 0.5 && insideGC.length > 0) points.push(any(insideGC));
    else points.push(any(byCategory.get(any([...byCategory.keys()].sort()))!));
  }
  return points;
}

// ---- what the runs did -------------------------------------------------------------------

export interface Tally {
  cases: number;
  images: number;
  categories: Map<string, number>;
  /** Crash points inside a GC (in flight or awaited) or a flatten. */
  insideGC: number;
  insideFlatten: number;
  /** Counting passes: flushes, compactions, write stalls; value-log files made and deleted, GC runs that rewrote a file. */
  flushes: number;
  compactions: number;
  stalls: number;
  vlogFiles: number;
  vlogDeleted: number;
  gcRewrote: number;
  lostSome: number;
  keptInFlight: number;
  /** Images whose open cut a torn tail (WAL, value log or MANIFEST). */
  tornTails: number;
  /** Crash points after a GC had unlinked a value-log file (older WAL records may point into it). */
  afterCollect: number;
  /** Recoveries whose later GC deleted a value-log file. */
  gcAfterRecovery: number;
  /** Second crashes inside a recovery, by operation and file kind. */
  recoveryCrashes: Map<string, number>;
}

export function newTally(): Tally {
  return { cases: 0, images: 0, categories: new Map(), insideGC: 0, insideFlatten: 0, flushes: 0, compactions: 0, stalls: 0, vlogFiles: 0, vlogDeleted: 0, gcRewrote: 0, lostSome: 0, keptInFlight: 0, tornTails: 0, afterCollect: 0, gcAfterRecovery: 0, recoveryCrashes: new Map() };
}

export function tallyLine(t: Tally): string {
  const list = listCounts;
  return (
    `${t.cases} crash points, ${t.images} recovered images; counting passes ran ${t.flushes} flushes, ${t.compactions} compactions, ${t.stalls} write stalls, made ${t.vlogFiles} value-log files, GC rewrote ${t.gcRewrote} and deleted ${t.vlogDeleted}; ` +
    `${t.insideGC} crash points inside a GC, ${t.insideFlatten} inside a flatten; ${t.lostSome} images lost unpromised operations, ${t.keptInFlight} kept in-flight ones, ` +
    `${t.tornTails} cut a torn tail, ${t.afterCollect} crash points came after a GC unlinked a file; ${t.gcAfterRecovery} recoveries then collected a file; ` +
    `crash points: ${list(t.categories)}; second crashes inside recovery: ${list(t.recoveryCrashes)}`
  );
}
