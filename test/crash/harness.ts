// Crash-test machinery shared by the suites in test/crash (docs/crash-testing.md):
//   - seeds: SETT_CRASH_SEEDS=N runs N seeds per test, SETT_CRASH_SEED=x replays seed x alone, and
//     the command that replays a failing seed;
//   - the record of what a run acknowledged: which requests resolved, how many were issued;
//   - enumerating a run's file-system operations (FaultFS's onOperation hook) and stopping the
//     world at one of them;
//   - the crash images a power loss or a process kill leaves of a stopped world, and a second
//     crash inside the recovery from one;
//   - unhandled-rejection tracking and tallies.

import { afterAll, beforeAll, expect } from 'vitest';
import type { Rng } from '../../src/base/index.js';
import type { DB } from '../../src/db/index.js';
import type { FaultFS, FsOp } from '../../src/fs/index.js';

// ---- seeds ----------------------------------------------------------------------------------

const replaySeed = process.env.SETT_CRASH_SEED;
const seedCount = Number(process.env.SETT_CRASH_SEEDS ?? 0);

/** Whether SETT_CRASH_SEED picked one seed to replay. */
export const replaying = replaySeed !== undefined;

/** The seeds of a test: 1..defaultCount, 1..SETT_CRASH_SEEDS, or the one SETT_CRASH_SEED names. */
export function seedsFor(defaultCount: number): number[] {
  if (replaySeed !== undefined) return [Number(replaySeed)];
  const n = seedCount > 0 ? seedCount : defaultCount;
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * Crash points per workload for the suites that sample a run's enumerated points: the default,
 * SETT_CRASH_POINTS=N, or SETT_CRASH_POINTS=all (every enumerated point, before and after it).
 */
export function pointsPerRun(defaultCount: number): number | 'all' {
  const v = process.env.SETT_CRASH_POINTS;
  if (v === undefined || v === '') return defaultCount;
  if (v === 'all') return 'all';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SETT_CRASH_POINTS must be a positive integer or "all", got ${JSON.stringify(v)}`);
  return n;
}

/** Coverage assertions hold for a run of at least `minimum` seeds, not for a replay. */
export function isFullRun(seeds: readonly number[], minimum: number): boolean {
  return !replaying && seeds.length >= minimum;
}

/** The shell command that replays one seed of a test file (a name in test/crash) alone. */
export function replayCommand(seed: number, file: string): string {
  return `SETT_CRASH_SEED=${seed} npx vitest run test/crash/${file}`;
}

/** How a failure names its seed: every failure message starts with it. */
export function seedLabel(seed: number, file: string): string {
  return `seed ${seed} (replay: ${replayCommand(seed, file)})`;
}

/** vitest's per-test limit: generous, and raised with the seed count for long runs. */
export function timeoutFor(seeds: number, msPerSeed: number): number {
  return Math.max(180_000, seeds * msPerSeed);
}

// ---- what a run acknowledged ----------------------------------------------------------------

export interface RunState {
  /** resolved[j]: request j's promise resolved (it is acknowledged). */
  resolved: boolean[];
  /** Requests handed to the engine so far (indexes 0..issued-1): no later one can be on disk. */
  issued: number;
  /** Set to stop issuing requests. */
  stopped: boolean;
  errors: unknown[];
  /** Every request's promise, wrapped so that it never rejects. */
  settled: Promise<void>[];
}

export function newRunState(): RunState {
  return { resolved: [], issued: 0, stopped: false, errors: [], settled: [] };
}

/**
 * Issues request `idx`: records it as issued, then its outcome (acknowledged, or an error that
 * stops the run); `done` runs when it settles either way. Returns the never-rejecting promise,
 * also kept in state.settled.
 */
export function issueRequest(state: RunState, idx: number, request: Promise<unknown>, done?: () => void): Promise<void> {
  state.issued = idx + 1;
  let p = request.then(
    () => {
      state.resolved[idx] = true;
    },
    (err: unknown) => {
      state.errors.push(err);
      state.stopped = true;
    },
  );
  if (done !== undefined) p = p.finally(done);
  state.settled.push(p);
  return p;
}

export function lastResolved(resolved: readonly boolean[]): number {
  for (let j = resolved.length - 1; j >= 0; j--) if (resolved[j] === true) return j;
  return -1;
}

/** Lets every pending request settle (a frozen engine has no more I/O to do). */
export async function drain(state: RunState): Promise<void> {
  await Promise.all(state.settled);
}

// ---- enumerating operations and stopping the world ----------------------------------------

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

/** What an operation touched, by file name: `op:kind` with kind wal, table, manifest, manifest-tmp, dir or other. */
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

/** Operations that change what a crash leaves (reads outnumber them in a recovery). */
const CHANGING: readonly FsOp[] = ['append', 'write', 'sync', 'syncDir', 'rename', 'unlink', 'truncate'];

// ---- crash images --------------------------------------------------------------------------

export interface Image {
  name: string;
  fs: FaultFS;
  /** Fewest requests the recovered state may hold. */
  lo: number;
}

export interface ImageOdds {
  /** syncWrites true: the chance the second power loss keeps only synced data (else random, torn garbage). */
  dropAll: number;
  /** syncWrites false: the chance the power loss writes garbage after torn tails. */
  garbage: number;
}

/**
 * Two images of a stopped world. syncWrites true: two power losses (random per file and
 * directory; then dropAll, or random with torn garbage), each keeping every resolved request.
 * syncWrites false: a process kill (keepAll), keeping every resolved request, and a power loss
 * (random), keeping at least `powerLossFloor` requests.
 */
export function crashImages(rng: Rng, frozen: FaultFS, syncWrites: boolean, promised: number, powerLossFloor: number, odds: ImageOdds): Image[] {
  const s1 = rng.int(2 ** 31);
  const s2 = rng.int(2 ** 31);
  if (syncWrites) {
    const second: Image = rng.bool(odds.dropAll)
      ? { name: 'power loss (dropAll)', fs: frozen.crash(s2, { mode: 'dropAll' }), lo: promised }
      : { name: `power loss (random, torn garbage, crash seed ${s2})`, fs: frozen.crash(s2, { mode: 'random', tornGarbage: true }), lo: promised };
    return [{ name: `power loss (random, crash seed ${s1})`, fs: frozen.crash(s1, { mode: 'random' }), lo: promised }, second];
  }
  const garbage = rng.bool(odds.garbage);
  return [
    { name: 'process kill (keepAll)', fs: frozen.crash(s1, { mode: 'keepAll' }), lo: promised },
    { name: `power loss (random${garbage ? ', torn garbage' : ''}, crash seed ${s2})`, fs: frozen.crash(s2, { mode: 'random', tornGarbage: garbage }), lo: powerLossFloor },
  ];
}

/** An exact copy of a file system's current state (the original is left untouched). */
export function copyOf(fs: FaultFS): FaultFS {
  return fs.crash(0, { mode: 'keepAll' });
}

export interface RecoveryCrash {
  /** The directory after a power loss inside the recovery. */
  fs: FaultFS;
  where: string;
  category: string;
  /** The recovery without the crash compacted. */
  compacted: boolean;
}

/**
 * A second crash, a power loss at a random operation of a recovery (open: WAL and value-log
 * replay and cuts, orphan deletion; then the flushes, compactions and MANIFEST rewrites it starts,
 * and close), mostly one that changes the disk. `pristine` is not changed. The caller checks that
 * recovering from the result gives what a recovery without it gave.
 */
export async function crashInsideRecovery(rng: Rng, pristine: FaultFS, reopen: (fs: FaultFS) => Promise<DB>, label: (e: TraceEntry) => string): Promise<RecoveryCrash> {
  const counting = copyOf(pristine);
  const trace = traceOperations(counting);
  const clean = await reopen(counting);
  await clean.waitForBackgroundWork();
  const compacted = clean.stats().counters.compactions > 0;
  await clean.close();
  const changing = trace.flatMap((e, i) => (CHANGING.includes(e.op) ? [i + 1] : []));
  const n = rng.bool(0.75) && changing.length > 0 ? changing[rng.int(changing.length)]! : 1 + rng.int(trace.length);
  const at = trace[n - 1]!;
  const category = label(at);
  const fs = copyOf(pristine);
  freezeAt(fs, n);
  try {
    const db = await reopen(fs);
    await db.waitForBackgroundWork();
    await db.close();
  } catch {
    // The world stopped: whatever failed, the disk is what it was before operation n.
  }
  const seed = rng.int(2 ** 31);
  return { fs: fs.crash(seed, { mode: 'random' }), where: `a power loss (crash seed ${seed}) at operation ${n}/${trace.length} of the recovery (${category} ${at.path})`, category, compacted };
}

/**
 * Checks each crash image of one crash point: `check` gets a pristine copy of the image (for a
 * second crash inside its recovery) beside the image itself; a failure names the point and the
 * image. Then no rejection may be left unhandled.
 */
export async function checkImages<I extends { name: string; fs: FaultFS }>(
  where: string,
  images: readonly I[],
  check: (image: I, index: number, pristine: FaultFS) => Promise<void>,
  expectNoUnhandled: (where: string) => Promise<void>,
  describeImage: (image: I) => string = (image) => image.name,
): Promise<void> {
  for (const [i, image] of images.entries()) {
    try {
      await check(image, i, copyOf(image.fs));
    } catch (err) {
      throw new Error(`${where}, ${describeImage(image)}: ${describeError(err)}`);
    }
  }
  await expectNoUnhandled(where);
}

// ---- unhandled rejections -------------------------------------------------------------------

export function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Lets pending rejections surface as 'unhandledRejection' (emitted after the microtask queue drains). */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Collects unhandled rejections for the test file (they are engine bugs: a background failure
 * nobody observes). The returned check fails if any arrived since the last check.
 */
export function watchUnhandledRejections(): (where: string) => Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  return async (where) => {
    await macrotask();
    expect(unhandled.splice(0).map(describeError), `${where}: unhandled rejections`).toEqual([]);
  };
}

// ---- tallies --------------------------------------------------------------------------------

export function bump(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** `a=1 b=2`, sorted by key. */
export function listCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, n]) => `${k}=${n}`).join(' ');
}

/** The line each test prints last, so a run's crash points can be summed across files. */
export function crashPointLine(file: string, what: string, crashPoints: number, images: number): string {
  return `[crash points] test/crash/${file} ${what}: ${crashPoints} crash points, ${images} recovered images`;
}
