// Crash tests of the mixed workload (SPEC §4.1 Durability, §4.3 Isolation, §3 "Newest above",
// docs/design.md "Files and crashes"), on FaultFS. Each seed draws one workload (mixed-workload.ts:
// puts, deletes, batches, read-write transactions — some failing with CONFLICT — large values in
// the value log, TTLs on a manual clock, flatten() and runValueLogGC() in the mix, with flushes,
// compactions and MANIFEST rewrites running behind), and:
//   1. runs it once, enumerating every sync, rename and directory sync with its cause
//      (mixed-points.ts: WAL, flush, compaction, MANIFEST, vlog, GC, open/close);
//   2. samples crash points covering every cause, each right before or right after its
//      operation, and runs the workload again, taking at each point two images of what a crash
//      would leave (syncWrites true: two power losses, one random per file, one that keeps only
//      synced data or tears with garbage; false: a process kill and a random power loss);
//   3. recovers each image on a clock at the crash's time and checks: open succeeds; the data is
//      what a reader saw after one prefix of the requests — no shorter than every acknowledged one
//      (syncWrites true, or a process kill) or than the last acknowledged flatten (a power loss
//      with syncWrites false) — with no partial batch or transaction, no reordering, no
//      resurrected delete, no expired entry back, every unexpired one there with its expiry, no
//      trace of a failed transaction; getSync agrees; every table the MANIFEST names exists and
//      no other is left; the levels are the MANIFEST's; "newest above" holds in the crashed and the
//      recovered directory; versions strictly decrease per key; then more requests (their
//      transactions read what the model says), whose versions are above every recovered one; then
//      the clock jumps past every short TTL, a reopen and a flatten: expired entries stay gone
//      (no older version comes back), long-TTL ones stay; and for one point in four, a power loss
//      inside the recovery itself changes nothing.
//
// Seeds: SETT_CRASH_SEEDS=N runs N workloads per test (default 14); SETT_CRASH_POINTS=N crashes at
// N points of each (default 8), SETT_CRASH_POINTS=all at every enumerated point, before and after
// it; SETT_CRASH_SEED=x replays workload x alone. Every failure names its seed and the replay
// command.

import { describe, expect, it } from 'vitest';
import { ManualClock, Rng } from '../../src/base/index.js';
import { open, type DB } from '../../src/db/index.js';
import type { FaultFS, FsOp } from '../../src/fs/index.js';
import { DIR } from '../db/helpers.js';
import { newestAboveProblem } from '../db/newest-above.js';
import { checkGets, expectNewVersionsAbove, expectRecoveredShape, expectSound } from './checks.js';
import {
  bump,
  checkImages,
  crashImages,
  crashInsideRecovery,
  crashPointLine,
  describeError,
  drain,
  type Image,
  isFullRun,
  lastResolved,
  listCounts,
  newRunState,
  pointsPerRun,
  type RunState,
  seedLabel,
  seedsFor,
  timeoutFor,
  watchUnhandledRejections,
} from './harness.js';
import { dumpCells, matchRecovered } from './mixed-check.js';
import { KINDS, POINT_OPS, causeOf, kindOf, requiredCauses, samplePoints, type Point, type PointEntry } from './mixed-points.js';
import { MIXED, START_MS, describeOp, keysOfRun, landed, makeMixedOps, runMixed, visibleAt, type MixedRun } from './mixed-workload.js';
import { LaggingExecutor, SpyFS } from './naming.js';

const FILE = 'mixed.test.ts';
const seeds = seedsFor(14);
const POINTS = pointsPerRun(8);
const fullRun = isFullRun(seeds, 12) && (POINTS === 'all' || POINTS >= 8);
/** Crash points captured per pass: each holds its images in memory until checked. */
const CHUNK = 32;
const expectNoUnhandled = watchUnhandledRejections();

interface Workload {
  seed: number;
  syncWrites: boolean;
  run: MixedRun;
  everyKey: Set<string>;
  waveSeed: number;
  /** Microtasks each flush or compaction waits before it runs (0: at once), so jobs overlap requests. */
  lagTicks: number;
  /** 2: a rotation waits for the previous memtable's flush (a write stall). */
  numMemtables: number;
}

function makeWorkload(seed: number, syncWrites: boolean): Workload {
  const rng = new Rng(seed * 2 + (syncWrites ? 1 : 0) + 11_000_007);
  const run = makeMixedOps(rng, 0, 150 + rng.int(100), new Map(), START_MS);
  const lagged = rng.bool(0.6);
  return { seed, syncWrites, run, everyKey: keysOfRun(run), waveSeed: seed * 7 + 9, lagTicks: lagged ? 1 + rng.int(40) : 0, numMemtables: lagged && rng.bool(0.5) ? 2 : 5 };
}

/**
 * What the reader sees must be the state after `index` requests of `run`, at the clock's time:
 * iteration with expiries (mixed-check.ts names what broke), and getSync of every key.
 */
function expectVisible(db: DB, run: MixedRun, index: number, nowMs: number, everyKey: Set<string>, when: string): void {
  try {
    matchRecovered(dumpCells(db), run, nowMs, index, index);
  } catch (err) {
    throw new Error(`${when}: ${describeError(err)}`);
  }
  const bad = checkGets(db, visibleAt(run.states[index]!, nowMs), everyKey);
  if (bad !== undefined) throw new Error(`${when}: ${bad}`);
}

interface Pass {
  fs: SpyFS;
  executor: LaggingExecutor;
  clock: ManualClock;
  state: RunState;
  running: Map<number, string>;
  db: DB | undefined;
}

/**
 * One whole run of the workload on a fresh file system: open, the requests, the background work,
 * a check of the final state, close. `onOperation(n, op, path, pass)` sees every file-system
 * operation (n counts from 1) before it runs.
 */
async function runPass(w: Workload, onOperation: (n: number, op: FsOp, path: string, pass: Pass) => void): Promise<Pass> {
  const fs = new SpyFS();
  const pass: Pass = { fs, executor: new LaggingExecutor(fs, w.lagTicks), clock: new ManualClock(START_MS), state: newRunState(), running: new Map(), db: undefined };
  let n = 0;
  fs.onOperation = (op, path) => onOperation(++n, op, path, pass);
  const db = (pass.db = await open(DIR, { ...MIXED, fs, syncWrites: w.syncWrites, numMemtables: w.numMemtables, executor: pass.executor, clock: pass.clock }));
  await runMixed(db, w.run.ops, 0, new Rng(w.waveSeed), pass.clock, pass.state, pass.running);
  await drain(pass.state);
  if (pass.state.errors.length > 0) throw pass.state.errors[0];
  await db.waitForBackgroundWork();
  expectVisible(db, w.run, w.run.ops.length, pass.clock.nowMs(), w.everyKey, 'without a crash, at the end of the workload');
  await db.close();
  return pass;
}

/** A crash point as taken: its images and what had been acknowledged. */
interface Capture {
  point: Point;
  images: Image[];
  issued: number;
  promised: number;
  nowMs: number;
  where: string;
}

/**
 * What a power loss with syncWrites off cannot take: everything before the last acknowledged
 * flatten (it paused the writer behind every earlier request and flushed it into tables named
 * in a synced MANIFEST, the value log synced first).
 */
function durableFloor(w: Workload, resolved: readonly boolean[]): number {
  for (let j = resolved.length - 1; j >= 0; j--) if (resolved[j] === true && w.run.ops[j]!.kind === 'flatten') return j + 1;
  return 0;
}

/** The capture pass: the same run, taking images at each chosen point (FaultFS.crash leaves the running file system untouched). */
async function capturePass(w: Workload, points: readonly Point[], total: number): Promise<Capture[]> {
  const at = new Map<number, Point[]>();
  for (const p of points) {
    const n = p.position === 'before' ? p.n : p.n + 1;
    at.set(n, [...(at.get(n) ?? []), p]);
  }
  const captures: Capture[] = [];
  const take = (pass: Pass, point: Point): void => {
    const rng = new Rng(w.seed * 1009 + point.n * 2 + (point.position === 'after' ? 1 : 0));
    const promised = lastResolved(pass.state.resolved) + 1;
    const images = crashImages(rng, pass.fs, w.syncWrites, promised, durableFloor(w, pass.state.resolved), { dropAll: 0.4, garbage: 0.5 });
    const inside = [...pass.running.entries()].map(([i, d]) => `request ${i} ${d}`);
    const where = `${point.position} operation ${point.n}/${total} (${point.category})${inside.length > 0 ? `, inside ${inside.join(' and ')}` : ''}`;
    captures.push({ point, images, issued: pass.state.issued, promised, nowMs: pass.clock.nowMs(), where });
  };
  const pass = await runPass(w, (n, _op, _path, p) => {
    for (const point of at.get(n) ?? []) take(p, point);
  });
  // A point right after the run's last operation: the state the run ended in.
  for (const point of at.get(total + 1) ?? []) take(pass, point);
  expect(captures.length, `seed ${w.seed}: the capture pass missed crash points (the engine is not deterministic?)`).toBe(points.length);
  return captures;
}

interface Tally {
  points: number;
  images: number;
  /** Crash-point operations the counting passes enumerated, and the ones crashed at, by category. */
  enumerated: Map<string, number>;
  hit: Map<string, number>;
  hitKinds: Map<string, number>;
  recoveryCrashes: number;
  lostSome: number;
  keptInFlight: number;
  tornTails: number;
  /** Counting passes: flushes, compactions, MANIFEST rewrites, GC runs that collected a file, conflicts, expired entries at the end. */
  flushes: number;
  compactions: number;
  rewrites: number;
  collected: number;
  conflicts: number;
  expired: number;
}

function newTally(): Tally {
  return { points: 0, images: 0, enumerated: new Map(), hit: new Map(), hitKinds: new Map(), recoveryCrashes: 0, lostSome: 0, keptInFlight: 0, tornTails: 0, flushes: 0, compactions: 0, rewrites: 0, collected: 0, conflicts: 0, expired: 0 };
}

function tallyLine(t: Tally): string {
  return (
    `${t.points} crash points, ${t.images} recovered images, ${t.recoveryCrashes} power losses inside a recovery; ` +
    `counting passes ran ${t.flushes} flushes, ${t.compactions} compactions, ${t.rewrites} MANIFEST rewrites, ${t.collected} value-log collections, ${t.conflicts} conflicts, ended with ${t.expired} expired entries; ` +
    `${t.lostSome} images lost unacknowledged requests, ${t.keptInFlight} kept in-flight ones, ${t.tornTails} cut a torn tail; ` +
    `crash points by kind: ${listCounts(t.hitKinds)}; by cause (hit/enumerated): ${[...t.enumerated.keys()].sort().map((c) => `${c}=${t.hit.get(c) ?? 0}/${t.enumerated.get(c)}`).join(' ')}`
  );
}

const reopenOn = (w: Workload, fs: FaultFS, clock: ManualClock): Promise<DB> => open(DIR, { ...MIXED, fs, syncWrites: w.syncWrites, clock });

/**
 * Recovers one image and checks what it recovered; with `full`, then more requests, a jump of the
 * clock, a reopen and a flatten, checked likewise. Returns the visible state it recovered.
 */
async function checkImage(rng: Rng, w: Workload, c: Capture, image: Image, full: boolean, tally: Tally): Promise<Map<string, string>> {
  const inCrash = await newestAboveProblem(image.fs);
  if (inCrash !== undefined) throw new Error(`in the crashed directory: ${inCrash}`);
  const clock = new ManualClock(c.nowMs);
  let db = await reopenOn(w, image.fs, clock);
  try {
    tally.images++;
    if (db.stats().counters.tornTailsTruncated > 0) tally.tornTails++;
    await db.waitForBackgroundWork();
    const prefix = matchRecovered(dumpCells(db), w.run, c.nowMs, image.lo, c.issued);
    if (prefix < c.issued) tally.lostSome++;
    if (prefix > image.lo) tally.keptInFlight++;
    const recovered = w.run.states[prefix]!;
    const everyKey = new Set(w.everyKey);
    expectVisible(db, w.run, prefix, c.nowMs, everyKey, `after recovering ${prefix} requests`);
    await expectSound(image.fs, 'after recovery');
    const maxVersion = await expectRecoveredShape(db, image.fs, 'after recovery');
    if (!full) return visibleAt(recovered, c.nowMs);

    // More requests on the recovered database, from the recovered state and time.
    const more = makeMixedOps(rng, w.run.ops.length + 1000, 25 + rng.int(20), recovered, c.nowMs);
    keysOfRun(more, everyKey);
    const state = newRunState();
    await runMixed(db, more.ops, w.run.ops.length + 1000, rng, clock, state, new Map());
    await drain(state);
    if (state.errors.length > 0) throw state.errors[0];
    await db.waitForBackgroundWork();
    const end = more.ops.length;
    expectVisible(db, more, end, clock.nowMs(), everyKey, 'after more requests on the recovered database');
    expectNewVersionsAbove(db, new Set(more.ops.flatMap((op) => landed(op).map((p) => p.key))), maxVersion, 'after more requests on the recovered database');
    await db.close();

    // Past every short TTL: expired entries stay gone through a reopen and a flatten (which drops them), long ones stay.
    clock.advance(3_600_000);
    db = await reopenOn(w, image.fs, clock);
    expectVisible(db, more, end, clock.nowMs(), everyKey, 'after the clock passed every short TTL and a reopen');
    await db.flatten();
    expectVisible(db, more, end, clock.nowMs(), everyKey, 'after the clock passed every short TTL and a flatten');
    await db.waitForBackgroundWork();
    await expectSound(image.fs, 'after close, reopen and flatten');
    await expectRecoveredShape(db, image.fs, 'after close, reopen and flatten');
    return visibleAt(recovered, c.nowMs);
  } finally {
    await db.close();
  }
}

/** A power loss inside the recovery of `pristine`: recovering from it shows what a recovery without it showed. */
async function crashDuringRecovery(rng: Rng, w: Workload, c: Capture, pristine: FaultFS, recovered: Map<string, string>, tally: Tally): Promise<void> {
  const second = await crashInsideRecovery(rng, pristine, (fs) => reopenOn(w, fs, new ManualClock(c.nowMs)), (e) => `${e.op}:${e.path.slice(e.path.lastIndexOf('/') + 1)}`);
  tally.recoveryCrashes++;
  const db = await reopenOn(w, second.fs, new ManualClock(c.nowMs));
  try {
    await db.waitForBackgroundWork();
    const got = dumpCells(db);
    const same = got.size === recovered.size && [...recovered].every(([k, v]) => got.get(k)?.value === v);
    if (!same) throw new Error(`after ${second.where}: the data differs from what the recovery without it showed`);
  } finally {
    await db.close();
  }
}

/** One workload: enumerate its crash points, sample them, capture them, and check every image. */
async function crashWorkload(seed: number, syncWrites: boolean, tally: Tally): Promise<void> {
  const w = makeWorkload(seed, syncWrites);
  const label = `${seedLabel(seed, FILE)}, syncWrites ${syncWrites}, ${w.run.ops.length} requests`;
  const entries: PointEntry[] = [];
  let total = 0;
  let counted: Pass;
  try {
    counted = await runPass(w, (n, op, path, pass) => {
      total = n;
      if (POINT_OPS.includes(op)) entries.push({ n, category: causeOf(op, path, pass.fs, pass.executor) });
    });
  } catch (err) {
    throw new Error(`${label}: the run without a crash failed: ${describeError(err)}`);
  }
  for (const e of entries) bump(tally.enumerated, e.category);
  const c = counted.db!.stats().counters;
  tally.flushes += c.flushes;
  tally.compactions += c.compactions;
  tally.collected += c.vlogFilesDeleted;
  tally.conflicts += c.conflicts;
  tally.rewrites += entries.filter((e) => e.category === 'rename:manifest-rewrite').length;
  const final = w.run.states.at(-1)!;
  tally.expired += final.size - visibleAt(final, w.run.clockAt.at(-1)!).size;

  const rng = new Rng(seed * 31 + (syncWrites ? 1 : 0));
  let captures: Capture[] = [];
  const points: Point[] =
    POINTS === 'all' ? entries.flatMap((e) => [{ ...e, position: 'before' as const }, { ...e, position: 'after' as const }]) : samplePoints(rng, seed, syncWrites, entries, POINTS);
  for (let k = 0; k < points.length; k++) {
    if (k % CHUNK === 0) captures = await capturePass(w, points.slice(k, k + CHUNK), total);
    const cap = captures[k % CHUNK]!;
    tally.points++;
    bump(tally.hit, cap.point.category);
    bump(tally.hitKinds, kindOf(cap.point.category));
    const where = `${label}, crash ${cap.where}, ${cap.promised} acknowledged, ${cap.issued} issued (${cap.issued > 0 ? describeOp(w.run.ops[cap.issued - 1]!) : 'none'} last)`;
    await checkImages(
      where,
      cap.images,
      async (image, i, pristine) => {
        const recovered = await checkImage(rng, w, cap, image, i === k % 2, tally);
        if (i === 0 && k % 4 === 0) await crashDuringRecovery(rng, w, cap, pristine, recovered, tally);
      },
      expectNoUnhandled,
      (image) => `${image.name} (lowest allowed prefix ${image.lo})`,
    );
  }
}

describe.each([true, false])('crashes at every kind of sync, rename and directory sync of a mixed workload, syncWrites %s', (syncWrites) => {
  const promise = syncWrites
    ? 'keeps every acknowledged request, and nothing partial, reordered, resurrected or expired, through a power loss at any sync, rename or directory sync'
    : 'keeps every acknowledged request through a process kill, and a prefix of the requests through a power loss, at any sync, rename or directory sync';
  it(promise, async () => {
    const tally = newTally();
    for (const seed of seeds) await crashWorkload(seed, syncWrites, tally);
    console.log(`mixed crash tests, syncWrites ${syncWrites}: ${tallyLine(tally)}`);
    console.log(crashPointLine(FILE, `syncWrites ${syncWrites}`, tally.points + tally.recoveryCrashes, tally.images));
    if (fullRun) {
      expect(KINDS.filter((k) => !tally.hitKinds.has(k)), `kinds of crash point never hit: ${tallyLine(tally)}`).toEqual([]);
      expect(requiredCauses(syncWrites).filter((c) => !tally.hit.has(c)), `required causes never crashed at: ${tallyLine(tally)}`).toEqual([]);
      for (const n of [tally.rewrites, tally.collected, tally.conflicts, tally.expired, tally.lostSome, tally.keptInFlight]) expect(n, tallyLine(tally)).toBeGreaterThan(0);
    }
  }, timeoutFor(seeds.length, 5_000));
});
