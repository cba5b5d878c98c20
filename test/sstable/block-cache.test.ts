import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BlockCache, newBlockSlots, type BlockSlots } from '../../src/sstable/block-cache.js';

describe('BlockCache', () => {
  it('evicts the least recently used block first, where a get counts as a use', () => {
    const cache = new BlockCache<string>(300);
    cache.set(1, 0, 'a', 100);
    cache.set(1, 4096, 'b', 100);
    cache.set(2, 0, 'c', 100);
    expect(cache.get(1, 0)).toBe('a'); // a is now the most recent; b the least
    cache.set(2, 4096, 'd', 100);
    expect(cache.get(1, 4096)).toBeUndefined();
    expect(cache.get(1, 0)).toBe('a');
    expect(cache.get(2, 0)).toBe('c');
    expect(cache.get(2, 4096)).toBe('d');
    expect(cache.stats().evictions).toBe(1);
  });

  it('accounts bytes, not entries, and evicts as many blocks as a large one needs', () => {
    const cache = new BlockCache<number>(1000);
    for (let i = 0; i < 10; i++) cache.set(7, i * 100, i, 100);
    expect(cache.stats()).toMatchObject({ bytes: 1000, entries: 10, evictions: 0 });
    cache.set(8, 0, 99, 350); // needs four 100-byte blocks out
    expect(cache.stats()).toMatchObject({ bytes: 950, entries: 7, evictions: 4 });
    for (let i = 0; i < 4; i++) expect(cache.get(7, i * 100)).toBeUndefined();
    for (let i = 4; i < 10; i++) expect(cache.get(7, i * 100)).toBe(i);
  });

  it('replacing a block adjusts the byte count instead of adding to it', () => {
    const cache = new BlockCache<string>(1000);
    cache.set(1, 0, 'old', 400);
    cache.set(1, 0, 'new', 300);
    expect(cache.stats()).toMatchObject({ bytes: 300, entries: 1 });
    expect(cache.get(1, 0)).toBe('new');
  });

  it('does not cache a value larger than the whole capacity, and drops an older value under its key', () => {
    const cache = new BlockCache<string>(500);
    cache.set(1, 0, 'small', 100);
    cache.set(1, 100, 'kept', 100);
    cache.set(1, 0, 'huge', 501);
    expect(cache.get(1, 0)).toBeUndefined();
    expect(cache.get(1, 100)).toBe('kept');
    expect(cache.stats()).toMatchObject({ bytes: 100, entries: 1, evictions: 0 });
    cache.set(1, 200, 'exactly', 500); // exactly the capacity fits, after evicting the rest
    expect(cache.get(1, 200)).toBe('exactly');
    expect(cache.stats()).toMatchObject({ bytes: 500, entries: 1 });
  });

  it('evictFile drops every block of that file and no other', () => {
    const cache = new BlockCache<string>(10_000);
    for (let i = 0; i < 5; i++) {
      cache.set(3, i * 4096, `3:${i}`, 100);
      cache.set(4, i * 4096, `4:${i}`, 50);
    }
    cache.evictFile(3);
    expect(cache.stats()).toMatchObject({ bytes: 250, entries: 5, evictions: 0 });
    for (let i = 0; i < 5; i++) {
      expect(cache.get(3, i * 4096)).toBeUndefined();
      expect(cache.get(4, i * 4096)).toBe(`4:${i}`);
    }
    cache.evictFile(3); // idempotent
    cache.evictFile(99); // unknown file
    expect(cache.stats().entries).toBe(5);
  });

  it('capacity 0 disables the cache but still counts misses', () => {
    const cache = new BlockCache<string>(0);
    cache.set(1, 0, 'x', 0);
    cache.set(1, 1, 'y', 10);
    expect(cache.get(1, 0)).toBeUndefined();
    expect(cache.get(1, 1)).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 0, misses: 2, bytes: 0, entries: 0, evictions: 0, capacityBytes: 0, reservedBytes: 0 });
  });

  it('counts hits and misses', () => {
    const cache = new BlockCache<string>(100);
    cache.set(1, 0, 'a', 10);
    cache.get(1, 0);
    cache.get(1, 0);
    cache.get(1, 10);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1 });
  });

  it('keeps keys of different files apart at the extremes of the key space', () => {
    const cache = new BlockCache<string>(100);
    const maxOffset = 2 ** 32 - 1;
    const maxFile = 2 ** 21 - 1;
    cache.set(0, maxOffset, 'f0-end', 1);
    cache.set(1, 0, 'f1-start', 1);
    cache.set(maxFile, maxOffset, 'last', 1);
    cache.set(maxFile - 1, maxOffset, 'second-last', 1);
    expect(cache.get(0, maxOffset)).toBe('f0-end');
    expect(cache.get(1, 0)).toBe('f1-start');
    expect(cache.get(maxFile, maxOffset)).toBe('last');
    expect(cache.get(maxFile - 1, maxOffset)).toBe('second-last');
    cache.evictFile(maxFile);
    expect(cache.get(maxFile - 1, maxOffset)).toBe('second-last');
    expect(cache.get(maxFile, maxOffset)).toBeUndefined();
  });

  it('rejects file ids and offsets that would alias other keys, and bad capacities', () => {
    const cache = new BlockCache<string>(100);
    expect(() => cache.get(2 ** 21, 0)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => cache.get(-1, 0)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => cache.get(1, 2 ** 32)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => cache.set(1, 0.5, 'x', 1)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => cache.set(1, 0, 'x', -1)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => new BlockCache<string>(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new BlockCache<string>(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  // The small space finds edge cases; the large one drives the eviction queue past its trimming
  // and compaction thresholds (1,024 consumed or dead entries).
  const SMALL = { offsets: 6, capacityMax: 1000, maxOps: 200, numRuns: 300 };
  const LARGE = { offsets: 1500, capacityMax: 20_000, maxOps: 4000, numRuns: 8 };
  it.each([
    ['by (file, offset)', false, SMALL],
    ['through slot arrays (a table\'s path; gets mix getAt and get)', true, SMALL],
    ['by (file, offset), thousands of blocks', false, LARGE],
    ['through slot arrays, thousands of blocks', true, LARGE],
  ])('behaves like a reference second-chance (CLOCK) cache under any sequence of operations, %s', (_name, viaSlots, space) => {
    type Op =
      | { kind: 'get'; file: number; offset: number; bySlot: boolean }
      | { kind: 'set'; file: number; offset: number; size: number }
      | { kind: 'evictFile'; file: number };
    const file = fc.integer({ min: 0, max: 3 });
    const offset = fc.integer({ min: 0, max: space.offsets - 1 }).map((i) => i * 4096);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), file, offset, bySlot: fc.boolean() }),
      fc.record({ kind: fc.constant('set' as const), file, offset, size: fc.integer({ min: 0, max: 400 }) }),
      fc.record({ kind: fc.constant('evictFile' as const), file }),
    );
    const weighted: fc.Arbitrary<Op> =
      space === SMALL ? op : fc.oneof({ weight: 8, arbitrary: op }, { weight: 1, arbitrary: fc.record({ kind: fc.constant('evictFile' as const), file }) });

    fc.assert(
      fc.property(fc.integer({ min: 0, max: space.capacityMax }), fc.array(weighted, { maxLength: space.maxOps, minLength: space === SMALL ? 0 : space.maxOps / 2 }), (capacity, ops) => {
        const cache = new BlockCache<number>(capacity);
        const slots: BlockSlots<number>[] = [0, 1, 2, 3].map(() => newBlockSlots<number>(space.offsets));
        // A slot must point at the cached entry of its block, or be empty: never at an entry that left.
        const checkSlots = (): void => {
          if (!viaSlots) return;
          if (space !== SMALL) return; // O(blocks x entries) per operation: the small space checks it
          for (let f = 0; f < 4; f++) {
            for (let i = 0; i < space.offsets; i++) {
              const e = model.find((m) => m.file === f && m.offset === i * 4096);
              expect(slots[f]![i]?.value).toBe(e?.value);
            }
          }
        };
        // Reference: a queue, oldest first; a hit sets its entry's bit; eviction takes the oldest
        // entry whose bit is clear, sending each set one to the young end with its bit cleared.
        let model: { file: number; offset: number; value: number; size: number; ref: boolean }[] = [];
        let hits = 0;
        let misses = 0;
        let evictions = 0;
        let stamp = 0;
        for (const o of ops) {
          if (o.kind === 'get') {
            const i = model.findIndex((e) => e.file === o.file && e.offset === o.offset);
            if (i >= 0 && viaSlots) expect(slots[o.file]![o.offset / 4096]?.value).toBe(model[i]!.value);
            const got = viaSlots && o.bySlot ? cache.getAt(slots[o.file]!, o.offset / 4096) : cache.get(o.file, o.offset);
            if (i < 0) {
              misses++;
              expect(got).toBeUndefined();
            } else {
              hits++;
              model[i]!.ref = true;
              expect(got).toBe(model[i]!.value);
            }
          } else if (o.kind === 'set') {
            const value = stamp++;
            if (viaSlots) cache.setAt(slots[o.file]!, o.offset / 4096, o.file, o.offset, value, o.size);
            else cache.set(o.file, o.offset, value, o.size);
            model = model.filter((e) => !(e.file === o.file && e.offset === o.offset));
            if (capacity > 0 && o.size <= capacity) {
              while (model.reduce((s, e) => s + e.size, 0) + o.size > capacity) {
                const oldest = model.shift()!;
                if (oldest.ref) {
                  oldest.ref = false;
                  model.push(oldest);
                } else {
                  evictions++;
                }
              }
              model.push({ file: o.file, offset: o.offset, value, size: o.size, ref: false });
            }
          } else {
            cache.evictFile(o.file);
            model = model.filter((e) => e.file !== o.file);
          }
          expect(cache.stats()).toEqual({
            hits,
            misses,
            bytes: model.reduce((s, e) => s + e.size, 0),
            entries: model.length,
            evictions,
            capacityBytes: capacity,
            reservedBytes: 0,
          });
          checkSlots();
        }
        // Every block the model holds is in the cache with its value (checked last: gets reorder).
        for (const e of [...model]) expect(cache.get(e.file, e.offset)).toBe(e.value);
      }),
      { numRuns: space.numRuns },
    );
  });

  it('regression: eviction stays cheap and the queue bounded through replacements and evictFile (a Map used as the FIFO walked every deleted entry)', () => {
    const PER_FILE = 1500;
    const BLOCKS = 2 * PER_FILE;
    const cache = new BlockCache<number>(4096 * BLOCKS);
    const view = cache as unknown as { queue: unknown[]; head: number };
    for (let round = 0; round < 20; round++) {
      // 4 files into room for 2: thousands of evictions (the queue's front is trimmed)...
      for (let file = 0; file < 4; file++) {
        for (let b = 0; b < PER_FILE; b++) cache.set(round * 4 + file, b * 4096, round, 4096);
      }
      // ...then dead entries: one file dropped, half of another replaced (the queue is compacted).
      cache.evictFile(round * 4 + 3);
      for (let b = 0; b < PER_FILE / 2; b++) cache.set(round * 4 + 2, b * 4096, -round, 4096);
      const live = cache.stats().entries;
      expect(live).toBe(PER_FILE);
      expect(view.queue.length - view.head).toBeLessThanOrEqual(2 * live + 1025);
    }
    expect(cache.stats().evictions).toBeGreaterThan(20 * 2 * PER_FILE);
    // A new file fills the whole cache: every older block must be evictable (none lost by the
    // queue's trimming or compaction, or its bytes would stay accounted and this would throw).
    const last = 1000;
    for (let b = 0; b < BLOCKS; b++) cache.set(last, b * 4096, b, 4096);
    expect(cache.stats()).toMatchObject({ entries: BLOCKS, bytes: BLOCKS * 4096 });
    for (let b = 0; b < BLOCKS; b++) expect(cache.get(last, b * 4096)).toBe(b);
  });

  it('a reservation takes only free room, ages like a block, runs onDrop when evicted, and never when evictFile drops it', () => {
    const cache = new BlockCache<string>(1000);
    cache.set(1, 0, 'a', 300);
    const dropped: string[] = [];
    expect(cache.reserve(2, 1, 800, () => dropped.push('too big'))).toBeUndefined(); // 300 + 800 > 1000: nothing evicted for it
    expect(cache.get(1, 0)).toBe('a');
    const r = cache.reserve(2, 1, 500, () => dropped.push('r'));
    expect(r).toBeDefined();
    expect(cache.stats()).toMatchObject({ bytes: 800, reservedBytes: 500, entries: 2 });
    expect(cache.get(2, 1)).toBeUndefined(); // a reservation is not a block
    expect(() => cache.reserve(2, 1, 10, () => undefined)).toThrow(/taken/);
    // A touched reservation gets its second chance: 'a' (looked at above, so referenced too) and
    // the reservation both survive one pass of the hand, then the older goes first.
    cache.touch(r!);
    cache.set(3, 0, 'c', 400);
    expect(dropped).toEqual([]);
    expect(cache.get(1, 0)).toBeUndefined();
    cache.set(3, 4096, 'd', 500); // 900 + 500: the reservation, not touched since, goes
    expect(dropped).toEqual(['r']);
    expect(cache.get(3, 0)).toBe('c');
    expect(cache.stats()).toMatchObject({ reservedBytes: 0 });
    expect(cache.stats().bytes).toBeLessThanOrEqual(1000);
    // evictFile drops a reservation without onDrop: its owner, the table, is going away.
    const q = cache.reserve(4, 1, 100, () => dropped.push('q'));
    expect(q).toBeDefined();
    cache.evictFile(4);
    expect(dropped).toEqual(['r']);
    expect(cache.stats().reservedBytes).toBe(0);
  });

  it('onDrop may remove other entries while eviction runs, and the byte count stays exact', () => {
    const cache = new BlockCache<string>(1000);
    const slots: BlockSlots<string> = newBlockSlots(4);
    const r = cache.reserve(1, 1, 400, () => {
      for (let i = 0; i < 4; i++) cache.removeAt(slots, i);
    });
    expect(r).toBeDefined();
    for (let i = 0; i < 4; i++) cache.setAt(slots, i, 1, 100 + i * 10, `v${i}`, 50);
    expect(cache.stats()).toMatchObject({ bytes: 600, entries: 5 });
    cache.set(2, 0, 'big', 900); // evicts the reservation first (the oldest), which takes its views
    expect(slots.every((x) => x === undefined)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 900, entries: 1, reservedBytes: 0 });
    expect(cache.get(2, 0)).toBe('big');
  });

  it('reservations take only room blocks have never used: memory a block left stays with the heap that held it', () => {
    const cache = new BlockCache<string>(1000);
    cache.set(1, 0, 'a', 400);
    cache.set(1, 4096, 'b', 200);
    cache.evictFile(1);
    expect(cache.stats().bytes).toBe(0);
    expect(cache.reservableBytes).toBe(400); // blocks once held 600
    expect(cache.reserve(2, 1, 401, () => undefined)).toBeUndefined();
    const r = cache.reserve(2, 1, 300, () => undefined);
    expect(r).toBeDefined();
    expect(cache.reservableBytes).toBe(100);
    // Blocks may still use all the room the reservations leave (and evict them for more).
    cache.set(3, 0, 'c', 700);
    expect(cache.stats()).toMatchObject({ bytes: 1000, reservedBytes: 300 });
    expect(cache.reservableBytes).toBe(0);
  });
});
