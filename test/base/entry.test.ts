import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ValuePointer,
  decodeValueStruct,
  encodeValueStruct,
  getVarint,
  putVarint,
  varintLength,
  isSettError,
} from '../../src/base/index.js';

describe('varint', () => {
  it('round-trips every safe integer and reports its length', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const buf = new Uint8Array(10);
        const end = putVarint(buf, 0, n);
        expect(end).toBe(varintLength(n));
        const out = [0];
        expect(getVarint(buf, 0, end, out)).toBe(n);
        expect(out[0]).toBe(end);
      }),
    );
  });

  it('reports a varint cut short', () => {
    const buf = new Uint8Array(10);
    const end = putVarint(buf, 0, 300);
    expect(getVarint(buf, 0, end - 1, [0])).toBe(-1);
  });
});

describe('value struct', () => {
  it('round-trips meta, user meta, expiry and value', () => {
    fc.assert(
      fc.property(fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.maxSafeNat(), fc.uint8Array({ maxLength: 64 }), (meta, userMeta, expiresAt, value) => {
        const decoded = decodeValueStruct(encodeValueStruct({ meta, userMeta, expiresAt, value }));
        expect(decoded.meta).toBe(meta);
        expect(decoded.userMeta).toBe(userMeta);
        expect(decoded.expiresAt).toBe(expiresAt);
        expect(Array.from(decoded.value)).toEqual(Array.from(value));
      }),
    );
  });

  it('rejects a truncated struct with CORRUPTION', () => {
    let caught: unknown;
    try {
      decodeValueStruct(new Uint8Array([1]));
    } catch (err) {
      caught = err;
    }
    expect(isSettError(caught, 'CORRUPTION')).toBe(true);
  });
});

describe('value pointer', () => {
  it('round-trips file id, offset and length', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (f, o, l) => {
        const p = ValuePointer.decode(new ValuePointer(f, o, l).encode());
        expect([p.fileId, p.offset, p.length]).toEqual([f, o, l]);
      }),
    );
  });
});
