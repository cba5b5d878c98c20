// Crash tests for compactions and MANIFEST rewrites (SPEC §4.1 Durability, §3 "Newest above" and
// "MANIFEST"), on FaultFS. Each case runs a seeded workload of writes mixed with flatten(),
// compactL0(), dropPrefix(p) and dropAll(), with tables and levels tiny enough that flushes, compactions and
// MANIFEST rewrites happen every few writes. A counting pass names every file-system operation
// (compaction-workload.ts: a compaction's output write and sync, its directory sync, its
// MANIFEST record, the unlink of its inputs, each step of a MANIFEST rewrite...); then, for a few
// chosen operations N, a second pass stops the world at operation N, and two crash images of it
// (power losses, or a process kill) must recover:
//   - to the state after one prefix of the operations, no shorter than what was promised
//     (syncWrites true: every resolved operation; false: every resolved operation after a process
//     kill, everything up to the last resolved tree operation after a power loss) — except that a
//     dropPrefix cut by the crash may have dropped any subset of its keys, changing nothing else;
//     dropAll is all or nothing and flatten and compactL0 never change the data;
//   - with every table the MANIFEST names present and no other table left after open and
//     waitForBackgroundWork, and the tree "newest above" both in the crashed directory and after
//     recovery (read from the table files);
//   - and through more writes, a close and a reopen, with the same checks;
//   - and, for one image of each crash, through a second power loss inside its recovery (which
//     compacts, and may rewrite the MANIFEST): the data must be what a recovery without it gave.
// Every run asserts it crashed inside each kind of compaction and rewrite step at least once.
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
import { checkGets, describeDiff, dumpAll, entriesOf, expectNewVersionsAbove, expectRecoveredShape, expectSound } from './checks.js';
import {
  bump,
  categoryOf,
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
import {
  COMPACTING,
  REQUIRED,
  categorize,
  describeOp,
  execOp,
  lastResolvedTreeOp,
  makeOps,
  matchOps,
  newTally,
  opStates,
  pickOperations,
  tallyLine,
  type Op,
  type Tally,
  type TraceEntry,
  type TreeOp,
} from './compaction-workload.js';
import { LaggingExecutor, SpyFS } from './naming.js';
import { keysOf, runWrites, writesAfterRecovery } from './writes.js';

const FILE = 'compaction.test.ts';
const seeds = seedsFor(40);
const fullRun = isFullRun(seeds, 40);
const expectNoUnhandled = watchUnhandledRejections();

interface Tuning {
  numMemtables: number;
  /** Microtasks each job waits before it runs: compactions overlap writes and flushes. */
  lagTicks: number;
}

/** One run of the workload on a fresh file system. */
interface Pass {
  fs: SpyFS;
  executor: LaggingExecutor;
  state: RunState;
  treeOp: { index: number; kind: TreeOp['kind'] } | undefined;
  db: DB | undefined;
}

function newPass(tuning: Tuning): Pass {
  const fs = new SpyFS();
  return { fs, executor: new LaggingExecutor(fs, tuning.lagTicks), state: newRunState(), treeOp: undefined, db: undefined };
}

/**
 * Open, the operations in waves (a tree operation leads its wave, so writes issued with it land
 * after it), then — unless stopped — waitForBackgroundWork, a check of the final state, and close.
 */
async function runPass(pass: Pass, syncWrites: boolean, ops: readonly Op[], final: Map<string, string>, waveSeed: number, tuning: Tuning): Promise<void> {
  const { state } = pass;
  let db: DB;
  try {
    db = pass.db = await open(DIR, { ...COMPACTING, fs: pass.fs, syncWrites, numMemtables: tuning.numMemtables, executor: pass.executor });
  } catch (err) {
    state.errors.push(err);
    state.stopped = true;
    return;
  }
  const rng = new Rng(waveSeed);
  const issue = (idx: number, wave: Promise<void>[]): void => {
    const op = ops[idx]!;
    if (op.kind !== 'write') pass.treeOp = { index: idx, kind: op.kind };
    const p = issueRequest(state, idx, execOp(db, op), () => {
      if (pass.treeOp?.index === idx) pass.treeOp = undefined;
    });
    wave.push(p);
  };
  let j = 0;
  while (j < ops.length && !state.stopped) {
    const wave: Promise<void>[] = [];
    const lead = ops[j]!.kind !== 'write';
    if (lead) issue(j++, wave);
    const writes = lead ? rng.int(4) : rng.bool(0.6) ? 1 : 2 + rng.int(6);
    for (let w = 0; w < writes && j < ops.length && ops[j]!.kind === 'write' && !state.stopped; w++) issue(j++, wave);
    await Promise.all(wave);
  }
  if (state.stopped) return;
  try {
    await db.waitForBackgroundWork();
    const got = dumpAll(db);
    if (JSON.stringify(got) !== JSON.stringify(entriesOf(final))) {
      state.errors.push(new Error(`without a crash, the workload ended in the wrong state:\n${describeDiff(got, entriesOf(final))}`));
    }
    await db.close();
  } catch (err) {
    state.errors.push(err);
  }
}

interface Workload {
  seed: number;
  syncWrites: boolean;
  ops: Op[];
  states: Map<string, string>[];
  tuning: Tuning;
  waveSeed: number;
}

function makeWorkload(seed: number, syncWrites: boolean): Workload {
  const rng = new Rng(seed * 2 + (syncWrites ? 1 : 0) + 7_000_001);
  const ops = makeOps(rng, 120 + rng.int(120));
  const r = rng.next();
  const tuning: Tuning = r < 0.4 ? { numMemtables: 5, lagTicks: 0 } : { numMemtables: r < 0.7 ? 2 : 5, lagTicks: 1 + rng.int(40) };
  return { seed, syncWrites, ops, states: opStates(ops), tuning, waveSeed: seed * 7 + 3 };
}

interface Counted {
  trace: TraceEntry[];
  compactions: number;
  rewrites: number;
}

/** The counting pass: every operation of a whole run, named. */
async function countingPass(w: Workload): Promise<Counted> {
  const pass = newPass(w.tuning);
  const trace: TraceEntry[] = [];
  pass.fs.onOperation = (op, path) => {
    const during = pass.treeOp?.kind;
    trace.push({ op, path, category: categorize(op, path, pass.fs, pass.executor, during === 'dropAll'), during });
  };
  await runPass(pass, w.syncWrites, w.ops, w.states[w.ops.length]!, w.waveSeed, w.tuning);
  expect(pass.state.errors.map(describeError), `seed ${w.seed}: the counting pass must not fail`).toEqual([]);
  return { trace, compactions: pass.db!.stats().counters.compactions, rewrites: trace.filter((e) => e.category === 'rename:manifest-rewrite').length };
}

interface Crashed {
  frozen: FaultFS;
  resolved: boolean[];
  issued: number;
  treeOp: TreeOp['kind'] | undefined;
  where: string;
}

/** The crash pass: the same run, with the world stopped before operation n. */
async function crashPass(w: Workload, counted: Counted, n: number): Promise<Crashed> {
  const pass = newPass(w.tuning);
  let issued = -1;
  let treeOp: { index: number; kind: TreeOp['kind'] } | undefined;
  const status = freezeAt(pass.fs, n, () => {
    issued = pass.state.issued;
    treeOp = pass.treeOp;
    pass.state.stopped = true;
  });
  await runPass(pass, w.syncWrites, w.ops, w.states[w.ops.length]!, w.waveSeed, w.tuning);
  await drain(pass.state);
  const at = counted.trace[n - 1]!;
  expect(status.frozen, `seed ${w.seed}: the run did not reach operation ${n} of ${counted.trace.length} (the engine is not deterministic?)`).toBe(true);
  const tuning = w.tuning.lagTicks === 0 ? 'inline jobs' : `jobs lagging ${w.tuning.lagTicks} microtasks, numMemtables ${w.tuning.numMemtables}`;
  const inside = treeOp === undefined ? '' : `, inside op ${treeOp.index} ${describeOp(w.ops[treeOp.index]!)}`;
  return { frozen: pass.fs, resolved: pass.state.resolved.slice(), issued, treeOp: treeOp?.kind, where: `at operation ${n}/${counted.trace.length} (${at.category} ${at.path})${inside}, ${tuning}` };
}

function imagesOf(rng: Rng, w: Workload, c: Crashed): Image[] {
  // syncWrites false: a resolved tree operation flushed every earlier write and synced its MANIFEST records.
  return crashImages(rng, c.frozen, w.syncWrites, lastResolved(c.resolved) + 1, lastResolvedTreeOp(w.ops, c.resolved) + 1, { dropAll: 0.5, garbage: 0 });
}

/**
 * Recovers one crash image and checks it, then writes more, closes, reopens and checks again.
 * Returns what the recovery held before the writes.
 */
async function checkImage(rng: Rng, w: Workload, c: Crashed, image: Image, tally: Tally): Promise<[string, string][]> {
  const inCrash = await newestAboveProblem(image.fs);
  if (inCrash !== undefined) throw new Error(`in the crashed directory: ${inCrash}`);
  const reopen = (): Promise<DB> => open(DIR, { ...COMPACTING, fs: image.fs, syncWrites: w.syncWrites });
  let db = await reopen();
  try {
    tally.images++;
    if (db.stats().counters.tornTailsTruncated > 0) tally.tornTails++;
    await db.waitForBackgroundWork();
    const got = dumpAll(db);
    const recovered = matchOps(got, w.ops, w.states, image.lo, c.issued);
    if (recovered.partialDrop) tally.partialDrops++;
    if (recovered.prefix < c.issued) tally.lostSome++;
    if (recovered.prefix > image.lo) tally.keptInFlight++;
    const model = recovered.partialDrop ? new Map(got) : new Map(w.states[recovered.prefix]!);
    const everyKey = keysOf(w.ops.flatMap((op) => (op.kind === 'write' ? [op.write] : [])));
    const badGet = checkGets(db, model, everyKey);
    if (badGet !== undefined) throw new Error(`after recovery: ${badGet}`);
    await expectSound(image.fs, 'after recovery');
    const maxVersion = await expectRecoveredShape(db, image.fs, 'after recovery');

    const more = writesAfterRecovery(rng, w.ops.length + 1000, model);
    keysOf(more, everyKey);
    const state = newRunState();
    await runWrites(db, more, rng, state);
    if (state.errors.length > 0) throw state.errors[0];
    await db.waitForBackgroundWork();
    expectNewVersionsAbove(db, keysOf(more), maxVersion, 'after writes on the recovered database');
    const after = entriesOf(model);
    expect(dumpAll(db), 'after writes on the recovered database').toEqual(after);
    const badGet2 = checkGets(db, model, everyKey);
    if (badGet2 !== undefined) throw new Error(`after writes on the recovered database: ${badGet2}`);
    await db.close();

    db = await reopen();
    expect(dumpAll(db), 'after close and reopen').toEqual(after);
    await db.waitForBackgroundWork();
    await expectSound(image.fs, 'after close and reopen');
    await expectRecoveredShape(db, image.fs, 'after close and reopen');
    return got;
  } finally {
    await db.close();
  }
}

/**
 * A second crash, a power loss at a random operation of the recovery itself (open: WAL replay and
 * cleanup; then the flushes, compactions and MANIFEST rewrites it starts): recovering from that
 * must give the data a recovery without it gave.
 */
async function crashDuringRecovery(rng: Rng, w: Workload, pristine: FaultFS, recovered: [string, string][], tally: Tally): Promise<void> {
  const reopen = (fs: FaultFS): Promise<DB> => open(DIR, { ...COMPACTING, fs, syncWrites: w.syncWrites });
  const second = await crashInsideRecovery(rng, pristine, reopen, categoryOf);
  if (second.compacted) tally.recoveriesCompacting++;
  bump(tally.recoveryCrashes, second.category);
  const db = await reopen(second.fs);
  try {
    await db.waitForBackgroundWork();
    expect(dumpAll(db), `after ${second.where}`).toEqual(recovered);
  } finally {
    await db.close();
  }
}

/** One workload: a counting pass, then each chosen crash point and its two images. */
async function crashWorkload(seed: number, syncWrites: boolean, tally: Tally): Promise<void> {
  const w = makeWorkload(seed, syncWrites);
  const counted = await countingPass(w);
  tally.compactions += counted.compactions;
  tally.rewrites += counted.rewrites;
  const rng = new Rng(seed * 31 + (syncWrites ? 1 : 0));
  for (const n of pickOperations(rng, seed, counted.trace)) {
    tally.cases++;
    const at = counted.trace[n - 1]!;
    bump(tally.categories, at.category);
    const crashed = await crashPass(w, counted, n);
    if (crashed.treeOp !== undefined) bump(tally.during, crashed.treeOp);
    const where =
      `${seedLabel(seed, FILE)}, syncWrites ${syncWrites}, ${w.ops.length} operations ` +
      `(${w.ops.filter((o) => o.kind !== 'write').map(describeOp).join(', ')}), crash ${crashed.where}, ` +
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

describe.each([true, false])('crashes inside compactions and MANIFEST rewrites, syncWrites %s', (syncWrites) => {
  const promise = syncWrites
    ? 'keeps every resolved operation and a sound tree through a power loss inside any compaction or rewrite step'
    : 'keeps every resolved operation through a process kill, and a prefix through a power loss, inside any compaction or rewrite step';
  it(promise, async () => {
    const tally = newTally();
    for (const seed of seeds) await crashWorkload(seed, syncWrites, tally);
    console.log(`compaction crash tests, syncWrites ${syncWrites}: ${tallyLine(tally)}`);
    // Each case stopped the world twice: in the workload, and inside the recovery of its first image.
    console.log(crashPointLine(FILE, `syncWrites ${syncWrites}`, 2 * tally.cases, tally.images));
    if (fullRun) {
      expect(REQUIRED.filter((c) => !tally.categories.has(c)), `required crash points missed: ${tallyLine(tally)}`).toEqual([]);
      expect(['flatten', 'compactL0', 'dropPrefix', 'dropAll'].filter((k) => !tally.during.has(k)), `tree operations never crashed inside: ${tallyLine(tally)}`).toEqual([]);
      expect(tally.rewrites, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.partialDrops, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.lostSome, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.keptInFlight, tallyLine(tally)).toBeGreaterThan(0);
    }
  }, timeoutFor(seeds.length, 3_000));
});
