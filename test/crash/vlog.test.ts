// Crash tests for the value log and value-log GC (SPEC §4.1 Durability, §3 "Value log" and
// "Newest above"), on FaultFS. Each case runs a seeded workload whose values mostly exceed
// valueThreshold — puts, overwrites, deletes, batches mixing small and large values — with
// flatten() (which feeds the discard statistics) and runValueLogGC(0.1..0.5) calls, some awaited,
// some left in flight while writes go on. A counting pass names every file-system operation
// (vlog-workload.ts: a group's value-log append and sync, the WAL record after it, a rotation's
// old-file sync, new file, header sync and directory sync, a flush's value-log sync before its
// MANIFEST record, GC's rewrite groups and syncs, each step of a DISCARD save, a collected file's
// unlink and the directory sync after it...); then, for a few chosen operations N, a second pass
// stops the world at operation N, and two crash images of it must recover:
//   - without error, to the state after one prefix of the operations no shorter than what was
//     promised (syncWrites true: every resolved operation, through a power loss; false: every
//     resolved operation through a process kill, everything up to the last resolved flatten
//     through a power loss). GC and flatten never change the data, so a GC in flight at the
//     crash changes nothing visible, and no deleted key comes back;
//   - with every value readable: getSync of every key ever written, and iteration with values
//     (a pointer into a missing or truncated value-log file is CORRUPTION there);
//   - with the MANIFEST's tables present and "newest above" holding, in the crashed directory and
//     after recovery;
//   - and through more writes, GCs and flattens, a close and a reopen, with the same checks.
// Every full run asserts that it crashed inside each kind of value-log step at least once.
//
// After each recovery, also: versions strictly decrease per key, the levels the database holds are
// the MANIFEST's, and writes after recovery get versions above every recovered one (checks.ts).
//
// Seeds: SETT_CRASH_SEEDS=N runs N workloads per test (default 40, two crash points each, plus a
// crash inside a recovery per crash point); SETT_CRASH_SEED=x replays workload x alone. Every
// failure names its seed and the command that replays it.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { open, type DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR } from '../db/helpers.js';
import { newestAboveProblem } from '../db/newest-above.js';
import { checkGets, describeDiff, dumpAll, entriesOf, expectNewVersionsAbove, expectRecoveredShape, expectSound, matchPrefix } from './checks.js';
import {
  bump,
  checkImages,
  crashImages,
  crashInsideRecovery,
  crashPointLine,
  describeError,
  drain,
  freezeAt,
  type Image,
  isFullRun,
  lastResolved,
  newRunState,
  type RunState,
  seedLabel,
  seedsFor,
  timeoutFor,
  watchUnhandledRejections,
  issueRequest,
} from './harness.js';
import { LaggingExecutor, SpyFS } from './naming.js';
import {
  SEPARATING,
  categorize,
  describeOp,
  durableAfterPowerLoss,
  execOp,
  keysOfOps,
  makeVlogOps,
  newTally,
  opStates,
  pickOperations,
  requiredSteps,
  tallyLine,
  type Op,
  type Tally,
  type TraceEntry,
} from './vlog-workload.js';

const FILE = 'vlog.test.ts';
const seeds = seedsFor(40);
const fullRun = isFullRun(seeds, 40);
const expectNoUnhandled = watchUnhandledRejections();

const reopen = (fs: FaultFS, syncWrites: boolean): Promise<DB> => open(DIR, { ...SEPARATING, fs, syncWrites });

/** Tree operations running (index → description): GCs in flight, a flatten. */
type Running = Map<number, string>;

/**
 * Issues `ops` in waves: a tree operation leads its wave (a GC left in flight is not awaited with
 * it, so later waves run beside it), then up to three writes; a run of writes goes one at a time
 * or several at once (they commit as one group). Stops when `state.stopped` is set.
 */
async function runOps(db: DB, ops: readonly Op[], rng: Rng, state: RunState, running: Running): Promise<void> {
  const issue = (idx: number, wave: Promise<void>[] | undefined): void => {
    const op = ops[idx]!;
    if (op.kind !== 'write') running.set(idx, describeOp(op));
    const p = issueRequest(state, idx, execOp(db, op), () => running.delete(idx));
    wave?.push(p);
  };
  let j = 0;
  while (j < ops.length && !state.stopped) {
    const wave: Promise<void>[] = [];
    const head = ops[j]!;
    const lead = head.kind !== 'write';
    if (lead) issue(j++, head.kind === 'gc' && !head.awaited ? undefined : wave);
    const writes = lead ? rng.int(4) : rng.bool(0.6) ? 1 : 2 + rng.int(6);
    for (let w = 0; w < writes && j < ops.length && ops[j]!.kind === 'write' && !state.stopped; w++) issue(j++, wave);
    await Promise.all(wave);
  }
}

/** Lets every operation finish (GCs in flight too), then the background work. */
async function finish(db: DB, state: RunState): Promise<void> {
  await drain(state);
  if (state.errors.length > 0) throw state.errors[0];
  await db.waitForBackgroundWork();
}

interface Workload {
  seed: number;
  syncWrites: boolean;
  ops: Op[];
  states: Map<string, string>[];
  everyKey: Set<string>;
  waveSeed: number;
  /** Microtasks each flush or compaction waits before it runs (0: at once), so jobs overlap writes and GC as on a worker. */
  lagTicks: number;
  /** 2: a rotation waits for the previous memtable's flush (a write stall). */
  numMemtables: number;
}

function makeWorkload(seed: number, syncWrites: boolean): Workload {
  const rng = new Rng(seed * 2 + (syncWrites ? 1 : 0) + 9_000_011);
  const ops = makeVlogOps(rng, 0, 120 + rng.int(120), new Map());
  const lagged = rng.bool(0.6);
  return {
    seed,
    syncWrites,
    ops,
    states: opStates(new Map(), ops),
    everyKey: keysOfOps(ops),
    waveSeed: seed * 7 + 5,
    lagTicks: lagged ? 1 + rng.int(40) : 0,
    numMemtables: lagged && rng.bool(0.5) ? 2 : 5,
  };
}

/** One run of the workload on `fs`: open, the operations, then (unless stopped) finish and close. */
async function runPass(w: Workload, fs: FaultFS, state: RunState, running: Running): Promise<DB | undefined> {
  let db: DB;
  try {
    const executor = w.lagTicks > 0 ? new LaggingExecutor(fs, w.lagTicks) : undefined;
    db = await open(DIR, { ...SEPARATING, fs, syncWrites: w.syncWrites, numMemtables: w.numMemtables, executor });
  } catch (err) {
    state.errors.push(err);
    state.stopped = true;
    return undefined;
  }
  await runOps(db, w.ops, new Rng(w.waveSeed), state, running);
  if (state.stopped) return db;
  try {
    await finish(db, state);
    expectData(db, w.states[w.ops.length]!, w.everyKey, 'without a crash');
    await db.close();
  } catch (err) {
    state.errors.push(err);
  }
  return db;
}

/** The counting pass: every operation of a whole run, named. */
async function countingPass(w: Workload, tally: Tally): Promise<TraceEntry[]> {
  const fs = new SpyFS();
  const state = newRunState();
  const running: Running = new Map();
  const trace: TraceEntry[] = [];
  fs.onOperation = (op, path) => {
    trace.push({ op, path, category: categorize(op, path, fs), during: [...running.values()] });
  };
  const db = await runPass(w, fs, state, running);
  expect(state.errors.map(describeError), `seed ${w.seed}: the counting pass must not fail`).toEqual([]);
  const c = db!.stats().counters;
  tally.flushes += c.flushes;
  tally.compactions += c.compactions;
  tally.stalls += c.writeStalls;
  tally.vlogDeleted += c.vlogFilesDeleted;
  tally.gcRewrote += c.vlogGCRuns;
  tally.vlogFiles += new Set(trace.filter((e) => e.path.endsWith('.vlog')).map((e) => e.path)).size;
  return trace;
}

interface Crashed {
  frozen: FaultFS;
  resolved: boolean[];
  issued: number;
  where: string;
}

/** The crash pass: the same run, with the world stopped before operation n. */
async function crashPass(w: Workload, trace: readonly TraceEntry[], n: number): Promise<Crashed> {
  const fs = new SpyFS();
  const state = newRunState();
  const running: Running = new Map();
  let issued = -1;
  let atCrash: string[] = [];
  const status = freezeAt(fs, n, () => {
    issued = state.issued;
    atCrash = [...running.entries()].map(([i, d]) => `op ${i} ${d}`);
    state.stopped = true;
  });
  await runPass(w, fs, state, running);
  await drain(state);
  expect(status.frozen, `seed ${w.seed}: the run did not reach operation ${n} of ${trace.length} (the engine is not deterministic?)`).toBe(true);
  const at = trace[n - 1]!;
  const inside = atCrash.length === 0 ? '' : `, inside ${atCrash.join(' and ')}`;
  const jobs = w.lagTicks === 0 ? 'inline jobs' : `jobs lagging ${w.lagTicks} microtasks, numMemtables ${w.numMemtables}`;
  return { frozen: fs, resolved: state.resolved.slice(), issued, where: `at operation ${n}/${trace.length} (${at.category} ${at.path})${inside}, ${jobs}` };
}

function imagesOf(rng: Rng, w: Workload, c: Crashed): Image[] {
  // syncWrites false: everything before the last resolved flatten is durable.
  return crashImages(rng, c.frozen, w.syncWrites, lastResolved(c.resolved) + 1, durableAfterPowerLoss(w.ops, c.resolved), { dropAll: 0.3, garbage: 0.5 });
}

/** Every value reads back, by iteration (dumpAll reads values) and by getSync of every key. */
function expectData(db: DB, model: Map<string, string>, everyKey: Set<string>, when: string): void {
  const got = dumpAll(db);
  const want = entriesOf(model);
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${when}, the data is wrong:\n${describeDiff(got, want)}`);
  const bad = checkGets(db, model, everyKey);
  if (bad !== undefined) throw new Error(`${when}: ${bad}`);
}

/**
 * Recovers one crash image and checks it; then more operations, a close and a reopen. Returns
 * what the recovery held before the operations.
 */
async function checkImage(rng: Rng, w: Workload, c: Crashed, image: Image, tally: Tally): Promise<[string, string][]> {
  const inCrash = await newestAboveProblem(image.fs);
  if (inCrash !== undefined) throw new Error(`in the crashed directory: ${inCrash}`);
  let db = await reopen(image.fs, w.syncWrites);
  try {
    tally.images++;
    if (db.stats().counters.tornTailsTruncated > 0) tally.tornTails++;
    await db.waitForBackgroundWork();
    const recovered = dumpAll(db);
    const prefix = matchPrefix(recovered, w.states, image.lo, c.issued);
    if (prefix < c.issued) tally.lostSome++;
    if (prefix > image.lo) tally.keptInFlight++;
    const model = new Map(w.states[prefix]!);
    const everyKey = new Set(w.everyKey);
    expectData(db, model, everyKey, `after recovering ${prefix} operations`);
    await expectSound(image.fs, 'after recovery');
    const maxVersion = await expectRecoveredShape(db, image.fs, 'after recovery');

    // More writes, GCs (in flight too) and flattens on the recovered database.
    const more = makeVlogOps(rng, w.ops.length + 1000, 30 + rng.int(30), model);
    keysOfOps(more, everyKey);
    const state = newRunState();
    await runOps(db, more, rng, state, new Map());
    await finish(db, state);
    expectNewVersionsAbove(db, keysOfOps(more), maxVersion, 'after more operations on the recovered database');
    expectData(db, model, everyKey, 'after more operations on the recovered database');
    if (db.stats().counters.vlogFilesDeleted > 0) tally.gcAfterRecovery++;
    await db.close();

    db = await reopen(image.fs, w.syncWrites);
    expectData(db, model, everyKey, 'after close and reopen');
    await db.waitForBackgroundWork();
    await expectSound(image.fs, 'after close and reopen');
    await expectRecoveredShape(db, image.fs, 'after close and reopen');
    return recovered;
  } finally {
    await db.close();
  }
}

/**
 * A second crash, a power loss at an operation of the recovery itself (open: the value log's
 * torn-tail cut and its sync, WAL replay and its cut, the deletion of later WALs; then the
 * flushes and compactions it starts, and close): recovering from that gives what a recovery
 * without it gave, every value readable.
 */
async function crashDuringRecovery(rng: Rng, w: Workload, pristine: FaultFS, recovered: [string, string][], tally: Tally): Promise<void> {
  const label = (e: { op: string; path: string }): string => `${e.op}:${/\.(vlog|mem|sst)$/.exec(e.path)?.[1] ?? e.path.slice(e.path.lastIndexOf('/') + 1)}`;
  const second = await crashInsideRecovery(rng, pristine, (fs) => reopen(fs, w.syncWrites), label);
  bump(tally.recoveryCrashes, second.category);
  const db = await reopen(second.fs, w.syncWrites);
  try {
    await db.waitForBackgroundWork();
    expectData(db, new Map(recovered), w.everyKey, `after ${second.where}`);
  } finally {
    await db.close();
  }
}

/** One workload: a counting pass, then each chosen crash point and its two images (the first also crashed inside its recovery). */
async function crashWorkload(seed: number, syncWrites: boolean, tally: Tally): Promise<void> {
  const w = makeWorkload(seed, syncWrites);
  const trace = await countingPass(w, tally);
  const rng = new Rng(seed * 31 + (syncWrites ? 1 : 0));
  for (const n of pickOperations(rng, seed, syncWrites, trace)) {
    tally.cases++;
    const at = trace[n - 1]!;
    bump(tally.categories, at.category);
    if (at.during.some((d) => d.startsWith('gc'))) tally.insideGC++;
    if (at.during.includes('flatten()')) tally.insideFlatten++;
    if (trace.slice(0, n - 1).some((e) => e.category === 'unlink:vlog')) tally.afterCollect++;
    const crashed = await crashPass(w, trace, n);
    const where =
      `${seedLabel(seed, FILE)}, syncWrites ${syncWrites}, ${w.ops.length} operations ` +
      `(${w.ops.flatMap((o, i) => (o.kind === 'write' ? [] : [`${i}: ${describeOp(o)}`])).join(', ')}), crash ${crashed.where}, ` +
      `${lastResolved(crashed.resolved) + 1} resolved, ${crashed.issued} issued`;
    await checkImages(
      where,
      imagesOf(rng, w, crashed),
      async (image, i, pristine) => {
        const recovered = await checkImage(rng, w, crashed, image, tally);
        if (i === 0) await crashDuringRecovery(rng, w, pristine, recovered, tally);
      },
      expectNoUnhandled,
    );
  }
}

describe.each([true, false])('crashes inside value-log writes and value-log GC, syncWrites %s', (syncWrites) => {
  const promise = syncWrites
    ? 'keeps every resolved operation, and every value readable, through a power loss inside any value-log or GC step'
    : 'keeps every resolved operation through a process kill, and a prefix with every value readable through a power loss, inside any value-log or GC step';
  it(promise, async () => {
    const tally = newTally();
    for (const seed of seeds) await crashWorkload(seed, syncWrites, tally);
    console.log(`value-log crash tests, syncWrites ${syncWrites}: ${tallyLine(tally)}`);
    // Each case stopped the world twice: in the workload, and inside the recovery of its first image.
    console.log(crashPointLine(FILE, `syncWrites ${syncWrites}`, 2 * tally.cases, tally.images));
    if (fullRun) {
      expect(requiredSteps(syncWrites).filter((c) => !tally.categories.has(c)), `required crash points missed: ${tallyLine(tally)}`).toEqual([]);
      expect(tally.insideGC, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.insideFlatten, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.afterCollect, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.gcAfterRecovery, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.lostSome, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.keptInFlight, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.tornTails, tallyLine(tally)).toBeGreaterThan(0);
    }
  }, timeoutFor(seeds.length, 3_000));
});

