import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { META_VALUE_POINTER, isSettError, type Entry } from '../../src/base/index.js';
import { batchPayloadLength, decodeBatch, encodeBatch, putBatch } from '../../src/wal/index.js';
import { batchArb, plain, thrown } from './helpers.js';

const te = new TextEncoder();

describe('batch payload codec', () => {
  it('round-trips any batch, and batchPayloadLength is the encoded size', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const bytes = encodeBatch(batch);
        expect(bytes.length).toBe(batchPayloadLength(batch));
        expect(decodeBatch(bytes).map(plain)).toEqual(batch.map(plain));
      }),
      { numRuns: 500 },
    );
  });

  it('putBatch writes at an offset inside a larger buffer and returns the end', () => {
    fc.assert(
      fc.property(batchArb, fc.nat({ max: 20 }), (batch, at) => {
        const n = batchPayloadLength(batch);
        const buf = new Uint8Array(at + n + 5).fill(0xee);
        expect(putBatch(buf, at, batch)).toBe(at + n);
        expect(buf.subarray(0, at).every((b) => b === 0xee)).toBe(true);
        expect(buf.subarray(at + n).every((b) => b === 0xee)).toBe(true);
        expect(decodeBatch(buf.subarray(at, at + n)).map(plain)).toEqual(batch.map(plain));
      }),
    );
  });

  it('encodes the documented layout byte for byte (docs/format.md §WAL.payload)', () => {
    const batch: Entry[] = [
      { key: te.encode('ab'), version: 300, meta: 0, userMeta: 7, expiresAt: 0, value: te.encode('xyz') },
      { key: te.encode('k'), version: 1, meta: 1, userMeta: 0, expiresAt: 128, value: new Uint8Array(0) },
    ];
    expect(Buffer.from(encodeBatch(batch)).toString('hex')).toBe(
      [
        '02', // count
        '00', '07', '02', '03', 'ac02', '00', '6162', '78797a', // meta userMeta keyLen valueLen version=300 expiresAt key value
        '01', '00', '01', '00', '01', '8001', '6b', // delete, key "k", version 1, expiresAt 128
      ].join(''),
    );
  });

  it('decodes an empty batch', () => {
    expect(decodeBatch(encodeBatch([]))).toEqual([]);
  });

  it('reports every strict prefix of a payload as CORRUPTION, never a shorter batch', () => {
    fc.assert(
      fc.property(batchArb.filter((b) => b.length > 0), (batch) => {
        const bytes = encodeBatch(batch);
        for (let cut = 0; cut < bytes.length; cut++) {
          const err = thrown(() => decodeBatch(bytes.subarray(0, cut), '000001.mem', 100));
          expect(isSettError(err, 'CORRUPTION')).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reports bytes left after the last entry, with file and offset', () => {
    const bytes = encodeBatch([{ key: te.encode('a'), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: te.encode('v') }]);
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    const err = thrown(() => decodeBatch(padded, '000007.mem', 46));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect(err).toMatchObject({ file: '000007.mem', offset: 46 + bytes.length });
  });

  it('reports unknown meta bits and value pointers of the wrong size as CORRUPTION', () => {
    const ok = encodeBatch([{ key: te.encode('a'), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: te.encode('v') }]);
    const unknownMeta = ok.slice();
    unknownMeta[1] = 0x80; // the entry's meta byte
    expect(isSettError(thrown(() => decodeBatch(unknownMeta)), 'CORRUPTION')).toBe(true);
    const shortPointer = ok.slice();
    shortPointer[1] = META_VALUE_POINTER;
    expect(isSettError(thrown(() => decodeBatch(shortPointer)), 'CORRUPTION')).toBe(true);
  });

  it('refuses a count that cannot fit in the payload without allocating for it', () => {
    const huge = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]); // count 2^32 - 1 in 5 bytes
    expect(isSettError(thrown(() => decodeBatch(huge)), 'CORRUPTION')).toBe(true);
  });

  it('refuses to encode what it could not decode (an invariant, not bad data on disk)', () => {
    const base: Entry = { key: te.encode('a'), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: te.encode('v') };
    for (const bad of [
      { ...base, version: -1 },
      { ...base, version: 1.5 },
      { ...base, expiresAt: -5 },
      { ...base, meta: 0x80 },
      { ...base, meta: 1.5 },
      { ...base, userMeta: 256 },
      { ...base, meta: META_VALUE_POINTER },
    ]) {
      expect(isSettError(thrown(() => encodeBatch([bad])), 'INTERNAL')).toBe(true);
    }
  });
});
