// The skiplist against a sorted-array model (fast-check): random puts with many versions per key,
// gets at random read versions, full forward and reverse iteration, seek and seekForPrev to random
// internal keys, and walks of interleaved next/prev. fast-check prints the seed of a failure.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareInternalKeys, encodeInternalKey, MAX_VERSION } from '../../src/base/index.js';
import { SkipList } from '../../src/memtable/index.js';
import { current, SortedModel, type ModelEntry } from './helpers.js';

// A small alphabet with the edge bytes, so keys collide, share prefixes and are prefixes of each other.
const keyArb = fc
  .array(fc.constantFrom(0x00, 0x01, 0x61, 0x62, 0xff), { maxLength: 6 })
  .map((a) => Uint8Array.from(a));
const wideKeyArb = fc.uint8Array({ maxLength: 24 });
// Versions around 2^32 exercise both halves of the 64-bit version.
const versionArb = fc.oneof(
  fc.integer({ min: 0, max: 12 }),
  fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, MAX_VERSION - 1, MAX_VERSION),
  fc.integer({ min: 0, max: MAX_VERSION }),
);
const valueArb = fc.uint8Array({ maxLength: 12 });
const moveArb = fc.array(fc.boolean(), { maxLength: 12 }); // true = next, false = prev

type Op =
  | { kind: 'put'; key: Uint8Array; version: number; value: Uint8Array }
  | { kind: 'get'; key: Uint8Array; version: number }
  | { kind: 'seek'; key: Uint8Array; version: number; moves: boolean[] }
  | { kind: 'seekForPrev'; key: Uint8Array; version: number; moves: boolean[] };

function opArb(key: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key, version: versionArb, value: valueArb }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), key, version: versionArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('seek' as const), key, version: versionArb, moves: moveArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('seekForPrev' as const), key, version: versionArb, moves: moveArb }) },
  );
}

function expectAt(list: SkipList, it: ReturnType<SkipList['iterator']>, model: SortedModel, index: number): void {
  const e: ModelEntry | undefined = model.entries[index];
  expect(it.valid()).toBe(e !== undefined);
  if (e !== undefined) {
    expect(current(it)).toEqual(e);
    expect(it.version()).toBe(e.version);
  }
  void list;
}

/** Moves the iterator and the model index together, checking each step. */
function walk(list: SkipList, it: ReturnType<SkipList['iterator']>, model: SortedModel, index: number, moves: boolean[]): void {
  expectAt(list, it, model, index);
  for (const forward of moves) {
    if (!it.valid()) return;
    if (forward) it.next();
    else it.prev();
    index = forward ? index + 1 : index - 1;
    if (index < 0) index = model.entries.length; // stepping before the first entry invalidates
    expectAt(list, it, model, index);
  }
}

function run(ops: Op[], seed: number, prefixAt = 0): void {
  const list = SkipList.create(1 << 20, seed, prefixAt);
  const model = new SortedModel();
  const it = list.iterator();
  for (const op of ops) {
    switch (op.kind) {
      case 'put':
        expect(list.put(op.key, op.version, op.value)).toBe(true);
        model.put(op.key, op.version, op.value);
        break;
      case 'get': {
        const got = list.get(op.key, op.version);
        const want = model.get(op.key, op.version);
        expect(got === undefined ? undefined : { version: got.version, value: got.value.slice() }).toEqual(
          want === undefined ? undefined : { version: want.version, value: want.value },
        );
        break;
      }
      case 'seek': {
        const ik = encodeInternalKey(op.key, op.version);
        it.seek(ik);
        walk(list, it, model, model.lowerBound(ik), op.moves);
        break;
      }
      case 'seekForPrev': {
        const ik = encodeInternalKey(op.key, op.version);
        it.seekForPrev(ik);
        const i = model.lastAtOrBefore(ik);
        walk(list, it, model, i < 0 ? model.entries.length : i, op.moves);
        break;
      }
    }
  }
  expect(list.count).toBe(model.entries.length);
  const forward: ModelEntry[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) forward.push(current(it));
  expect(forward).toEqual(model.entries);
  const backward: ModelEntry[] = [];
  for (it.seekToLast(); it.valid(); it.prev()) backward.push(current(it));
  expect(backward).toEqual([...model.entries].reverse());
  list.checkInvariants();
}

describe('SkipList against a sorted-array model', () => {
  it('matches on colliding keys over a 5-byte alphabet (prefixes, 0x00, 0xff, many versions per key)', () => {
    fc.assert(
      fc.property(fc.array(opArb(keyArb), { maxLength: 300 }), fc.integer(), (ops, seed) => run(ops, seed)),
      { numRuns: 200 },
    );
  });

  it('matches on arbitrary byte keys up to 24 bytes', () => {
    fc.assert(
      fc.property(fc.array(opArb(wideKeyArb), { maxLength: 300 }), fc.integer(), (ops, seed) => run(ops, seed)),
      { numRuns: 100 },
    );
  });

  it('matches with link prefixes taken after a shared anchor, including keys that break the anchor and searches that do not share it', () => {
    // Keys over a 2-byte alphabet under one of two 3-byte heads: with prefixAt 3 the anchor is the
    // first key's head; a key under the other head turns the prefixes off mid-run; searches under
    // the other head must not use them even before that.
    const head = fc.constantFrom(new Uint8Array([7, 7, 7]), new Uint8Array([7, 7, 8]));
    const anchored = fc
      .tuple(fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }), head, fc.uint8Array({ minLength: 0, maxLength: 6 }).map((b) => b.map((x) => x & 1)))
      .map(([which, h, tail]) => {
        const k = new Uint8Array(3 + tail.length);
        k.set(which === 0 ? new Uint8Array([7, 7, 7]) : h);
        k.set(tail, 3);
        return k;
      });
    fc.assert(
      fc.property(fc.array(opArb(anchored), { maxLength: 300 }), fc.integer(), fc.integer({ min: 0, max: 5 }), (ops, seed, prefixAt) => run(ops, seed, prefixAt)),
      { numRuns: 200 },
    );
  });

  it('matches when runs of puts come in internal-key order and each search starts from the last splice', () => {
    // Sorted runs between unsorted puts: a run may start anywhere relative to the kept splice,
    // repeat a (key, version) (replace in place: the splice is not kept), and grow the list's height.
    const put = fc.record({ key: keyArb, version: versionArb, value: valueArb });
    const step = fc.oneof(
      fc.record({ sorted: fc.constant(false), puts: fc.array(put, { maxLength: 2 }) }),
      fc.record({ sorted: fc.constant(true), puts: fc.array(put, { maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.integer(), (steps, seed) => {
        const list = SkipList.create(1 << 20, seed);
        const model = new SortedModel();
        for (const s of steps) {
          const puts = s.sorted ? [...s.puts].sort((a, b) => compareInternalKeys(encodeInternalKey(a.key, a.version), encodeInternalKey(b.key, b.version))) : s.puts;
          for (const p of puts) {
            expect(list.put(p.key, p.version, p.value, s.sorted)).toBe(true);
            model.put(p.key, p.version, p.value);
          }
        }
        const it = list.iterator();
        const forward: ModelEntry[] = [];
        for (it.seekToFirst(); it.valid(); it.next()) forward.push(current(it));
        expect(forward).toEqual(model.entries);
        list.checkInvariants();
      }),
      { numRuns: 300 },
    );
  });

  it('reports the bytes every key shares, for the next list', () => {
    const list = SkipList.create(1 << 16);
    expect(list.commonPrefixLength()).toBe(0);
    for (const k of ['0000000000123', '0000000000999', '0000000000500']) list.put(new TextEncoder().encode(k), 1, new Uint8Array(1));
    expect(list.commonPrefixLength()).toBe(10);
  });

  it('an iterator sees entries put after it was positioned', () => {
    const list = SkipList.create(1 << 16);
    const it = list.iterator();
    list.put(Uint8Array.of(1), 1, Uint8Array.of(1));
    it.seekToFirst();
    list.put(Uint8Array.of(2), 1, Uint8Array.of(2));
    it.next();
    expect(it.valid()).toBe(true);
    expect(current(it).key).toEqual(Uint8Array.of(2));
  });
});
