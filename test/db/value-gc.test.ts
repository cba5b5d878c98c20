import { describe, expect, it } from 'vitest';
import { DIR, dump, faultFS, openSmall, text } from './helpers.js';

/** Values over 64 bytes go to the value log, in files of 32 KiB. */
const SEPARATED = { memTableSize: 32 * 1024, valueThreshold: 64, valueLogFileSize: 32 * 1024 };
const vlogFiles = (fs: ReturnType<typeof faultFS>) => fs.list(DIR).filter((n) => n.endsWith('.vlog'));
const bigKey = (i: number) => `key${String(i).padStart(5, '0')}`;
const bigValue = (i: number) => `${i}:`.padEnd(2000, 'v');

async function collectAll(db: Awaited<ReturnType<typeof openSmall>>): Promise<number> {
  let rewrote = 0;
  while (await db.runValueLogGC(0.5)) rewrote++;
  return rewrote;
}

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

  it('regression: dropAll() left every value-log file in place (GC never picked them)', async () => {
    const fs = faultFS();
    let db = await openSmall(fs, SEPARATED);
    // One put per group: the value log moves to a new file only between groups.
    for (let i = 0; i < 120; i++) await db.put(bigKey(i), bigValue(i));
    const before = vlogFiles(fs);
    expect(before.length).toBeGreaterThanOrEqual(7);
    await db.dropAll();
    expect(await collectAll(db)).toBe(before.length);
    // Every file from before the drop is gone; the active one is new.
    expect(vlogFiles(fs).filter((n) => before.includes(n))).toEqual([]);
    expect(vlogFiles(fs).length).toBe(1);
    await db.put('after', 'w'.repeat(500));
    await db.put('small', 'x');
    await db.close();
    db = await openSmall(fs, SEPARATED);
    expect(dump(db)).toEqual([
      ['after', 'w'.repeat(500)],
      ['small', 'x'],
    ]);
    await db.close();
  });

  it('regression: after dropAll(), an iterator opened before it still reads its values; their files go when it closes', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, SEPARATED);
    for (let i = 0; i < 50; i++) await db.put(bigKey(i), bigValue(i));
    const before = vlogFiles(fs);
    const it = db.iterator();
    await db.dropAll();
    expect(await collectAll(db)).toBe(before.length);
    expect(db.stats().valueLog.pendingDeletions).toBe(before.length);
    expect(vlogFiles(fs).filter((n) => before.includes(n))).toEqual(before);
    const seen: string[] = [];
    for (const [, v] of it) seen.push(text(v)!);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => bigValue(i)));
    await db.waitForBackgroundWork();
    expect(db.stats().valueLog.pendingDeletions).toBe(0);
    expect(vlogFiles(fs).filter((n) => before.includes(n))).toEqual([]);
    await db.close();
  });
});
