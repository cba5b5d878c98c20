// The hybrid row cache (src/hybrid/row-cache.ts; TABLES.md §3): exact eviction order of LRU and
// LFU on hand-written sequences, counters, and a model test of each policy against a naive
// reference (an array scanned for the victim) over random operation sequences.
//
// SETT_LONG_TESTS=1 runs ten times as many cases; ROW_CACHE_SEED=<seed> ROW_CACHE_PATH=<path>
// replays a failure that fast-check reported.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowCache, type EvictionPolicy, type RowCacheStats } from '../../src/hybrid/row-cache.js';
import type { Row } from '../../src/table/index.js';

const RUNS = process.env.SETT_LONG_TESTS === '1' ? 10000 : 1000;
const SEED = process.env.ROW_CACHE_SEED === undefined ? {} : { seed: Number(process.env.ROW_CACHE_SEED) };
const PATH = process.env.ROW_CACHE_PATH === undefined ? {} : { path: process.env.ROW_CACHE_PATH };

/** Which of `keys` of table `t` are cached (probing counts hits and misses and is a use, so call it last). */
function survivors(cache: RowCache, keys: string[], table = 't'): string[] {
  return keys.filter((key) => cache.get(table, key) !== undefined);
}

function counters(cache: RowCache): Omit<RowCacheStats, 'bytes' | 'entries'> {
  const { hits, misses, evictions } = cache.stats();
  return { hits, misses, evictions };
}

describe('LRU eviction order', () => {
  const KEYS = ['a', 'b', 'c', 'd', 'e'];

  it('evicts the least recently used, where a get hit is a use', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lru' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.get('t', 'a');
    cache.set('t', 'd', { key: 'd' }, 10); // b is least recent
    cache.set('t', 'e', { key: 'e' }, 10); // then c
    expect(counters(cache)).toEqual({ hits: 1, misses: 0, evictions: 2 });
    expect(survivors(cache, KEYS)).toEqual(['a', 'd', 'e']);
  });

  it('a miss is not a use', () => {
    const cache = new RowCache({ maxBytes: 20, policy: 'lru' });
    cache.set('t', 'a', { key: 'a' }, 10);
    cache.set('t', 'b', { key: 'b' }, 10);
    expect(cache.get('t', 'z')).toBeUndefined();
    cache.set('t', 'c', { key: 'c' }, 10);
    expect(survivors(cache, KEYS)).toEqual(['b', 'c']);
  });

  it('re-setting a key is a use and replaces its row and size', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lru' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.set('t', 'a', { key: 'a', v: 2 }, 5);
    expect(cache.stats()).toMatchObject({ bytes: 25, entries: 3 });
    cache.set('t', 'd', { key: 'd' }, 10); // 35 > 30: b goes
    expect(cache.get('t', 'a')).toEqual({ key: 'a', v: 2 });
    expect(survivors(cache, KEYS)).toEqual(['a', 'c', 'd']);
  });

  it('a row grown by a re-set evicts the others but never itself', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lru' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.get('t', 'a');
    cache.set('t', 'a', { key: 'a' }, 30);
    expect(cache.stats()).toMatchObject({ evictions: 2, bytes: 30, entries: 1 });
    expect(survivors(cache, KEYS)).toEqual(['a']);
  });

  it('is one budget across tables, with recency shared between them', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lru' });
    cache.set('x', 'k', { t: 'x' }, 10);
    cache.set('y', 'k', { t: 'y' }, 10);
    cache.set('z', 'k', { t: 'z' }, 10);
    cache.get('x', 'k');
    cache.set('z', 'm', { t: 'z' }, 10); // y/k is least recent
    expect(cache.get('y', 'k')).toBeUndefined();
    expect(cache.get('x', 'k')).toEqual({ t: 'x' });
    expect(cache.stats()).toMatchObject({ bytes: 30, entries: 3, evictions: 1 });
  });
});

describe('LFU eviction order', () => {
  const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('evicts the least frequently used; a new row is never its own victim', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lfu' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.get('t', 'a');
    cache.get('t', 'a');
    cache.get('t', 'c'); // a 3, b 1, c 2
    cache.set('t', 'd', { key: 'd' }, 10); // b goes
    cache.set('t', 'e', { key: 'e' }, 10); // d (1) goes, not the newer e
    expect(counters(cache)).toEqual({ hits: 3, misses: 0, evictions: 2 });
    expect(survivors(cache, KEYS)).toEqual(['a', 'c', 'e']);
  });

  it('breaks ties by least recent use', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lfu' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.get('t', 'b');
    cache.get('t', 'a'); // a 2 (more recent), b 2, c 1
    cache.set('t', 'd', { key: 'd' }, 20); // 50 > 30: c, then b of the tied a and b
    expect(cache.stats()).toMatchObject({ evictions: 2, bytes: 30, entries: 2 });
    expect(survivors(cache, KEYS)).toEqual(['a', 'd']);
  });

  it('ties among new rows go by insertion order', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lfu' });
    for (const key of ['a', 'b', 'c', 'd', 'e']) cache.set('t', key, { key }, 10);
    expect(survivors(cache, KEYS)).toEqual(['c', 'd', 'e']);
  });

  it('a re-set keeps the count and adds one', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lfu' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.get('t', 'a');
    cache.get('t', 'b');
    cache.get('t', 'b'); // a 2, b 3, c 1
    cache.set('t', 'a', { key: 'a', v: 2 }, 10); // a 3, and more recent than b
    cache.set('t', 'd', { key: 'd' }, 10); // c goes
    cache.set('t', 'e', { key: 'e' }, 20); // 50 > 30: d (1), then b (3, older than a)
    expect(cache.get('t', 'a')).toEqual({ key: 'a', v: 2 });
    expect(survivors(cache, KEYS)).toEqual(['a', 'e']);
  });

  it('finds the least frequent after deletes empty the lowest frequency', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lfu' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    cache.get('t', 'b');
    cache.get('t', 'c');
    cache.get('t', 'c'); // a 1, b 2, c 3
    cache.delete('t', 'a');
    cache.set('t', 'd', { key: 'd' }, 20); // 40 > 30: b, the lowest left
    expect(cache.stats()).toMatchObject({ evictions: 1, bytes: 30, entries: 2 });
    expect(survivors(cache, KEYS)).toEqual(['c', 'd']);
  });

  it('a row re-set to a size that fills the cache stays, whatever its count', () => {
    const cache = new RowCache({ maxBytes: 30, policy: 'lfu' });
    for (const key of ['a', 'b', 'c']) cache.set('t', key, { key }, 10);
    for (let i = 0; i < 5; i++) cache.get('t', 'b');
    cache.set('t', 'a', { key: 'a' }, 25); // a 2 is the least frequent, but it is the row being set
    expect(survivors(cache, KEYS)).toEqual(['a']);
  });
});

describe.each<EvictionPolicy>(['lru', 'lfu'])('RowCache (%s)', (policy) => {
  it('counts hits, misses and evictions; delete, dropTable and clear are not evictions', () => {
    const cache = new RowCache({ maxBytes: 100, policy });
    cache.set('t', 'a', { v: 1 }, 40);
    cache.set('t', 'b', { v: 2 }, 40);
    cache.set('u', 'a', { v: 3 }, 10);
    expect(cache.get('t', 'a')).toEqual({ v: 1 });
    expect(cache.get('t', 'z')).toBeUndefined();
    expect(cache.get('v', 'a')).toBeUndefined();
    cache.set('t', 'c', { v: 4 }, 40); // 130 > 100: one eviction
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, evictions: 1, bytes: 90, entries: 3 });
    cache.delete('t', 'c');
    cache.delete('t', 'nothing');
    cache.dropTable('u');
    cache.dropTable('unknown');
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, evictions: 1, bytes: 40, entries: 1 });
    cache.clear();
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, evictions: 1, bytes: 0, entries: 0 });
    expect(cache.get('t', 'a') ?? cache.get('t', 'b')).toBeUndefined();
  });

  it('refuses a row bigger than the cache without evicting anything', () => {
    const cache = new RowCache({ maxBytes: 30, policy });
    cache.set('t', 'a', { v: 1 }, 10);
    cache.set('t', 'b', { v: 2 }, 10);
    cache.set('t', 'big', { v: 3 }, 31);
    expect(cache.stats()).toMatchObject({ evictions: 0, bytes: 20, entries: 2 });
    expect(cache.get('t', 'big')).toBeUndefined();
    cache.set('t', 'full', { v: 4 }, 30); // exactly maxBytes fits
    expect(cache.get('t', 'full')).toEqual({ v: 4 });
    expect(cache.stats()).toMatchObject({ evictions: 2, bytes: 30, entries: 1 });
  });

  it('a re-set too big to cache drops the stale row it replaces, and nothing else', () => {
    const cache = new RowCache({ maxBytes: 30, policy });
    cache.set('t', 'a', { v: 1 }, 10);
    cache.set('t', 'b', { v: 2 }, 10);
    cache.set('t', 'a', { v: 9 }, 31);
    expect(cache.get('t', 'a')).toBeUndefined();
    expect(cache.get('t', 'b')).toEqual({ v: 2 });
    expect(cache.stats()).toMatchObject({ evictions: 0, bytes: 10, entries: 1 });
  });

  it('dropTable removes only that table\'s rows, also under a key other tables share', () => {
    const cache = new RowCache({ maxBytes: 1000, policy });
    for (const table of ['t', 'u']) for (const key of ['a', 'b']) cache.set(table, key, { table, key }, 10);
    cache.set('tt', 'a', { table: 'tt' }, 10);
    cache.dropTable('t');
    expect(cache.get('t', 'a') ?? cache.get('t', 'b')).toBeUndefined();
    expect(cache.get('u', 'a')).toEqual({ table: 'u', key: 'a' });
    expect(cache.get('u', 'b')).toEqual({ table: 'u', key: 'b' });
    expect(cache.get('tt', 'a')).toEqual({ table: 'tt' });
    expect(cache.stats()).toMatchObject({ bytes: 30, entries: 3, evictions: 0 });
    cache.set('t', 'a', { again: true }, 10); // the table can be cached again
    expect(cache.get('t', 'a')).toEqual({ again: true });
  });

  it('stores and returns shallow copies: mutating either side does not change the cache', () => {
    const cache = new RowCache({ maxBytes: 100, policy });
    const when = new Date(0);
    const row: Row = { id: 1, name: 'x', when };
    cache.set('t', 'k', row, 10);
    row['name'] = 'changed after set';
    const got = cache.get('t', 'k')!;
    expect(got).toEqual({ id: 1, name: 'x', when });
    got['name'] = 'changed after get';
    delete got['id'];
    expect(cache.get('t', 'k')).toEqual({ id: 1, name: 'x', when });
    expect(cache.get('t', 'k')).not.toBe(cache.get('t', 'k'));
    expect(cache.get('t', 'k')!['when']).toBe(when); // documented: object values are shared
  });

  it('caches rows of zero bytes, even in a cache of zero bytes', () => {
    const cache = new RowCache({ maxBytes: 0, policy });
    cache.set('t', 'a', {}, 0);
    cache.set('t', 'b', { v: 1 }, 1);
    expect(cache.get('t', 'a')).toEqual({});
    expect(cache.get('t', 'b')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ bytes: 0, entries: 1, evictions: 0 });
  });

  it('rejects bad options with INVALID_ARGUMENT and a bad size with INTERNAL', () => {
    for (const maxBytes of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => new RowCache({ maxBytes, policy })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => new RowCache({ maxBytes: 10, policy: 'fifo' as EvictionPolicy })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const cache = new RowCache({ maxBytes: 10, policy });
    for (const bytes of [-1, 0.5, Number.NaN]) {
      expect(() => cache.set('t', 'a', {}, bytes)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
    expect(cache.stats()).toMatchObject({ bytes: 0, entries: 0 });
  });
});

// ---- model test --------------------------------------------------------------------------

interface ModelEntry {
  table: string;
  key: string;
  row: Row;
  bytes: number;
  uses: number;
  lastUse: number;
}

/** The reference: every entry in an array, the victim found by scanning all of it. */
class ReferenceCache {
  entries: ModelEntry[] = [];
  hits = 0;
  misses = 0;
  evictions = 0;
  private clock = 0;

  constructor(
    readonly maxBytes: number,
    readonly policy: EvictionPolicy,
  ) {}

  get(table: string, key: string): Row | undefined {
    const entry = this.find(table, key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    entry.uses++;
    entry.lastUse = this.clock++;
    return entry.row;
  }

  set(table: string, key: string, row: Row, bytes: number): void {
    let entry = this.find(table, key);
    if (bytes > this.maxBytes) {
      this.entries = this.entries.filter((e) => e !== entry);
      return;
    }
    if (entry === undefined) this.entries.push((entry = { table, key, row, bytes, uses: 0, lastUse: 0 }));
    Object.assign(entry, { row, bytes, uses: entry.uses + 1, lastUse: this.clock++ });
    while (this.bytes() > this.maxBytes) {
      let victim: ModelEntry | undefined;
      for (const e of this.entries) if (e !== entry && (victim === undefined || this.before(e, victim))) victim = e;
      this.entries = this.entries.filter((e) => e !== victim);
      this.evictions++;
    }
  }

  delete(table: string, key: string): void {
    this.entries = this.entries.filter((e) => e.table !== table || e.key !== key);
  }
  dropTable(table: string): void {
    this.entries = this.entries.filter((e) => e.table !== table);
  }
  clear(): void {
    this.entries = [];
  }

  stats(): RowCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, bytes: this.bytes(), entries: this.entries.length };
  }

  private bytes(): number {
    return this.entries.reduce((sum, e) => sum + e.bytes, 0);
  }
  private find(table: string, key: string): ModelEntry | undefined {
    return this.entries.find((e) => e.table === table && e.key === key);
  }
  /** Whether `a` is evicted before `b`. */
  private before(a: ModelEntry, b: ModelEntry): boolean {
    if (this.policy === 'lfu' && a.uses !== b.uses) return a.uses < b.uses;
    return a.lastUse < b.lastUse;
  }
}

type Op =
  | { kind: 'get'; table: string; key: string }
  | { kind: 'set'; table: string; key: string; bytes: number }
  | { kind: 'delete'; table: string; key: string }
  | { kind: 'dropTable'; table: string }
  | { kind: 'clear' };

const TABLES = ['t', 'u', 'v'];
const MODEL_KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];

/**
 * Each run draws its own mix: how many tables and keys are in play and how often each operation
 * comes, so some runs are read-heavy over a few hot keys (LFU counts climb and tie, and the order
 * among tied counts decides victims) and others churn through inserts and drops.
 */
interface Mix {
  maxBytes: number;
  tables: number;
  keys: number;
  weights: { get: number; set: number; delete: number; dropTable: number; clear: number };
}

const mixArb: fc.Arbitrary<Mix> = fc.record({
  maxBytes: fc.integer({ min: 0, max: 100 }),
  tables: fc.integer({ min: 1, max: TABLES.length }),
  keys: fc.integer({ min: 1, max: MODEL_KEYS.length }),
  weights: fc.record({
    get: fc.integer({ min: 0, max: 20 }),
    set: fc.integer({ min: 1, max: 20 }),
    delete: fc.integer({ min: 0, max: 3 }),
    dropTable: fc.integer({ min: 0, max: 1 }),
    clear: fc.integer({ min: 0, max: 1 }),
  }),
});

function opArb({ maxBytes, tables, keys, weights }: Mix): fc.Arbitrary<Op> {
  const table = fc.constantFrom(...TABLES.slice(0, tables));
  const key = fc.constantFrom(...MODEL_KEYS.slice(0, keys));
  // Sizes mostly well under the cache, some near it, some over it (refused).
  const bytes = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: Math.max(1, Math.floor(maxBytes / 4)) }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: maxBytes + 10 }) },
  );
  return fc.oneof(
    { weight: weights.get, arbitrary: fc.record({ kind: fc.constant('get' as const), table, key }) },
    { weight: weights.set, arbitrary: fc.record({ kind: fc.constant('set' as const), table, key, bytes }) },
    { weight: weights.delete, arbitrary: fc.record({ kind: fc.constant('delete' as const), table, key }) },
    { weight: weights.dropTable, arbitrary: fc.record({ kind: fc.constant('dropTable' as const), table }) },
    { weight: weights.clear, arbitrary: fc.constant({ kind: 'clear' as const }) },
  );
}

const scenarioArb = mixArb.chain((mix) => fc.tuple(fc.constant(mix.maxBytes), fc.array(opArb(mix), { maxLength: 120 })));

describe.each<EvictionPolicy>(['lru', 'lfu'])('RowCache (%s) against a reference that scans for the victim', (policy) => {
  it('same rows, same survivors, same counters after every operation; bytes within maxBytes and equal to the rows\' sizes', () => {
    fc.assert(
      fc.property(scenarioArb, ([maxBytes, ops]) => {
        const cache = new RowCache({ maxBytes, policy });
        const model = new ReferenceCache(maxBytes, policy);
        ops.forEach((op, i) => {
          switch (op.kind) {
            case 'get':
              expect(cache.get(op.table, op.key), `op ${i}`).toEqual(model.get(op.table, op.key));
              break;
            case 'set':
              cache.set(op.table, op.key, { op: i }, op.bytes);
              model.set(op.table, op.key, { op: i }, op.bytes);
              expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
              break;
            case 'delete':
              cache.delete(op.table, op.key);
              model.delete(op.table, op.key);
              break;
            case 'dropTable':
              cache.dropTable(op.table);
              model.dropTable(op.table);
              break;
            case 'clear':
              cache.clear();
              model.clear();
              break;
          }
          expect(cache.stats(), `after op ${i} ${JSON.stringify(op)}`).toEqual(model.stats());
        });
        // Survivors, probed last (a probe is a use).
        for (const table of TABLES) for (const key of MODEL_KEYS) expect(cache.get(table, key)).toEqual(model.get(table, key));
        expect(cache.stats()).toEqual(model.stats());
      }),
      { numRuns: RUNS, ...SEED, ...PATH },
    );
  });
});
