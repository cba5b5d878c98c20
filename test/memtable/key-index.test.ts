// The memtable's key index (user key → node of its newest version) and the get it serves, against a
// sorted-array model (fast-check prints the seed of a failure).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_VERSION } from '../../src/base/index.js';
import { SkipList } from '../../src/memtable/index.js';
import { KeyIndex } from '../../src/memtable/key-index.js';
import { bytes, SortedModel } from './helpers.js';

/** What Memtable.get does with the index: the newest version <= readVersion. */
function indexedGet(list: SkipList, index: KeyIndex, key: Uint8Array, readVersion: number): { version: number; value: Uint8Array } | undefined {
  const newest = index.find(KeyIndex.hash(key), key);
  if (newest === 0) return undefined;
  const node = list.visibleFrom(newest, readVersion);
  return node === 0 ? undefined : { version: list.versionOf(node), value: list.valueOf(node).slice() };
}

const keyArb = fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0xff), { maxLength: 5 }).map((a) => Uint8Array.from(a));
const versionArb = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(2 ** 32 - 1, 2 ** 32, MAX_VERSION));

describe('memtable key index', () => {
  it('answers gets as the model does: any version order, replaced values, absent keys, growth from 2 slots', () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ put: fc.constant(true), key: keyArb, version: versionArb, value: fc.uint8Array({ maxLength: 6 }) }) },
      { weight: 2, arbitrary: fc.record({ put: fc.constant(false), key: keyArb, version: versionArb, value: fc.constant(new Uint8Array(0)) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer(), (ops, seed) => {
        const list = SkipList.create(1 << 20, seed);
        const index = new KeyIndex(list, 2); // the smallest table: every insert past one grows it
        const model = new SortedModel();
        const keys = new Map<string, Uint8Array>();
        for (const o of ops) {
          if (o.put) {
            expect(list.put(o.key, o.version, o.value)).toBe(true);
            index.add(KeyIndex.hash(o.key), list.lastPutNode);
            model.put(o.key, o.version, o.value);
            keys.set(Buffer.from(o.key).toString('hex'), o.key);
          } else {
            const want = model.get(o.key, o.version);
            expect(indexedGet(list, index, o.key, o.version)).toEqual(want === undefined ? undefined : { version: want.version, value: want.value });
          }
        }
        expect(index.size).toBe(keys.size);
        for (const k of keys.values()) {
          for (const v of [0, 1, 5, 12, 2 ** 32, MAX_VERSION]) {
            const want = model.get(k, v);
            expect(indexedGet(list, index, k, v)).toEqual(want === undefined ? undefined : { version: want.version, value: want.value });
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the newest version when an older one is put after it (a replayed record)', () => {
    const list = SkipList.create(1 << 16);
    const index = new KeyIndex(list);
    const put = (version: number): void => {
      list.put(bytes('k'), version, Uint8Array.of(version));
      index.add(KeyIndex.hash(bytes('k')), list.lastPutNode);
    };
    put(7);
    put(3);
    put(7); // the same (key, version) again: its value is replaced, the node stays
    expect(list.versionOf(index.find(KeyIndex.hash(bytes('k')), bytes('k')))).toBe(7);
    expect(list.versionOf(list.visibleFrom(index.find(KeyIndex.hash(bytes('k')), bytes('k')), 6))).toBe(3);
    expect(list.visibleFrom(index.find(KeyIndex.hash(bytes('k')), bytes('k')), 2)).toBe(0);
    expect(index.find(KeyIndex.hash(bytes('j')), bytes('j'))).toBe(0);
  });

  it('finds every key of a large list after growing, and tells colliding hashes apart by the key', () => {
    const list = SkipList.create(8 << 20);
    const index = new KeyIndex(list);
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const k = bytes(`key${String(i).padStart(8, '0')}`);
      list.put(k, 1, new Uint8Array(0));
      index.add(KeyIndex.hash(k), list.lastPutNode);
    }
    expect(index.size).toBe(n);
    expect(index.sizeBytes).toBeLessThanOrEqual(4 * n * 8); // at least a quarter of the slots used
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const k = bytes(`key${String(i).padStart(8, '0')}`);
      const node = index.find(KeyIndex.hash(k), k);
      if (node === 0 || !list.hasUserKey(node, k)) wrong++;
    }
    expect(wrong).toBe(0);
    // A key looked up with another key's hash lands on that key's slot and must not match it.
    const a = bytes('key00000001');
    expect(index.find(KeyIndex.hash(a), bytes('key00000002'))).toBe(0);
    expect(index.find(KeyIndex.hash(bytes('absent')), bytes('absent'))).toBe(0);
  });
});
