// Crash tests for compactions and MANIFEST rewrites (SPEC §4.1 Durability, §3 "Newest above" and
// "MANIFEST"), on FaultFS. Each case runs a seeded workload of writes mixed with flatten(),
// dropPrefix(p) and dropAll(), with tables and levels tiny enough that flushes, compactions and
// MANIFEST rewrites happen every few writes. A counting pass names every file-system operation
// (crash-compaction-helpers.ts: a compaction's output write and sync, its directory sync, its
// MANIFEST record, the unlink of its inputs, each step of a MANIFEST rewrite...); then, for a few
// chosen operations N, a second pass stops the world at operation N, and two crash images of it
// (power losses, or a process kill) must recover:
//   - to the state after one prefix of the operations, no shorter than what was promised
//     (syncWrites true: every resolved operation; false: every resolved operation after a process
//     kill, everything up to the last resolved tree operation after a power loss) — except that a
//     dropPrefix cut by the crash may have dropped any subset of its keys, changing nothing else;
//     dropAll is all or nothing and flatten never changes the data;
//   - with every table the MANIFEST names present and no other table left after open and
//     waitForBackgroundWork, and the tree "newest above" both in the crashed directory and after
//     recovery (read from the table files);
//   - and through more writes, a close and a reopen, with the same checks;
//   - and, for one image of each crash, through a second power loss inside its recovery (which
//     compacts, and may rewrite the MANIFEST): the data must be what a recovery without it gave.
// Every run asserts it crashed inside each kind of compaction and rewrite step at least once.
//
// Seeds: SETT_CRASH_SEEDS=N runs N workloads per test (default 80, two crash points each);
// SETT_CRASH_SEED=x replays workload x alone. Every failure names its seed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { open, type DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import {
  categoryOf,
  checkDirectory,
  checkGets,
  drain,
  dumpAll,
  entriesOf,
  describeDiff,
  freezeAt,
  keysOf,
  lastResolved,
  newRunState,
  runWrites,
  traceOperations,
  writesAfterRecovery,
  type RunState,
} from './crash-helpers.js';
import {
  COMPACTING,
  REQUIRED,
  RecordingFS,
  TrackingExecutor,
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
} from './crash-compaction-helpers.js';
import { DIR } from './helpers.js';
import { newestAboveProblem } from './newest-above.js';

const replaySeed = process.env.SETT_CRASH_SEED;
const seedCount = Number(process.env.SETT_CRASH_SEEDS ?? 0);
const seeds = replaySeed !== undefined ? [Number(replaySeed)] : Array.from({ length: seedCount > 0 ? seedCount : 80 }, (_, i) => i + 1);
const fullRun = replaySeed === undefined && seeds.length >= 40;

// Unhandled rejections are engine bugs (a background failure nobody observes).
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const describeError = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

interface Tuning {
  numMemtables: number;
  /** Microtasks each job waits before it runs: compactions overlap writes and flushes. */
  lagTicks: number;
}

/** One run of the workload on a fresh file system. */
interface Pass {
  fs: RecordingFS;
  executor: TrackingExecutor;
  state: RunState;
  treeOp: { index: number; kind: TreeOp['kind'] } | undefined;
  db: DB | undefined;
}

function newPass(tuning: Tuning): Pass {
  const fs = new RecordingFS();
  return { fs, executor: new TrackingExecutor(fs, tuning.lagTicks), state: newRunState(), treeOp: undefined, db: undefined };
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
    state.issued = idx + 1;
    if (op.kind !== 'write') pass.treeOp = { index: idx, kind: op.kind };
    const p = execOp(db, op)
      .then(
        () => {
          state.resolved[idx] = true;
        },
        (err: unknown) => {
          state.errors.push(err);
          state.stopped = true;
        },
      )
      .finally(() => {
        if (pass.treeOp?.index === idx) pass.treeOp = undefined;
      });
    wave.push(p);
    state.settled.push(p);
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

interface Image {
  name: string;
  fs: FaultFS;
  /** Fewest operations the recovered state may reflect. */
  lo: number;
}

function crashImages(rng: Rng, w: Workload, c: Crashed): Image[] {
  const promised = lastResolved(c.resolved) + 1;
  const s1 = rng.int(2 ** 31);
  const s2 = rng.int(2 ** 31);
  if (w.syncWrites) {
    const second: Image = rng.bool(0.5)
      ? { name: 'power loss (dropAll)', fs: c.frozen.crash(s2, { mode: 'dropAll' }), lo: promised }
      : { name: `power loss (random, torn garbage, crash seed ${s2})`, fs: c.frozen.crash(s2, { mode: 'random', tornGarbage: true }), lo: promised };
    return [{ name: `power loss (random, crash seed ${s1})`, fs: c.frozen.crash(s1, { mode: 'random' }), lo: promised }, second];
  }
  // A resolved tree operation flushed every earlier write and synced its MANIFEST records.
  const durable = lastResolvedTreeOp(w.ops, c.resolved) + 1;
  return [
    { name: 'process kill (keepAll)', fs: c.frozen.crash(s1, { mode: 'keepAll' }), lo: promised },
    { name: `power loss (random, crash seed ${s2})`, fs: c.frozen.crash(s2, { mode: 'random' }), lo: durable },
  ];
}

async function expectSound(fs: FaultFS, when: string): Promise<void> {
  const dir = await checkDirectory(fs);
  if (dir !== undefined) throw new Error(`${when}: ${dir}`);
  const tree = await newestAboveProblem(fs);
  if (tree !== undefined) throw new Error(`${when}: ${tree}`);
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

    const more = writesAfterRecovery(rng, w.ops.length + 1000, model);
    keysOf(more, everyKey);
    const state = newRunState();
    await runWrites(db, more, rng, state);
    if (state.errors.length > 0) throw state.errors[0];
    await db.waitForBackgroundWork();
    const after = entriesOf(model);
    expect(dumpAll(db), 'after writes on the recovered database').toEqual(after);
    const badGet2 = checkGets(db, model, everyKey);
    if (badGet2 !== undefined) throw new Error(`after writes on the recovered database: ${badGet2}`);
    await db.close();

    db = await reopen();
    expect(dumpAll(db), 'after close and reopen').toEqual(after);
    await db.waitForBackgroundWork();
    await expectSound(image.fs, 'after close and reopen');
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
  const counting = pristine.crash(0, { mode: 'keepAll' });
  const trace = traceOperations(counting);
  const clean = await reopen(counting);
  await clean.waitForBackgroundWork();
  if (clean.stats().counters.compactions > 0) tally.recoveriesCompacting++;
  await clean.close();
  // Mostly a step that changes the disk (the reads of a recovery outnumber them).
  const changing = trace.flatMap((e, i) => (['append', 'sync', 'syncDir', 'rename', 'unlink', 'truncate'].includes(e.op) ? [i + 1] : []));
  const n = rng.bool(0.75) && changing.length > 0 ? changing[rng.int(changing.length)]! : 1 + rng.int(trace.length);
  const category = categoryOf(trace[n - 1]!);
  tally.recoveryCrashes.set(category, (tally.recoveryCrashes.get(category) ?? 0) + 1);
  const fs = pristine.crash(0, { mode: 'keepAll' });
  freezeAt(fs, n);
  try {
    const db = await reopen(fs);
    await db.waitForBackgroundWork();
    await db.close();
  } catch {
    // The world stopped: whatever failed, the disk is what it was before operation n.
  }
  const seed = rng.int(2 ** 31);
  const db = await reopen(fs.crash(seed, { mode: 'random' }));
  try {
    await db.waitForBackgroundWork();
    const where = `a power loss (crash seed ${seed}) at operation ${n}/${trace.length} of the recovery (${category} ${trace[n - 1]!.path})`;
    expect(dumpAll(db), `after ${where}`).toEqual(recovered);
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
    tally.categories.set(at.category, (tally.categories.get(at.category) ?? 0) + 1);
    const crashed = await crashPass(w, counted, n);
    if (crashed.treeOp !== undefined) tally.during.set(crashed.treeOp, (tally.during.get(crashed.treeOp) ?? 0) + 1);
    const where =
      `seed ${seed} (replay: SETT_CRASH_SEED=${seed}), syncWrites ${syncWrites}, ${w.ops.length} operations ` +
      `(${w.ops.filter((o) => o.kind !== 'write').map(describeOp).join(', ')}), crash ${crashed.where}, ` +
      `${lastResolved(crashed.resolved) + 1} resolved, ${crashed.issued} issued`;
    for (const [i, image] of crashImages(rng, w, crashed).entries()) {
      try {
        const pristine = image.fs.crash(0, { mode: 'keepAll' });
        const recovered = await checkImage(rng, w, crashed, image, tally);
        if (i === 0) await crashDuringRecovery(rng, w, pristine, recovered, tally);
      } catch (err) {
        throw new Error(`${where}, ${image.name}: ${describeError(err)}`);
      }
    }
    await macrotask();
    expect(unhandled.splice(0).map(describeError), `${where}: unhandled rejections`).toEqual([]);
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
    if (fullRun) {
      expect(REQUIRED.filter((c) => !tally.categories.has(c)), `required crash points missed: ${tallyLine(tally)}`).toEqual([]);
      expect(['flatten', 'dropPrefix', 'dropAll'].filter((k) => !tally.during.has(k)), `tree operations never crashed inside: ${tallyLine(tally)}`).toEqual([]);
      expect(tally.rewrites, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.partialDrops, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.lostSome, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.keptInFlight, tallyLine(tally)).toBeGreaterThan(0);
    }
  }, Math.max(120_000, seeds.length * 3_000));
});
