// DISCARD statistics (docs/format.md §DISCARD): codec round trip, save/load, a crash during save
// leaves the old or the new counts (never a mix), and a damaged file starts empty without failing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DISCARD_FILE, DISCARD_TMP_FILE, DiscardStats, decodeDiscard, encodeDiscard } from '../../src/vlog/index.js';
import { DIR, newFaultFS, rejected, thrown } from './helpers.js';

const PATH = `${DIR}/${DISCARD_FILE}`;

const countsArb = fc
  .uniqueArray(fc.tuple(fc.nat({ max: 0xffff_ffff }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { selector: (t) => t[0], maxLength: 30 })
  .map((entries) => entries.sort((a, b) => a[0] - b[0]));

async function saved(fs: FaultFS, counts: readonly [number, number][]): Promise<DiscardStats> {
  const stats = DiscardStats.load(fs, DIR);
  for (const [id, bytes] of counts) stats.add(id, bytes);
  await stats.save();
  return stats;
}

describe('DiscardStats', () => {
  it('decodes what it encodes (property)', () => {
    fc.assert(
      fc.property(countsArb, (entries) => {
        const decoded = decodeDiscard(encodeDiscard(entries));
        expect(decoded).toBeInstanceOf(Map);
        expect([...(decoded as Map<number, number>).entries()]).toEqual(entries);
      }),
    );
  });

  it('matches the test vectors of docs/format.md', () => {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    expect(hex(encodeDiscard([]))).toBe('5345545444495343' + '0001' + '00' + '7b80522c');
    expect(
      hex(
        encodeDiscard([
          [1, 100],
          [300, 9],
        ]),
      ),
    ).toBe('5345545444495343' + '0001' + '02' + '01' + '64' + 'ac02' + '09' + 'd18ddf41');
  });

  it('rejects every single flipped bit and every truncation of an encoded file', () => {
    const bytes = encodeDiscard([
      [1, 100],
      [7, 123_456],
      [300, 9],
    ]);
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i]! ^= 1 << bit;
        expect(typeof decodeDiscard(copy)).toBe('string');
      }
    }
    for (let n = 0; n < bytes.length; n++) expect(typeof decodeDiscard(bytes.subarray(0, n))).toBe('string');
  });

  it('saves and loads the counts; add accumulates, remove forgets, dirty tracks unsaved changes', async () => {
    const fs = newFaultFS();
    const stats = DiscardStats.load(fs, DIR);
    expect(stats.recovered).toBe(true);
    expect(stats.entries()).toEqual([]);
    expect(stats.dirty).toBe(false);
    stats.add(9, 100);
    stats.add(3, 50);
    stats.add(9, 25);
    stats.add(4, 0);
    expect(stats.get(9)).toBe(125);
    expect(stats.get(4)).toBe(0);
    expect(stats.dirty).toBe(true);
    await stats.save();
    expect(stats.dirty).toBe(false);
    expect(fs.isDurable(PATH)).toBe(true);
    expect(fs.exists(`${DIR}/${DISCARD_TMP_FILE}`)).toBe(false);
    const loaded = DiscardStats.load(fs, DIR);
    expect(loaded.recovered).toBe(true);
    expect(loaded.entries()).toEqual([
      [3, 50],
      [9, 125],
    ]);
    loaded.remove(3);
    loaded.remove(42);
    expect(loaded.dirty).toBe(true);
    await loaded.save();
    expect(DiscardStats.load(fs, DIR).entries()).toEqual([[9, 125]]);
    expect(isSettError(thrown(() => loaded.add(1, -1)), 'INVALID_ARGUMENT')).toBe(true);
    expect(isSettError(thrown(() => loaded.add(-1, 1)), 'INVALID_ARGUMENT')).toBe(true);
  });

  it('keeps saves in call order: the last one wins', async () => {
    const fs = newFaultFS();
    const stats = DiscardStats.load(fs, DIR);
    stats.add(1, 1);
    const a = stats.save();
    stats.add(2, 2);
    const b = stats.save();
    await Promise.all([a, b]);
    expect(DiscardStats.load(fs, DIR).entries()).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(stats.dirty).toBe(false);
  });

  it('starts empty with recovered: false from a damaged DISCARD, and replaces it on the next save', async () => {
    for (const damage of ['flip', 'truncate', 'garbage', 'empty', 'version'] as const) {
      const fs = newFaultFS();
      await saved(fs, [
        [1, 10],
        [2, 20],
      ]);
      const bytes = fs.readFileDirect(PATH);
      if (damage === 'flip') bytes[bytes.length - 6]! ^= 0x10;
      if (damage === 'version') bytes[9] = 2;
      const damaged =
        damage === 'truncate' ? bytes.subarray(0, bytes.length - 3) : damage === 'garbage' ? new Uint8Array(40).fill(0xab) : damage === 'empty' ? new Uint8Array(0) : bytes;
      fs.writeFileDirect(PATH, damaged);
      const stats = DiscardStats.load(fs, DIR);
      expect(stats.recovered, damage).toBe(false);
      expect(stats.problem, damage).toBeTypeOf('string');
      expect(stats.entries(), damage).toEqual([]);
      expect(stats.dirty, damage).toBe(true);
      await stats.save();
      const again = DiscardStats.load(fs, DIR);
      expect(again.recovered, damage).toBe(true);
      expect(again.entries(), damage).toEqual([]);
    }
  });

  it('reports an I/O error while saving as IO_ERROR and stays dirty', async () => {
    const fs = newFaultFS();
    const stats = DiscardStats.load(fs, DIR);
    stats.add(5, 5);
    fs.injectFault({ op: 'sync', errno: 'EIO' });
    expect(isSettError(await rejected(stats.save()), 'IO_ERROR')).toBe(true);
    expect(stats.dirty).toBe(true);
    expect(fs.exists(PATH)).toBe(false);
    await stats.save();
    expect(DiscardStats.load(fs, DIR).entries()).toEqual([[5, 5]]);
  });

  it('leaves the old or the new counts after a crash at any point of a save, never a mix', async () => {
    const OLD: [number, number][] = [
      [1, 100],
      [2, 200],
    ];
    const NEW: [number, number][] = [
      [1, 150],
      [3, 300],
    ];
    let sawOld = 0;
    let sawNew = 0;
    for (let crashAt = 1; crashAt <= 12; crashAt++) {
      const fs = newFaultFS();
      const stats = await saved(fs, OLD);
      stats.add(1, 50);
      stats.remove(2);
      stats.add(3, 300);
      let n = 0;
      fs.onOperation = () => {
        if (++n === crashAt) throw new Error('crash');
      };
      let finished = true;
      try {
        await stats.save();
      } catch {
        finished = false;
      }
      fs.onOperation = undefined;
      for (let seed = 1; seed <= 20; seed++) {
        const crashed = fs.crash(seed);
        const loaded = DiscardStats.load(crashed, DIR);
        const where = `crash at op ${crashAt}, seed ${seed}`;
        expect(loaded.recovered, where).toBe(true);
        const got = loaded.entries();
        if (JSON.stringify(got) === JSON.stringify(OLD)) sawOld++;
        else if (JSON.stringify(got) === JSON.stringify(NEW)) sawNew++;
        else expect.fail(`${where}: DISCARD holds ${JSON.stringify(got)}`);
        if (finished) expect(got, where).toEqual(NEW);
      }
    }
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
  });
});
