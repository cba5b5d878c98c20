// The crash checkers can fail: fabricated bad states — a partial batch, a reordering, a resurrected
// delete, an expired entry back, a failed transaction's write, a lost acknowledged request, a TTL
// dropped, a missing table, versions out of order — are each reported, by name. Without this a
// checker that accepted everything would pass every crash test.

import { describe, expect, it } from 'vitest';
import { ManualClock, Rng } from '../../src/base/index.js';
import { open, type DB } from '../../src/db/index.js';
import { DIR, text } from '../db/helpers.js';
import { checkDirectory, expectNewVersionsAbove, scanVersions } from './checks.js';
import { newRunState } from './harness.js';
import { dumpCells, matchRecovered } from './mixed-check.js';
import { MIXED, START_MS, applyPuts, landed, makeMixedOps, runMixed, type Cell, type MixedOp, type MixedRun, type Put } from './mixed-workload.js';
import { SpyFS } from './naming.js';
import { COUNTER } from './writes.js';

const put = (key: string, value: string | undefined, ttl?: number): Put => ({ key, value, ttl });

/** A hand-made run: every request issued at START_MS. */
function runOf(ops: MixedOp[]): MixedRun {
  const cur = new Map<string, Cell>();
  const states = [new Map(cur)];
  for (const op of ops) {
    applyPuts(cur, landed(op), START_MS);
    states.push(new Map(cur));
  }
  return { first: 0, ops, states, clockAt: ops.map(() => START_MS).concat(START_MS) };
}

const RUN = runOf([
  { kind: 'batch', puts: [put('a', '0.0:a'), put('b', '0.1:b'), put(COUNTER, '0')] },
  { kind: 'put', put: put('c', '1.p:c', 100) },
  { kind: 'put', put: put('a', undefined) },
  { kind: 'conflict', read: 'b', puts: [put('d', '3.0:d'), put(COUNTER, '3')], intruder: put('b', '3.x:b') },
  { kind: 'batch', puts: [put('e', '4.0:e'), put('f', '4.1:f'), put(COUNTER, '4')] },
  { kind: 'put', put: put('g', '5.p:g') },
  { kind: 'put', put: put('h', '6.p:h') },
]);
/** After c's TTL: c expired at START_MS + 100. */
const LATER = START_MS + 200;

function cells(entries: Record<string, string>, expiries: Record<string, number> = {}): Map<string, Cell> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, { value: v, expiresAt: expiries[k] ?? 0 }]));
}

const AFTER_5 = { b: '3.x:b', [COUNTER]: '4', e: '4.0:e', f: '4.1:f' };

describe('the mixed-workload state checker names each broken promise', () => {
  it('accepts the state after an allowed prefix, and picks the longest equal one', () => {
    expect(matchRecovered(cells(AFTER_5), RUN, LATER, 0, 7)).toBe(5);
    // c expired: the states after 1 and 2 requests look alike; the longer one wins.
    expect(matchRecovered(cells({ a: '0.0:a', b: '0.1:b', [COUNTER]: '0' }), RUN, LATER, 0, 7)).toBe(2);
  });

  it('reports a partial batch', () => {
    expect(() => matchRecovered(cells({ b: '3.x:b', [COUNTER]: '4', e: '4.0:e' }), RUN, LATER, 0, 7)).toThrow(/partial batch: request 4 is visible, yet its write of f/);
  });

  it('reports a reordering: a later request kept while an earlier one was lost', () => {
    expect(() => matchRecovered(cells({ ...AFTER_5, h: '6.p:h' }), RUN, LATER, 0, 7)).toThrow(/reordering: request 5's write of g is lost, while request 6's survived/);
  });

  it('reports a resurrected delete', () => {
    expect(() => matchRecovered(cells({ a: '0.0:a', b: '3.x:b', [COUNTER]: '0' }), RUN, LATER, 0, 7)).toThrow(/resurrected delete: a = 0\.0:a \(request 0's\), deleted by request 2/);
  });

  it('reports an expired entry that came back', () => {
    expect(() => matchRecovered(cells({ a: '0.0:a', b: '0.1:b', c: '1.p:c', [COUNTER]: '0' }), RUN, LATER, 0, 7)).toThrow(/expired entry back: c = 1\.p:c/);
  });

  it('reports a write of a transaction that failed with CONFLICT', () => {
    expect(() => matchRecovered(cells({ ...AFTER_5, d: '3.0:d' }), RUN, LATER, 0, 7)).toThrow(/failed transaction: d = 3\.0:d is a write of request 3/);
  });

  it('reports lost acknowledged requests', () => {
    expect(() => matchRecovered(cells({ a: '0.0:a', b: '0.1:b', [COUNTER]: '0' }), RUN, LATER, 4, 7)).toThrow(/lost acknowledged requests: recovered the state after 2 requests, but requests up to 3 were acknowledged/);
  });

  it('reports an entry whose TTL was lost', () => {
    const got = cells({ a: '0.0:a', b: '0.1:b', c: '1.p:c', [COUNTER]: '0' }); // c without its expiry
    expect(() => matchRecovered(got, RUN, START_MS + 50, 0, 7)).toThrow(/key c expires at 0, want 1000100 \(its TTL was not kept\)/);
  });
});

describe('the directory and version checks report a fabricated bad state of a real database', () => {
  async function workload(): Promise<{ fs: SpyFS; run: MixedRun; clock: ManualClock }> {
    const fs = new SpyFS();
    const clock = new ManualClock(START_MS);
    const run = makeMixedOps(new Rng(42), 0, 120, new Map(), START_MS);
    const db = await open(DIR, { ...MIXED, fs, syncWrites: true, clock });
    const state = newRunState();
    await runMixed(db, run.ops, 0, new Rng(43), clock, state, new Map());
    expect(state.errors).toEqual([]);
    await db.waitForBackgroundWork();
    await db.close();
    return { fs, run, clock };
  }

  it('a batch with one of its writes undone is a partial batch', async () => {
    const { fs, run, clock } = await workload();
    const db = await open(DIR, { ...MIXED, fs, clock });
    expect(matchRecovered(dumpCells(db), run, clock.nowMs(), run.ops.length, run.ops.length)).toBe(run.ops.length);
    // The newest batch whose first write (not the counter) no later request overwrote.
    let target: { index: number; key: string } | undefined;
    for (let r = run.ops.length - 1; r >= 0 && target === undefined; r--) {
      const op = run.ops[r]!;
      if (op.kind !== 'batch') continue;
      const w = op.puts.find((p) => p.key !== COUNTER && p.value !== undefined && p.ttl === undefined);
      if (w !== undefined && text(db.getSync(w.key)) === w.value) target = { index: r, key: w.key };
    }
    expect(target, 'the workload has a batch whose write is still visible').toBeDefined();
    await db.delete(target!.key);
    expect(() => matchRecovered(dumpCells(db), run, clock.nowMs(), 0, run.ops.length)).toThrow(new RegExp(`partial batch: request ${target!.index} is visible, yet its write of ${target!.key}`));
    await db.close();
  });

  it('a table the MANIFEST names that is missing is reported', async () => {
    const { fs } = await workload();
    expect(await checkDirectory(fs)).toBeUndefined();
    const table = fs.list(DIR).find((n) => n.endsWith('.sst'));
    expect(table, 'the workload left a table').toBeDefined();
    fs.unlink(`${DIR}/${table}`);
    expect(await checkDirectory(fs)).toMatch(new RegExp(`the MANIFEST names ${table}, which is missing`));
  });

  it('versions that do not decrease, and a write not above the recovered versions, are reported', async () => {
    const { fs, clock } = await workload();
    const db = await open(DIR, { ...MIXED, fs, clock });
    const { maxVersion, problem } = scanVersions(db);
    expect(problem).toBeUndefined();
    await db.put('probe', 'after');
    expect(() => expectNewVersionsAbove(db, new Set(['probe']), maxVersion + 1, 'probe')).toThrow(/key probe, written after recovery, has version \d+, not above/);
    await db.close();
    // An iterator that yields a key's versions oldest first.
    const entry = (key: string, version: number): [Buffer, undefined] & { version: number } => Object.assign([Buffer.from(key), undefined] as [Buffer, undefined], { version });
    const fake = { iterator: () => [entry('k', 3), entry('k', 5)] } as unknown as DB;
    expect(scanVersions(fake).problem).toMatch(/key k: version 5 follows version 3/);
  });
});
