// SPEC §4.5 under injected I/O errors: FaultFS fails one operation (EIO or ENOSPC) somewhere in the
// writes, flushes, compactions and value-log GC of a seeded workload. The failed request reports
// IO_ERROR with the errno; a failure that leaves the engine unsure of its state puts it in the
// read-only error state (every later write IO_ERROR, reads still served); nothing acknowledged
// before is lost, through a power loss; and a reopen recovers.

import { describe, expect, it } from 'vitest';
import { Rng, SettError } from '../../src/base/index.js';
import { FaultFS, type FsOp } from '../../src/fs/index.js';
import { open, type DB, type OpenOptions } from '../../src/db/index.js';
import { seedLabel, seedsFor } from './harness.js';

const FILE = 'io-errors.test.ts';
const DIR = '/db';
const OPTIONS: OpenOptions = {
  memTableSize: 16 * 1024,
  valueThreshold: 64,
  valueLogFileSize: 16 * 1024,
  blockSize: 256,
  baseTableSize: 8 * 1024,
  compression: 'none',
  executor: 'inline',
  syncWrites: true,
};
/** The operations a write, flush, compaction or GC performs (reads are covered on their own). */
const WRITE_OPS: FsOp[] = ['append', 'write', 'sync', 'syncDir', 'rename', 'open', 'truncate', 'unlink'];
const STEPS = 260;

type Step =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'del'; key: string }
  | { kind: 'batch'; ops: { key: string; value: string | undefined }[] }
  | { kind: 'gc' }
  | { kind: 'flatten' };

function makeSteps(seed: number): Step[] {
  const rng = new Rng(seed);
  const key = (): string => `k${String(rng.int(120)).padStart(3, '0')}`;
  const value = (i: number): string => `${i}:`.padEnd(rng.int(3) === 0 ? 150 : 12, String.fromCharCode(97 + rng.int(26)));
  const steps: Step[] = [];
  for (let i = 0; i < STEPS; i++) {
    const r = rng.int(100);
    if (r < 55) steps.push({ kind: 'put', key: key(), value: value(i) });
    else if (r < 65) steps.push({ kind: 'del', key: key() });
    else if (r < 93) steps.push({ kind: 'batch', ops: Array.from({ length: 1 + rng.int(5) }, () => ({ key: key(), value: rng.int(6) === 0 ? undefined : value(i) })) });
    else if (r < 97) steps.push({ kind: 'gc' });
    else steps.push({ kind: 'flatten' });
  }
  return steps;
}

/** The keys a step writes, with the value each gets (undefined: deleted). */
function writesOf(step: Step): [string, string | undefined][] {
  switch (step.kind) {
    case 'put':
      return [[step.key, step.value]];
    case 'del':
      return [[step.key, undefined]];
    case 'batch':
      return step.ops.map((o) => [o.key, o.value]);
    default:
      return [];
  }
}

function run(db: DB, step: Step): Promise<unknown> {
  switch (step.kind) {
    case 'put':
      return db.put(step.key, step.value);
    case 'del':
      return db.delete(step.key);
    case 'batch':
      return db.batch(step.ops.map((o) => (o.value === undefined ? { type: 'del', key: o.key } : { type: 'put', key: o.key, value: o.value })));
    case 'gc':
      return db.runValueLogGC(0.01);
    case 'flatten':
      return db.flatten();
  }
}

interface Outcome {
  /** Per key: the last acknowledged value (undefined: deleted), and the values of failed writes after it. */
  acked: Map<string, string | undefined>;
  maybe: Map<string, Set<string | undefined>>;
  failures: SettError[];
  /** A put, delete or batch failed with IO_ERROR. */
  failedWrite: boolean;
  /** A write that failed and a later write that did not (the error state must be sticky). */
  writeAfterFailure: string | undefined;
}

/** Runs the steps one at a time (awaited), recording what was acknowledged and what failed. */
async function drive(db: DB, steps: readonly Step[]): Promise<Outcome> {
  const out: Outcome = { acked: new Map(), maybe: new Map(), failures: [], failedWrite: false, writeAfterFailure: undefined };
  for (const [i, step] of steps.entries()) {
    const writes = writesOf(step);
    try {
      await run(db, step);
      if (out.failedWrite && writes.length > 0) out.writeAfterFailure ??= `step ${i} (${step.kind}) succeeded after a write failed`;
      for (const [k, v] of writes) {
        out.acked.set(k, v);
        out.maybe.delete(k);
      }
    } catch (err) {
      if (!(err instanceof SettError)) throw err;
      out.failures.push(err);
      if (writes.length > 0 && err.code === 'IO_ERROR') out.failedWrite = true;
      // A failed write may or may not have reached the disk (never half of a batch).
      for (const [k, v] of writes) {
        if (!out.maybe.has(k)) out.maybe.set(k, new Set());
        out.maybe.get(k)!.add(v);
      }
    }
  }
  return out;
}

/** Why the database's state is not one the outcome allows, or undefined. */
async function stateProblem(db: DB, outcome: Outcome): Promise<string | undefined> {
  for (const [key, want] of outcome.acked) {
    const got = (await db.get(key))?.toString('latin1');
    if (got === want) continue;
    if (outcome.maybe.get(key)?.has(got) === true) continue;
    return `key ${key}: got ${JSON.stringify(got)}, acknowledged ${JSON.stringify(want)}`;
  }
  return undefined;
}

async function operationCounts(seed: number): Promise<Map<FsOp, number>> {
  const fs = new FaultFS({ durableMkdir: true });
  const db = await open(DIR, { fs, ...OPTIONS });
  await drive(db, makeSteps(seed));
  await db.close();
  return new Map(WRITE_OPS.map((op) => [op, fs.countOf(op)]));
}

describe('I/O errors during writes, flushes, compactions and GC (SPEC §4.5)', () => {
  const seeds = seedsFor(36);
  it(`fail-stop with IO_ERROR, reads still served, nothing acknowledged lost (${seeds.length} seeds)`, async () => {
    const tally = new Map<string, number>();
    const bump = (k: string): void => {
      tally.set(k, (tally.get(k) ?? 0) + 1);
    };
    for (const seed of seeds) {
      const label = seedLabel(seed, FILE);
      const rng = new Rng(seed * 7919);
      const counts = await operationCounts(seed);
      const candidates = WRITE_OPS.filter((op) => (counts.get(op) ?? 0) > 0);
      const op = candidates[seed % candidates.length]!;
      const nth = 1 + rng.int(counts.get(op)!);
      const errno = rng.int(2) === 0 ? 'EIO' : 'ENOSPC';
      const sticky = rng.int(3) === 0;

      const fs = new FaultFS({ durableMkdir: true });
      const db = await open(DIR, { fs, ...OPTIONS });
      // Opening did its own operations: count the nth from here on.
      const fault = fs.injectFault({ op, path: (p) => p.startsWith(DIR), nth, errno, sticky, partialBytes: rng.int(2) === 0 ? 0 : rng.int(64) });
      const steps = makeSteps(seed);
      const outcome = await drive(db, steps);
      await db.waitForBackgroundWork().catch(() => {});
      const where = `${label}: ${errno} on ${op} #${nth}${sticky ? ' (sticky)' : ''}`;

      for (const err of outcome.failures) {
        expect(err.code, `${where}: ${err.message}`).toBe('IO_ERROR');
        expect(err.errno, `${where}: ${err.message}`).toBe(errno);
      }
      expect(outcome.writeAfterFailure, where).toBeUndefined();
      // Reads are served in the error state, and agree with what was acknowledged.
      expect(await stateProblem(db, outcome), `${where}: before reopen`).toBeUndefined();
      const failed = outcome.failures.length > 0;
      if (fault.fired === 0) bump(`${op}: not reached`);
      else bump(`${op}: ${outcome.failedWrite ? 'write failed' : failed ? 'maintenance failed' : 'absorbed'}`);
      if (outcome.failedWrite) {
        const again = await db.put('after', 'x').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(again, `${where}: a write after the failure`).toMatchObject({ code: 'IO_ERROR' });
      }
      await db.close().catch(() => {});

      // Power loss after the failure, the fault gone: the reopen recovers every acknowledged write.
      const after = fs.crash(seed);
      after.clearFaults();
      const reopened = await open(DIR, { fs: after, ...OPTIONS });
      expect(await stateProblem(reopened, outcome), `${where}: after reopen`).toBeUndefined();
      await reopened.put('writable-again', 'yes');
      expect((await reopened.get('writable-again'))?.toString()).toBe('yes');
      await reopened.close();
    }
    console.log(`io-errors: ${seeds.length} seeds; ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    if (seeds.length >= 36) {
      const failedOps = new Set([...tally.keys()].filter((k) => k.endsWith('write failed')).map((k) => k.split(':')[0]));
      for (const op of ['append', 'sync']) expect(failedOps, `a fault on ${op} failed a write`).toContain(op);
    }
  });

  it('a failed read reports IO_ERROR with the errno and leaves the database writable', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const db = await open(DIR, { fs, ...OPTIONS });
    for (let i = 0; i < 300; i++) await db.put(`k${i}`, `value-${i}`.padEnd(100, 'v'));
    await db.flatten();
    const fault = fs.injectFault({ op: 'read', path: /\.(sst|vlog)$/, errno: 'EIO', sticky: true });
    const err = await db.get('k7').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    fault.remove();
    expect((await db.get('k7'))?.toString()).toBe('value-7'.padEnd(100, 'v'));
    await db.put('k7', 'new');
    expect((await db.get('k7'))?.toString()).toBe('new');
    await db.close();
  });
});
