// Encrypted WAL, value log and tables at the file level (docs/format/encryption.md): round trips,
// ciphertext under the CRCs, and no keystream reuse after a torn tail is cut.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, encodeInternalKey } from '../../src/base/index.js';
import { dataKeySource } from '../../src/crypto/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { Table, TableBuilder, ensureCompressionReady, verifyTable, writeTable } from '../../src/sstable/index.js';
import { ValueLog, verifyVlogFile } from '../../src/vlog/index.js';
import { WalWriter, replayWal } from '../../src/wal/index.js';
import { batchesArb, plainBatches, plain } from '../wal/helpers.js';
import { randomGroup } from '../vlog/helpers.js';

const DIR = '/db';
const DK = { id: 4, key: Uint8Array.from({ length: 24 }, (_, i) => i + 100) };
const KEYS = dataKeySource([DK]);

function newFs(): FaultFS {
  const fs = new FaultFS({ durableMkdir: true });
  fs.mkdir(DIR);
  return fs;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return needle.length >= 6 && Buffer.from(hay).indexOf(Buffer.from(needle)) >= 0;
}

describe('encrypted WAL', () => {
  it('round-trips any batches, stores no value in the clear, and verifies by CRC without the key', () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const fs = newFs();
        const path = `${DIR}/000001.mem`;
        const w = WalWriter.create(fs, path, { encryption: DK });
        for (const b of batches) w.append(b);
        w.close();
        const got: ReturnType<typeof plain>[][] = [];
        const r = replayWal(fs, path, (entries) => void got.push(entries.map(plain)), { keys: KEYS });
        expect(got).toEqual(plainBatches(batches));
        expect(r.tornBytes).toBe(0);
        const bytes = fs.readFileDirect(path);
        for (const b of batches) for (const e of b) expect(contains(bytes, e.value)).toBe(false);
        expect(replayWal(fs, path, () => true, { checksumsOnly: true }).batches).toBe(batches.length);
        expect(() => replayWal(fs, path, () => true)).toThrow(expect.objectContaining({ code: 'WRONG_KEY' }));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses to append after a cut tail of an encrypted WAL (the cut bytes keystream must not carry new records)', () => {
    const fs = newFs();
    const path = `${DIR}/000001.mem`;
    const w = WalWriter.create(fs, path, { encryption: DK });
    const rng = new Rng(1);
    w.append([{ key: rng.bytes(8), value: rng.bytes(30), version: 1, meta: 0, userMeta: 0, expiresAt: 0 }]);
    const end = w.size();
    w.append([{ key: rng.bytes(8), value: rng.bytes(30), version: 2, meta: 0, userMeta: 0, expiresAt: 0 }]);
    w.close();
    const again = WalWriter.openForAppend(fs, path, end, KEYS);
    expect(() => again.append([{ key: rng.bytes(8), value: rng.bytes(3), version: 3, meta: 0, userMeta: 0, expiresAt: 0 }])).toThrow(/keystream/);
    again.close();
    expect(fs.readFileDirect(path).length).toBe(end);
    // Not cut: appending continues at fresh positions.
    const clean = WalWriter.openForAppend(fs, path, end, KEYS);
    clean.append([{ key: rng.bytes(8), value: rng.bytes(3), version: 3, meta: 0, userMeta: 0, expiresAt: 0 }]);
    clean.close();
    expect(replayWal(fs, path, () => true, { keys: KEYS }).batches).toBe(2);
  });
});

describe('encrypted value log', () => {
  it('reads back every pointer and every entry, with bodies encrypted, and continues in a new file after a torn tail is cut', async () => {
    const fs = newFs();
    let next = 0;
    const options = { fileSizeBytes: 1 << 20, readOnly: false, verifyChecksums: true, newFileId: () => ++next, keys: KEYS, currentKey: () => DK };
    const log = await ValueLog.open(fs, DIR, options);
    const group = randomGroup(new Rng(5), 20);
    const pointers = log.appendGroup(group);
    await log.sync();
    group.forEach((e, i) => expect(Buffer.compare(log.read(pointers[i]!, e.key), Buffer.from(e.value))).toBe(0));
    expect([...log.entries(1)].map((x) => Buffer.from(x.entry.value).toString('hex'))).toEqual(group.map((e) => Buffer.from(e.value).toString('hex')));
    log.close();
    const bytes = fs.readFileDirect(`${DIR}/000001.vlog`);
    for (const e of group) expect(contains(bytes, e.value)).toBe(false);
    expect(verifyVlogFile(fs, `${DIR}/000001.vlog`, 1, true).entries).toBe(20);
    expect(verifyVlogFile(fs, `${DIR}/000001.vlog`, 1, true, KEYS).entries).toBe(20);

    // A torn tail: half of a last entry.
    fs.writeFileDirect(`${DIR}/000001.vlog`, Buffer.concat([bytes, Buffer.from(bytes.subarray(34, 60))]));
    const reopened = await ValueLog.open(fs, DIR, options);
    expect(reopened.tornBytes).toBe(26);
    expect(reopened.activeFileId).toBe(2);
    expect(fs.readFileDirect(`${DIR}/000001.vlog`).length).toBe(bytes.length);
    group.forEach((e, i) => expect(Buffer.compare(reopened.read(pointers[i]!, e.key), Buffer.from(e.value))).toBe(0));
    const p2 = reopened.appendGroup(group.slice(0, 2));
    expect(p2[0]!.fileId).toBe(2);
    reopened.close();
    await expect(ValueLog.open(fs, DIR, { ...options, keys: undefined, currentKey: undefined })).rejects.toMatchObject({ code: 'WRONG_KEY' });
  });
});

describe('encrypted table (format version 2)', () => {
  it('round-trips entries under every codec, encrypts every block, and checks CRCs without the key', async () => {
    await ensureCompressionReady();
    for (const compression of ['none', 'snappy', 'zstd'] as const) {
      const fs = newFs();
      const path = `${DIR}/000007.sst`;
      const b = new TableBuilder({ blockSize: 256, bloomFalsePositive: 0.01, compression, zstdLevel: 1, encryption: DK });
      const rng = new Rng(3);
      const entries: [Uint8Array, Uint8Array][] = [];
      for (let i = 0; i < 300; i++) {
        const key = encodeInternalKey(Buffer.from(`secret-key-${String(i).padStart(5, '0')}`), 10);
        const value = Uint8Array.of(0, 0, 0, ...Buffer.from(`secret-value-${i}-${Buffer.from(rng.bytes(4)).toString('hex')}`));
        b.add(key, value);
        entries.push([key, value]);
      }
      const props = await writeTable(fs, path, b);
      expect(props.formatVersion).toBe(2);
      expect(props.keyId).toBe(4);
      const bytes = fs.readFileDirect(path);
      expect(Buffer.from(bytes).indexOf('secret-')).toBe(-1);
      const t = Table.open(fs, path, 7, { keys: KEYS });
      expect(t.properties.keyId).toBe(4);
      const it = t.iterator();
      let n = 0;
      for (it.seekToFirst(); it.valid(); it.next()) {
        expect(Buffer.compare(Buffer.from(it.key()), Buffer.from(entries[n]![0]))).toBe(0);
        expect(Buffer.compare(Buffer.from(it.value()), Buffer.from(entries[n]![1]))).toBe(0);
        n++;
      }
      it.close();
      expect(n).toBe(300);
      t.unref();
      expect(verifyTable(fs, path, 7, KEYS).entries).toBe(300);
      expect(verifyTable(fs, path, 7).blocks).toBe(3); // meta blocks only: data block handles are in the encrypted index
      expect(() => Table.open(fs, path, 7)).toThrow(expect.objectContaining({ code: 'WRONG_KEY' }));
      // A flipped byte in a meta block is found without the key.
      const bad = bytes.slice();
      bad[bad.length - 70]! ^= 1;
      fs.writeFileDirect(path, bad);
      expect(() => verifyTable(fs, path, 7)).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    }
  });
});
