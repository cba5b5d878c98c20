import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, compareInternalKeys, encodeInternalKey, isSettError, putVarint } from '../../src/base/index.js';
import { Block, BlockBuilder } from '../../src/sstable/index.js';
import { checkFullScans, checkIteratorAgainstModel, hex, lowerBound, type ModelEntry } from './table-model.js';

// User keys from a tiny alphabet, so that "a", "ab", "abc" and 0x00/0xff neighbours turn up often.
const userKeyArb = fc.uint8Array({ maxLength: 5 }).map((b) => b.map((x) => [0x00, 0x61, 0x62, 0x63, 0xff][x % 5]!));
const versionArb = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER));
const valueArb = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ maxLength: 200 }));
const entriesArb = fc
  .array(fc.record({ user: userKeyArb, version: versionArb, value: valueArb }), { minLength: 1, maxLength: 120 })
  .map((raw) => {
    const byKey = new Map<string, ModelEntry>();
    for (const r of raw) {
      const key = encodeInternalKey(r.user, r.version);
      byKey.set(hex(key), { key, value: r.value });
    }
    return [...byKey.values()].sort((a, b) => compareInternalKeys(a.key, b.key));
  });

function buildBlock(entries: readonly ModelEntry[], restartInterval: number): Block {
  const builder = new BlockBuilder(restartInterval, 64);
  for (const e of entries) builder.add(e.key, e.value);
  const estimate = builder.estimatedSize();
  // Copy: the builder's buffer is reused after reset().
  const contents = builder.finish().slice();
  expect(contents.length).toBe(estimate);
  return Block.decode(contents, '000001.sst', 10);
}

describe('block', () => {
  it('round-trips sorted entries forwards and backwards, whatever the restart interval', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 1, max: 20 }), (entries, interval) => {
        checkFullScans(buildBlock(entries, interval).iterator(), entries);
      }),
    );
  });

  it('seek finds the first entry >= target, and seekForPrev the last <= target, by binary search over restarts', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 1, max: 20 }), userKeyArb, versionArb, (entries, interval, user, version) => {
        const it = buildBlock(entries, interval).iterator();
        const targets = [encodeInternalKey(user, version), ...entries.map((e) => e.key)];
        for (const target of targets) {
          const lb = lowerBound(entries, target);
          it.seek(target);
          expect(it.valid()).toBe(lb < entries.length);
          if (lb < entries.length) expect(hex(it.key())).toBe(hex(entries[lb]!.key));
          const exact = lb < entries.length && compareInternalKeys(entries[lb]!.key, target) === 0;
          const ub = exact ? lb : lb - 1;
          it.seekForPrev(target);
          expect(it.valid()).toBe(ub >= 0);
          if (ub >= 0) expect(hex(it.key())).toBe(hex(entries[ub]!.key));
        }
      }),
    );
  });

  it('agrees with a model under random seeks, steps and direction changes', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 1, max: 20 }), fc.integer(), (entries, interval, seed) => {
        checkIteratorAgainstModel(buildBlock(entries, interval).iterator(), entries, new Rng(seed), 60);
      }),
    );
  });

  it('prefix-compresses keys: a run of keys sharing a long prefix stores the prefix once per restart', () => {
    const prefix = new Uint8Array(100).fill(0x61);
    const builder = new BlockBuilder(16);
    for (let i = 0; i < 32; i++) builder.add(encodeInternalKey(Uint8Array.of(...prefix, i), 1), new Uint8Array(0));
    // 2 restarts carry the full 109-byte key; the other 30 entries carry only their 9 differing
    // bytes; each entry has 3 one-byte varints; then 2 restart offsets and the count.
    expect(builder.finish().length).toBe(2 * (3 + 109) + 30 * (3 + 9) + 2 * 4 + 4);
  });

  it('rejects a block whose restart count does not fit, as CORRUPTION naming file and offset', () => {
    const bad = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 9);
    const err = catchError(() => Block.decode(bad, '000002.sst', 4242));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect((err as Error).message).toContain('000002.sst');
    expect((err as Error).message).toContain('4242');
    expect(isSettError(catchError(() => Block.decode(new Uint8Array(3), 'f', 0)), 'CORRUPTION')).toBe(true);
    expect(isSettError(catchError(() => Block.decode(Uint8Array.of(0, 0, 0, 0), 'f', 0)), 'CORRUPTION')).toBe(true);
  });

  it('reports an entry whose value runs past the entries as CORRUPTION instead of reading the restart array', () => {
    const builder = new BlockBuilder(16);
    builder.add(encodeInternalKey(Uint8Array.of(0x61), 1), Uint8Array.of(1, 2, 3));
    const contents = builder.finish().slice();
    putVarint(contents, 2, 100); // the value-length varint of the only entry
    const it = Block.decode(contents, 'f.sst', 0).iterator();
    expect(isSettError(catchError(() => it.seekToFirst()), 'CORRUPTION')).toBe(true);
  });

  it('stops with CORRUPTION, never loops or reads out of bounds, on random damage to the entries', () => {
    const rng = new Rng(20240611);
    const entries: ModelEntry[] = [];
    for (let i = 0; i < 50; i++) entries.push({ key: encodeInternalKey(Uint8Array.of(0x61, i), 1), value: rng.bytes(rng.int(20)) });
    const builder = new BlockBuilder(4);
    for (const e of entries) builder.add(e.key, e.value);
    const good = builder.finish().slice();
    for (let trial = 0; trial < 2000; trial++) {
      const bad = good.slice();
      const at = rng.int(bad.length);
      bad[at] = bad[at]! ^ (1 << rng.int(8));
      try {
        const it = Block.decode(bad, 'f.sst', 0).iterator();
        let n = 0;
        for (it.seekToFirst(); it.valid() && n <= entries.length; it.next()) n++;
        for (it.seekToLast(); it.valid() && n <= 2 * entries.length + 1; it.prev()) n++;
      } catch (err) {
        if (!isSettError(err, 'CORRUPTION')) throw new Error(`trial ${trial} (seed 20240611): ${String(err)}`);
      }
    }
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
