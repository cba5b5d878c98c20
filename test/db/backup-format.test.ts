// The backup stream format's encoders and decoders (docs/format.md §Backup): round trips, the
// worked example of the format document, and what each decoder refuses.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { CorruptionError, NotADatabaseError, compareBytes } from '../../src/base/index.js';
import { BackupReader } from '../../src/db/backup-reader.js';
import { streamSource } from '../../src/db/restore-source.js';
import {
  BACKUP_HEADER_BYTES,
  CHUNK_END,
  CHUNK_HEADER_BYTES,
  CHUNK_RECORDS,
  CODEC_NONE,
  CODEC_SNAPPY,
  RECORD_DELETE,
  RECORD_PUT,
  RECORD_UNCHANGED,
  RecordBuffer,
  checkPayload,
  decodeChunkHeader,
  decodeEndPayload,
  decodeHeader,
  decodeRecords,
  encodeChunk,
  encodeEndPayload,
  encodeHeader,
  type BackupHeader,
  type BackupRecord,
} from '../../src/db/backup-format.js';

const header: fc.Arbitrary<BackupHeader> = fc.oneof(
  fc.record({ kind: fc.constant('full' as const), sinceVersion: fc.constant(0), reachedVersion: fc.nat({ max: Number.MAX_SAFE_INTEGER }), createdAtMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }) }),
  fc
    .tuple(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }))
    .map(([a, b, t]) => ({ kind: 'incremental' as const, sinceVersion: Math.min(a, b), reachedVersion: Math.max(a, b), createdAtMs: t })),
);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('backup format', () => {
  it('header: decode(encode(h)) == h for every kind and field value', () => {
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encodeHeader(h);
        expect(bytes.length).toBe(BACKUP_HEADER_BYTES);
        expect(decodeHeader(bytes, 'x')).toEqual(h);
      }),
    );
  });

  it('header: the worked example of the format document, byte for byte', () => {
    const bytes = encodeHeader({ kind: 'incremental', sinceVersion: 5, reachedVersion: 9, createdAtMs: 1_700_000_000_000 });
    expect(hex(bytes)).toBe(
      '53455454424b5550' + '0001' + '02' + '00' + '0000000000000005' + '0000000000000009' + '0000018bcfe56800' + hex(bytes.subarray(36)),
    );
    expect(hex(bytes.subarray(36))).toBe('fc5eb613'); // zlib.crc32 of bytes 0..35
  });

  it('header: a wrong magic or an unknown format version is NOT_A_DATABASE; other damage is CORRUPTION', () => {
    const good = encodeHeader({ kind: 'full', sinceVersion: 0, reachedVersion: 3, createdAtMs: 1 });
    expect(() => decodeHeader(new Uint8Array(0), 'f')).toThrow(NotADatabaseError);
    expect(() => decodeHeader(Buffer.from('SETTMANF0000000000000000000000000000000000'), 'f')).toThrow(/not a sett backup/);
    const future = Uint8Array.from(good);
    future[9] = 2;
    expect(() => decodeHeader(future, 'f')).toThrow(/backup format version 2 is not one this build of sett reads \(1\)/);
    expect(() => decodeHeader(good.subarray(0, 20), 'f')).toThrow(CorruptionError);
    const flipped = Uint8Array.from(good);
    flipped[25]! ^= 0x10;
    expect(() => decodeHeader(flipped, 'f')).toThrow(/f at offset 0: backup header checksum/);
  });

  it('chunk: the header decodes to what was framed, and the payload checksum matches', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 0xffff_ffff }), fc.boolean(), (payload, count, snappy) => {
        const codec = snappy ? CODEC_SNAPPY : CODEC_NONE;
        const raw = snappy ? payload.length + 7 : payload.length;
        const chunk = encodeChunk(CHUNK_RECORDS, codec, count, raw, payload);
        const h = decodeChunkHeader(chunk.subarray(0, CHUNK_HEADER_BYTES), 'x', 0);
        expect(h).toMatchObject({ type: CHUNK_RECORDS, codec, count, rawLength: raw, storedLength: payload.length });
        checkPayload(h, chunk.subarray(CHUNK_HEADER_BYTES), 'x', CHUNK_HEADER_BYTES);
      }),
    );
  });

  it('chunk: a flipped bit anywhere in a chunk header or payload is CORRUPTION at the chunk or its payload', () => {
    const payload = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
    const chunk = encodeChunk(CHUNK_RECORDS, CODEC_NONE, 3, payload.length, payload);
    for (let i = 0; i < chunk.length * 8; i++) {
      const bad = Uint8Array.from(chunk);
      bad[i >> 3]! ^= 1 << (i & 7);
      const check = (): void => {
        const h = decodeChunkHeader(bad.subarray(0, CHUNK_HEADER_BYTES), 'x', 1000);
        checkPayload(h, bad.subarray(CHUNK_HEADER_BYTES), 'x', 1000 + CHUNK_HEADER_BYTES);
      };
      expect(check, `bit ${i}`).toThrow(i >> 3 < CHUNK_HEADER_BYTES ? /x at offset 1000: chunk header checksum/ : /x at offset 1022: chunk payload checksum/);
    }
  });

  it('end payload: decode(encode(count, version)) == (count, version)', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (recordCount, reachedVersion) => {
        expect(decodeEndPayload(encodeEndPayload(recordCount, reachedVersion), 'x', 0)).toEqual({ recordCount, reachedVersion });
      }),
    );
    const end = encodeChunk(CHUNK_END, CODEC_NONE, 0, 16, encodeEndPayload(1, 2));
    expect(decodeChunkHeader(end.subarray(0, CHUNK_HEADER_BYTES), 'x', 0).type).toBe(CHUNK_END);
  });

  const record = (since: number, reached: number): fc.Arbitrary<Omit<BackupRecord, 'key'>> =>
    fc.oneof(
      fc.record({
        kind: fc.constant(RECORD_PUT as BackupRecord['kind']),
        version: fc.integer({ min: since + 1, max: reached }),
        userMeta: fc.integer({ min: 0, max: 255 }),
        expiresAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        value: fc.uint8Array({ maxLength: 200 }),
      }),
      fc.record({ kind: fc.constant(RECORD_DELETE as BackupRecord['kind']), version: fc.integer({ min: since + 1, max: reached }), userMeta: fc.constant(0), expiresAt: fc.constant(0), value: fc.constant(new Uint8Array(0)) }),
      fc.record({ kind: fc.constant(RECORD_UNCHANGED as BackupRecord['kind']), version: fc.integer({ min: 1, max: since }), userMeta: fc.constant(0), expiresAt: fc.constant(0), value: fc.constant(new Uint8Array(0)) }),
    );

  it('records: decodeRecords(RecordBuffer of records) gives the records back, in key order', () => {
    const since = 1000;
    const reached = 5000;
    const h: BackupHeader = { kind: 'incremental', sinceVersion: since, reachedVersion: reached, createdAtMs: 0 };
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 20 }), { selector: (k) => hex(k), maxLength: 40 }), fc.infiniteStream(record(since, reached)), (keys, gen) => {
        keys.sort(compareBytes);
        const buf = new RecordBuffer();
        const want: BackupRecord[] = [];
        for (const key of keys) {
          const r = { ...gen.next().value, key };
          if (r.kind === RECORD_PUT) buf.put(r.key, r.version, r.userMeta, r.expiresAt, r.value);
          else buf.mark(r.kind, r.key, r.version);
          want.push(r);
        }
        expect(buf.count).toBe(keys.length);
        const got = decodeRecords(buf.bytes(), buf.count, { header: h, previousKey: undefined }, 'x', 0);
        expect(got.map((r) => ({ ...r, key: hex(r.key), value: hex(r.value) }))).toEqual(want.map((r) => ({ ...r, key: hex(r.key), value: hex(r.value) })));
      }),
    );
  });

  it('records: out-of-order keys, a kind the backup kind forbids, versions out of range and trailing bytes are CORRUPTION', () => {
    const full: BackupHeader = { kind: 'full', sinceVersion: 0, reachedVersion: 10, createdAtMs: 0 };
    const incr: BackupHeader = { kind: 'incremental', sinceVersion: 5, reachedVersion: 10, createdAtMs: 0 };
    const decode = (h: BackupHeader, fill: (b: RecordBuffer) => void, previousKey?: Uint8Array, extra = 0): BackupRecord[] => {
      const b = new RecordBuffer();
      fill(b);
      const bytes = Uint8Array.from([...b.bytes(), ...new Uint8Array(extra)]);
      return decodeRecords(bytes, b.count, { header: h, previousKey }, 'bk', 64);
    };
    const k = (s: string): Uint8Array => Buffer.from(s);
    expect(() => decode(full, (b) => (b.put(k('b'), 1, 0, 0, k('')), b.put(k('a'), 1, 0, 0, k(''))))).toThrow(/bk at offset 64: record 1 .*keys out of order/);
    expect(() => decode(full, (b) => b.put(k('a'), 1, 0, 0, k('')), k('a'))).toThrow(/keys out of order/);
    expect(() => decode(full, (b) => b.mark(RECORD_DELETE, k('a'), 3))).toThrow(/record kind 2 in a full backup/);
    expect(() => decode(full, (b) => b.put(k('a'), 11, 0, 0, k('')))).toThrow(/version 11 outside 1..10/);
    expect(() => decode(incr, (b) => b.put(k('a'), 5, 0, 0, k('')))).toThrow(/record kind 1 at version 5 in an incremental since 5/);
    expect(() => decode(incr, (b) => b.mark(RECORD_UNCHANGED, k('a'), 6))).toThrow(/record kind 3 at version 6/);
    expect(() => decode(incr, (b) => b.mark(RECORD_UNCHANGED, k('a'), 5), undefined, 2)).toThrow(/2 bytes after the last record/);
    expect(decode(incr, (b) => b.mark(RECORD_UNCHANGED, k('a'), 5))).toHaveLength(1);
  });

  it('the test vectors of the format document decode to their records', async () => {
    const bytesOf = (lines: string): Buffer => Buffer.from(lines.replace(/\s+/g, ''), 'hex');
    const full = bytesOf(`
      53 45 54 54 42 4b 55 50 00 01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 00 59 bb 76 28
      01 00 00 00 00 02 00 00 00 16 00 00 00 16 74 69 d1 b0 28 76 15 88
      01 01 61 01 07 00 02 68 69  01 01 62 02 00 80 d0 95 ff bc 31 01 78
      02 00 00 00 00 00 00 00 00 10 00 00 00 10 2c 43 02 ff 29 e3 df 2d 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 02`);
    const incremental = bytesOf(`
      53 45 54 54 42 4b 55 50 00 01 02 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00 00 68 ab 1f 54
      01 00 00 00 00 02 00 00 00 08 00 00 00 08 d6 1b dc 52 d8 19 35 21
      03 01 61 01  02 01 62 03
      02 00 00 00 00 00 00 00 00 10 00 00 00 10 5b 44 32 69 1c 6e 51 0f 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 03`);
    const read = async (bytes: Buffer): Promise<{ header: BackupHeader; records: unknown[] }> => {
      const reader = await BackupReader.open(streamSource(Readable.from([bytes])));
      const records: unknown[] = [];
      for (let c = await reader.nextChunk(); c !== undefined; c = await reader.nextChunk()) {
        for (const r of c) records.push({ ...r, key: Buffer.from(r.key).toString(), value: Buffer.from(r.value).toString() });
      }
      return { header: reader.header, records };
    };
    expect(await read(full)).toEqual({
      header: { kind: 'full', sinceVersion: 0, reachedVersion: 2, createdAtMs: 0 },
      records: [
        { kind: RECORD_PUT, key: 'a', version: 1, userMeta: 7, expiresAt: 0, value: 'hi' },
        { kind: RECORD_PUT, key: 'b', version: 2, userMeta: 0, expiresAt: 1_700_000_000_000, value: 'x' },
      ],
    });
    expect(await read(incremental)).toEqual({
      header: { kind: 'incremental', sinceVersion: 2, reachedVersion: 3, createdAtMs: 0 },
      records: [
        { kind: RECORD_UNCHANGED, key: 'a', version: 1, userMeta: 0, expiresAt: 0, value: '' },
        { kind: RECORD_DELETE, key: 'b', version: 3, userMeta: 0, expiresAt: 0, value: '' },
      ],
    });
  });
});
