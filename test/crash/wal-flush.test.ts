// Crash tests for the engine on FaultFS (SPEC §4.1 Durability). Each case runs a seeded workload
// of puts, deletes and atomic batches (concurrent ones commit as groups) with memtables tiny enough
// to rotate and flush every few writes, stops the world at a random moment — between operations, or
// at a random file-system operation inside open, a WAL append or sync, a rotation, a flush (table
// write, table sync, directory sync, MANIFEST append and sync), a WAL unlink or close — and then
// checks what a restart sees:
//   syncWrites: true   after a power loss, every resolved write is there
//   syncWrites: false  after a process kill, every resolved write is there; after a power loss,
//                      the state after some prefix of the writes (no partial batch, no reordering)
// In every case the recovered state must equal the state after exactly one prefix of the writes;
// open must not fail; the MANIFEST's tables exist (and are the levels the database holds);
// versions strictly decrease per key; new writes win over recovered data (their versions are above
// every recovered one); and a second close/reopen sees the same (recovery is idempotent).
//
// Seeds: SETT_CRASH_SEEDS=N runs N seeds per test (default 120, 60 for crash-during-recovery);
// SETT_CRASH_SEED=x replays seed x alone. Every failure names its seed and the replay command.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import type { DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR, faultFS } from '../db/helpers.js';
import { checkDirectory, checkGets, dumpAll, entriesOf, expectNewVersionsAbove, expectRecoveredShape, matchPrefix } from './checks.js';
import {
  categoryOf,
  copyOf,
  crashImages,
  crashPointLine,
  describeError,
  drain,
  freezeAt,
  freezeNow,
  isFullRun,
  lastResolved,
  listCounts,
  newRunState,
  seedLabel,
  seedsFor,
  timeoutFor,
  traceOperations,
  watchUnhandledRejections,
  type Image,
  type RunState,
  type TraceEntry,
} from './harness.js';
import { DEFAULT_TUNING, keysOf, makeWrites, openOn, prefixStates, runWrites, writesAfterRecovery, type Tuning, type Write } from './writes.js';

const FILE = 'wal-flush.test.ts';
const expectNoUnhandled = watchUnhandledRejections();

/** A workload pass: open, the writes, then waitForBackgroundWork and close unless stopped. */
async function runPass(
  fs: FaultFS,
  syncWrites: boolean,
  writes: readonly Write[],
  waveSeed: number,
  state: RunState,
  tuning: Tuning,
  afterWave?: (last: number) => Promise<void>,
): Promise<DB | undefined> {
  let db: DB | undefined;
  try {
    db = await openOn(fs, syncWrites, tuning);
  } catch (err) {
    state.errors.push(err);
    state.stopped = true;
    return undefined;
  }
  await runWrites(db, writes, new Rng(waveSeed), state, afterWave);
  if (!state.stopped) {
    try {
      await db.waitForBackgroundWork();
      await db.close();
    } catch (err) {
      state.errors.push(err);
    }
  }
  return db;
}

/** The steps the durability argument rests on: crash points favour them. */
const KEY_STEPS = [
  'open:wal', // rotation creates a WAL
  'append:wal',
  'sync:wal',
  'open:table', // a flush starts
  'append:table',
  'sync:table',
  'close:table',
  'syncDir:dir', // before the MANIFEST names a table; after a rotation
  'append:manifest',
  'sync:manifest',
  'close:wal', // a flushed memtable's WAL, then its unlink
  'unlink:wal',
  'rename:manifest-tmp', // creating the database
];

/**
 * A crash point chosen from a counting pass: 40% uniform over all operations (most are WAL
 * appends and syncs), 60% a key step chosen uniformly by kind, so rare ones (a MANIFEST sync,
 * a table sync) get their share.
 */
function pickOperation(rng: Rng, trace: readonly TraceEntry[]): number {
  const byCategory = new Map<string, number[]>();
  trace.forEach((e, i) => {
    const c = categoryOf(e);
    if (!KEY_STEPS.includes(c)) return;
    if (!byCategory.has(c)) byCategory.set(c, []);
    byCategory.get(c)!.push(i + 1);
  });
  if (rng.bool(0.4) || byCategory.size === 0) return 1 + rng.int(trace.length);
  const kinds = [...byCategory.keys()].sort();
  const ops = byCategory.get(kinds[rng.int(kinds.length)]!)!;
  return ops[rng.int(ops.length)]!;
}

function describeTuning(t: Tuning): string {
  return t.flushLagTicks === 0 ? 'inline flushes' : `flushes lagging ${t.flushLagTicks} microtasks, numMemtables ${t.numMemtables}`;
}

interface Crashed {
  /** The file system as it was at the crash: it no longer changes. */
  frozen: FaultFS;
  /** resolved[j] at the crash: these writes are promised. */
  resolved: boolean[];
  /** Writes issued before the crash: no later write can have reached the disk. */
  issued: number;
  where: string;
  /** Write stalls in the run (a rotation waiting for a flush). */
  stalls: number;
}

/** Runs `writes` and stops the world at a moment chosen by `rng`, returning the frozen file system. */
async function runAndCrash(
  rng: Rng,
  seed: number,
  syncWrites: boolean,
  writes: readonly Write[],
  categories: Map<string, number>,
  makeFs: () => FaultFS,
): Promise<Crashed> {
  const waveSeed = seed * 7 + 3;
  // A third of the runs flush inline; the others let flushes lag behind the writes, and half of
  // those allow one frozen memtable only, so writers stall until the flush is done.
  const lagged = seed % 3;
  const tuning: Tuning = lagged === 0 ? DEFAULT_TUNING : { numMemtables: lagged === 1 ? 2 : 5, flushLagTicks: 50 + rng.int(400) };
  if (rng.bool(0.25)) {
    // (a) Between operations: once wave K is issued and a few microtasks have run. The engine may
    // be mid-flight (a flush half done, a group between its append and its sync), but no single
    // operation is.
    const k = rng.int(writes.length);
    const ticks = rng.int(40);
    const fs = makeFs();
    const state = newRunState();
    let crashed: { resolved: boolean[]; issued: number } | undefined;
    const db = await runPass(fs, syncWrites, writes, waveSeed, state, tuning, async (last) => {
      if (crashed !== undefined || last < k) return;
      for (let t = 0; t < ticks; t++) await null;
      crashed = { resolved: state.resolved.slice(), issued: state.issued };
      freezeNow(fs);
      state.stopped = true;
    });
    await drain(state);
    // The workload may end (and close) before wave K's callback: then the crash is after close.
    crashed ??= { resolved: state.resolved.slice(), issued: state.issued };
    freezeNow(fs);
    return { frozen: fs, ...crashed, stalls: db?.stats().counters.writeStalls ?? 0, where: `between operations, after write ${k} and ${ticks} microtasks, ${describeTuning(tuning)}` };
  }
  // (b) In the middle of the engine's I/O: count the operations of a whole run (open, writes,
  // background work, close), then rerun and stop the world at the n-th.
  const counting = makeFs();
  const trace = traceOperations(counting);
  const countState = newRunState();
  await runPass(counting, syncWrites, writes, waveSeed, countState, tuning);
  expect(countState.errors, `seed ${seed}: the counting pass must not fail`).toEqual([]);
  const n = pickOperation(rng, trace);
  const category = categoryOf(trace[n - 1]!);
  categories.set(category, (categories.get(category) ?? 0) + 1);
  const fs = makeFs();
  const state = newRunState();
  let issued = -1;
  const status = freezeAt(fs, n, () => {
    issued = state.issued;
    state.stopped = true;
  });
  const db = await runPass(fs, syncWrites, writes, waveSeed, state, tuning);
  await drain(state);
  expect(status.frozen, `seed ${seed}: the run did not reach operation ${n} of ${trace.length} (the engine is not deterministic?)`).toBe(true);
  const at = trace[n - 1]!;
  return { frozen: fs, resolved: state.resolved.slice(), issued, stalls: db?.stats().counters.writeStalls ?? 0, where: `at operation ${n}/${trace.length} (${at.op} ${at.path}), ${describeTuning(tuning)}` };
}

function imagesOf(rng: Rng, syncWrites: boolean, c: Crashed): Image[] {
  return crashImages(rng, c.frozen, syncWrites, lastResolved(c.resolved) + 1, 0, { dropAll: 0.5, garbage: 0.3 });
}

/** What the runs did, so a reader can see the checks were exercised (printed once per test). */
interface Tally {
  cases: number;
  images: number;
  /** Crash points by operation kind (mid-I/O crashes only). */
  categories: Map<string, number>;
  /** Images that recovered fewer writes than were issued (unsynced or in-flight writes lost). */
  lostSome: number;
  /** Images that recovered writes that had not resolved (in flight at the crash, yet durable). */
  keptInFlight: number;
  /** Images whose recovery truncated a torn WAL or MANIFEST tail. */
  tornTails: number;
  /** Images recovered with more than one WAL (a flush backlog at the crash). */
  severalWals: number;
  /** Crashed runs that had stalled a writer on a flush. */
  stalledRuns: number;
}

function newTally(): Tally {
  return { cases: 0, images: 0, categories: new Map(), lostSome: 0, keptInFlight: 0, tornTails: 0, severalWals: 0, stalledRuns: 0 };
}

function tallyLine(t: Tally): string {
  const cats = listCounts(t.categories);
  return `${t.cases} cases, ${t.images} recovered images: ${t.lostSome} lost unpromised writes, ${t.keptInFlight} kept in-flight writes, ${t.tornTails} truncated a torn tail, ${t.severalWals} recovered several WALs, ${t.stalledRuns} runs stalled a writer; crash points: ${cats}`;
}

/**
 * Opens a recovered image and checks: the state is one prefix within [image.lo, hi]; reads agree;
 * the directory matches the MANIFEST; new writes (overwriting recovered keys) win, through flushes
 * and a close/reopen. Returns the prefix it recovered.
 */
async function checkImage(
  rng: Rng,
  syncWrites: boolean,
  image: Image,
  hi: number,
  states: Map<string, string>[],
  nextIndex: number,
  everyKey: Set<string>,
  tally: Tally,
): Promise<number> {
  const walsBefore = image.fs.exists(DIR) ? image.fs.list(DIR).filter((n) => n.endsWith('.mem')).length : 0;
  let db = await openOn(image.fs, syncWrites);
  try {
    tally.images++;
    if (walsBefore > 1) tally.severalWals++;
    if (db.stats().counters.tornTailsTruncated > 0) tally.tornTails++;
    await db.waitForBackgroundWork();
    const prefix = matchPrefix(dumpAll(db), states, image.lo, hi);
    if (prefix < hi) tally.lostSome++;
    if (prefix > image.lo) tally.keptInFlight++;
    const model = new Map(states[prefix]!);
    const badGet = checkGets(db, model, everyKey);
    if (badGet !== undefined) throw new Error(`after recovery: ${badGet}`);
    const badDir = await checkDirectory(image.fs);
    if (badDir !== undefined) throw new Error(`after recovery: ${badDir}`);
    const maxVersion = await expectRecoveredShape(db, image.fs, 'after recovery');

    // Writes after recovery must win over everything recovered (versions continue from the
    // highest), through flushes and a close/reopen.
    const more = writesAfterRecovery(rng, nextIndex, model);
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

    db = await openOn(image.fs, syncWrites);
    expect(dumpAll(db), 'after close and reopen').toEqual(after);
    await db.waitForBackgroundWork();
    const badDir2 = await checkDirectory(image.fs);
    if (badDir2 !== undefined) throw new Error(`after close and reopen: ${badDir2}`);
    await expectRecoveredShape(db, image.fs, 'after close and reopen');
    return prefix;
  } finally {
    await db.close();
  }
}

/** One crash of a fresh database mid-workload, and every check on two crash images of it. */
async function crashCase(seed: number, syncWrites: boolean, tally: Tally): Promise<void> {
  tally.cases++;
  const rng = new Rng(seed * 2 + (syncWrites ? 1 : 0));
  const writes = makeWrites(rng, 0, 40 + rng.int(100), new Map());
  const states = prefixStates(new Map(), writes);
  const everyKey = keysOf(writes);
  const crashed = await runAndCrash(rng, seed, syncWrites, writes, tally.categories, faultFS);
  if (crashed.stalls > 0) tally.stalledRuns++;
  const where = `${seedLabel(seed, FILE)}, syncWrites ${syncWrites}, ${writes.length} writes, crash ${crashed.where}, ${lastResolved(crashed.resolved) + 1} resolved, ${crashed.issued} issued`;
  for (const image of imagesOf(rng, syncWrites, crashed)) {
    try {
      await checkImage(rng, syncWrites, image, crashed.issued, states, writes.length + 1000, new Set(everyKey), tally);
    } catch (err) {
      throw new Error(`${where}, ${image.name}: ${describeError(err)}`);
    }
  }
  await expectNoUnhandled(where);
}

/**
 * A crash, then a second crash at a random operation of the recovery that follows it: inside
 * open (WAL replay and truncation, the flush of recovered memtables, orphan deletion), in the
 * writes after it, or in close. Recovery must be restartable at any point.
 */
async function recoveryCrashCase(seed: number, syncWrites: boolean, tally: Tally): Promise<void> {
  tally.cases++;
  const rng = new Rng(seed * 2 + (syncWrites ? 1 : 0) + 1_000_003);
  const writes = makeWrites(rng, 0, 40 + rng.int(100), new Map());
  const states = prefixStates(new Map(), writes);
  const first = await runAndCrash(rng, seed, syncWrites, writes, new Map(), faultFS);
  const image = imagesOf(rng, syncWrites, first).at(-1)!; // the power loss
  let where = `${seedLabel(seed, FILE)}, syncWrites ${syncWrites}, ${writes.length} writes, first crash ${first.where}, ${image.name}`;
  try {
    // Which prefix the first crash left, read from an exact copy so the image itself is untouched.
    const probe = await openOn(copyOf(image.fs), syncWrites);
    const prefix = matchPrefix(dumpAll(probe), states, image.lo, first.issued);
    await probe.close();

    const recovered = new Map(states[prefix]!);
    const more = writesAfterRecovery(rng, writes.length + 1000, new Map(recovered));
    const states2 = prefixStates(recovered, more);
    const second = await runAndCrash(rng, seed, syncWrites, more, tally.categories, () => copyOf(image.fs));
    if (second.stalls > 0) tally.stalledRuns++;
    where += `, recovered ${prefix} writes; second crash ${second.where}, ${lastResolved(second.resolved) + 1} of ${more.length} resolved`;
    const everyKey = keysOf(more, keysOf(writes));
    for (const image2 of imagesOf(rng, syncWrites, second)) {
      where += `; ${image2.name}`;
      await checkImage(rng, syncWrites, image2, second.issued, states2, writes.length + 2000, new Set(everyKey), tally);
    }
  } catch (err) {
    throw new Error(`${where}: ${describeError(err)}`);
  }
  await expectNoUnhandled(where);
}

describe.each([true, false])('crash recovery with syncWrites %s', (syncWrites) => {
  const promise = syncWrites
    ? 'keeps every resolved write through a power loss at any moment, between operations or inside one'
    : 'keeps every resolved write through a process kill, and a prefix of the batches through a power loss';

  it(promise, async () => {
    const tally = newTally();
    const seeds = seedsFor(120);
    for (const seed of seeds) await crashCase(seed, syncWrites, tally);
    console.log(`crash tests, syncWrites ${syncWrites}: ${tallyLine(tally)}`);
    console.log(crashPointLine(FILE, `mid-workload, syncWrites ${syncWrites}`, tally.cases, tally.images));
    if (isFullRun(seeds, 60)) {
      // The crash points must have hit every kind of step the durability argument rests on,
      // and the images must have exercised both outcomes of an unsynced write.
      const required = KEY_STEPS;
      expect(required.filter((c) => !tally.categories.has(c)), tallyLine(tally)).toEqual([]);
      expect(tally.lostSome, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.keptInFlight, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.tornTails, tallyLine(tally)).toBeGreaterThan(0);
      expect(tally.stalledRuns, tallyLine(tally)).toBeGreaterThan(0);
    }
  }, timeoutFor(seedsFor(120).length, 300));

  it('recovers again after a crash in the middle of recovering from a crash', async () => {
    const tally = newTally();
    const seeds = seedsFor(60);
    for (const seed of seeds) await recoveryCrashCase(seed, syncWrites, tally);
    console.log(`crash-during-recovery tests, syncWrites ${syncWrites}: ${tallyLine(tally)}`);
    // Two crash points a case: one in the workload, one in the recovery's workload.
    console.log(crashPointLine(FILE, `crash during recovery, syncWrites ${syncWrites}`, 2 * tally.cases, tally.images));
  }, timeoutFor(seedsFor(60).length, 300));
});
