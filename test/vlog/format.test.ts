// The value-log entry codec and file header (docs/format.md §VLOG): round trips, the test vector,
// and an entry that only validates at the file and offset it was written for.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Range, isSettError } from '../../src/base/index.js';
import {
  VLOG_FORMAT_VERSION,
  VLOG_HEADER_BYTES,
  decodeVlogEntry,
  encodeVlogEntry,
  parseVlogFileName,
  vlogEntryLength,
  vlogFileName,
} from '../../src/vlog/index.js';
import { checkVlogHeader, encodeVlogHeader, entryHeaderCrc, writeU32 } from '../../src/vlog/format.js';
import { entryArb, hex, plain, thrown } from './helpers.js';

const u32 = fc.nat({ max: 0xffff_ffff });

describe('value-log entry codec', () => {
  it('decodes what it encodes, at any file id and offset, and sizes it exactly', () => {
    fc.assert(
      fc.property(entryArb, u32, u32, (e, fileId, offset) => {
        const bytes = encodeVlogEntry(e, fileId, offset);
        expect(bytes.length).toBe(vlogEntryLength(e));
        expect(plain(decodeVlogEntry(bytes, fileId, offset))).toEqual(plain(e));
      }),
    );
  });

  it('rejects an entry read as if it were at another offset or in another file (header CRC folds both in)', () => {
    fc.assert(
      fc.property(entryArb, u32, u32, u32, u32, (e, fileId, offset, otherId, otherOffset) => {
        fc.pre(fileId !== otherId || offset !== otherOffset);
        const bytes = encodeVlogEntry(e, fileId, offset);
        const err = thrown(() => decodeVlogEntry(bytes, otherId, otherOffset));
        expect(isSettError(err, 'CORRUPTION')).toBe(true);
        expect((err as Error).message).toContain('header checksum');
      }),
    );
  });

  it('matches the test vector of docs/format.md (key "ab", version 300, userMeta 7, value "xyz", file 1, offset 34)', () => {
    const e = { key: Buffer.from('ab'), version: 300, meta: 0, userMeta: 7, expiresAt: 0, value: Buffer.from('xyz') };
    // length 24 | bodyCrc | headerCrc | meta 0, userMeta 7, keyLen 2, valueLen 3, version 300 (ac 02), expiresAt 0 | "ab" | "xyz"
    expect(hex(encodeVlogEntry(e, 1, 34))).toBe('00000018' + '2459defe' + 'c439fe6a' + '00070203ac0200' + '6162' + '78797a');
    expect(hex(encodeVlogHeader({ version: 1, keyId: 0, iv: new Uint8Array(16) }))).toBe(
      '53455454564c4f47' + '0001' + '00000000' + '00'.repeat(16) + '979c0d06',
    );
  });

  it('refuses to encode an entry a reader would refuse (unknown meta bits, a userMeta over a byte, a negative version)', () => {
    const base = { key: new Uint8Array([1]), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };
    for (const bad of [{ meta: 0x80 }, { userMeta: 256 }, { version: -1 }, { expiresAt: 1.5 }]) {
      expect(isSettError(thrown(() => encodeVlogEntry({ ...base, ...bad }, 1, 34)), 'INTERNAL')).toBe(true);
    }
  });

  it('reports a body whose lengths do not add up, even when its checksums match', () => {
    const e = { key: Buffer.from('kv'), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };
    const forged = encodeVlogEntry(e, 3, 100);
    forged[12 + 2] = 1; // keyLen 1: the fields now claim 1 + 0 bytes of the 2 left
    writeU32(forged, 4, crc32Range(forged, 12, forged.length));
    writeU32(forged, 8, entryHeaderCrc(3, 100, forged, 0));
    const err = thrown(() => decodeVlogEntry(forged, 3, 100));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect((err as Error).message).toContain('do not fill');
  });
});

describe('value-log file header and names', () => {
  it('round-trips the header and classifies zeros, a bad magic and a bad CRC', () => {
    const header = encodeVlogHeader({ version: VLOG_FORMAT_VERSION, keyId: 0, iv: new Uint8Array(16) });
    expect(header.length).toBe(VLOG_HEADER_BYTES);
    const ok = checkVlogHeader(header);
    expect(ok.kind === 'ok' && ok.header.version === VLOG_FORMAT_VERSION && ok.header.keyId === 0).toBe(true);
    expect(checkVlogHeader(new Uint8Array(VLOG_HEADER_BYTES)).kind).toBe('zeros');
    const badMagic = header.slice();
    badMagic[0] = 0x41;
    expect(checkVlogHeader(badMagic).kind).toBe('bad-magic');
    const badCrc = header.slice();
    badCrc[20] = 1;
    expect(checkVlogHeader(badCrc).kind).toBe('bad-crc');
  });

  it('names files NNNNNN.vlog and parses only canonical names', () => {
    expect(vlogFileName(7)).toBe('000007.vlog');
    expect(vlogFileName(1234567)).toBe('1234567.vlog');
    expect(parseVlogFileName('000007.vlog')).toBe(7);
    expect(parseVlogFileName('1234567.vlog')).toBe(1234567);
    for (const name of ['0000007.vlog', '7.vlog', '000007.sst', '000007.vlog.tmp', 'DISCARD']) expect(parseVlogFileName(name)).toBeUndefined();
  });
});
