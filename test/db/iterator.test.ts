import { describe, expect, it } from 'vitest';
import { dump, faultFS, openSmall, text } from './helpers.js';

describe('iterator', () => {
  it('regression: a reverse prefix scan does not mutate a Buffer prefix passed by the caller', async () => {
    const db = await openSmall(faultFS());
    await db.put('a', '1');
    await db.put('ab', '2');
    await db.put('b', '3');
    const prefix = Buffer.from('a'); // pooled: Buffer#slice would return a view of it
    expect(dump(db, { prefix, reverse: true })).toEqual([['ab', '2'], ['a', '1']]);
    expect(prefix.toString()).toBe('a');
    expect(dump(db, { prefix })).toEqual([['a', '1'], ['ab', '2']]);
    await db.close();
  });

  it('applies gt/gte/lt/lte, limit, and omits keys or values on request', async () => {
    const db = await openSmall(faultFS());
    for (const k of ['a', 'b', 'c', 'd', 'e']) await db.put(k, k.toUpperCase());
    const keys = (o: Parameters<typeof dump>[1]) => dump(db, o).map(([k]) => k);
    expect(keys({ gt: 'b', lt: 'e' })).toEqual(['c', 'd']);
    expect(keys({ gte: 'b', lte: 'e' })).toEqual(['b', 'c', 'd', 'e']);
    expect(keys({ gt: 'b', lte: 'e', reverse: true })).toEqual(['e', 'd', 'c']);
    expect(keys({ gte: 'b', lt: 'e', reverse: true, limit: 2 })).toEqual(['d', 'c']);
    expect(keys({ limit: 0 })).toEqual([]);
    const onlyValues = [...db.iterator({ keys: false })];
    expect(onlyValues.map(([k, v]) => [k, text(v)])).toEqual(['A', 'B', 'C', 'D', 'E'].map((v) => [undefined, v]));
    const onlyKeys = [...db.iterator({ values: false, limit: 1 })];
    expect(onlyKeys.map(([k, v]) => [text(k), v])).toEqual([['a', undefined]]);
    await db.close();
  });

  it('works with for await, and sees a snapshot while writes and flushes go on', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    for (let i = 0; i < 100; i++) await db.put(`k${String(i).padStart(3, '0')}`, 'old'.repeat(50));
    const it = db.iterator();
    const seen: string[] = [];
    let first = true;
    for await (const [k, v] of it) {
      if (first) {
        // Overwrite everything and delete half while the iterator is open: it must not notice.
        for (let i = 0; i < 100; i++) await db.put(`k${String(i).padStart(3, '0')}`, 'new'.repeat(50));
        for (let i = 0; i < 100; i += 2) await db.delete(`k${String(i).padStart(3, '0')}`);
        await db.waitForBackgroundWork();
        first = false;
      }
      expect(text(v)).toBe('old'.repeat(50));
      seen.push(text(k)!);
    }
    expect(seen.length).toBe(100);
    expect(db.stats().counters.flushes).toBeGreaterThan(0);
    expect(dump(db).length).toBe(50);
    await db.close();
  });

  it('stops early on break', async () => {
    const db = await openSmall(faultFS());
    for (let i = 0; i < 10; i++) await db.put(`k${i}`, 'v');
    let n = 0;
    for (const entry of db.iterator()) {
      expect(entry[0]).toBeDefined();
      if (++n === 3) break;
    }
    expect(n).toBe(3);
    await db.close();
  });
});
