// Crash-test machinery for the engine on FaultFS: seeded workloads whose every prefix is known,
// a runner that tracks which writes resolved, a "stop the world" hook that freezes the file system
// at one operation, and the checks a recovered directory must pass (SPEC §4.1).
//
// Workload design: write j has a unique tag in every value it writes, every write changes the
// state (deletes only target live keys), and every batch sets "counter" = j, so a recovered
// database equals the state after one prefix of the writes or after none: a partial batch, a lost
// write followed by a kept one, or a stale value never matches.

import { Rng } from '../../src/base/index.js';
import { InlineExecutor, type Executor, type Job, type JobResult } from '../../src/compaction/index.js';
import { open, type DB } from '../../src/db/index.js';
import { FaultFS, type FsOp } from '../../src/fs/index.js';
import { Manifest } from '../../src/manifest/index.js';
import { DIR, text } from './helpers.js';

export const COUNTER = 'counter';

/** value undefined = delete. */
export interface KV {
  key: string;
  value: string | undefined;
}

export interface Write {
  kind: 'batch' | 'put' | 'del';
  ops: KV[];
}

/**
 * Runs jobs inline after `lagTicks` microtasks: a flush then overlaps many writes, as one on a
 * worker thread does, yet every run with the same seed performs the same operations in the
 * same order (no timers, no real I/O).
 */
export class LaggingExecutor implements Executor {
  readonly kind = 'inline';
  private readonly inner: InlineExecutor;

  constructor(
    fs: FaultFS,
    private readonly lagTicks: number,
  ) {
    this.inner = new InlineExecutor(fs);
  }

  async run<J extends Job>(job: J): Promise<JobResult<J>> {
    for (let i = 0; i < this.lagTicks; i++) await null;
    return this.inner.run(job);
  }

  async close(): Promise<void> {}
}

export interface Tuning {
  /** 2: a rotation waits while the previous memtable is still being flushed (a write stall). */
  numMemtables: number;
  /** 0: the inline executor. */
  flushLagTicks: number;
}

export const DEFAULT_TUNING: Tuning = { numMemtables: 5, flushLagTicks: 0 };

/** Tiny memtables and blocks: a rotation and a flush every few writes. */
export function openOn(fs: FaultFS, syncWrites: boolean, tuning: Tuning = DEFAULT_TUNING): Promise<DB> {
  const executor = tuning.flushLagTicks > 0 ? new LaggingExecutor(fs, tuning.flushLagTicks) : undefined;
  return open(DIR, { fs, memTableSize: 16 * 1024, blockSize: 256, compression: 'none', syncWrites, numMemtables: tuning.numMemtables, executor });
}

// ---- workloads ------------------------------------------------------------------------------

const FILLER = 'abcdefghijklmnopqrstuvwxyz';

function valueFor(rng: Rng, tag: string, allowLarge = true): string {
  // Mostly small values; now and then a large one, so that a memtable fills in few writes. A batch
  // holds at most one large value, to stay well under the engine's limit (memTableSize / 2).
  const len = allowLarge && rng.bool(0.1) ? 800 + rng.int(1200) : rng.int(200);
  return `${tag}:` + FILLER[rng.int(FILLER.length)]!.repeat(len);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/**
 * `count` writes numbered from `first`, starting from the state `live` (which it updates). Batches
 * put fresh keys b{j}-i, set the counter, and may overwrite or delete older keys; single puts add
 * or overwrite a key; single deletes remove a live key.
 */
export function makeWrites(rng: Rng, first: number, count: number, live: Map<string, string>): Write[] {
  const writes: Write[] = [];
  const liveKeys = (): string[] => [...live.keys()].filter((k) => k !== COUNTER).sort();
  for (let j = first; j < first + count; j++) {
    const r = rng.next();
    const keys = liveKeys();
    let w: Write;
    if (r < 0.65 || keys.length === 0) {
      const ops: KV[] = [];
      const n = 1 + rng.int(6);
      for (let i = 0; i < n; i++) ops.push({ key: `b${j}-${i}`, value: valueFor(rng, `${j}.${i}`, i === 0) });
      ops.push({ key: COUNTER, value: String(j) });
      const touched = new Set<string>();
      for (let d = rng.bool(0.4) ? 1 + rng.int(2) : 0; d > 0 && keys.length > 0; d--) {
        const k = pick(rng, keys);
        if (!touched.has(k)) ops.push({ key: k, value: undefined });
        touched.add(k);
      }
      if (rng.bool(0.3) && keys.length > 0) {
        const k = pick(rng, keys);
        if (!touched.has(k)) ops.push({ key: k, value: valueFor(rng, `${j}.o`, false) });
      }
      w = { kind: 'batch', ops };
    } else if (r < 0.85) {
      const key = rng.bool(0.5) ? pick(rng, keys) : `p${j}`;
      w = { kind: 'put', ops: [{ key, value: valueFor(rng, `${j}.p`) }] };
    } else {
      w = { kind: 'del', ops: [{ key: pick(rng, keys), value: undefined }] };
    }
    applyWrite(live, w);
    writes.push(w);
  }
  return writes;
}

export function applyWrite(state: Map<string, string>, w: Write): void {
  for (const { key, value } of w.ops) {
    if (value === undefined) state.delete(key);
    else state.set(key, value);
  }
}

export function execWrite(db: DB, w: Write): Promise<void> {
  if (w.kind === 'put') return db.put(w.ops[0]!.key, w.ops[0]!.value!);
  if (w.kind === 'del') return db.delete(w.ops[0]!.key);
  return db.batch(w.ops.map((o) => (o.value === undefined ? { type: 'del' as const, key: o.key } : { type: 'put' as const, key: o.key, value: o.value })));
}

/** Sorted entries of a state. */
export function entriesOf(state: Map<string, string>): [string, string][] {
  return [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** states[i] = the state after the first i writes (states[0] = `initial`). */
export function prefixStates(initial: Map<string, string>, writes: readonly Write[]): Map<string, string>[] {
  const out = [new Map(initial)];
  const cur = new Map(initial);
  for (const w of writes) {
    applyWrite(cur, w);
    out.push(new Map(cur));
  }
  return out;
}

/** Writes for after recovery: first a batch that overwrites many recovered keys (most of them in tables by now), then a random mix. */
export function writesAfterRecovery(rng: Rng, first: number, live: Map<string, string>): Write[] {
  const keys = [...live.keys()].sort();
  const overwrite: Write = { kind: 'batch', ops: [] };
  for (const k of keys) if (rng.bool(0.3) && overwrite.ops.length < 20) overwrite.ops.push({ key: k, value: `${first}.r:${'R'.repeat(rng.int(50))}` });
  overwrite.ops.push({ key: COUNTER, value: String(first) });
  for (const { key, value } of overwrite.ops) live.set(key, value!);
  return [overwrite, ...makeWrites(rng, first + 1, 15 + rng.int(25), live)];
}

/** Every key the writes touch (added to `into`). */
export function keysOf(writes: readonly Write[], into = new Set<string>()): Set<string> {
  for (const w of writes) for (const o of w.ops) into.add(o.key);
  return into;
}

// ---- running a workload ---------------------------------------------------------------------

export interface RunState {
  /** resolved[j]: write j's promise resolved. */
  resolved: boolean[];
  /** Writes handed to the engine so far (indexes 0..issued-1). */
  issued: number;
  /** Set to stop issuing writes. */
  stopped: boolean;
  errors: unknown[];
  /** Every write promise, wrapped so that it never rejects. */
  settled: Promise<void>[];
}

export function newRunState(): RunState {
  return { resolved: [], issued: 0, stopped: false, errors: [], settled: [] };
}

export function lastResolved(resolved: readonly boolean[]): number {
  for (let j = resolved.length - 1; j >= 0; j--) if (resolved[j] === true) return j;
  return -1;
}

/**
 * Issues `writes` in waves: one write awaited at a time, or several at once (they queue and
 * commit as one group). Stops when `state.stopped` is set or a write fails. `afterWave` runs
 * after each wave has been issued, before it is awaited.
 */
export async function runWrites(
  db: DB,
  writes: readonly Write[],
  rng: Rng,
  state: RunState,
  afterWave?: (lastIssued: number) => Promise<void>,
): Promise<void> {
  let j = 0;
  while (j < writes.length && !state.stopped) {
    const wave = rng.bool(0.6) ? 1 : 2 + rng.int(6);
    const promises: Promise<void>[] = [];
    for (let w = 0; w < wave && j < writes.length; w++, j++) {
      const idx = j;
      state.issued = idx + 1;
      const p = execWrite(db, writes[idx]!).then(
        () => {
          state.resolved[idx] = true;
        },
        (err: unknown) => {
          state.errors.push(err);
          state.stopped = true;
        },
      );
      promises.push(p);
      state.settled.push(p);
    }
    if (afterWave !== undefined) await afterWave(j - 1);
    await Promise.all(promises);
  }
}

// ---- stopping the world ---------------------------------------------------------------------

/** Thrown from the operation hook: the power went out before this operation. */
export class StopTheWorld extends Error {
  constructor(readonly at: number) {
    super(`crash test: the world stopped at file-system operation ${at}`);
  }
}

export interface TraceEntry {
  op: FsOp;
  path: string;
}

/** Records every operation (a counting pass). */
export function traceOperations(fs: FaultFS): TraceEntry[] {
  const trace: TraceEntry[] = [];
  fs.onOperation = (op, path) => {
    trace.push({ op, path });
  };
  return trace;
}

/**
 * Makes operation number `n` (1-based, counted from now) and every later one throw: the file
 * system stays exactly as it was before operation n, whatever the engine does next.
 */
export function freezeAt(fs: FaultFS, n: number, onFreeze?: () => void): { readonly frozen: boolean } {
  const status = { frozen: false };
  let count = 0;
  fs.onOperation = () => {
    count++;
    if (count >= n) {
      if (!status.frozen) {
        status.frozen = true;
        onFreeze?.();
      }
      throw new StopTheWorld(n);
    }
  };
  return status;
}

/** Freezes the file system now (every later operation throws). */
export function freezeNow(fs: FaultFS): void {
  fs.onOperation = () => {
    throw new StopTheWorld(-1);
  };
}

/** What an operation was doing, for coverage: `op:kind` where kind is wal, table, manifest or dir. */
export function categoryOf(e: TraceEntry): string {
  const p = e.path;
  const kind = p.endsWith('.mem')
    ? 'wal'
    : p.endsWith('.sst')
      ? 'table'
      : p.includes('MANIFEST-REWRITE')
        ? 'manifest-tmp'
        : p.endsWith('MANIFEST')
          ? 'manifest'
          : e.op === 'syncDir' || e.op === 'list' || e.op === 'mkdir'
            ? 'dir'
            : 'other';
  return `${e.op}:${kind}`;
}

/** Lets every pending write settle (the engine has no more I/O to do once frozen). */
export async function drain(state: RunState): Promise<void> {
  await Promise.all(state.settled);
}

// ---- checks after recovery ------------------------------------------------------------------

export function dumpAll(db: DB): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of db.iterator()) out.push([text(k)!, text(v)!]);
  return out;
}

function sameEntries(a: readonly [string, string][], b: readonly [string, string][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

/** A short description of how `got` differs from `want`. */
export function describeDiff(got: readonly [string, string][], want: readonly [string, string][]): string {
  const g = new Map(got);
  const w = new Map(want);
  const lines: string[] = [];
  const short = (v: string | undefined): string => (v === undefined ? 'absent' : v.length > 24 ? `${v.slice(0, 24)}…(${v.length})` : v);
  for (const k of [...new Set([...g.keys(), ...w.keys()])].sort()) {
    if (g.get(k) !== w.get(k)) lines.push(`  ${k}: got ${short(g.get(k))}, want ${short(w.get(k))}`);
    if (lines.length >= 12) break;
  }
  return lines.join('\n');
}

/**
 * Which prefix of the writes `got` equals: the largest i in [lo, hi] with got == states[i] (two
 * prefixes can be equal: a single put of a new key, then a single delete of it), or a thrown
 * message naming the closest candidate.
 */
export function matchPrefix(got: [string, string][], states: readonly Map<string, string>[], lo: number, hi: number): number {
  const counter = new Map(got).get(COUNTER);
  let outside = -1;
  for (let i = states.length - 1; i >= 0; i--) {
    if (!sameEntries(got, entriesOf(states[i]!))) continue;
    if (i >= lo && i <= hi) return i;
    outside = i;
  }
  if (outside >= 0) {
    throw new Error(`recovered the state after ${outside} writes, outside the allowed [${lo}, ${hi}] (counter ${counter ?? 'absent'})`);
  }
  const guess = counter === undefined ? 0 : Number(counter) + 1;
  const near = Math.min(Math.max(guess, lo), states.length - 1);
  throw new Error(
    `recovered state (${got.length} keys, counter ${counter ?? 'absent'}) is no prefix of the writes; ` +
      `allowed [${lo}, ${hi}]; difference from the state after ${near} writes:\n${describeDiff(got, entriesOf(states[near]!))}`,
  );
}

/** getSync agrees with the iterator on every key ever written (deleted ones read as absent). */
export function checkGets(db: DB, want: Map<string, string>, everyKey: Iterable<string>): string | undefined {
  for (const k of everyKey) {
    const got = text(db.getSync(k));
    if (got !== want.get(k)) return `getSync(${k}) = ${got?.slice(0, 24) ?? 'absent'}, want ${want.get(k)?.slice(0, 24) ?? 'absent'}`;
  }
  return undefined;
}

/**
 * The directory after an open with no background work left: every table the MANIFEST names
 * exists, and no table is left that it does not name.
 */
export async function checkDirectory(fs: FaultFS): Promise<string | undefined> {
  const names = fs.list(DIR);
  const { manifest, state } = await Manifest.open(fs, DIR, { readOnly: true });
  manifest.close();
  for (const id of state.tables.keys()) {
    const name = `${String(id).padStart(6, '0')}.sst`;
    if (!names.includes(name)) return `the MANIFEST names ${name}, which is missing (directory: ${names.join(' ')})`;
  }
  for (const name of names) {
    const m = /^(\d+)\.sst$/.exec(name);
    if (m !== null && !state.tables.has(Number(m[1]))) return `${name} is not in the MANIFEST but was left in the directory`;
  }
  return undefined;
}
