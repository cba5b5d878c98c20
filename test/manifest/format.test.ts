import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Range, isSettError } from '../../src/base/index.js';
import {
  SEAL_RECORD,
  CHANGE_ADD,
  FILE_HEADER_BYTES,
  MANIFEST_FORMAT_VERSION,
  MANIFEST_MAGIC,
  RECORD_HEADER_BYTES,
  decodePayload,
  encodeFileHeader,
  encodeRecord,
  probeRecord,
} from '../../src/manifest/format.js';
import type { ManifestChange } from '../../src/manifest/index.js';

const changeArb: fc.Arbitrary<ManifestChange> = fc.oneof(
  fc.record({
    type: fc.constant('add' as const),
    tableId: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constant(Number.MAX_SAFE_INTEGER)),
    level: fc.integer({ min: 0, max: 255 }),
    compression: fc.integer({ min: 0, max: 255 }),
    keyId: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
  }),
  fc.record({
    type: fc.constant('delete' as const),
    tableId: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  }),
);

function decodeRecord(bytes: Uint8Array): ManifestChange[] {
  const probe = probeRecord(bytes, 0, bytes.length);
  if (probe.kind !== 'ok') throw new Error(`probe ${probe.kind}`);
  expect(probe.end).toBe(bytes.length);
  return decodePayload(bytes, probe.payloadStart, probe.end, 'MANIFEST', probe.payloadStart);
}

describe('MANIFEST record codec', () => {
  it('decodes every encoded group of changes to the same changes (round trip)', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 40 }), (changes) => {
        expect(decodeRecord(encodeRecord(changes))).toEqual(changes);
      }),
    );
  });

  it('frames a record as length, payload CRC and a header CRC over both', () => {
    const bytes = encodeRecord([{ type: 'delete', tableId: 5 }]);
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(0)).toBe(bytes.length - RECORD_HEADER_BYTES);
    expect(view.getUint32(4)).toBe(crc32Range(bytes, RECORD_HEADER_BYTES, bytes.length));
    expect(view.getUint32(8)).toBe(crc32Range(bytes, 0, 8));
    expect([...bytes.subarray(RECORD_HEADER_BYTES)]).toEqual([1, 0x02, 5]);
  });

  it('detects any single flipped bit in a record', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 8 }), fc.nat(), (changes, bitSeed) => {
        const bytes = encodeRecord(changes);
        const bit = bitSeed % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        expect(probeRecord(bytes, 0, bytes.length).kind).not.toBe('ok');
      }),
    );
  });

  it('reads an all-zero header as a bad header, never as a record', () => {
    expect(probeRecord(new Uint8Array(64), 0, 64).kind).toBe('badHeader');
  });

  it('reports a record cut short by the end of the file as cut, and a partial header as short', () => {
    const bytes = encodeRecord([{ type: 'add', tableId: 1, level: 0, compression: 1, keyId: 0 }]);
    expect(probeRecord(bytes, 0, bytes.length - 1).kind).toBe('cut');
    expect(probeRecord(bytes, 0, RECORD_HEADER_BYTES - 1).kind).toBe('short');
  });

  it('rejects an unknown change type with CORRUPTION at its offset', () => {
    // A payload with a valid CRC but change type 0x7f: what a newer writer would produce.
    const payload = new Uint8Array([1, 0x7f, 3]);
    let err: unknown;
    try {
      decodePayload(payload, 0, payload.length, 'MANIFEST', 100);
    } catch (e) {
      err = e;
    }
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect(err).toMatchObject({ file: 'MANIFEST', offset: 101 });
    expect(String(err)).toMatch(/unknown change type 0x7f/);
  });

  it('reads a zero count as a seal (no changes) and rejects a seal with bytes after its count', () => {
    expect(decodePayload(new Uint8Array([0]), 0, 1, 'MANIFEST', 0)).toEqual([]);
    expect(() => decodePayload(new Uint8Array([0, 0x02]), 0, 2, 'MANIFEST', 0)).toThrowError(/CORRUPTION: MANIFEST/);
  });

  it('rejects payloads with leftover bytes or missing changes as CORRUPTION', () => {
    const cases = [
      new Uint8Array([1, 0x02, 3, 0]), // leftover byte
      new Uint8Array([2, 0x02, 3]), // count says 2, one present
      new Uint8Array([1, CHANGE_ADD, 3, 0, 0]), // add truncated
    ];
    for (const payload of cases) {
      expect(() => decodePayload(payload, 0, payload.length, 'MANIFEST', 0)).toThrowError(/CORRUPTION: MANIFEST/);
    }
  });

  it('refuses to encode fields that do not fit their wire widths', () => {
    const bad: ManifestChange[] = [
      { type: 'add', tableId: -1, level: 0, compression: 0, keyId: 0 },
      { type: 'add', tableId: 1.5, level: 0, compression: 0, keyId: 0 },
      { type: 'add', tableId: 1, level: 256, compression: 0, keyId: 0 },
      { type: 'add', tableId: 1, level: 0, compression: -1, keyId: 0 },
      { type: 'add', tableId: 1, level: 0, compression: 0, keyId: 2 ** 32 },
      { type: 'delete', tableId: 2 ** 53 },
    ];
    for (const change of bad) expect(() => encodeRecord([change])).toThrowError(/INTERNAL/);
    expect(() => encodeRecord([])).toThrowError(/INTERNAL/);
  });

  it('encodes the test vectors of docs/format.md §MANIFEST byte for byte', () => {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    expect(hex(encodeFileHeader())).toBe('534554544d414e4600018dd4a54c');
    expect(hex(SEAL_RECORD)).toBe('00000001d202ef8d9d74431b00');
    expect(hex(encodeRecord([{ type: 'add', tableId: 1, level: 0, compression: 1, keyId: 0 }]))).toBe(
      '00000009a6cf2277f3128803' + '010101000100000000',
    );
    expect(
      hex(
        encodeRecord([
          { type: 'delete', tableId: 1 },
          { type: 'add', tableId: 300, level: 1, compression: 2, keyId: 7 },
        ]),
      ),
    ).toBe('0000000c72be68c09864aa7a' + '020201' + '01ac020102' + '00000007');
  });

  it('writes a file header of magic, u16 version 1 and a CRC over both', () => {
    const header = encodeFileHeader();
    expect(header.length).toBe(FILE_HEADER_BYTES);
    expect(Buffer.from(header.subarray(0, 8)).toString('latin1')).toBe('SETTMANF');
    expect([...header.subarray(0, 8)]).toEqual([...MANIFEST_MAGIC]);
    const view = new DataView(header.buffer);
    expect(view.getUint16(8)).toBe(MANIFEST_FORMAT_VERSION);
    expect(MANIFEST_FORMAT_VERSION).toBe(1);
    expect(view.getUint32(10)).toBe(crc32Range(header, 0, 10));
  });
});
