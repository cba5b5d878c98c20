// Sequences (SPEC §5, Badger's Sequence): numbers are handed out from leases that are durable
// before any number from them is returned, so a sequence never repeats a number — nor goes back —
// across a process kill or a power loss at any file-system operation, and release() gives the
// unused rest of a lease back.
//
// Seeded: SETT_SEQ_SEED=n replays a run; the seed is printed.

import { describe, expect, it } from 'vitest';
import { Rng, isSettError } from '../../src/base/index.js';
import type { DB } from '../../src/db/index.js';
import type { CrashMode, FaultFS } from '../../src/fs/index.js';
import { faultFS, openSmall } from './helpers.js';

const SEED = Number(process.env.SETT_SEQ_SEED ?? 0x5e9_0001);
/** Reopens per lineage: each generation draws numbers, then crashes (or closes) and hands its disk to the next. */
const GENERATIONS = 40;
const STEPS_PER_GENERATION = 40;

/** Tiny memtables, so lease writes share WALs with filler that rotates and flushes them. */
const SMALL = {
  memTableSize: 16 * 1024,
  baseTableSize: 4096,
  baseLevelSize: 8192,
  levelSizeMultiplier: 2,
  numLevelZeroTables: 2,
  numLevelZeroTablesStall: 4,
  valueThreshold: 64,
  valueLogFileSize: 16 * 1024,
};

interface Lineage {
  /** The largest number handed out so far in this disk's history (-1: none). */
  max: number;
  drawn: number;
  crashes: number;
}

async function filler(db: DB, rng: Rng, generation: number): Promise<void> {
  const ops = [];
  for (let j = 0; j < 8; j++) ops.push({ type: 'put' as const, key: `filler:${rng.int(200)}`, value: `${generation}:`.padEnd(50 + rng.int(300), 'f') });
  await db.batch(ops);
}

interface GenerationResult {
  /** File-system operations the generation performed. */
  ops: number;
  /** A crash copy taken just before operation crash.op, with the largest number handed out by then. */
  captured: { copy: FaultFS; max: number } | undefined;
}

/**
 * One generation: open, draw numbers (some concurrently) between filler writes and releases,
 * and, if `crash` is given, capture a crash copy of the disk just before file-system operation
 * `crash.op`. The same seed on the same disk performs the same operations (inline executor, no
 * timers), so a counting pass on a copy tells how many there are to choose from.
 */
async function runGeneration(fs: FaultFS, lineage: Lineage, leaseSize: number, syncWrites: boolean, genSeed: number, crash: { op: number; seed: number; mode: CrashMode } | undefined, where: string): Promise<GenerationResult> {
  const rng = new Rng(genSeed);
  const db = await openSmall(fs, { ...SMALL, syncWrites });
  const seq = db.sequence('ids', leaseSize);
  let captured: GenerationResult['captured'];
  let ops = 0;
  fs.onOperation = () => {
    if (++ops === crash?.op && captured === undefined) captured = { copy: fs.crash(crash.seed, { mode: crash.mode }), max: lineage.max };
  };
  try {
    for (let step = 0; step < STEPS_PER_GENERATION; step++) {
      const r = rng.next();
      if (r < 0.55) {
        const n = 1 + rng.int(4);
        const got = await Promise.all(Array.from({ length: n }, () => seq.next()));
        for (const x of got) {
          // Strictly above everything handed out before, in this process or an earlier one.
          if (!(Number.isSafeInteger(x) && x > lineage.max)) throw new Error(`${where}: next() returned ${x} after ${lineage.max} had been handed out`);
          lineage.max = x;
          lineage.drawn++;
        }
      } else if (r < 0.9) {
        await filler(db, rng, genSeed);
      } else {
        await seq.release();
      }
    }
  } finally {
    fs.onOperation = undefined;
  }
  // The database is abandoned, not closed: the generation ends in a crash.
  return { ops, captured };
}

/** Runs one generation and returns the disk the next one opens: a crash copy taken at a random operation. */
async function generation(fs: FaultFS, lineage: Lineage, leaseSize: number, syncWrites: boolean, rng: Rng, g: number, where: string): Promise<FaultFS> {
  const genSeed = rng.int(2 ** 31);
  const crashSeed = rng.int(2 ** 31);
  const mode: CrashMode = (['random', 'dropAll', 'keepAll'] as const)[rng.int(3)]!;
  const at = `${where}, generation ${g} (crash ${mode}, seed ${crashSeed})`;
  const counting = await runGeneration(fs.crash(0, { mode: 'keepAll' }), { ...lineage }, leaseSize, syncWrites, genSeed, undefined, at);
  const op = 1 + rng.int(counting.ops);
  const { captured } = await runGeneration(fs, lineage, leaseSize, syncWrites, genSeed, { op, seed: crashSeed, mode }, `${at} at operation ${op}`);
  if (captured === undefined) throw new Error(`${at}: operation ${op} of ${counting.ops} never came: the generation did not replay`);
  lineage.crashes++;
  // What was handed out after the crash point never happened in the copy's world.
  lineage.max = captured.max;
  return captured.copy;
}

describe('sequences', () => {
  for (const { leaseSize, syncWrites } of [
    { leaseSize: 1, syncWrites: false },
    { leaseSize: 7, syncWrites: false },
    { leaseSize: 100, syncWrites: false },
    { leaseSize: 100, syncWrites: true },
  ]) {
    it(`never repeat or go back across crash-and-reopen at any file-system operation (lease ${leaseSize}, syncWrites ${syncWrites})`, async () => {
      const seed = SEED + leaseSize + (syncWrites ? 1000 : 0);
      const where = `seed ${seed} (SETT_SEQ_SEED=${SEED}), lease ${leaseSize}, syncWrites ${syncWrites}`;
      console.log(`sequence crash test: ${where}`);
      const rng = new Rng(seed);
      const lineage: Lineage = { max: -1, drawn: 0, crashes: 0 };
      let fs = faultFS();
      for (let g = 0; g < GENERATIONS; g++) fs = await generation(fs, lineage, leaseSize, syncWrites, rng, g, where);
      // The last disk opens, and its sequence goes on above everything its history handed out.
      const db = await openSmall(fs, { ...SMALL, syncWrites });
      expect(await db.sequence('ids', leaseSize).next(), where).toBeGreaterThan(lineage.max);
      await db.close();
      expect(lineage.drawn).toBeGreaterThan(GENERATIONS * 10);
      expect(lineage.crashes).toBe(GENERATIONS);
    });
  }

  it('release() gives back the unused rest of the lease: after a power loss the next number is the one after the last handed out', async () => {
    for (const mode of ['dropAll', 'random', 'keepAll'] as const) {
      const fs = faultFS();
      const db = await openSmall(fs);
      const seq = db.sequence('r', 50);
      const got = [];
      for (let i = 0; i < 5; i++) got.push(await seq.next());
      expect(got).toEqual([0, 1, 2, 3, 4]);
      await seq.release();
      const after = await openSmall(fs.crash(7, { mode }));
      expect(await after.sequence('r', 50).next(), mode).toBe(5);
      await after.close();
      // The released sequence leases again from where it stopped.
      expect(await seq.next()).toBe(5);
      await db.close();
    }
  });

  it('a crash without release() skips the rest of the lease and never goes back', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    const seq = db.sequence('s', 10);
    expect([await seq.next(), await seq.next(), await seq.next()]).toEqual([0, 1, 2]);
    const after = await openSmall(fs.crash(1, { mode: 'dropAll' }));
    expect(await after.sequence('s', 10).next()).toBe(10);
    await after.close();
    await db.close();
  });

  it('two sequences on one name never hand out the same number', async () => {
    // Each Sequence reads the stored lease once, when created, and leases from its own copy: two
    // created before either leased both start at 0. (db.sequence() called twice for one name —
    // two modules, or a table layer opening a table twice.)
    const db = await openSmall(faultFS());
    const a = db.sequence('ids', 10);
    const b = db.sequence('ids', 10);
    const seen = new Set<number>();
    const repeats: number[] = [];
    for (let i = 0; i < 25; i++) {
      for (const x of await Promise.all([a.next(), b.next()])) {
        if (seen.has(x)) repeats.push(x);
        seen.add(x);
      }
    }
    expect(repeats).toEqual([]);
    await db.close();
  });

  it('rejects a lease size that is not a positive integer', async () => {
    const db = await openSmall(faultFS());
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        db.sequence('x', bad);
      } catch (err) {
        caught = err;
      }
      expect(isSettError(caught, 'INVALID_ARGUMENT'), String(bad)).toBe(true);
    }
    await db.close();
  });
});
