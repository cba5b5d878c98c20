// Flushed memtables hand their arenas to new ones (ArenaPool) instead of leaving them to V8's next
// full GC (docs/performance.md, "At scale"), but only once nothing reads them: an iterator opened
// before the flushes keeps its memtables, and reads them correctly, however many arenas are
// reused meanwhile.

import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/index.js';
import { faultFS, openSmall, text } from './helpers.js';

const NUM_MEMTABLES = 3;

async function fillBatches(db: DB, tag: string, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const ops = [];
    for (let i = 0; i < 40; i++) ops.push({ type: 'put' as const, key: `${tag}${String(b * 40 + i).padStart(6, '0')}`, value: `${tag}-value-${b}-${i}`.padEnd(60, '.') });
    await db.batch(ops);
  }
}

for (const inMemory of [false, true]) {
  describe(`memtable arena reuse${inMemory ? ' (inMemory)' : ''}`, () => {
    const open = (): Promise<DB> => openSmall(faultFS(), { numMemtables: NUM_MEMTABLES, inMemory });

    it('reuses the arenas of flushed memtables, and allocates at most numMemtables', async () => {
      const db = await open();
      await fillBatches(db, 'k', 300);
      await db.waitForBackgroundWork();
      const { counters, memtables } = db.stats();
      expect(counters.memtableRotations).toBeGreaterThan(20);
      expect(memtables.arenasReused).toBeGreaterThan(counters.memtableRotations - NUM_MEMTABLES);
      expect(memtables.arenasRecycled).toBeGreaterThanOrEqual(memtables.arenasReused);
      expect(memtables.arenasDropped).toBe(0);
      expect(memtables.arenasFree + 1 + memtables.immutable).toBeLessThanOrEqual(NUM_MEMTABLES);
      expect(text(db.getSync('k000000'))).toBe('k-value-0-0'.padEnd(60, '.'));
      expect(text(db.getSync('k011999'))).toBe('k-value-299-39'.padEnd(60, '.'));
      await db.close();
    });

    it('never reuses an arena an open iterator still reads', async () => {
      const db = await open();
      await fillBatches(db, 'a', 3); // 120 entries in the active memtable, none flushed yet
      expect(db.stats().counters.memtableRotations).toBe(0);
      const early = db.iterator();
      const first = early.nextEntry(); // started: positioned inside the first memtable
      expect(text(first?.[0])).toBe('a000000');
      await fillBatches(db, 'b', 200); // ~50 rotations: every later memtable reuses arenas
      await db.waitForBackgroundWork();
      const during = db.stats();
      expect(during.counters.memtableRotations).toBeGreaterThan(20);
      expect(during.memtables.arenasReused).toBeGreaterThan(10);
      // The iterator's memtable was flushed long ago, yet its arena was not handed on: the
      // iterator still reads exactly the 120 entries it saw, with their values.
      const rest: [string, string][] = [];
      for (let e = early.nextEntry(); e !== undefined; e = early.nextEntry()) rest.push([text(e[0])!, text(e[1])!]);
      expect(rest.length).toBe(119);
      rest.forEach(([k, v], i) => {
        const n = i + 1;
        expect(k).toBe(`a${String(n).padStart(6, '0')}`);
        expect(v).toBe(`a-value-${Math.floor(n / 40)}-${n % 40}`.padEnd(60, '.'));
      });
      early.close();
      // Closed: its memtable's arena is offered back (kept, or left to the GC when the pool is full).
      const after = db.stats().memtables;
      expect(after.arenasRecycled + after.arenasDropped).toBe(during.memtables.arenasRecycled + during.memtables.arenasDropped + 1);
      const again = db.iterator({ gte: 'b', limit: 3 });
      expect([...again].map(([k]) => text(k))).toEqual(['b000000', 'b000001', 'b000002']);
      await db.close();
    });
  });
}
