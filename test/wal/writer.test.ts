import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, isSettError, type Entry } from '../../src/base/index.js';
import { WAL_FORMAT_VERSION, WAL_HEADER_BYTES, WAL_RECORD_HEADER_BYTES, WalWriter, encodeBatch } from '../../src/wal/index.js';
import type { FileHandle, FileSystem, OpenFlags } from '../../src/fs/index.js';
import { MemFS, batchArb, replayAll, thrown } from './helpers.js';

const te = new TextEncoder();
const entry = (key: string, value: string, version = 1): Entry => ({ key: te.encode(key), version, meta: 0, userMeta: 0, expiresAt: 0, value: te.encode(value) });

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at);
}

describe('WalWriter', () => {
  it('writes the documented 34-byte header: magic, version, key id 0, zero IV, CRC (docs/format.md §WAL)', () => {
    const fs = new MemFS();
    WalWriter.create(fs, '/db/000001.mem').close();
    const bytes = fs.get('/db/000001.mem');
    expect(bytes.length).toBe(WAL_HEADER_BYTES);
    expect(Buffer.from(bytes.subarray(0, 8)).toString('latin1')).toBe('SETT.WAL');
    expect(new DataView(bytes.buffer).getUint16(8)).toBe(WAL_FORMAT_VERSION);
    expect(u32(bytes, 10)).toBe(0);
    expect(bytes.subarray(14, 30).every((b) => b === 0)).toBe(true);
    expect(u32(bytes, 30)).toBe(crc32(bytes.subarray(0, 30)));
  });

  it('writes the test vector of docs/format.md §WAL byte for byte', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/000001.mem');
    w.append([{ key: te.encode('ab'), version: 300, meta: 0, userMeta: 7, expiresAt: 0, value: te.encode('xyz') }]);
    w.close();
    const expected = [
      '534554542e57414c', '0001', '00000000', '00'.repeat(16), '7675ba2f',
      '0000000d', '8d6e8796', '88f895f0',
      '01', '00', '07', '02', '03', 'ac02', '00', '6162', '78797a',
    ].join('');
    expect(Buffer.from(fs.get('/000001.mem')).toString('hex')).toBe(expected);
  });

  it('frames a record as length, payload CRC, and a header CRC that folds in the record offset', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/db/000001.mem');
    const batch = [entry('k', 'v')];
    w.append(batch);
    w.close();
    const bytes = fs.get('/db/000001.mem');
    const payload = encodeBatch(batch);
    const at = WAL_HEADER_BYTES;
    expect(u32(bytes, at)).toBe(payload.length);
    expect(u32(bytes, at + 4)).toBe(crc32(payload));
    const covered = new Uint8Array(16);
    new DataView(covered.buffer).setUint32(4, at); // offset as u64 BE: high word 0
    covered.set(bytes.subarray(at, at + 8), 8);
    expect(u32(bytes, at + 8)).toBe(crc32(covered));
    expect(Buffer.from(bytes.subarray(at + WAL_RECORD_HEADER_BYTES))).toEqual(Buffer.from(payload));
  });

  it('appends each batch in exactly one file append and returns encodedSize bytes', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 10 }), (batches) => {
        const fs = new MemFS();
        const w = WalWriter.create(fs, '/w.mem');
        for (const b of batches) {
          const before = fs.appends;
          const expected = w.encodedSize(b);
          const sizeBefore = w.size();
          expect(w.append(b)).toBe(expected);
          expect(fs.appends - before).toBe(1);
          expect(w.size()).toBe(sizeBefore + expected);
          expect(fs.get('/w.mem').length).toBe(w.size());
        }
        w.close();
      }),
      { numRuns: 50 },
    );
  });

  it('keeps earlier records intact while reusing its encode buffer, including after an oversize batch', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/w.mem');
    const big = [entry('big', 'x'.repeat(5 << 20))]; // larger than the kept encode buffer
    const batches = [[entry('a', '1')], big, [entry('b', '2')], [entry('c', 'x'.repeat(200_000))], [entry('d', '4')]];
    for (const b of batches) w.append(b);
    w.close();
    const { batches: got, result } = replayAll(fs, '/w.mem');
    expect(result.batches).toBe(batches.length);
    expect(got.map((b) => Buffer.from(b[0]!.key, 'hex').toString())).toEqual(['a', 'big', 'b', 'c', 'd']);
    expect(got[1]![0]!.value.length).toBe(2 * (5 << 20));
  });

  it('refuses a batch with an invalid entry without writing anything, and stays usable', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/w.mem');
    w.append([entry('a', '1')]);
    const before = fs.get('/w.mem').slice();
    expect(isSettError(thrown(() => w.append([entry('b', '2'), { ...entry('c', '3'), version: -1 }])), 'INTERNAL')).toBe(true);
    expect(Buffer.from(fs.get('/w.mem'))).toEqual(Buffer.from(before));
    expect(w.size()).toBe(before.length);
    w.append([entry('d', '4')]);
    w.close();
    expect(replayAll(fs, '/w.mem').batches.map((b) => Buffer.from(b[0]!.key, 'hex').toString())).toEqual(['a', 'd']);
  });

  it('refuses to create over an existing file', () => {
    const fs = new MemFS();
    WalWriter.create(fs, '/w.mem').close();
    const err = thrown(() => WalWriter.create(fs, '/w.mem'));
    expect(isSettError(err, 'IO_ERROR')).toBe(true);
    expect(err).toMatchObject({ errno: 'EEXIST', file: 'w.mem' });
  });

  it('rejects a data key id that is not a u32 >= 1 and creates no file', () => {
    const fs = new MemFS();
    expect(isSettError(thrown(() => WalWriter.create(fs, '/a.mem', { encryption: { id: 0, key: new Uint8Array(16) } })), 'INVALID_ARGUMENT')).toBe(true);
    expect(fs.exists('/a.mem')).toBe(false);
  });

  it('refuses appends and syncs after close with CLOSED', async () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/w.mem');
    w.close();
    w.close(); // idempotent
    expect(isSettError(thrown(() => w.append([entry('a', 'b')])), 'CLOSED')).toBe(true);
    await expect(w.sync()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('fails stop after a failed append: IO_ERROR with the errno, then every later call fails the same', async () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/w.mem');
    w.append([entry('a', '1')]);
    const size = w.size();
    fs.failNextAppend = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const err = thrown(() => w.append([entry('b', '2')]));
    expect(err).toMatchObject({ code: 'IO_ERROR', errno: 'ENOSPC', file: 'w.mem' });
    expect(w.size()).toBe(size);
    expect(thrown(() => w.append([entry('c', '3')]))).toBe(err);
    await expect(w.sync()).rejects.toBe(err);
  });

  it('openForAppend truncates to validEnd and appends after it', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/w.mem');
    w.append([entry('a', '1')]);
    const validEnd = w.size();
    w.append([entry('b', '2')]);
    w.close();
    const w2 = WalWriter.openForAppend(fs, '/w.mem', validEnd);
    expect(w2.size()).toBe(validEnd);
    expect(fs.get('/w.mem').length).toBe(validEnd);
    w2.append([entry('c', '3')]);
    w2.close();
    const { batches, result } = replayAll(fs, '/w.mem');
    expect(batches.map((b) => Buffer.from(b[0]!.key, 'hex').toString())).toEqual(['a', 'c']);
    expect(result.tornBytes).toBe(0);
  });

  it('openForAppend at validEnd 0 rewrites the header of a file cut inside it', () => {
    const fs = new MemFS();
    fs.set('/w.mem', Uint8Array.from(Buffer.from('SETT.W')));
    const w = WalWriter.openForAppend(fs, '/w.mem', 0);
    expect(w.size()).toBe(WAL_HEADER_BYTES);
    w.append([entry('a', '1')]);
    w.close();
    expect(replayAll(fs, '/w.mem').batches.length).toBe(1);
  });

  it('openForAppend rejects a validEnd inside the header or past the end, and a file that is not a WAL', () => {
    const fs = new MemFS();
    WalWriter.create(fs, '/w.mem').close();
    expect(isSettError(thrown(() => WalWriter.openForAppend(fs, '/w.mem', 10)), 'INVALID_ARGUMENT')).toBe(true);
    expect(isSettError(thrown(() => WalWriter.openForAppend(fs, '/w.mem', WAL_HEADER_BYTES + 1)), 'INVALID_ARGUMENT')).toBe(true);
    fs.set('/x.mem', new Uint8Array(100).fill(7));
    expect(isSettError(thrown(() => WalWriter.openForAppend(fs, '/x.mem', 50)), 'NOT_A_DATABASE')).toBe(true);
    expect(fs.get('/x.mem').length).toBe(100);
  });
});

describe('WalWriter.preallocate (syncWrites WALs)', () => {
  // A preallocating writer lays zeros down a step at a time and writes each record over them.
  // Whatever the batches and the step: while open the file is whole steps long, replay reads
  // exactly the records a plain writer wrote (the zeros are where the log ends), and trim() or
  // close() leave the plain writer's file byte for byte.
  it('reads back as a plain WAL, and trims to it', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { maxLength: 12 }), fc.integer({ min: 1, max: 600 }), fc.boolean(), (batches, step, viaClose) => {
        const fs = new MemFS();
        const plain = WalWriter.create(fs, '/plain.mem');
        const pre = WalWriter.create(fs, '/pre.mem');
        pre.preallocate(step);
        for (const batch of batches.filter((b) => b.length > 0)) {
          plain.append(batch);
          pre.append(batch);
          const size = fs.get('/pre.mem').length;
          expect(size % step === 0 || size === WAL_HEADER_BYTES).toBe(true);
          expect(size).toBeGreaterThanOrEqual(pre.size());
          expect(size - pre.size()).toBeLessThan(step);
        }
        plain.close();
        const want = fs.get('/plain.mem');
        const open = replayAll(fs, '/pre.mem');
        expect(open.batches).toEqual(replayAll(fs, '/plain.mem').batches);
        expect(open.result.validEnd).toBe(want.length);
        expect(fs.get('/pre.mem').subarray(want.length).every((b) => b === 0)).toBe(true);
        if (viaClose) pre.close();
        else pre.trim();
        expect(Buffer.from(fs.get('/pre.mem')).equals(Buffer.from(want))).toBe(true);
        pre.close();
      }),
    );
  });

  it('writes its zeros only when a record would pass them, a page per write, and each record once', () => {
    const fs = new MemFS();
    const writes: { at: number; bytes: number; zeros: boolean }[] = [];
    const spy: FileSystem = Object.create(fs, {
      open: {
        value: (p: string, flags: OpenFlags): FileHandle => {
          const h = fs.open(p, flags);
          return Object.create(h, {
            write: { value: (data: Uint8Array, at: number) => (writes.push({ at, bytes: data.length, zeros: data.every((b) => b === 0) }), h.write(data, at)) },
          }) as FileHandle;
        },
      },
    }) as FileSystem;
    const w = WalWriter.create(spy, '/w.mem');
    w.preallocate(16384);
    for (let i = 0; i < 50; i++) w.append([entry(`k${i}`, 'v'.repeat(20))]);
    // 50 records of ~40 bytes: all inside the first step, laid down as four page-bounded writes
    // (large writes can become large page-cache folios that every sync writes back whole).
    expect(writes.filter((x) => x.zeros).map((x) => [x.at, x.bytes])).toEqual([
      [WAL_HEADER_BYTES, 4096 - WAL_HEADER_BYTES],
      [4096, 4096],
      [8192, 4096],
      [12288, 4096],
    ]);
    // The header (appended), then the fifty records, each written once.
    expect(writes.filter((x) => !x.zeros)).toHaveLength(51);
    expect(fs.get('/w.mem').length).toBe(16384);
    w.close();
  });

  it('continues a reopened WAL over its own zeros after openForAppend cut them', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, '/w.mem');
    w.preallocate(1024);
    w.append([entry('a', '1')]);
    // No trim, no close: the file is left as a crash leaves it, zeros and all.
    const { result } = replayAll(fs, '/w.mem');
    expect(result.tornBytes).toBe(1024 - result.validEnd);
    const again = WalWriter.openForAppend(fs, '/w.mem', result.validEnd);
    again.preallocate(1024);
    again.append([entry('b', '2')]);
    again.close();
    expect(replayAll(fs, '/w.mem').batches.map((b) => b.map((e) => e.key))).toEqual([['61'], ['62']]);
    expect(fs.get('/w.mem').length).toBe(again.size());
  });
});
