// The conflict oracle (src/db/oracle.ts): indexed by key, pruned below the oldest live read
// version, bounded by maxKeys. Checked against a naive model that keeps every commit's write set.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyString, Oracle, type ConflictCheck } from '../../src/db/oracle.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** Every commit ever recorded; a conflict is a commit after the read version writing a key read. */
class NaiveOracle {
  private readonly commits: { version: number; keys: Set<string> }[] = [];
  record(version: number, keys: string[]): void {
    this.commits.push({ version, keys: new Set(keys) });
  }
  conflicts(check: ConflictCheck): boolean {
    return this.commits.some((c) => c.version > check.readVersion && [...check.reads].some((k) => c.keys.has(k)));
  }
}

type Op = { kind: 'commit'; keys: string[] } | { kind: 'prune'; by: number } | { kind: 'check'; back: number; reads: string[] };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k\u00ff', 'k\u0000');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('commit' as const), keys: fc.uniqueArray(key, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), by: fc.nat({ max: 6 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('check' as const), back: fc.nat({ max: 20 }), reads: fc.uniqueArray(key, { maxLength: 5 }) }) },
);

/**
 * Runs `ops` on both oracles as the writer uses them: versions grow by one per commit, prunes never
 * pass the oldest read version a later check uses (`floor`), checks read at a version in
 * [floor, last version].
 */
function compare(ops: Op[], maxKeys: number): void {
  const oracle = new Oracle(maxKeys);
  const naive = new NaiveOracle();
  let version = 0;
  let floor = 0;
  for (const o of ops) {
    if (o.kind === 'commit') {
      version++;
      oracle.record(version, o.keys.map(enc));
      naive.record(version, o.keys);
      expect(oracle.size, 'bounded by maxKeys').toBeLessThanOrEqual(maxKeys);
    } else if (o.kind === 'prune') {
      floor = Math.min(version, floor + o.by);
      oracle.prune(floor);
    } else {
      const check: ConflictCheck = { readVersion: Math.max(floor, version - o.back), reads: new Set(o.reads) };
      const expected = naive.conflicts(check);
      const verdict = oracle.check(check);
      if (verdict === 'too-old') {
        // Allowed only where writes after the read version were forgotten; never hides a conflict.
        expect(check.readVersion).toBeLessThan(oracle.forgottenVersion);
      } else {
        expect(verdict === 'conflict', `read version ${check.readVersion}, reads ${[...check.reads].join(',')}`).toBe(expected);
      }
      // Whatever the bound forgot, a conflict is never missed.
      if (expected) expect(verdict).not.toBe('none');
    }
  }
}

describe('keyString', () => {
  it('is the latin1 string of exactly the view\'s bytes, for views at any offset into a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 40 }), fc.nat({ max: 40 }), (bytes, before, after) => {
        const backing = new Uint8Array(before + bytes.length + after).fill(0x41);
        backing.set(bytes, before);
        const view = backing.subarray(before, before + bytes.length);
        const s = keyString(view);
        expect(s.length).toBe(bytes.length);
        expect(Array.from(s, (c) => c.charCodeAt(0))).toEqual(Array.from(bytes));
        expect(keyString(Buffer.from(view))).toBe(s);
      }),
    );
  });
});

describe('conflict oracle', () => {
  it('answers as a naive model that keeps every commit, when the bound is never reached', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => compare(ops, 1_000_000)),
      { numRuns: 300 },
    );
  });

  it('never misses a conflict, and says too-old only below what it forgot, with a small bound', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 8 }), (ops, maxKeys) => compare(ops, maxKeys)),
      { numRuns: 300 },
    );
  });

  it('stays within maxKeys while a forgotten transaction holds back pruning', () => {
    const oracle = new Oracle(1000);
    const forgotten: ConflictCheck = { readVersion: 0, reads: new Set(['key0']) };
    for (let v = 1; v <= 20_000; v++) {
      oracle.record(v, [enc(`key${v}`), enc(`other${v % 7}`)]);
      oracle.prune(0); // the forgotten transaction's read version: nothing below it to prune
      expect(oracle.size).toBeLessThanOrEqual(1000);
    }
    expect(oracle.check(forgotten)).toBe('too-old');
    // A transaction that began after what was forgotten is checked exactly.
    const young: ConflictCheck = { readVersion: 19_990, reads: new Set(['key19995']) };
    expect(oracle.check(young)).toBe('conflict');
    expect(oracle.check({ readVersion: 19_990, reads: new Set(['key5']) })).toBe('none');
  });

  it('bounds the bytes of the keys it tracks, whatever their number', () => {
    const oracle = new Oracle(1_000_000, 1 << 20);
    const big = 'x'.repeat(60_000);
    for (let v = 1; v <= 100; v++) oracle.record(v, [enc(`${v}:${big}`)]);
    expect(oracle.size).toBeLessThanOrEqual(Math.floor((1 << 20) / 60_000));
    expect(oracle.forgottenVersion).toBeGreaterThan(0);
  });

  it('forgets everything at or below the oldest read version when pruned', () => {
    const oracle = new Oracle();
    oracle.record(1, [enc('a')]);
    oracle.record(2, [enc('b')]);
    oracle.record(3, [enc('a')]);
    oracle.prune(2);
    expect(oracle.size).toBe(1); // 'a' at 3
    expect(oracle.check({ readVersion: 2, reads: new Set(['a']) })).toBe('conflict');
    expect(oracle.check({ readVersion: 2, reads: new Set(['b']) })).toBe('none');
    expect(oracle.forgottenVersion).toBe(0);
  });
});
