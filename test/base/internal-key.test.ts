import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_VERSION,
  compareBytes,
  compareInternalKeys,
  encodeInternalKey,
  userKeyOf,
  versionOf,
} from '../../src/base/index.js';

const userKey = fc.uint8Array({ minLength: 0, maxLength: 12 });
const version = fc.oneof(fc.nat({ max: 1000 }), fc.constant(MAX_VERSION), fc.integer({ min: 0, max: MAX_VERSION }));

describe('internal key', () => {
  it('round-trips user key and version', () => {
    fc.assert(
      fc.property(userKey, version, (k, v) => {
        const ik = encodeInternalKey(k, v);
        expect(Array.from(userKeyOf(ik))).toEqual(Array.from(k));
        expect(versionOf(ik)).toBe(v);
      }),
    );
  });

  it('orders by user key ascending, then version descending', () => {
    fc.assert(
      fc.property(userKey, version, userKey, version, (ka, va, kb, vb) => {
        const c = Math.sign(compareInternalKeys(encodeInternalKey(ka, va), encodeInternalKey(kb, vb)));
        const userOrder = Math.sign(compareBytes(ka, kb));
        const expected = userOrder !== 0 ? userOrder : Math.sign(vb - va);
        expect(c).toBe(expected);
      }),
    );
  });

  it('compares the user-key part alone: "a" at any version sorts before "ab"', () => {
    const a = new TextEncoder().encode('a');
    const ab = new TextEncoder().encode('ab');
    // Bytewise on the concatenation, "a"@0x62.. would sort after "ab"@1 because 0x62 > 0x00 etc.
    for (const va of [0, 1, 0x62 * 2 ** 40, MAX_VERSION]) {
      for (const vb of [0, 1, MAX_VERSION]) {
        expect(compareInternalKeys(encodeInternalKey(a, va), encodeInternalKey(ab, vb))).toBeLessThan(0);
      }
    }
  });
});
