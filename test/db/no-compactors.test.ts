// numCompactors: 0 (issue 14 item 5): no background compaction, as in Badger. Where Badger's
// writes then block forever at numLevelZeroTablesStall, sett's flush compacts L0 itself, so
// writes go on and L0 stays within the stall. Explicit compactions (flatten) still run.

import { describe, expect, it } from 'vitest';
import { COMPACTING_TREE, dump, faultFS, openSmall, text } from './helpers.js';

const SMALL = { ...COMPACTING_TREE, numLevelZeroTablesStall: 5 };

const key = (i: number): string => `key${String(i).padStart(6, '0')}`;

describe('numCompactors: 0', () => {
  it('runs no compaction below the stall, though L0 is past numLevelZeroTables', async () => {
    const db = await openSmall(faultFS(), { ...SMALL, numCompactors: 0 });
    let i = 0;
    while (db.stats().levels[0]!.tables < SMALL.numLevelZeroTablesStall - 1) {
      await db.put(key(i++), 'x'.repeat(100));
      await db.waitForBackgroundWork();
    }
    const s = db.stats();
    expect(s.levels[0]!.tables).toBeGreaterThan(SMALL.numLevelZeroTables);
    expect(s.counters.compactions).toBe(0);
    expect(s.levels.slice(1).every((l) => l.tables === 0)).toBe(true);
    await db.close();
  });

  it('never blocks writes at the stall: the flush compacts L0 itself, and L0 never passes the stall', async () => {
    const db = await openSmall(faultFS(), { ...SMALL, numCompactors: 0, numMemtables: 2 });
    const n = 6000;
    let mostL0 = 0;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      writes.push(db.put(key(i % 2000), `v${i}`.padEnd(60, '.')));
      if (i % 100 === 99) {
        await Promise.all(writes.splice(0));
        mostL0 = Math.max(mostL0, db.stats().levels[0]!.tables);
      }
    }
    await Promise.all(writes);
    await db.waitForBackgroundWork();
    const s = db.stats();
    expect(mostL0).toBeLessThanOrEqual(SMALL.numLevelZeroTablesStall);
    expect(s.counters.l0Stalls).toBeGreaterThan(0);
    expect(s.counters.compactions).toBeGreaterThan(0);
    expect(s.levels.slice(1).some((l) => l.tables > 0)).toBe(true);
    for (let i = n - 2000; i < n; i += 97) expect(text(db.getSync(key(i % 2000)))).toBe(`v${i}`.padEnd(60, '.'));
    expect(dump(db).length).toBe(2000);
    await db.close();
  });

  it('still compacts on request: flatten() leaves one level', async () => {
    const db = await openSmall(faultFS(), { ...SMALL, numCompactors: 0 });
    for (let i = 0; i < 1500; i++) await db.put(key(i), 'x'.repeat(60));
    await db.flatten();
    const nonEmpty = db.stats().levels.filter((l) => l.tables > 0);
    expect(nonEmpty.length).toBe(1);
    expect(nonEmpty[0]!.level).toBeGreaterThan(0);
    expect(dump(db).length).toBe(1500);
    await db.close();
  });
});
