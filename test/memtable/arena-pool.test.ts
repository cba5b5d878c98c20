// Reused arenas (ArenaPool, Arena.create(capacity, reuse)): a skiplist built in the buffer of an
// old, full one is exactly a fresh list (only the header and head node are zeroed; the rest is
// garbage until the allocator hands it out), and the pool keeps only what its room allows.

import { describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { ArenaPool, ARENA_OVERHEAD_BYTES, Memtable, SkipList } from '../../src/memtable/index.js';
import { bytes } from './helpers.js';

const CAPACITY = 1 << 18;

function fill(list: SkipList, rng: Rng, tag: string, prefixed: boolean): Map<string, string> {
  const model = new Map<string, string>();
  for (let i = 0; ; i++) {
    const key = `${prefixed ? 'tbl/0001/' : ''}${tag}${rng.int(100_000).toString().padStart(6, '0')}`;
    const value = `${tag}-${i}-${'v'.repeat(rng.int(40))}`;
    if (!list.put(bytes(key), 1 + i, bytes(value))) return model;
    model.set(`${key}@${1 + i}`, value);
  }
}

function contents(list: SkipList): Map<string, string> {
  const out = new Map<string, string>();
  const it = list.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) {
    const k = it.key();
    out.set(`${Buffer.from(k.subarray(0, k.length - 8)).toString('latin1')}@${it.version()}`, Buffer.from(it.value()).toString('latin1'));
  }
  return out;
}

describe('a skiplist in a reused arena', () => {
  for (const [name, oldPrefixed, newPrefixed] of [
    ['unprefixed keys over unprefixed ones', false, false],
    ['unprefixed keys over keys sharing a long prefix', true, false],
    ['keys sharing a long prefix over others that do', true, true],
  ] as const) {
    it(`holds exactly what was put in it (${name})`, () => {
      const rng = new Rng(17);
      const old = SkipList.create(CAPACITY, 1);
      const oldModel = fill(old, rng, 'old', oldPrefixed);
      expect(oldModel.size).toBeGreaterThan(1000);
      const list = SkipList.create(CAPACITY, 2, old.buffer);
      expect(list.buffer).toBe(old.buffer);
      expect([list.count, list.maxVersion, list.sizeBytes()]).toEqual([0, 0, ARENA_OVERHEAD_BYTES]);
      expect(contents(list).size).toBe(0);
      // Fewer, different keys than the old list held: old nodes past `used` must stay unreachable.
      const model = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        const key = `${newPrefixed ? 'tbl/' : ''}new${rng.int(1000).toString().padStart(4, '0')}`;
        expect(list.put(bytes(key), 1 + i, bytes(`n${i}`))).toBe(true);
        model.set(`${key}@${1 + i}`, `n${i}`);
      }
      list.checkInvariants();
      expect(contents(list)).toEqual(new Map([...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
      expect(list.get(bytes(newPrefixed ? 'tbl/old00001' : 'old000001'), 1_000_000)).toBeUndefined();
      expect(SkipList.attach(list.buffer).count).toBe(300);
    });
  }

  it('refuses a buffer of another size', () => {
    const other = SkipList.create(CAPACITY / 2).buffer;
    expect(() => SkipList.create(CAPACITY, 1, other)).toThrow(/reused arena buffer/);
  });
});

describe('ArenaPool', () => {
  it('keeps buffers of its size while room() allows, and hands them out again', () => {
    let room = 2;
    const pool = new ArenaPool(CAPACITY, () => room, 3);
    const a = new SharedArrayBuffer(CAPACITY);
    const b = new SharedArrayBuffer(CAPACITY);
    const c = new SharedArrayBuffer(CAPACITY);
    expect(pool.take()).toBeUndefined();
    expect([pool.give(a), pool.give(a), pool.give(b), pool.give(c), pool.give(new SharedArrayBuffer(CAPACITY / 2))]).toEqual([true, false, true, false, false]);
    expect(pool.stats()).toEqual({ reused: 0, recycled: 2, dropped: 3, free: 2 });
    expect(pool.take()).toBe(b);
    room = 0;
    expect(pool.give(b)).toBe(false);
    expect(pool.take()).toBe(a);
    expect(pool.take()).toBeUndefined();
    expect(pool.stats()).toEqual({ reused: 2, recycled: 2, dropped: 4, free: 0 });
  });

  it('keeps at most maxFree, whatever room() allows', () => {
    const pool = new ArenaPool(CAPACITY, () => 10, 1);
    expect([pool.give(new SharedArrayBuffer(CAPACITY)), pool.give(new SharedArrayBuffer(CAPACITY))]).toEqual([true, false]);
    expect(pool.stats().free).toBe(1);
  });

  it('lets the free arenas go after idleMs without a take(), not while they are taken', () => {
    vi.useFakeTimers();
    try {
      const pool = new ArenaPool(CAPACITY, () => 10, 2, 1000);
      const a = new SharedArrayBuffer(CAPACITY);
      pool.give(a);
      vi.advanceTimersByTime(600);
      expect(pool.take()).toBe(a); // a rotation: the pool is in use
      pool.give(a);
      vi.advanceTimersByTime(600); // the first period ends with a take() in it: kept
      expect(pool.stats().free).toBe(1);
      vi.advanceTimersByTime(1000); // a whole period without one: let go
      expect(pool.stats().free).toBe(0);
      pool.give(a);
      pool.clear();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Memtable references', () => {
  it('calls onZero once, after the last reference, and refuses new readers after it', () => {
    const m = Memtable.inMemory(CAPACITY);
    let zero = 0;
    m.onZero = () => zero++;
    m.ref();
    m.unref();
    expect(zero).toBe(0);
    m.unref();
    expect(zero).toBe(1);
    expect(m.refCount).toBe(0);
    expect(() => m.iterator()).toThrow(/released/);
    expect(() => m.ref()).toThrow(/released/);
    expect(() => m.unref()).toThrow(/more often/);
  });
});
