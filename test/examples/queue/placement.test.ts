// Partitions across storage directories by affinity (seed 002: 7 and 3 put 70% on SSD, 30% on HDD).

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue, partitionDirName, placePartitions, shareOut } from '../../../examples/queue/index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sett-queue-place-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('shareOut', () => {
  it('gives 70/30 as 7/3 of 10, 2/1 of 3, 1/0 of 1, and keeps remainders', () => {
    expect(shareOut(10, [0.7, 0.3])).toEqual([7, 3]);
    expect(shareOut(10, [7, 3])).toEqual([7, 3]);
    expect(shareOut(3, [0.7, 0.3])).toEqual([2, 1]);
    expect(shareOut(1, [0.7, 0.3])).toEqual([1, 0]);
    expect(shareOut(4, [1, 1, 1])).toEqual([2, 1, 1]);
    expect(shareOut(0, [1, 2])).toEqual([0, 0]);
  });

  it('always adds up to the partition count, each share within one of its exact quota', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }), (count, affinities) => {
        const counts = shareOut(count, affinities);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(count);
        const sum = affinities.reduce((a, b) => a + b, 0);
        counts.forEach((c, i) => expect(Math.abs(c - (count * affinities[i]!) / sum)).toBeLessThan(1));
      }),
    );
  });

  it('refuses affinities that are not positive numbers', () => {
    expect(() => shareOut(3, [1, 0])).toThrow(/affinity must be a positive number/);
    expect(() => shareOut(3, [])).toThrow(/at least one storage directory/);
    expect(() => shareOut(-1, [1])).toThrow(/non-negative integer/);
  });
});

describe('placePartitions', () => {
  it('interleaves directories and keeps the counts', () => {
    const placed = placePartitions(10, [7, 3]);
    expect(placed.filter((s) => s === 0)).toHaveLength(7);
    expect(placed.filter((s) => s === 1)).toHaveLength(3);
    // Not 7 then 3: the smaller share is spread through the range.
    expect(placed.slice(0, 5)).toContain(1);
    expect(placePartitions(3, [0.7, 0.3]).sort()).toEqual([0, 0, 1]);
  });
});

describe('a queue across storage directories', () => {
  it('puts 7 of 10 partition directories on the first and 3 on the second, named as the seed names them', async () => {
    const ssd = join(root, 'ssd');
    const hdd = join(root, 'hdd');
    const q = await openQueue({ name: 'my-queue', storage: [{ name: 'badger-ssd', dir: ssd, affinity: 7 }, { name: 'badger-hdd', dir: hdd, affinity: 3 }], partitions: 10, syncWrites: false });
    try {
      expect(readdirSync(ssd).filter((d) => d.endsWith('-partition'))).toHaveLength(7);
      expect(readdirSync(hdd).filter((d) => d.endsWith('-partition'))).toHaveLength(3);
      expect(existsSync(join(ssd, partitionDirName('my-queue', 0)))).toBe(true);
      expect(partitionDirName('my-queue', 2)).toBe('my-queue-000002-partition');
      expect(new Set(q.partitions.map((p) => p.storage))).toEqual(new Set(['badger-ssd', 'badger-hdd']));
      const stats = await q.stats();
      expect(stats.partitions.filter((p) => p.storage === 'badger-hdd')).toHaveLength(3);
    } finally {
      await q.close();
    }
  });

  it('finds partitions where they are after the affinities change, and refuses fewer partitions than on disk', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    let q = await openQueue({ name: 'q', storage: [{ dir: a, affinity: 7 }, { dir: b, affinity: 3 }], partitions: 3, syncWrites: false });
    const where = q.partitions.map((p) => p.dir);
    const { ids } = await q.produce([{ payload: 'x' }, { payload: 'y' }, { payload: 'z' }]);
    await q.close();

    q = await openQueue({ name: 'q', storage: [{ dir: a, affinity: 1 }, { dir: b, affinity: 9 }], partitions: 3, syncWrites: false });
    try {
      expect(q.partitions.map((p) => p.dir)).toEqual(where);
      expect((await q.list()).map((it) => it.id).sort()).toEqual([...ids].sort());
    } finally {
      await q.close();
    }
    await expect(openQueue({ name: 'q', storage: [{ dir: a, affinity: 1 }, { dir: b, affinity: 1 }], partitions: 2 })).rejects.toThrow(/open it with at least 3/);
  });
});
