// The arena skiplist: internal-key order, versioned gets, overwrite of an identical (key, version),
// a full arena, and attach() to the same buffer.

import { describe, expect, it } from 'vitest';
import { encodeInternalKey, isSettError, MAX_VERSION } from '../../src/base/index.js';
import { ARENA_OVERHEAD_BYTES, SkipList } from '../../src/memtable/index.js';
import { bytes, entriesOf, hex, type ModelEntry } from './helpers.js';

describe('SkipList order', () => {
  it('orders by user key first, then version descending: "a" and all its versions before "ab"', () => {
    const list = SkipList.create(1 << 16, 7);
    // Inserted in a scrambled order, with versions whose big-endian bytes would misorder a
    // concatenation compare ("a"@0x61.. vs "ab"@...).
    const puts: [string, number][] = [
      ['ab', 1], ['a', 0x6200_0000_0000], ['ab', 9], ['a', 1], ['a', 5], ['ab', 0x61], ['a', 2 ** 32], ['ab', MAX_VERSION],
    ];
    for (const [k, v] of puts) expect(list.put(bytes(k), v, bytes(`${k}@${v}`))).toBe(true);
    expect(entriesOf(list).map((e) => `${new TextDecoder().decode(e.key)}@${e.version}`)).toEqual([
      `a@${0x6200_0000_0000}`, `a@${2 ** 32}`, 'a@5', 'a@1', `ab@${MAX_VERSION}`, 'ab@97', 'ab@9', 'ab@1',
    ]);
    list.checkInvariants();
  });

  it('orders keys that are prefixes of each other and keys holding 0x00 and 0xff bytes', () => {
    const keys = [[], [0x00], [0x00, 0x00], [0x00, 0xff], [0x01], [0xff], [0xff, 0x00], [0xff, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff]];
    const list = SkipList.create(1 << 16, 3);
    // Reverse order, two versions each.
    for (let i = keys.length - 1; i >= 0; i--) {
      for (const v of [3, 0]) list.put(Uint8Array.from(keys[i]!), v, new Uint8Array([i, v]));
    }
    const expected = keys.flatMap((k) => [hex(encodeInternalKey(Uint8Array.from(k), 3)), hex(encodeInternalKey(Uint8Array.from(k), 0))]);
    expect(entriesOf(list).map((e) => hex(encodeInternalKey(e.key, e.version)))).toEqual(expected);
    expect(list.count).toBe(keys.length * 2);
    list.checkInvariants();
  });
});

describe('SkipList.get', () => {
  it('returns the newest version at or below the read version, and nothing below the oldest', () => {
    const list = SkipList.create(1 << 16);
    for (const v of [10, 20, 30]) list.put(bytes('k'), v, bytes(`v${v}`));
    list.put(bytes('j'), 100, bytes('j100'));
    list.put(bytes('ka'), 1, bytes('ka1'));
    const at = (rv: number): string | undefined => {
      const r = list.get(bytes('k'), rv);
      return r === undefined ? undefined : `${r.version}:${new TextDecoder().decode(r.value)}`;
    };
    expect(at(MAX_VERSION)).toBe('30:v30');
    expect(at(30)).toBe('30:v30');
    expect(at(29)).toBe('20:v20');
    expect(at(10)).toBe('10:v10');
    expect(at(9)).toBeUndefined();
    expect(list.get(bytes('kb'), MAX_VERSION)).toBeUndefined(); // after "ka", no "kb"
    expect(list.get(bytes(''), MAX_VERSION)).toBeUndefined();
    expect(list.get(bytes('ka'), 0)).toBeUndefined();
  });

  it('returns a view whose bytes stay the same after later puts, including an overwrite', () => {
    const list = SkipList.create(1 << 16);
    list.put(bytes('k'), 1, bytes('first'));
    const view = list.get(bytes('k'), 1)!.value;
    list.put(bytes('k'), 1, bytes('second, longer'));
    for (let i = 0; i < 100; i++) list.put(bytes(`x${i}`), i, bytes('filler'));
    expect(new TextDecoder().decode(view)).toBe('first');
    expect(new TextDecoder().decode(list.get(bytes('k'), 1)!.value)).toBe('second, longer');
  });
});

describe('SkipList overwrite', () => {
  it('replaces the value of an identical (key, version) and does not count it twice', () => {
    const list = SkipList.create(1 << 16);
    list.put(bytes('k'), 5, bytes('old'));
    list.put(bytes('k'), 4, bytes('other'));
    expect(list.put(bytes('k'), 5, bytes('new'))).toBe(true);
    expect(list.count).toBe(2);
    expect(entriesOf(list).map((e) => `${e.version}:${new TextDecoder().decode(e.value)}`)).toEqual(['5:new', '4:other']);
  });
});

describe('SkipList full arena', () => {
  it('put returns false and leaves every byte of the arena as it was', () => {
    const list = SkipList.create(ARENA_OVERHEAD_BYTES + 600, 11);
    const model: ModelEntry[] = [];
    let i = 0;
    for (;; i++) {
      const key = bytes(`key${i}`);
      const value = new Uint8Array(40).fill(i);
      const before = new Uint8Array(list.buffer).slice();
      const usedBefore = list.sizeBytes();
      if (!list.put(key, i, value)) {
        expect(new Uint8Array(list.buffer)).toEqual(before);
        expect(list.sizeBytes()).toBe(usedBefore);
        break;
      }
      model.push({ key, version: i, value });
    }
    expect(i).toBeGreaterThan(2);
    expect(list.count).toBe(model.length);
    // An overwrite that needs room it does not have fails the same way.
    const before = new Uint8Array(list.buffer).slice();
    expect(list.put(model[0]!.key, model[0]!.version, new Uint8Array(500))).toBe(false);
    expect(new Uint8Array(list.buffer)).toEqual(before);
    expect(list.sizeBytes()).toBeLessThanOrEqual(list.capacityBytes());
    list.checkInvariants();
  });

  it('a failed put leaves no trace: later puts lay out the arena as if it never happened', () => {
    const a = SkipList.create(ARENA_OVERHEAD_BYTES + 2000, 4);
    const b = SkipList.create(ARENA_OVERHEAD_BYTES + 2000, 4);
    for (let i = 0; i < 10; i++) {
      a.put(bytes(`k${i}`), i, bytes('v'));
      b.put(bytes(`k${i}`), i, bytes('v'));
    }
    expect(a.put(bytes('huge'), 1, new Uint8Array(5000))).toBe(false);
    for (let i = 10; i < 20; i++) {
      expect(a.put(bytes(`k${i}`), i, bytes('v'))).toBe(b.put(bytes(`k${i}`), i, bytes('v')));
    }
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('spaceNeeded bounds what each put takes', () => {
    const list = SkipList.create(1 << 20, 5);
    for (let i = 0; i < 2000; i++) {
      const key = new Uint8Array(i % 37);
      key[0] = i & 0xff;
      const value = new Uint8Array((i * 7) % 101);
      const before = list.sizeBytes();
      list.put(key, i, value);
      expect(list.sizeBytes() - before).toBeLessThanOrEqual(list.spaceNeeded(key.length, value.length));
    }
  });

  it('nodeBytesAhead predicts exactly what the next puts take, and drawing ahead does not change the heights', () => {
    const a = SkipList.create(1 << 16, 21);
    const b = SkipList.create(1 << 16, 21);
    for (let round = 0; round < 50; round++) {
      const n = 1 + (round % 13);
      a.nodeBytesAhead(n + 5); // peeking further ahead first changes nothing
      const predicted = a.nodeBytesAhead(n);
      expect(a.nodeBytesAhead(n)).toBe(predicted);
      const before = a.sizeBytes();
      let data = 0;
      for (let i = 0; i < n; i++) {
        const key = bytes(`r${round}-${i}`);
        const value = new Uint8Array(i * 3);
        data += a.spaceForData(key.length, value.length);
        a.put(key, round, value);
        b.put(key, round, value);
      }
      expect(a.sizeBytes() - before).toBe(predicted + data);
    }
    // b never peeked: same seed, same heights, same bytes.
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('rejects a capacity too small for the header', () => {
    expect(() => SkipList.create(ARENA_OVERHEAD_BYTES - 1)).toThrow(/arena capacity/);
    expect(SkipList.create(ARENA_OVERHEAD_BYTES).sizeBytes()).toBe(ARENA_OVERHEAD_BYTES);
  });
});

describe('SkipList.attach', () => {
  it('sees every entry, the count, the size and the max version through the same buffer', () => {
    const list = SkipList.create(1 << 16, 9);
    for (let i = 0; i < 300; i++) list.put(bytes(`k${i % 50}`), i, bytes(`v${i}`));
    const attached = SkipList.attach(list.buffer);
    expect(attached.count).toBe(list.count);
    expect(attached.sizeBytes()).toBe(list.sizeBytes());
    expect(attached.capacityBytes()).toBe(list.capacityBytes());
    expect(attached.maxVersion).toBe(299);
    expect(entriesOf(attached)).toEqual(entriesOf(list));
    expect(attached.get(bytes('k7'), 100)?.version).toBe(57);
  });

  it('is read-only', () => {
    const attached = SkipList.attach(SkipList.create(1 << 12).buffer);
    expect(() => attached.put(bytes('k'), 1, bytes('v'))).toThrow(/read-only/);
  });

  it('refuses a buffer that is not an arena, naming what is wrong', () => {
    const notArena = new SharedArrayBuffer(4096);
    expect(() => SkipList.attach(notArena)).toThrow(/magic 0x00000000/);
    const wrongVersion = SkipList.create(4096).buffer;
    new Uint32Array(wrongVersion)[1] = 99;
    let err: unknown;
    try {
      SkipList.attach(wrongVersion);
    } catch (e) {
      err = e;
    }
    expect(isSettError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(String(err)).toMatch(/layout version 99/);
  });
});
