// compactL0() and the idleCompactionDelay option (docs/design.md §Idle compaction): after writes
// stop, the memtable is flushed and L0 compacted into the level below, so reads consult fewer
// sorted runs; the outputs' blocks reach the block cache warm. Nothing read changes.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../src/base/index.js';
import type { DB, OpenOptions } from '../../src/db/index.js';
import { dump, faultFS, openSmall, text } from './helpers.js';

/** L0 never due by itself: only compactL0 empties it. */
const QUIET_L0: OpenOptions = { numLevelZeroTables: 8, numLevelZeroTablesStall: 16 };

async function write(db: DB, model: Map<string, string>, from: number, count: number, tag: string): Promise<void> {
  for (let b = from; b < from + count; b += 20) {
    const ops = [];
    for (let i = b; i < Math.min(from + count, b + 20); i++) {
      // Keys spread over the whole range, so every table overlaps every other.
      const key = `k${String((i * 7919) % 100_003).padStart(6, '0')}`;
      const value = `${tag}-${i}`.padEnd(60, '.');
      ops.push({ type: 'put' as const, key, value });
      model.set(key, value);
    }
    await db.batch(ops);
  }
}

function expectModel(db: DB, model: Map<string, string>): void {
  expect(dump(db)).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  for (const [k, v] of model) expect(text(db.getSync(k))).toBe(v);
}

afterEach(() => {
  vi.useRealTimers();
});

for (const inMemory of [false, true]) {
  describe(`compactL0${inMemory ? ' (inMemory)' : ''}`, () => {
    it('flushes the memtable and compacts all of L0 into one level below; every key reads the same', async () => {
      const db = await openSmall(faultFS(), { ...QUIET_L0, inMemory });
      const model = new Map<string, string>();
      await write(db, model, 0, 700, 'a');
      await db.waitForBackgroundWork();
      const before = db.stats();
      expect(before.levels[0]!.tables).toBeGreaterThanOrEqual(2);
      expect(before.memtables.activeBytes).toBeGreaterThan(0);

      await db.compactL0();
      const after = db.stats();
      expect(after.levels[0]!.tables).toBe(0);
      expect(after.levels.filter((l) => l.tables > 0)).toHaveLength(1);
      expect(after.counters.memtableRotations).toBe(before.counters.memtableRotations + 1);
      expect(after.memtables.activeBytes).toBeLessThan(before.memtables.activeBytes);
      expect(after.counters.compactions).toBe(before.counters.compactions + 1);
      expectModel(db, model);
      await db.close();
    });

    it('leaves a nearly empty memtable alone, and an empty L0', async () => {
      const db = await openSmall(faultFS(), { ...QUIET_L0, inMemory });
      const model = new Map<string, string>();
      await write(db, model, 0, 700, 'a');
      await db.compactL0();
      // A few entries: well under an eighth of the memtable (~2 KiB).
      await write(db, model, 700, 5, 'b');
      const before = db.stats();
      expect(before.levels[0]!.tables).toBe(0);
      expect(before.memtables.activeBytes).toBeGreaterThan(0);

      await db.compactL0();
      const after = db.stats();
      expect(after.levels.map((l) => l.tables)).toEqual(before.levels.map((l) => l.tables));
      expect(after.memtables.activeBytes).toBe(before.memtables.activeBytes);
      expect(after.counters.compactions).toBe(before.counters.compactions);
      expect(after.counters.memtableRotations).toBe(before.counters.memtableRotations);
      expectModel(db, model);
      await db.close();
    });

    it(inMemory ? 'hands the outputs to the block cache: reading every key afterwards misses no block' : 'reads the outputs through the block cache, as every compaction on disk', async () => {
      const db = await openSmall(faultFS(), { ...QUIET_L0, inMemory });
      const model = new Map<string, string>();
      await write(db, model, 0, 700, 'a');
      await db.compactL0();
      const misses = db.stats().blockCache.misses;
      expectModel(db, model);
      if (inMemory) expect(db.stats().blockCache.misses).toBe(misses);
      else expect(db.stats().blockCache.misses).toBeGreaterThan(misses);
      await db.close();
    });

    it('lets writes go on while it runs, and loses none of them', async () => {
      const db = await openSmall(faultFS(), { ...QUIET_L0, inMemory });
      const model = new Map<string, string>();
      await write(db, model, 0, 700, 'a');
      const compaction = db.compactL0();
      await write(db, model, 700, 200, 'b');
      await compaction;
      await db.waitForBackgroundWork();
      expectModel(db, model);
      await db.close();
    });
  });
}

describe('idleCompactionDelay', () => {
  it('compacts after a whole period without a write, once, and not while writes go on', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const db = await openSmall(faultFS(), { ...QUIET_L0, idleCompactionDelay: 1000 });
    const model = new Map<string, string>();
    await write(db, model, 0, 700, 'a');
    await db.waitForBackgroundWork();
    const l0 = db.stats().levels[0]!.tables;
    expect(l0).toBeGreaterThanOrEqual(2);

    // Each period has a write in it: nothing happens.
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1000);
      await write(db, model, 700 + i, 1, 'b');
      await db.waitForBackgroundWork();
      expect(db.stats().levels[0]!.tables).toBe(l0);
    }
    // The first tick without a write before it still saw the last write's period; the next is quiet.
    vi.advanceTimersByTime(1000);
    await db.waitForBackgroundWork();
    expect(db.stats().levels[0]!.tables).toBe(l0);
    vi.advanceTimersByTime(1000);
    await db.waitForBackgroundWork();
    expect(db.stats().levels[0]!.tables).toBe(0);
    const compactions = db.stats().counters.compactions;

    // Quiet periods after it do nothing more.
    vi.advanceTimersByTime(5000);
    await db.waitForBackgroundWork();
    expect(db.stats().counters.compactions).toBe(compactions);
    expectModel(db, model);
    await db.close();
  });

  it('is refused when negative or not an integer, and off by default', async () => {
    await expect(openSmall(faultFS(), { idleCompactionDelay: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(openSmall(faultFS(), { idleCompactionDelay: 1.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const db = await openSmall(faultFS(), QUIET_L0);
    const model = new Map<string, string>();
    await write(db, model, 0, 700, 'a');
    await db.waitForBackgroundWork();
    const l0 = db.stats().levels[0]!.tables;
    vi.advanceTimersByTime(60_000);
    await db.waitForBackgroundWork();
    expect(db.stats().levels[0]!.tables).toBe(l0);
    await db.close();
  });
});
