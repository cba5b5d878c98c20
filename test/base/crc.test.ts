import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, crc32Range, crc32UpdateByte, crc32UpdateU32 } from '../../src/base/index.js';

describe('crc32 update steps', () => {
  it('give crc32 of the same bytes, fed as bytes or as big-endian u32s', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 8 }), (words) => {
        const bytes = new Uint8Array(words.length * 4);
        const view = new DataView(bytes.buffer);
        words.forEach((w, i) => view.setUint32(i * 4, w));
        let byWord = -1;
        for (const w of words) byWord = crc32UpdateU32(byWord, w);
        let byByte = -1;
        for (const b of bytes) byByte = crc32UpdateByte(byByte, b);
        expect(~byWord >>> 0).toBe(crc32(bytes));
        expect(~byByte >>> 0).toBe(crc32(bytes));
      }),
    );
  });
});

describe('crc32 over long inputs (the native zlib path)', () => {
  it('equals the crc-32 package on every length and seed, whole or as a range', async () => {
    const { default: CRC32 } = await import('crc-32');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), fc.integer(), fc.nat(), (bytes, seed, cut) => {
        expect(crc32(bytes, seed)).toBe(CRC32.buf(bytes, seed) >>> 0);
        const start = bytes.length === 0 ? 0 : cut % bytes.length;
        expect(crc32Range(bytes, start, bytes.length)).toBe(CRC32.buf(bytes.subarray(start), 0) >>> 0);
      }),
    );
  });
});
