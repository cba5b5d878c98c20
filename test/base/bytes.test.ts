import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bufferCopy, copyBytes } from '../../src/base/index.js';

describe('byte copies', () => {
  it('bufferCopy and copyBytes return arrays of their own with the same bytes, whatever view they are given', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
        const view = bytes.subarray(start, end);
        const buf = bufferCopy(view);
        expect(Buffer.isBuffer(buf)).toBe(true);
        expect([...buf]).toEqual([...view]);
        const copy = copyBytes(bytes, start, end);
        expect([...copy]).toEqual([...view]);
        // Writing the copies leaves the source alone (and the other way round).
        const before = [...view];
        buf.fill(0xaa);
        copy.fill(0x55);
        expect([...view]).toEqual(before);
      }),
    );
  });
});
