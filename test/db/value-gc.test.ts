import { describe, expect, it } from 'vitest';
import { dump, faultFS, openSmall } from './helpers.js';

describe('value-log GC', () => {
  it('regression: a rewrite batch too big for an empty memtable rotated empty memtables forever', async () => {
    // 200-byte keys leave about 280 bytes each in a memtable of 16 KiB: a rewrite request of 256
    // entries could never fit one, and the writer rotated (a new synced WAL each time) without end.
    const fs = faultFS();
    let walsCreated = 0;
    fs.onOperation = (op, path) => {
      // Turns the hang into a failure: with the inline executor the loop never yields to a timer.
      if (op === 'open' && path.endsWith('.mem') && ++walsCreated > 200) throw new Error(`${walsCreated} WALs created: the writer is rotating without end`);
    };
    const options = { memTableSize: 16 * 1024, valueThreshold: 64, valueLogFileSize: 128 * 1024 };
    let db = await openSmall(fs, options);
    const key = (i: number) => `${String(i).padStart(6, '0')}`.padEnd(200, 'k');
    const value = (i: number, round: number) => `${round}:${i}:`.padEnd(300, 'v');
    const n = 600;
    // One put at a time: the value log moves to a new file only between groups.
    for (let i = 0; i < n; i++) await db.put(key(i), value(i, 0));
    for (let i = 0; i < n; i += 5) await db.put(key(i), value(i, 1));
    await db.flatten(); // drops the overwritten versions: discard statistics for the first file
    const rotationsBefore = db.stats().counters.memtableRotations;
    expect(await db.runValueLogGC(0.1)).toBe(true);
    const c = db.stats().counters;
    expect(c.vlogGCRewrites).toBeGreaterThan(150);
    // Each rotation now holds at most half a memtable of rewrites (and never an empty memtable).
    expect(c.memtableRotations - rotationsBefore).toBeLessThan(Math.ceil((c.vlogGCRewrites * 280) / (8 * 1024)) + 2);
    const expected = Array.from({ length: n }, (_, i) => [key(i), value(i, i % 5 === 0 ? 1 : 0)]);
    expect(dump(db)).toEqual(expected);
    await db.close();
    db = await openSmall(fs, options);
    expect(dump(db)).toEqual(expected);
    await db.close();
  });
});
