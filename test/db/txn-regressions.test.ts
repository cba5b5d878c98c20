// Regression tests for the bugs the bank and transaction-model tests (bank.test.ts,
// txn-model.test.ts) found, each named for the bug, each as small as the bug allows.

import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import type { DB } from '../../src/db/index.js';
import { DIR, faultFS, openSmall, text } from './helpers.js';

/** Most values in the value log, small log files and tables: GC has files to collect. */
const SEPARATED = {
  valueThreshold: 8,
  valueLogFileSize: 16 * 1024,
  baseTableSize: 4096,
  baseLevelSize: 8192,
  levelSizeMultiplier: 2,
  numLevelZeroTables: 2,
  numLevelZeroTablesStall: 4,
};

const big = (i: number, round: number): string => `${round}:${i}:`.padEnd(100, 'x');

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isSettError(err) ? err.code : String(err);
  }
}

/** Overwrites 40 keys `rounds` times, so compaction finds garbage in the value log. */
async function churn(db: DB, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) for (let i = 0; i < 40; i++) await db.put(`k${i}`, big(i, r));
}

describe('transaction regressions', () => {
  it('a value-log GC rewrite of a key a transaction read does not fail its commit with CONFLICT (the rewrite was recorded in the conflict oracle like a write)', async () => {
    const db = await openSmall(faultFS(), SEPARATED);
    await db.put('read-me', big(0, 0)); // in the oldest value-log file, which GC will collect
    await churn(db, 20);
    await db.waitForBackgroundWork();
    const txn = db.transaction();
    const before = text(txn.getSync('read-me'));
    txn.put('elsewhere', 'x');
    let collected = 0;
    while (await db.runValueLogGC(0.3)) collected++;
    expect(collected).toBeGreaterThan(0);
    expect(db.stats().counters.vlogGCRewrites).toBeGreaterThan(0);
    // Nobody changed "read-me": GC moved its value, it did not write a new one.
    expect(text(db.getSync('read-me'))).toBe(before);
    expect(await outcome(txn.commit())).toBe('ok');
    expect(text(db.getSync('elsewhere'))).toBe('x');
    await db.close();
  });

  it('a transaction on an empty database sees its own writes when it iterates (pending writes carry read version 0, and sinceVersion 0 dropped versions <= 0)', async () => {
    const db = await openSmall(faultFS());
    const txn = db.transaction();
    expect(txn.readVersion).toBe(0);
    txn.put('a', '1');
    txn.put('b', '2');
    const entries = (options: Parameters<typeof txn.iterator>[0]) => [...txn.iterator(options)].map(([k, v]) => [text(k), text(v)]);
    expect(entries({})).toEqual([['a', '1'], ['b', '2']]);
    expect(entries({ reverse: true })).toEqual([['b', '2'], ['a', '1']]);
    expect(entries({ prefix: 'a' })).toEqual([['a', '1']]);
    await txn.commit();
    await db.close();
    // The same when the database's only commit came after the transaction began.
    const again = await openSmall(faultFS());
    const t = again.transaction();
    await again.put('z', 'committed after the read version');
    t.put('a', 'mine');
    expect([...t.iterator()].map(([k, v]) => [text(k), text(v)])).toEqual([['a', 'mine']]);
    t.discard();
    await again.close();
  });

  it('an allVersions iteration reads every version it yields after value-log GC (GC deleted files that versions still in the tree pointed into: CORRUPTION)', async () => {
    for (const numVersionsToKeep of [1, 3]) {
      const db = await openSmall(faultFS(), { ...SEPARATED, numVersionsToKeep });
      const failures: string[] = [];
      let collected = 0;
      for (let r = 0; r < 30; r++) {
        await churn(db, 1);
        if (await db.runValueLogGC(0.3)) collected++;
        try {
          for (const e of db.iterator({ allVersions: true })) expect(e.deleted || e[1] !== undefined).toBe(true);
        } catch (err) {
          failures.push(`numVersionsToKeep ${numVersionsToKeep}, round ${r}: ${String(err)}`);
        }
      }
      expect(failures).toEqual([]);
      // GC must still collect files, or the test proves nothing about it.
      expect(collected, `numVersionsToKeep ${numVersionsToKeep}`).toBeGreaterThan(0);
      await db.close();
    }
  });

  it('an allVersions iteration reports CORRUPTION, as get() does, when the value-log file of a newest version is missing (it skipped it as if GC had collected it)', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, SEPARATED);
    for (let i = 0; i < 400; i++) await db.put(`k${String(i).padStart(3, '0')}`, big(i, 0));
    await db.close();
    // Not GC: the file is lost (a bad copy, a bad disk). Keys whose only version lived there are gone.
    const lost = fs.list(DIR).filter((n) => n.endsWith('.vlog')).sort()[0]!;
    fs.unlink(`${DIR}/${lost}`);
    const again = await openSmall(fs, SEPARATED);
    expect(await outcome(Promise.resolve().then(() => again.getSync('k000')))).toBe('CORRUPTION');
    expect(await outcome(Promise.resolve().then(() => [...again.iterator()]))).toBe('CORRUPTION');
    expect(await outcome(Promise.resolve().then(() => [...again.iterator({ allVersions: true })]))).toBe('CORRUPTION');
    expect(await outcome(Promise.resolve().then(() => [...again.iterator({ allVersions: true, reverse: true })]))).toBe('CORRUPTION');
    await again.close();
  });
});
