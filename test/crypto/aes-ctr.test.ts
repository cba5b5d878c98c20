// AES-CTR by byte position (docs/format/encryption.md): any range decrypts alone, the counter
// carries across all 128 bits, and the three key sizes are the three AES variants.

import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterBlock, ctrAlgorithm, ctrTransform, ctrTransformInPlace, FileCipher, dataKeySource } from '../../src/crypto/index.js';

/** The reference: one cipher over the whole file from position 0. */
function wholeFile(key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Buffer {
  return createCipheriv(ctrAlgorithm(key.length), key, iv).update(plain);
}

describe('AES-CTR by position', () => {
  it('transforms any range as the bytes at that position of a whole-file encryption, and back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 24, 32),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.nat(),
        (keyLength, iv, plain, a, b) => {
          const key = Uint8Array.from({ length: keyLength }, (_, i) => i * 7);
          const start = a % plain.length;
          const end = start + (b % (plain.length - start + 1));
          const whole = wholeFile(key, iv, plain);
          const part = ctrTransform(key, iv, start, plain.subarray(start, end));
          expect(Buffer.compare(part, whole.subarray(start, end))).toBe(0);
          expect(Buffer.compare(ctrTransform(key, iv, start, part), Buffer.from(plain.subarray(start, end)))).toBe(0);
          const inPlace = whole.slice();
          ctrTransformInPlace(key, iv, start, inPlace, start, end);
          expect(Buffer.compare(inPlace.subarray(start, end), Buffer.from(plain.subarray(start, end)))).toBe(0);
        },
      ),
    );
  });

  it('adds the block index to the IV as a 128-bit big-endian integer, carrying across every word', () => {
    const out = new Uint8Array(16);
    counterBlock(new Uint8Array(16).fill(0xff), 1, out);
    expect([...out]).toEqual(new Array(16).fill(0));
    const iv = new Uint8Array(16);
    iv.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 8);
    counterBlock(iv, 2 ** 40 + 5, out);
    expect(Buffer.from(out).toString('hex')).toBe('00000000000000010000010000000003');
    // Matches OpenSSL's own counter increment across the carry.
    const key = new Uint8Array(16).fill(1);
    const ivNear = new Uint8Array(16).fill(0xff);
    ivNear[15] = 0xfe;
    const plain = new Uint8Array(64).fill(0x5a);
    expect(Buffer.compare(ctrTransform(key, ivNear, 40, plain.subarray(40)), wholeFile(key, ivNear, plain).subarray(40))).toBe(0);
  });

  it('picks AES-128/192/256 by key length and refuses other lengths', () => {
    expect(ctrAlgorithm(16)).toBe('aes-128-ctr');
    expect(ctrAlgorithm(24)).toBe('aes-192-ctr');
    expect(ctrAlgorithm(32)).toBe('aes-256-ctr');
    expect(() => ctrAlgorithm(20)).toThrow(/16, 24 or 32/);
  });

  it('gives every new file its own random IV, and finds a file cipher by key id: WRONG_KEY without keys, CORRUPTION for an unknown id', () => {
    const dk = { id: 3, key: new Uint8Array(16).fill(9) };
    const a = FileCipher.forNewFile(dk);
    const b = FileCipher.forNewFile(dk);
    expect(Buffer.compare(Buffer.from(a.iv), Buffer.from(b.iv))).not.toBe(0);
    expect(FileCipher.forFile('f', 10, 0, a.iv, undefined)).toBeUndefined();
    expect(() => FileCipher.forFile('f', 10, 3, a.iv, undefined)).toThrow(expect.objectContaining({ code: 'WRONG_KEY' }));
    expect(() => FileCipher.forFile('f', 10, 4, a.iv, dataKeySource([dk]))).toThrow(expect.objectContaining({ code: 'CORRUPTION', offset: 10 }));
    const c = FileCipher.forFile('f', 10, 3, a.iv, dataKeySource([dk]))!;
    const plain = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(Buffer.compare(c.transform(7, a.transform(7, plain)), Buffer.from(plain))).toBe(0);
  });
});
