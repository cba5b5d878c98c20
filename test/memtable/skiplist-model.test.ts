// The skiplist against a sorted-array model (fast-check): random puts with many versions per key,
// gets at random read versions, full forward and reverse iteration, seek and seekForPrev to random
// internal keys, and walks of interleaved next/prev. fast-check prints the seed of a failure.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareInternalKeys, encodeInternalKey, MAX_VERSION } from '../../src/base/index.js';
import { SkipList } from '../../src/memtable/index.js';
import { HEAD_OFFSET, LINK_BYTE_MASK, N_TOWER } from '../../src/memtable/arena.js';
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

function run(ops: Op[], seed: number): void {
  const list = SkipList.create(1 << 20, seed);
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

  it('matches on keys that share long prefixes, as table-layer keys do (the link words decide most steps)', () => {
    // A long head from a few choices (keys of one table or index share 7 bytes and more), then a
    // tail over a 3-byte alphabet with 0x00 and 0xff: common prefixes of every length between
    // neighbours, keys that are prefixes of others, and searches that part from the list anywhere.
    const head = fc.constantFrom(
      new Uint8Array([1, 0, 0, 0, 7, 0, 0, 0x20, 0xc1]),
      new Uint8Array([1, 0, 0, 0, 7, 0, 1, 0x30]),
      new Uint8Array([1, 0, 0, 0, 7, 0, 1]),
      new Uint8Array([1, 0, 0, 0, 8]),
    );
    const tail = fc.uint8Array({ minLength: 0, maxLength: 6 }).map((b) => b.map((x) => [0x00, 0x41, 0xff][x % 3]!));
    const longKey = fc.tuple(head, tail).map(([h, t]) => {
      const k = new Uint8Array(h.length + t.length);
      k.set(h);
      k.set(t, h.length);
      return k;
    });
    fc.assert(
      fc.property(fc.array(opArb(longKey), { maxLength: 300 }), fc.integer(), (ops, seed) => run(ops, seed)),
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

  it('checkInvariants catches a link word that no longer describes its link', () => {
    const list = SkipList.create(1 << 16, 3);
    for (const k of ['tbl/0001/a', 'tbl/0001/b', 'tbl/0002/a', 'tbl/0002/ab']) list.put(new TextEncoder().encode(k), 1, new Uint8Array(1));
    list.checkInvariants();
    // The head's first link: d = 0 and the first key's byte 't' + 1. Make it claim d = 4.
    const u32 = new Uint32Array(list.buffer);
    const word = (HEAD_OFFSET >> 2) + N_TOWER + 1;
    expect(u32[word]).toBe('t'.charCodeAt(0) + 1);
    u32[word] = 4 * (LINK_BYTE_MASK + 1) + '0'.charCodeAt(0) + 1;
    expect(() => list.checkInvariants()).toThrow(/link word/);
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
