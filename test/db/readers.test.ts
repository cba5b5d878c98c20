// HeldNumbers (the read versions and epochs live readers hold) against a multiset model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeldNumbers } from '../../src/db/readers.js';

describe('HeldNumbers', () => {
  it('keeps the minimum of what is held, releases idempotent', () => {
    const step = fc.oneof(fc.record({ hold: fc.integer({ min: 0, max: 6 }) }), fc.record({ release: fc.nat(40) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const held = new HeldNumbers();
        const live: { n: number; release: () => void; done: boolean }[] = [];
        for (const s of steps) {
          if ('hold' in s) live.push({ n: s.hold, release: held.hold(s.hold), done: false });
          else if (live.length > 0) {
            const h = live[s.release % live.length]!;
            h.release(); // twice when already released: must change nothing
            h.done = true;
          }
          const model = live.filter((h) => !h.done).map((h) => h.n);
          expect(held.min(99)).toBe(model.length === 0 ? 99 : Math.min(...model));
        }
      }),
      { numRuns: 300 },
    );
  });
});
