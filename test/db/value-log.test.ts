import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { COMPACTING_TREE, DIR, dump, faultFS, openSmall, text } from './helpers.js';

/** Values over 64 bytes go to the value log; small files so GC has several to choose from. */
const SEPARATED = {
  ...COMPACTING_TREE,
  memTableSize: 32 * 1024,
  valueThreshold: 64,
  valueLogFileSize: 32 * 1024,
};

const key = (i: number) => `key${String(i).padStart(5, '0')}`;
const big = (i: number, round: number) => `${round}:${i}:`.padEnd(500, String.fromCharCode(97 + (i % 26)));

async function collectAll(db: Awaited<ReturnType<typeof openSmall>>): Promise<number> {
  let rewrote = 0;
  while (await db.runValueLogGC(0.3)) rewrote++;
  return rewrote;
}

describe('value log', () => {
  it('stores large values in the log and small ones in the tree, and reads both back', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, SEPARATED);
    await db.put('small', 'x'.repeat(64));
    await db.put('large', 'y'.repeat(65));
    const c = db.stats().counters;
    expect(c.vlogBytesWritten).toBeGreaterThan(65);
    expect(c.vlogBytesWritten).toBeLessThan(65 + 200);
    expect(text(db.getSync('small'))).toBe('x'.repeat(64));
    expect(text(db.getSync('large'))).toBe('y'.repeat(65));
    expect(fs.list(DIR).some((n) => n.endsWith('.vlog'))).toBe(true);
    await db.close();
    const again = await openSmall(fs, SEPARATED);
    expect(text(again.getSync('large'))).toBe('y'.repeat(65));
    await again.close();
  });

  it('iterates keys without touching the log', async () => {
    const db = await openSmall(faultFS(), SEPARATED);
    for (let i = 0; i < 50; i++) await db.put(key(i), big(i, 0));
    const reads = db.stats().counters.vlogReads;
    expect([...db.iterator({ values: false })].length).toBe(50);
    expect(db.stats().counters.vlogReads).toBe(reads);
    expect(dump(db).map(([, v]) => v)).toEqual(Array.from({ length: 50 }, (_, i) => big(i, 0)));
    expect(db.stats().counters.vlogReads).toBe(reads + 50);
    await db.close();
  });

  it('refuses a value larger than a value-log file', async () => {
    const db = await openSmall(faultFS(), SEPARATED);
    let caught: unknown;
    try {
      await db.put('k', new Uint8Array(40 * 1024));
    } catch (err) {
      caught = err;
    }
    expect(isSettError(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toMatch(/^INVALID_ARGUMENT: value of 40960 bytes is too large \(at most \d+ bytes\)$/);
    await db.close();
  });

  it('rejects a GC ratio outside (0, 1)', async () => {
    const db = await openSmall(faultFS(), SEPARATED);
    for (const bad of [0, 1, -0.5, 2, Number.NaN]) {
      let caught: unknown;
      try {
        await db.runValueLogGC(bad);
      } catch (err) {
        caught = err;
      }
      expect(isSettError(caught, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(await db.runValueLogGC(0.5)).toBe(false); // nothing to collect yet
    await db.close();
  });

  it('collects overwritten values, never brings back a deleted or overwritten key, and survives reopen', async () => {
    const fs = faultFS();
    let db = await openSmall(fs, SEPARATED);
    const n = 200;
    for (let round = 0; round < 4; round++) for (let i = 0; i < n; i++) await db.put(key(i), big(i, round));
    for (let i = 0; i < n; i += 2) await db.delete(key(i));
    await db.flatten(); // compaction drops the old versions and feeds the discard statistics
    const filesBefore = db.stats().valueLog.files;
    const rewrote = await collectAll(db);
    expect(rewrote).toBeGreaterThan(0);
    expect(db.stats().counters.vlogFilesDeleted).toBeGreaterThan(0);
    expect(db.stats().valueLog.files).toBeLessThan(filesBefore);
    const expected = Array.from({ length: n / 2 }, (_, j) => [key(2 * j + 1), big(2 * j + 1, 3)]);
    expect(dump(db)).toEqual(expected);
    await db.flatten();
    await collectAll(db);
    await db.close();
    db = await openSmall(fs, SEPARATED);
    expect(dump(db)).toEqual(expected);
    for (let i = 0; i < n; i += 2) expect(db.getSync(key(i))).toBeUndefined();
    await db.close();
  });

  it('regression: a WAL record pointing into a file GC collected does not end recovery there', async () => {
    // GC deletes a value-log file once nothing live points into it, but the WAL may still hold
    // records of the dead values; recovery once stopped at the first of them and lost every
    // later write.
    const fs = faultFS();
    const options = { ...SEPARATED, memTableSize: 1 << 20 }; // everything stays in the WAL
    let db = await openSmall(fs, options);
    await db.put('k', big(1, 0)); // into the first value-log file
    await db.put('x', 'z'.repeat(32 * 1024 - 300)); // fills it: the next group starts a new file
    await db.put('k', big(1, 1));
    await db.put('x', 'small now');
    await db.put('last', 'written after');
    await db.close();
    const first = fs.list(DIR).filter((n) => n.endsWith('.vlog')).sort()[0]!;
    fs.unlink(`${DIR}/${first}`); // as GC would: nothing live points into it any more
    db = await openSmall(fs, options);
    expect(dump(db)).toEqual([
      ['k', big(1, 1)],
      ['last', 'written after'],
      ['x', 'small now'],
    ]);
    await db.close();
  });

  it('keeps a file an open iterator reads until the iterator is closed', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, SEPARATED);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 100; i++) await db.put(key(i), big(i, round));
    await db.flatten();
    const it = db.iterator();
    const seen: string[] = [];
    const first = it.next();
    expect(first.done).toBe(false);
    seen.push(text(first.value![1])!);
    expect(await collectAll(db)).toBeGreaterThan(0);
    expect(db.stats().valueLog.pendingDeletions).toBeGreaterThan(0);
    for (const [, v] of it) seen.push(text(v)!);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => big(i, 2)));
    await db.waitForBackgroundWork();
    expect(db.stats().valueLog.pendingDeletions).toBe(0);
    await db.close();
  });

  it('keeps disk use within 1.5x of the live data after overwrites, deletes and GC', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { ...SEPARATED, valueThreshold: 1024, valueLogFileSize: 256 * 1024, memTableSize: 64 * 1024 });
    const n = 400;
    const value = (i: number, round: number) => `${round}:${i}:`.padEnd(4096, 'v');
    for (let round = 0; round < 5; round++) for (let i = 0; i < n; i++) await db.put(key(i), value(i, round));
    for (let i = 0; i < n; i += 2) await db.delete(key(i));
    await db.flatten();
    await collectAll(db);
    await db.flatten();
    await collectAll(db);
    const live = (n / 2) * (key(0).length + 4096);
    const disk = fs.listAll().reduce((sum, p) => sum + fs.size(p), 0);
    console.log(`value-log space: ${disk} bytes on disk for ${live} live bytes (${(disk / live).toFixed(2)}x)`);
    expect(disk / live).toBeLessThanOrEqual(1.5);
    expect(text(db.getSync(key(3)))).toBe(value(3, 4));
    await db.close();
  });
});
