// replayWal against LevelDB's log_test checklist, on byte-edited files.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, crc32, isSettError, type Entry } from '../../src/base/index.js';
import { WAL_HEADER_BYTES, WAL_RECORD_HEADER_BYTES, WalWriter, encodeBatch, replayWal } from '../../src/wal/index.js';
import { MemFS, batchesArb, plainBatches, randomBatch, replayAll, thrown, writeWal } from './helpers.js';

const P = '/db/000042.mem';
const te = new TextEncoder();
const entry = (key: string, value: string): Entry => ({ key: te.encode(key), version: 9, meta: 0, userMeta: 0, expiresAt: 0, value: te.encode(value) });

function threeBatches(): Entry[][] {
  return [[entry('a', 'one')], [entry('b', 'two'), entry('c', 'three')], [entry('d', 'x'.repeat(50))]];
}

describe('replayWal', () => {
  it('gives back exactly the batches written, in order, at their offsets', () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const fs = new MemFS();
        const { offsets, size } = writeWal(fs, P, batches);
        const { result, batches: got, offsets: gotOffsets } = replayAll(fs, P);
        expect(got).toEqual(plainBatches(batches));
        expect(gotOffsets).toEqual(offsets);
        expect(result).toEqual({ validEnd: size, batches: batches.length, tornBytes: 0, stoppedByCaller: false });
      }),
      { numRuns: 200 },
    );
  });

  it('reads a header-only file as empty and clean', () => {
    const fs = new MemFS();
    writeWal(fs, P, []);
    expect(replayAll(fs, P).result).toEqual({ validEnd: WAL_HEADER_BYTES, batches: 0, tornBytes: 0, stoppedByCaller: false });
  });

  it('reads a file shorter than its header (crash right after create) as empty, all bytes torn', () => {
    const fs = new MemFS();
    writeWal(fs, P, []);
    const header = fs.get(P);
    for (let n = 0; n < WAL_HEADER_BYTES; n++) {
      fs.set(P, header.slice(0, n));
      expect(replayAll(fs, P).result).toEqual({ validEnd: 0, batches: 0, tornBytes: n, stoppedByCaller: false });
    }
  });

  it('ignores a truncated trailing record, cut at every byte offset of it', () => {
    const fs = new MemFS();
    const batches = threeBatches();
    const { offsets, size } = writeWal(fs, P, batches);
    const whole = fs.get(P);
    const lastStart = offsets[2]!;
    for (let cut = lastStart + 1; cut < size; cut++) {
      fs.set(P, whole.slice(0, cut));
      const { result, batches: got } = replayAll(fs, P);
      expect(got).toEqual(plainBatches(batches.slice(0, 2)));
      expect(result).toEqual({ validEnd: lastStart, batches: 2, tornBytes: cut - lastStart, stoppedByCaller: false });
    }
  });

  it('ignores a bad length in the last record', () => {
    const fs = new MemFS();
    const batches = threeBatches();
    const { offsets, size } = writeWal(fs, P, batches);
    const bytes = fs.get(P);
    for (const length of [0, 1, 0x00ff_ffff, 0xffff_ffff]) {
      const edited = bytes.slice();
      new DataView(edited.buffer).setUint32(offsets[2]!, length);
      fs.set(P, edited);
      const { result, batches: got } = replayAll(fs, P);
      expect(got).toEqual(plainBatches(batches.slice(0, 2)));
      expect(result.validEnd).toBe(offsets[2]);
      expect(result.tornBytes).toBe(size - offsets[2]!);
    }
  });

  it('reports a checksum mismatch in the middle as CORRUPTION naming the file and the record offset', () => {
    const fs = new MemFS();
    const batches = threeBatches();
    const { offsets } = writeWal(fs, P, batches);
    const payloadByte = offsets[1]! + WAL_RECORD_HEADER_BYTES + 3;
    const headerByte = offsets[1]! + 2;
    for (const at of [payloadByte, headerByte]) {
      const edited = fs.get(P).slice();
      edited[at]! ^= 0x10;
      const fs2 = new MemFS();
      fs2.set(P, edited);
      const seen: number[] = [];
      const err = thrown(() => replayWal(fs2, P, (_e, offset) => void seen.push(offset)));
      expect(isSettError(err, 'CORRUPTION')).toBe(true);
      expect(err).toMatchObject({ file: '000042.mem', offset: offsets[1] });
      expect((err as Error).message).toContain(`valid record follows at offset ${offsets[2]}`);
      expect(seen).toEqual([offsets[0]]); // batches before the damage were delivered, none after
    }
  });

  it('treats a zero-filled tail as torn, whatever its length', () => {
    const fs = new MemFS();
    const batches = threeBatches();
    const { size } = writeWal(fs, P, batches);
    for (const zeros of [1, 11, 12, 13, 4096, 100_000]) {
      const edited = new Uint8Array(size + zeros);
      edited.set(fs.get(P).subarray(0, size));
      const fs2 = new MemFS();
      fs2.set(P, edited);
      const { result, batches: got } = replayAll(fs2, P);
      expect(got).toEqual(plainBatches(batches));
      expect(result).toEqual({ validEnd: size, batches: 3, tornBytes: zeros, stoppedByCaller: false });
    }
  });

  it('treats a record whose middle was zeroed (a torn page) at the end as torn', () => {
    const fs = new MemFS();
    const batches = [[entry('a', '1')], [entry('b', 'y'.repeat(3000))]];
    const { offsets, size } = writeWal(fs, P, batches);
    const edited = fs.get(P).slice();
    edited.fill(0, offsets[1]! + 500, offsets[1]! + 1500);
    fs.set(P, edited);
    const { result } = replayAll(fs, P);
    expect(result).toEqual({ validEnd: offsets[1], batches: 1, tornBytes: size - offsets[1]!, stoppedByCaller: false });
  });

  it('reports a wrong magic followed by valid records as CORRUPTION at 0, and a wrong magic alone as a torn header', () => {
    const fs = new MemFS();
    writeWal(fs, P, threeBatches());
    const edited = fs.get(P).slice();
    edited[0] = 0x41;
    fs.set(P, edited);
    const err = thrown(() => replayAll(fs, P));
    expect(err).toMatchObject({ code: 'CORRUPTION', file: '000042.mem', offset: 0 });
    const fresh = new MemFS();
    writeWal(fresh, P, []);
    const empty = fresh.get(P).slice();
    empty[0] = 0x41;
    fresh.set(P, empty);
    expect(replayAll(fresh, P).result).toMatchObject({ validEnd: 0, batches: 0, tornBytes: empty.length });
  });

  it('reports an unknown format version (with a valid header CRC) as CORRUPTION', () => {
    const fs = new MemFS();
    writeWal(fs, P, []);
    const edited = fs.get(P).slice();
    const view = new DataView(edited.buffer);
    view.setUint16(8, 2);
    view.setUint32(30, crc32(edited.subarray(0, 30)));
    fs.set(P, edited);
    const err = thrown(() => replayAll(fs, P));
    expect(err).toMatchObject({ code: 'CORRUPTION', file: '000042.mem', offset: 8 });
  });

  it('reports an encrypted WAL read without keys as WRONG_KEY, and a key id the keys lack as CORRUPTION, rather than reading ciphertext as entries', () => {
    const fs = new MemFS();
    writeWal(fs, P, []);
    const edited = fs.get(P).slice();
    const view = new DataView(edited.buffer);
    view.setUint32(10, 5);
    view.setUint32(30, crc32(edited.subarray(0, 30)));
    fs.set(P, edited);
    expect(thrown(() => replayAll(fs, P))).toMatchObject({ code: 'WRONG_KEY' });
    expect(thrown(() => replayWal(fs, P, () => true, { keys: { dataKey: () => undefined } }))).toMatchObject({ code: 'CORRUPTION', offset: 10 });
  });

  it('reports a bad header CRC as CORRUPTION when valid records follow it', () => {
    const fs = new MemFS();
    writeWal(fs, P, threeBatches());
    const edited = fs.get(P).slice();
    edited[20]! ^= 1; // inside the IV
    fs.set(P, edited);
    expect(thrown(() => replayAll(fs, P))).toMatchObject({ code: 'CORRUPTION', file: '000042.mem', offset: 0 });
  });

  it('reads a torn header (bad CRC or all zeros) with nothing valid after it as empty, all bytes torn', () => {
    const fs = new MemFS();
    const { offsets, size } = writeWal(fs, P, threeBatches());
    const tornHeader = fs.get(P).slice();
    tornHeader[20]! ^= 1;
    tornHeader.fill(0, offsets[0]! + 3);
    fs.set(P, tornHeader);
    expect(replayAll(fs, P).result).toEqual({ validEnd: 0, batches: 0, tornBytes: size, stoppedByCaller: false });
    fs.set(P, new Uint8Array(size));
    expect(replayAll(fs, P).result).toEqual({ validEnd: 0, batches: 0, tornBytes: size, stoppedByCaller: false });
  });

  it('stops where onBatch returns false: validEnd is the rejected record start, the rest counts as torn', () => {
    const fs = new MemFS();
    const batches = threeBatches();
    const { offsets, size } = writeWal(fs, P, batches);
    const seen: number[] = [];
    const result = replayWal(fs, P, (_entries, offset) => {
      seen.push(offset);
      return offset !== offsets[1];
    });
    expect(seen).toEqual([offsets[0], offsets[1]]);
    expect(result).toEqual({ validEnd: offsets[1], batches: 1, tornBytes: size - offsets[1]!, stoppedByCaller: true });
  });

  it('reports a record with good checksums but an undecodable payload as CORRUPTION at the payload', () => {
    const fs = new MemFS();
    const w = WalWriter.create(fs, P);
    w.append([entry('a', '1')]);
    w.close();
    // Forge a record whose checksums are right but whose payload claims 2 entries and holds 1.
    const payload = encodeBatch([entry('b', '2')]);
    payload[0] = 2;
    const at = fs.get(P).length;
    const record = new Uint8Array(WAL_RECORD_HEADER_BYTES + payload.length);
    const view = new DataView(record.buffer);
    view.setUint32(0, payload.length);
    view.setUint32(4, crc32(payload));
    const covered = new Uint8Array(16);
    new DataView(covered.buffer).setUint32(4, at);
    covered.set(record.subarray(0, 8), 8);
    view.setUint32(8, crc32(covered));
    record.set(payload, WAL_RECORD_HEADER_BYTES);
    const file = new Uint8Array(at + record.length);
    file.set(fs.get(P));
    file.set(record, at);
    fs.set(P, file);
    const err = thrown(() => replayAll(fs, P));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect((err as { offset: number }).offset).toBeGreaterThanOrEqual(at + WAL_RECORD_HEADER_BYTES);
  });

  it('does not take a WAL record stored inside a value for a real record (the header CRC folds in the offset)', () => {
    // The value of the torn last batch holds a complete, valid-at-its-own-offset WAL file.
    const inner = new MemFS();
    writeWal(inner, '/inner.mem', [[entry('x', 'y')], [entry('z', 'w')]]);
    const fs = new MemFS();
    const last: Entry[] = [{ ...entry('outer', ''), value: inner.get('/inner.mem') }];
    const { offsets, size } = writeWal(fs, P, [[entry('a', '1')], last]);
    fs.set(P, fs.get(P).slice(0, size - 1));
    const { result } = replayAll(fs, P);
    expect(result).toEqual({ validEnd: offsets[1], batches: 1, tornBytes: size - 1 - offsets[1]!, stoppedByCaller: false });
  });

  it('reads files larger than its read window, with records straddling chunk edges and one larger than a chunk', () => {
    const seed = 20240611;
    const rng = new Rng(seed);
    const batches: Entry[][] = [];
    for (let i = 0; i < 300; i++) batches.push(randomBatch(rng, 1 + rng.int(40), 2000));
    batches.splice(150, 0, [{ ...entry('huge', ''), value: rng.bytes(6 << 20) }]);
    const fs = new MemFS();
    const { size, offsets } = writeWal(fs, P, batches);
    expect(size, `seed ${seed}`).toBeGreaterThan(2 * (4 << 20));
    const { result, batches: got, offsets: gotOffsets } = replayAll(fs, P);
    expect(result).toEqual({ validEnd: size, batches: batches.length, tornBytes: 0, stoppedByCaller: false });
    expect(gotOffsets).toEqual(offsets);
    expect(got).toEqual(plainBatches(batches));
  });

  it('keeps the entries it handed to onBatch intact after the read window moves on', () => {
    const rng = new Rng(7);
    const batches: Entry[][] = [];
    for (let i = 0; i < 60; i++) batches.push(randomBatch(rng, 50, 4000));
    const fs = new MemFS();
    writeWal(fs, P, batches);
    const kept: Entry[][] = [];
    replayWal(fs, P, (entries) => void kept.push(entries));
    expect(plainBatches(kept)).toEqual(plainBatches(batches));
  });

  it('names the file and the operation when the file cannot be opened', () => {
    expect(thrown(() => replayWal(new MemFS(), '/db/000009.mem', () => {}))).toMatchObject({
      code: 'IO_ERROR',
      errno: 'ENOENT',
      file: '000009.mem',
    });
  });
});
