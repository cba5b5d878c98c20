// The engine against a model (a sorted Map): random puts, deletes, batches, gets, range
// iterations both ways and close/reopen, with memtables tiny enough to flush constantly.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COMPACTING_TREE, dump, faultFS, openSmall, text } from './helpers.js';

type Op =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'del'; key: string }
  | { kind: 'batch'; ops: { key: string; value: string | undefined }[] }
  | { kind: 'get'; key: string }
  | { kind: 'range'; gte: string; lt: string; reverse: boolean; limit: number }
  | { kind: 'prefix'; prefix: string; reverse: boolean }
  | { kind: 'reopen' }
  | { kind: 'hold' }
  | { kind: 'gc' }
  | { kind: 'flatten' }
  | { kind: 'check-held' };

const key = fc.stringMatching(/^[a-e]{1,4}$/);
const value = fc.oneof(
  fc.stringMatching(/^[a-z]{0,12}$/),
  fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.integer({ min: 20, max: 120 })).map(([s, n]) => s.repeat(n)),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('del' as const), key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      ops: fc.array(fc.record({ key, value: fc.option(value, { nil: undefined }) }), { minLength: 1, maxLength: 8 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('range' as const), gte: key, lt: key, reverse: fc.boolean(), limit: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prefix' as const), prefix: fc.stringMatching(/^[a-e]{1,2}$/), reverse: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hold' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'gc' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flatten' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'check-held' as const }) },
);

/** Small enough that every kind of compaction runs in a few hundred operations. */
const COMPACTING = {
  ...COMPACTING_TREE,
};

function modelRange(model: Map<string, string>, lo: string, hi: string, reverse: boolean, limit: number): [string, string][] {
  const keys = [...model.keys()].filter((k) => k >= lo && k < hi).sort();
  if (reverse) keys.reverse();
  return keys.slice(0, limit).map((k) => [k, model.get(k)!]);
}

const totals = { flushes: 0, compactions: 0, moves: 0, gcFiles: 0 };

async function runModel(ops: Op[], options: Parameters<typeof openSmall>[1]): Promise<void> {
        const fs = faultFS();
        let db = await openSmall(fs, options);
        const model = new Map<string, string>();
        // Iterators opened earlier and the model state they must see, whatever happened since.
        let held: { it: ReturnType<typeof db.iterator>; expected: [string, string][] }[] = [];
        const count = () => {
          const c = db.stats().counters;
          totals.flushes += c.flushes;
          totals.compactions += c.compactions;
          totals.moves += c.compactionMoves;
          totals.gcFiles += c.vlogGCRuns;
        };
        try {
          for (const o of ops) {
            switch (o.kind) {
              case 'put':
                await db.put(o.key, o.value);
                model.set(o.key, o.value);
                break;
              case 'del':
                await db.delete(o.key);
                model.delete(o.key);
                break;
              case 'batch':
                await db.batch(o.ops.map((b) => (b.value === undefined ? { type: 'del' as const, key: b.key } : { type: 'put' as const, key: b.key, value: b.value })));
                for (const b of o.ops) {
                  if (b.value === undefined) model.delete(b.key);
                  else model.set(b.key, b.value);
                }
                break;
              case 'get':
                expect(text(db.getSync(o.key))).toBe(model.get(o.key));
                expect(text(await db.get(o.key))).toBe(model.get(o.key));
                break;
              case 'range':
                expect(dump(db, { gte: o.gte, lt: o.lt, reverse: o.reverse, limit: o.limit })).toEqual(modelRange(model, o.gte, o.lt, o.reverse, o.limit));
                break;
              case 'prefix': {
                const expected = [...model.keys()].filter((k) => k.startsWith(o.prefix)).sort();
                if (o.reverse) expected.reverse();
                expect(dump(db, { prefix: o.prefix, reverse: o.reverse }).map(([k]) => k)).toEqual(expected);
                break;
              }
              case 'reopen':
                for (const h of held) h.it.close();
                held = [];
                await db.waitForBackgroundWork();
                count();
                await db.close();
                db = await openSmall(fs, options);
                break;
              case 'flatten':
                await db.flatten();
                break;
              case 'gc':
                await db.runValueLogGC(0.1);
                break;
              case 'hold':
                held.push({ it: db.iterator(), expected: [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)) });
                break;
              case 'check-held': {
                const h = held.shift();
                if (h === undefined) break;
                await db.waitForBackgroundWork();
                const got: [string, string][] = [];
                for (const [k, v] of h.it) got.push([text(k)!, text(v)!]);
                expect(got).toEqual(h.expected);
                break;
              }
            }
          }
          for (const h of held) h.it.close();
          await db.waitForBackgroundWork();
          count();
          const all = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
          expect(dump(db)).toEqual(all);
          expect(dump(db, { reverse: true })).toEqual(all.slice().reverse());
        } finally {
          await db.close();
        }
}

/** Most values in the value log, small log files, and compaction: GC has work to do. */
const SEPARATED = { ...COMPACTING, valueThreshold: 8, valueLogFileSize: 16 * 1024 };

describe('engine against a sorted-map model', () => {
  it('agrees on every get and iteration through flushes and reopens', async () => {
    totals.flushes = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 200, size: 'max' }), (ops) => runModel(ops, {})), { numRuns: 60 });
    // The runs must have exercised flushes, or the test proves nothing about tables.
    expect(totals.flushes).toBeGreaterThan(20);
  });

  it('agrees through compactions, with iterators held open across them', async () => {
    Object.assign(totals, { flushes: 0, compactions: 0, moves: 0 });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 50, maxLength: 400, size: 'max' }), (ops) => runModel(ops, COMPACTING)),
      { numRuns: 40 },
    );
    console.log(`model with compaction: ${totals.flushes} flushes, ${totals.compactions} compactions, ${totals.moves} moves`);
    expect(totals.compactions).toBeGreaterThan(20);
  });

  it('agrees with most values in the value log and GC interleaved with everything else', async () => {
    Object.assign(totals, { flushes: 0, compactions: 0, moves: 0, gcFiles: 0 });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 50, maxLength: 400, size: 'max' }), (ops) => runModel(ops, SEPARATED)),
      { numRuns: 40 },
    );
    console.log(`model with the value log: ${totals.flushes} flushes, ${totals.compactions} compactions, ${totals.gcFiles} files collected`);
    expect(totals.gcFiles).toBeGreaterThan(5);
  });
});
