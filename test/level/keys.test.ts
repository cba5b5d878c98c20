// The Level key space inside sett: 0x00 ‖ key, order-preserving and reversible in every format.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../src/base/index.js';
import { LEVEL_KEY_SPACE } from '../../src/level/index.js';
import { fromSettKey, toFormat, toSettKey } from '../../src/level/keys.js';

describe('Level keys in sett', () => {
  it('round-trips byte keys through the key space in buffer and view formats', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (key) => {
        const settKey = toSettKey(key);
        expect(settKey[0]).toBe(LEVEL_KEY_SPACE);
        expect(settKey.length).toBe(key.length + 1);
        const asBuffer = fromSettKey(settKey, 'buffer');
        expect(Buffer.isBuffer(asBuffer)).toBe(true);
        expect(Uint8Array.from(asBuffer as Buffer)).toEqual(key);
        const asView = fromSettKey(settKey, 'view') as Uint8Array;
        expect(Buffer.isBuffer(asView)).toBe(false);
        expect(Uint8Array.from(asView)).toEqual(key);
      }),
    );
  });

  it('round-trips string keys (utf8, including the empty string and astral characters)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 32 }), (key) => {
        const settKey = toSettKey(key);
        expect(settKey.subarray(1)).toEqual(Buffer.from(key, 'utf8'));
        expect(fromSettKey(settKey, 'utf8')).toBe(key);
      }),
    );
  });

  it('keeps byte order: a < b exactly when their sett keys compare so', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(Math.sign(compareBytes(toSettKey(a), toSettKey(b)))).toBe(Math.sign(compareBytes(a, b)));
      }),
    );
  });

  it('gives view data as a plain Uint8Array over the same bytes, without copying', () => {
    const b = Buffer.from([1, 2, 3, 4]);
    const v = toFormat(b.subarray(1, 3), 'view') as Uint8Array;
    expect(v.constructor).toBe(Uint8Array);
    expect(Array.from(v)).toEqual([2, 3]);
    b[1] = 9;
    expect(v[0]).toBe(9);
  });
});
