import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/base/index.js';
import { checkWalHeader, encodeWalHeader, recordHeaderCrc } from '../../src/wal/format.js';

describe('WAL framing primitives', () => {
  it('computes the record header CRC as CRC-32 of offset u64 BE ‖ the 8 header bytes, for offsets past 2^32 too', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.nat({ max: 5 }), (offset, fields, pad) => {
        const buf = new Uint8Array(pad + 8);
        buf.set(fields, pad);
        const covered = new Uint8Array(16);
        const view = new DataView(covered.buffer);
        view.setUint32(0, Math.floor(offset / 2 ** 32));
        view.setUint32(4, offset >>> 0);
        covered.set(fields, 8);
        expect(recordHeaderCrc(offset, buf, pad)).toBe(crc32(covered));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the header fields, including the reserved key id and IV', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff_ffff }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (version, keyId, iv) => {
        const check = checkWalHeader(encodeWalHeader({ version, keyId, iv }));
        expect(check.kind).toBe('ok');
        if (check.kind === 'ok') expect({ ...check.header, iv: [...check.header.iv] }).toEqual({ version, keyId, iv: [...iv] });
      }),
    );
  });

  it('classifies a damaged header as bad CRC, bad magic or never written', () => {
    const header = encodeWalHeader({ version: 1, keyId: 0, iv: new Uint8Array(16) });
    const flipped = header.slice();
    flipped[12]! ^= 4;
    expect(checkWalHeader(flipped).kind).toBe('bad-crc');
    const foreign = header.slice();
    foreign[3] = 0;
    expect(checkWalHeader(foreign).kind).toBe('bad-magic');
    expect(checkWalHeader(new Uint8Array(34)).kind).toBe('zeros');
  });
});
