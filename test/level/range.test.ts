// Range options, reverse, limit and seek() through the adapter, against a model: the sorted
// keys filtered by the range (gte over gt, lte over lt), a seek target outside the range ends
// the iterator, and a seek inside it continues from the target.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { faultLevel } from './helpers.js';

interface Range {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
}

const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u0000', '\u00ff'), maxLength: 3 });
const rangeArb: fc.Arbitrary<Range> = fc.record({ gt: keyArb, gte: keyArb, lt: keyArb, lte: keyArb }, { requiredKeys: [] });

function cmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function inRange(k: string, r: Range): boolean {
  if (r.gte !== undefined ? cmp(k, r.gte) < 0 : r.gt !== undefined && cmp(k, r.gt) <= 0) return false;
  if (r.lte !== undefined ? cmp(k, r.lte) > 0 : r.lt !== undefined && cmp(k, r.lt) >= 0) return false;
  return true;
}

function model(keys: string[], r: Range, reverse: boolean, limit: number, target: string | undefined): string[] {
  let out = [...new Set(keys)].sort(cmp).filter((k) => inRange(k, r));
  if (reverse) out.reverse();
  if (target !== undefined) {
    if (!inRange(target, r)) return [];
    out = out.filter((k) => (reverse ? cmp(k, target) <= 0 : cmp(k, target) >= 0));
  }
  return limit < 0 ? out : out.slice(0, limit);
}

describe('ranges and seek', () => {
  it('iterators, key and value iterators, and clear() visit exactly the model range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(keyArb, { maxLength: 20 }),
        rangeArb,
        fc.boolean(),
        fc.integer({ min: -1, max: 6 }),
        fc.option(keyArb, { nil: undefined }),
        async (keys, range, reverse, limit, target) => {
          const db = faultLevel();
          await db.open();
          try {
            if (keys.length > 0) await db.batch(keys.map((k) => ({ type: 'put' as const, key: k, value: `v${k}` })));
            const expected = model(keys, range, reverse, limit, target);
            const options = { ...range, reverse, limit };

            const it = db.iterator(options);
            if (target !== undefined) it.seek(target);
            expect(await it.all()).toEqual(expected.map((k) => [k, `v${k}`]));
            const kit = db.keys(options);
            if (target !== undefined) kit.seek(target);
            expect(await kit.all()).toEqual(expected);
            const vit = db.values(options);
            if (target !== undefined) vit.seek(target);
            expect(await vit.all()).toEqual(expected.map((k) => `v${k}`));

            if (target === undefined) {
              await db.clear(options);
              const deleted = new Set(expected);
              expect(await db.keys().all()).toEqual(model(keys, {}, false, -1, undefined).filter((k) => !deleted.has(k)));
            }
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
