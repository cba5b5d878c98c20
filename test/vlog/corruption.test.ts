// Corruption in value-log files is reported as CORRUPTION naming the file and the entry's offset,
// never returned as wrong bytes — except, by design, a flipped value byte read without
// verifyChecksums (docs/format.md §VLOG.read).

import { describe, expect, it } from 'vitest';
import { Rng, ValuePointer, isSettError, type SettError } from '../../src/base/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { ValueLog, VLOG_HEADER_BYTES, type VlogEntry } from '../../src/vlog/index.js';
import { encodeVlogHeader } from '../../src/vlog/format.js';
import { Ids, flipBit, hex, newFaultFS, openLog, randomGroup, rejected, thrown, vlogPath } from './helpers.js';

function expectCorruption(err: unknown, file: string, offset: number): void {
  expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
  expect((err as SettError).file).toBe(file);
  expect((err as SettError).offset).toBe(offset);
}

/** A log with three files of a few entries each; `target` is an entry in the middle of the middle file. */
async function setup(verifyChecksums: boolean): Promise<{ fs: FaultFS; log: ValueLog; target: { entry: VlogEntry; pointer: ValuePointer } }> {
  const fs = newFaultFS();
  const log = await openLog(fs, new Ids(), { verifyChecksums, fileSizeBytes: 300 });
  const rng = new Rng(99);
  const entry: VlogEntry = { key: Buffer.from('target-key'), version: 1234, meta: 0, userMeta: 9, expiresAt: 1_700_000_000_000, value: Buffer.from('the value bytes') };
  log.appendGroup(randomGroup(rng, 3, 60));
  await log.rotate();
  const pointers = log.appendGroup([...randomGroup(rng, 2, 60), entry, ...randomGroup(rng, 2, 60)]);
  await log.rotate();
  log.appendGroup(randomGroup(rng, 3, 60));
  return { fs, log, target: { entry, pointer: pointers[2]! } };
}

/** Byte ranges of the target entry (it has one-byte varints): header, fields, key, value. */
function layout(e: VlogEntry): { header: number[]; meta: number[]; lengths: number[]; versionAndExpiry: number[]; key: number[]; value: number[] } {
  const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
  const versionBytes = 2; // 1234
  const expiryBytes = 6; // 1.7e12
  const keyStart = 12 + 2 + 1 + 1 + versionBytes + expiryBytes;
  return {
    header: range(0, 12),
    meta: range(12, 2),
    lengths: range(14, 2),
    versionAndExpiry: range(16, versionBytes + expiryBytes),
    key: range(keyStart, e.key.length),
    value: range(keyStart + e.key.length, e.value.length),
  };
}

describe('value-log corruption', () => {
  it('with verifyChecksums, any flipped bit of an entry makes read() and readEntry() fail naming file and offset', async () => {
    const { fs, log, target } = await setup(true);
    const { pointer, entry } = target;
    const path = vlogPath(pointer.fileId);
    expect(hex(log.read(pointer, entry.key))).toBe(hex(entry.value));
    for (let byte = 0; byte < pointer.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        flipBit(fs, path, pointer.offset + byte, bit);
        expectCorruption(thrown(() => log.read(pointer, entry.key)), '000002.vlog', pointer.offset);
        expectCorruption(thrown(() => log.readEntry(pointer)), '000002.vlog', pointer.offset);
        flipBit(fs, path, pointer.offset + byte, bit);
      }
    }
    expect(hex(log.read(pointer, entry.key))).toBe(hex(entry.value));
    log.close();
  });

  it('without verifyChecksums, a flipped bit in the header, the length fields or the key is still caught', async () => {
    const { fs, log, target } = await setup(false);
    const { pointer, entry } = target;
    const path = vlogPath(pointer.fileId);
    const parts = layout(entry);
    expect(parts.value[parts.value.length - 1]).toBe(pointer.length - 1);
    for (const byte of [...parts.header, ...parts.lengths, ...parts.key]) {
      for (let bit = 0; bit < 8; bit++) {
        flipBit(fs, path, pointer.offset + byte, bit);
        expectCorruption(thrown(() => log.read(pointer, entry.key)), '000002.vlog', pointer.offset);
        flipBit(fs, path, pointer.offset + byte, bit);
      }
    }
    log.close();
  });

  it('without verifyChecksums, catches every flipped bit of the header, key and length varints of random entries (seeded)', async () => {
    const seed = 4242;
    const rng = new Rng(seed);
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids(), { verifyChecksums: false });
    const entries: VlogEntry[] = [];
    for (let i = 0; i < 12; i++) {
      const key = rng.bytes(1 + rng.int(rng.bool(0.5) ? 200 : 20));
      const value = rng.bytes(rng.int(rng.bool(0.5) ? 20_000 : 100));
      entries.push({ key, version: rng.int(1 << 30), meta: 0, userMeta: 0, expiresAt: 0, value });
    }
    const pointers = log.appendGroup(entries);
    const path = vlogPath(1);
    let flips = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const p = pointers[i]!;
      const keyLenBytes = e.key.length < 128 ? 1 : 2;
      const valueLenBytes = e.value.length < 128 ? 1 : e.value.length < 16384 ? 2 : 3;
      const versionAndExpiry = p.length - 12 - 2 - keyLenBytes - valueLenBytes - e.key.length - e.value.length;
      const keyStart = 14 + keyLenBytes + valueLenBytes + versionAndExpiry;
      const bytes = [...Array(12).keys(), ...Array.from({ length: keyLenBytes + valueLenBytes }, (_, j) => 14 + j), ...Array.from({ length: e.key.length }, (_, j) => keyStart + j)];
      for (const byte of bytes) {
        for (let bit = 0; bit < 8; bit++) {
          flipBit(fs, path, p.offset + byte, bit);
          expectCorruption(thrown(() => log.read(p, e.key)), '000001.vlog', p.offset);
          flipBit(fs, path, p.offset + byte, bit);
          flips++;
        }
      }
      expect(hex(log.read(p, e.key)), `seed ${seed}`).toBe(hex(e.value));
    }
    expect(flips).toBeGreaterThan(5000);
    log.close();
  });

  it('without verifyChecksums, a flipped bit in the value (or meta, version, expiry) is not caught by read(), but by readEntry()', async () => {
    // Documented: read() skips the body CRC unless verifyChecksums; it checks the framing and the key only.
    const { fs, log, target } = await setup(false);
    const { pointer, entry } = target;
    const path = vlogPath(pointer.fileId);
    const parts = layout(entry);
    for (const byte of [...parts.value, ...parts.meta, ...parts.versionAndExpiry]) {
      // Bit 1: a known meta bit (VALUE_POINTER), never a varint's continuation bit.
      flipBit(fs, path, pointer.offset + byte, 1);
      const value = log.read(pointer, entry.key);
      expect(hex(value) === hex(entry.value)).toBe(!parts.value.includes(byte));
      expectCorruption(thrown(() => log.readEntry(pointer)), '000002.vlog', pointer.offset);
      flipBit(fs, path, pointer.offset + byte, 1);
    }
    log.close();
  });

  it('refuses a pointer made for another key, another place or another file', async () => {
    const { log, target } = await setup(false);
    const { pointer, entry } = target;
    const { fileId, offset, length } = pointer;
    expectCorruption(thrown(() => log.read(pointer, Buffer.from('target-kez'))), '000002.vlog', offset);
    expectCorruption(thrown(() => log.read(pointer, Buffer.from('target-key-longer'))), '000002.vlog', offset);
    expectCorruption(thrown(() => log.read(pointer, Buffer.from('target'))), '000002.vlog', offset);
    expectCorruption(thrown(() => log.read(new ValuePointer(fileId, offset + 1, length), entry.key)), '000002.vlog', offset + 1);
    expectCorruption(thrown(() => log.read(new ValuePointer(fileId, offset, length + 1), entry.key)), '000002.vlog', offset);
    expectCorruption(thrown(() => log.read(new ValuePointer(fileId, offset, length - 1), entry.key)), '000002.vlog', offset);
    expectCorruption(thrown(() => log.read(new ValuePointer(1, offset, length), entry.key)), '000001.vlog', offset);
    expectCorruption(thrown(() => log.read(new ValuePointer(77, offset, length), entry.key)), '000077.vlog', offset);
    expectCorruption(thrown(() => log.read(new ValuePointer(fileId, 0, length), entry.key)), '000002.vlog', 0);
    const end = log.validEnd(fileId)!;
    expectCorruption(thrown(() => log.read(new ValuePointer(fileId, end - 10, 30), entry.key)), '000002.vlog', end - 10);
    log.close();
  });

  it('reports an entry damaged in the middle of the active file on open (a valid entry follows it)', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids());
    const pointers = log.appendGroup(randomGroup(new Rng(5), 10, 100));
    await log.sync();
    log.close();
    const victim = pointers[4]!;
    flipBit(fs, vlogPath(1), victim.offset + victim.length - 1, 0);
    const err = await rejected(openLog(fs, new Ids(2)));
    expectCorruption(err, '000001.vlog', victim.offset);
    expect((err as Error).message).toContain(`a valid entry follows at offset ${pointers[5]!.offset}`);
  });

  it('treats damage to the last entry of the active file as a torn tail', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids());
    const pointers = log.appendGroup(randomGroup(new Rng(6), 10, 100));
    await log.sync();
    log.close();
    const last = pointers[9]!;
    flipBit(fs, vlogPath(1), last.offset + 20, 5);
    const reopened = await openLog(fs, new Ids(2));
    expect(reopened.validEnd(1)).toBe(last.offset);
    expect(reopened.tornBytes).toBe(last.length);
    reopened.close();
  });

  it('yields CORRUPTION from entries() at a damaged entry of an older file', async () => {
    const { fs, log, target } = await setup(true);
    flipBit(fs, vlogPath(2), target.pointer.offset + 15, 1);
    expectCorruption(thrown(() => [...log.entries(2)]), '000002.vlog', target.pointer.offset);
    log.close();
  });

  it('judges file headers: a damaged older header, magic, version or key id is CORRUPTION; a bad magic on the newest file with entries after it too', async () => {
    const make = async (): Promise<FaultFS> => {
      const { fs, log } = await setup(true);
      log.close();
      return fs;
    };
    let fs = await make();
    flipBit(fs, vlogPath(1), 0, 0);
    expectCorruption(await rejected(openLog(fs, new Ids(9))), '000001.vlog', 0);
    fs = await make();
    flipBit(fs, vlogPath(3), 2, 0);
    expectCorruption(await rejected(openLog(fs, new Ids(9))), '000003.vlog', 0);
    fs = await make();
    flipBit(fs, vlogPath(1), 20, 0);
    expectCorruption(await rejected(openLog(fs, new Ids(9))), '000001.vlog', 30);
    fs = await make();
    fs.writeFileDirect(vlogPath(1), fs.readFileDirect(vlogPath(1)).subarray(0, 20));
    expectCorruption(await rejected(openLog(fs, new Ids(9))), '000001.vlog', 0);
    for (const [header, offset] of [
      [encodeVlogHeader({ version: 2, keyId: 0, iv: new Uint8Array(16) }), 8],
    ] as const) {
      for (const id of [1, 3]) {
        fs = await make();
        const bytes = fs.readFileDirect(vlogPath(id));
        bytes.set(header, 0);
        fs.writeFileDirect(vlogPath(id), bytes);
        expectCorruption(await rejected(openLog(fs, new Ids(9))), vlogPath(id).slice(4), offset);
      }
    }
    // A key id under a good header CRC is an encrypted file: without keys, WRONG_KEY (test/crypto covers decryption).
    for (const id of [1, 3]) {
      fs = await make();
      const bytes = fs.readFileDirect(vlogPath(id));
      bytes.set(encodeVlogHeader({ version: 1, keyId: 5, iv: new Uint8Array(16) }), 0);
      fs.writeFileDirect(vlogPath(id), bytes);
      expect(await rejected(openLog(fs, new Ids(9)))).toMatchObject({ code: 'WRONG_KEY', file: vlogPath(id).slice(4) });
    }
  });

  it('treats a bad header of the newest file as torn when nothing valid follows, as CORRUPTION when something does', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids());
    log.appendGroup(randomGroup(new Rng(7), 3));
    await log.sync();
    log.close();
    const withEntries = fs.readFileDirect(vlogPath(1));
    withEntries[20]! ^= 1;
    fs.writeFileDirect(vlogPath(1), withEntries);
    expectCorruption(await rejected(openLog(fs, new Ids(2))), '000001.vlog', 0);

    const headerOnly = withEntries.slice(0, VLOG_HEADER_BYTES);
    fs.writeFileDirect(vlogPath(1), headerOnly);
    const reopened = await openLog(fs, new Ids(2));
    expect(reopened.tornBytes).toBe(VLOG_HEADER_BYTES);
    expect(reopened.validEnd(1)).toBe(VLOG_HEADER_BYTES);
    const [p] = reopened.appendGroup(randomGroup(new Rng(8), 1));
    expect(p!.offset).toBe(VLOG_HEADER_BYTES);
    reopened.close();
    expect(hex(fs.readFileDirect(vlogPath(1)).subarray(0, VLOG_HEADER_BYTES))).toBe(hex(encodeVlogHeader({ version: 1, keyId: 0, iv: new Uint8Array(16) })));
  });
});
