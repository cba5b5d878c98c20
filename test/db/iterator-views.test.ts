// DBIterator.nextView (the table layer's scans): the same entries as nextEntry, only as views
// into a reused array — over memtables, tables of several levels, value-log pointers, deletes,
// TTLs, bounds and both directions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, type DB } from '../../src/index.js';
import { faultFS, openSmall } from './helpers.js';

type Op = { key: number; value: number; size: number } | { key: number; del: true } | { key: number; value: number; ttl: number };

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

function read(db: DB, options: Parameters<DB['iterator']>[0], views: boolean): [string | undefined, string | undefined][] {
  const it = db.iterator(options);
  const out: [string | undefined, string | undefined][] = [];
  // Views are copied (hex) before the next call, as a caller of nextView must.
  for (let e = views ? it.nextView() : it.nextEntry(); e !== undefined; e = views ? it.nextView() : it.nextEntry()) out.push([hex(e[0]), hex(e[1])]);
  return out;
}

const key = (k: number): string => `k${String(k).padStart(3, '0')}`;

describe('iterator: nextView', () => {
  it('yields what nextEntry yields', async () => {
    const op = fc.oneof(
      fc.record({ key: fc.nat(60), value: fc.nat(1000), size: fc.constantFrom(1, 40, 300) }),
      fc.record({ key: fc.nat(60), del: fc.constant(true as const) }),
      fc.record({ key: fc.nat(60), value: fc.nat(1000), ttl: fc.integer({ min: 1, max: 20 }) }),
    );
    const query = fc.record({
      gte: fc.option(fc.nat(60), { nil: undefined }),
      lt: fc.option(fc.nat(60), { nil: undefined }),
      reverse: fc.boolean(),
      keys: fc.boolean(),
      values: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 300 }), fc.array(query, { minLength: 1, maxLength: 5 }), fc.nat(25), async (ops: Op[], queries, advance) => {
        const clock = new ManualClock(1000);
        // Small memtables and tables, values above 64 bytes in the value log.
        const db = await openSmall(faultFS(), { clock, valueThreshold: 64 });
        try {
          for (const o of ops) {
            if ('del' in o) await db.delete(key(o.key));
            else if ('ttl' in o) await db.put(key(o.key), `t${o.value}`, { ttl: o.ttl });
            else await db.put(key(o.key), String(o.value).padEnd(o.size, '.'));
          }
          clock.advance(advance);
          for (const q of queries) {
            const options = { ...q, gte: q.gte === undefined ? undefined : key(q.gte), lt: q.lt === undefined ? undefined : key(q.lt) };
            expect(read(db, options, true)).toEqual(read(db, options, false));
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
