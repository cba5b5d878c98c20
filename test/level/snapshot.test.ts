// Snapshot isolation through the adapter: explicit snapshots and the implicit snapshot every
// iterator takes hold their version through later writes, flushes and compaction.

import { describe, expect, it } from 'vitest';
import { SettLevelSnapshot } from '../../src/level/index.js';
import { faultLevel } from './helpers.js';

const key = (i: number): string => `k${String(i).padStart(4, '0')}`;

describe('snapshots', () => {
  it('an explicit snapshot keeps its version through overwrites, deletes, flushes and a full compaction', async () => {
    const db = faultLevel(undefined, { sett: { valueThreshold: 100 } });
    await db.open();
    for (let i = 0; i < 300; i++) await db.put(key(i), `old${i}`.padEnd(i % 2 === 0 ? 10 : 200, '.'));
    const snapshot = db.snapshot();
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 0) await db.del(key(i));
      else await db.put(key(i), `new${i}`);
    }
    await db.put('zzz', 'added');
    await db.sett.flatten();
    await db.sett.waitForBackgroundWork();

    expect(await db.get(key(1), { snapshot })).toBe('old1'.padEnd(200, '.'));
    expect(db.getSync(key(0), { snapshot })).toBe('old0'.padEnd(10, '.'));
    expect(await db.get(key(0))).toBeUndefined();
    expect(await db.get('zzz', { snapshot })).toBeUndefined();
    expect(await db.getMany([key(2), key(3)], { snapshot })).toEqual(['old2'.padEnd(10, '.'), 'old3'.padEnd(200, '.')]);
    const seen = await db.iterator({ snapshot }).all();
    expect(seen).toHaveLength(300);
    expect(seen.every(([k, v]) => v.startsWith(`old${Number(k.slice(1))}`))).toBe(true);
    expect(await db.keys().all()).toHaveLength(201);

    await snapshot.close();
    expect((snapshot as SettLevelSnapshot).sett.isReleased).toBe(true);
    await expect(db.get(key(1), { snapshot })).rejects.toMatchObject({ code: 'LEVEL_SNAPSHOT_NOT_OPEN' });
    await db.close();
  });

  it("an iterator reads the version of its creation, also after a seek and after the writes it did not see were compacted", async () => {
    const db = faultLevel();
    await db.open();
    for (let i = 0; i < 100; i++) await db.put(key(i), 'before');
    const it = db.iterator({ gte: key(10), lt: key(20) });
    for (let i = 0; i < 100; i++) await db.put(key(i), 'after');
    await db.del(key(15));
    await db.sett.flatten();
    expect(await it.next()).toEqual([key(10), 'before']);
    it.seek(key(15));
    expect(await it.next()).toEqual([key(15), 'before']);
    it.seek(key(25)); // outside the range: the iterator ends
    expect(await it.next()).toBeUndefined();
    it.seek(key(19));
    expect(await it.nextv(5)).toEqual([[key(19), 'before']]);
    await it.close();
    expect(await db.get(key(15))).toBeUndefined();
    await db.close();
  });

  it('clear() with a snapshot deletes only what the snapshot sees, and never later writes', async () => {
    const db = faultLevel();
    await db.open();
    await db.batch([
      { type: 'put', key: 'a', value: '1' },
      { type: 'put', key: 'b', value: '1' },
    ]);
    const snapshot = db.snapshot();
    await db.put('c', '2');
    await db.clear({ snapshot, gte: 'b' });
    expect(await db.iterator().all()).toEqual([
      ['a', '1'],
      ['c', '2'],
    ]);
    expect(await db.keys({ snapshot }).all()).toEqual(['a', 'b']);
    await snapshot.close();
    await db.close();
  });

  it('clear() honours ranges, reverse and limit', async () => {
    const db = faultLevel();
    await db.open();
    for (let i = 0; i < 50; i++) await db.put(key(i), 'v');
    await db.clear({ gt: key(9), lte: key(19) });
    await db.clear({ reverse: true, limit: 5 });
    await db.clear({ limit: 2 });
    const left = await db.keys().all();
    const expected = [...Array.from({ length: 8 }, (_, i) => key(i + 2)), ...Array.from({ length: 25 }, (_, i) => key(i + 20))];
    expect(left).toEqual(expected);
    await db.close();
  });

  it('a snapshot taken through a sublevel belongs to the root, and db.close() closes it', async () => {
    const db = faultLevel();
    await db.open();
    const sub = db.sublevel('s');
    await sub.put('a', '1');
    const snapshot = sub.snapshot();
    await sub.put('a', '2');
    expect(await sub.get('a', { snapshot })).toBe('1');
    expect(await db.get('!s!a', { snapshot })).toBe('1');
    await db.close();
    expect((snapshot as SettLevelSnapshot).sett.isReleased).toBe(true);
  });

  it("refuses another database's snapshot with a TypeError", async () => {
    const one = faultLevel();
    const two = faultLevel();
    await one.open();
    await two.open();
    const snapshot = two.snapshot();
    await expect(one.get('a', { snapshot })).rejects.toBeInstanceOf(TypeError);
    expect(() => one.iterator({ snapshot })).toThrow(TypeError);
    await snapshot.close();
    await one.close();
    await two.close();
  });
});
