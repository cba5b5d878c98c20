// Damage anywhere in a WAL gives a valid prefix of the batches or an error, never wrong bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { MemFS, batchArb, plainBatches, replayAll, writeWal } from './helpers.js';

const P = '/db/000003.mem';

/** Replays the damaged file: either a prefix of `written` comes back, or a CORRUPTION / NOT_A_DATABASE error. */
function expectPrefixOrError(fs: MemFS, written: ReturnType<typeof plainBatches>): void {
  let outcome: ReturnType<typeof replayAll>;
  try {
    outcome = replayAll(fs, P);
  } catch (err) {
    expect(isSettError(err, 'CORRUPTION') || isSettError(err, 'NOT_A_DATABASE'), String(err)).toBe(true);
    return;
  }
  const { result, batches } = outcome;
  expect(batches).toEqual(written.slice(0, batches.length));
  expect(result.batches).toBe(batches.length);
  expect(result.validEnd + result.tornBytes).toBe(fs.get(P).length);
}

describe('WAL under random damage', () => {
  it('returns a valid prefix of the batches or reports an error after random bit flips', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb.filter((b) => b.length > 0), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.nat({ max: 7 })), { minLength: 1, maxLength: 4 }),
        (batches, flips) => {
          const fs = new MemFS();
          writeWal(fs, P, batches);
          const bytes = fs.get(P).slice();
          for (const [where, bit] of flips) bytes[Math.floor(where * bytes.length)]! ^= 1 << bit;
          fs.set(P, bytes);
          expectPrefixOrError(fs, plainBatches(batches));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('returns a valid prefix or an error after truncation plus a garbage tail', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb, { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.uint8Array({ maxLength: 64 }),
        (batches, cutAt, garbage) => {
          const fs = new MemFS();
          const { size } = writeWal(fs, P, batches);
          const cut = Math.floor(cutAt * size);
          const bytes = new Uint8Array(cut + garbage.length);
          bytes.set(fs.get(P).subarray(0, cut));
          bytes.set(garbage, cut);
          fs.set(P, bytes);
          expectPrefixOrError(fs, plainBatches(batches));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never errors on a clean truncation: a crash only shortens the file', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), (batches, cutAt) => {
        const fs = new MemFS();
        const { size } = writeWal(fs, P, batches);
        fs.set(P, fs.get(P).slice(0, Math.floor(cutAt * size)));
        const { batches: got } = replayAll(fs, P);
        expect(got).toEqual(plainBatches(batches).slice(0, got.length));
      }),
      { numRuns: 300 },
    );
  });
});
