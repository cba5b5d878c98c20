// Torn tails, corruption and bad headers, on the real file system (crafted file images).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, crc32Range, isSettError } from '../../src/base/index.js';
import { nodeFS } from '../../src/fs/index.js';
import { SEAL_RECORD, encodeRecord } from '../../src/manifest/format.js';
import { MANIFEST_REWRITE_FILE, Manifest, type ManifestChange } from '../../src/manifest/index.js';
import { Model, expectSameState, manifestPath, randomGroups, readFile, tempDir, writeFile } from './helpers.js';

const add = (tableId: number, level = 0): ManifestChange => ({ type: 'add', tableId, level, compression: 0, keyId: 0 });
const del = (tableId: number): ManifestChange => ({ type: 'delete', tableId });

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

interface Written {
  dir: string;
  bytes: Uint8Array;
  /** File size after each record: ends[0] is the header, ends[i] the end of record i. */
  ends: number[];
  /** Model state after i records. */
  models: Model[];
}

/** Writes `groups` through Manifest, one awaited apply each, and records where each record ends. */
async function writeGroups(groups: ManifestChange[][]): Promise<Written> {
  const dir = tempDir();
  const m = await Manifest.create(nodeFS, dir);
  const ends = [m.stats().fileBytes];
  const model = new Model();
  const models = [model.clone()];
  for (const group of groups) {
    await m.apply(group);
    model.apply(group);
    ends.push(m.stats().fileBytes);
    models.push(model.clone());
  }
  m.close();
  return { dir, bytes: readFile(manifestPath(dir)), ends, models };
}

describe('MANIFEST torn tail', () => {
  it('truncates the last record cut at every byte, reopens to the records before it, and appends cleanly after', async () => {
    const w = await writeGroups(randomGroups(7, 5));
    const lastStart = w.ends[4]!;
    // The last append is the group then its seal: a cut inside the seal keeps the whole group.
    const sealStart = w.bytes.length - SEAL_RECORD.length;
    for (let cut = lastStart; cut < w.bytes.length; cut++) {
      writeFile(manifestPath(w.dir), w.bytes.subarray(0, cut));
      const { manifest, state, tornBytes } = await Manifest.open(nodeFS, w.dir);
      const validEnd = cut >= sealStart ? sealStart : lastStart;
      expect(tornBytes, `cut at ${cut}`).toBe(cut - validEnd);
      expectSameState(state, w.models[cut >= sealStart ? 5 : 4]!);
      expect(fs.statSync(manifestPath(w.dir)).size).toBe(validEnd);
      await manifest.apply([add(1e9)]);
      manifest.close();
      const again = await Manifest.open(nodeFS, w.dir);
      expect(again.tornBytes).toBe(0);
      expect(again.state.tables.has(1e9)).toBe(true);
      again.manifest.close();
    }
  });

  it('reads a zero-filled tail (a crash after the size grew, before the data landed) as torn', async () => {
    const w = await writeGroups(randomGroups(11, 4));
    const lastStart = w.ends[3]!;
    for (const zeros of [1, 11, 12, 13, 100, 4096]) {
      const img = new Uint8Array(lastStart + zeros);
      img.set(w.bytes.subarray(0, lastStart));
      writeFile(manifestPath(w.dir), img);
      const { manifest, state, tornBytes } = await Manifest.open(nodeFS, w.dir);
      expect(tornBytes, `${zeros} zero bytes`).toBe(zeros);
      expectSameState(state, w.models[3]!);
      manifest.close();
    }
  });

  it('reads a last record whose header landed but whose payload did not as torn', async () => {
    const w = await writeGroups(randomGroups(12, 4));
    const img = w.bytes.slice();
    img.fill(0, w.ends[3]! + 12); // header of record 4 intact, payload zeroed
    writeFile(manifestPath(w.dir), img);
    const { manifest, state, tornBytes } = await Manifest.open(nodeFS, w.dir);
    expect(tornBytes).toBe(w.bytes.length - w.ends[3]!);
    expectSameState(state, w.models[3]!);
    manifest.close();
  });

  it('reads random garbage after the last record as torn (seeded)', async () => {
    const w = await writeGroups(randomGroups(13, 3));
    for (let seed = 1; seed <= 50; seed++) {
      const rng = new Rng(seed);
      const garbage = rng.bytes(1 + rng.int(300));
      writeFile(manifestPath(w.dir), new Uint8Array([...w.bytes, ...garbage]));
      const { manifest, state, tornBytes } = await Manifest.open(nodeFS, w.dir);
      expect(tornBytes, `seed ${seed}`).toBe(garbage.length);
      expectSameState(state, w.models[3]!);
      manifest.close();
    }
  });

  it('drops a damaged seal like a torn one and keeps the group before it', async () => {
    const w = await writeGroups(randomGroups(15, 3));
    const img = w.bytes.slice();
    img[img.length - 1]! ^= 0x10;
    writeFile(manifestPath(w.dir), img);
    const { manifest, state, tornBytes } = await Manifest.open(nodeFS, w.dir);
    expect(tornBytes).toBe(SEAL_RECORD.length);
    expectSameState(state, w.models[3]!);
    manifest.close();
  });

  it('reports a flipped bit anywhere in the newest group as CORRUPTION: its seal follows it', async () => {
    const w = await writeGroups(randomGroups(16, 3));
    const start = w.ends[2]!;
    const sealStart = w.bytes.length - SEAL_RECORD.length;
    for (let bit = start * 8; bit < sealStart * 8; bit++) {
      const img = w.bytes.slice();
      img[bit >> 3]! ^= 1 << (bit & 7);
      writeFile(manifestPath(w.dir), img);
      const err = await caught(Manifest.open(nodeFS, w.dir));
      expect(isSettError(err, 'CORRUPTION'), `bit ${bit}: ${String(err)}`).toBe(true);
      expect(err).toMatchObject({ file: 'MANIFEST', offset: start });
    }
  });
});

describe('MANIFEST corruption', () => {
  it('reports a flipped bit anywhere in a middle record as CORRUPTION naming MANIFEST and the record offset', async () => {
    const w = await writeGroups(randomGroups(21, 5));
    const start = w.ends[2]!;
    const end = w.ends[3]!;
    // Each append is a group then its seal; a flip in the seal is reported at the seal.
    const sealStart = end - SEAL_RECORD.length;
    for (let bit = start * 8; bit < end * 8; bit++) {
      const img = w.bytes.slice();
      img[bit >> 3]! ^= 1 << (bit & 7);
      writeFile(manifestPath(w.dir), img);
      const err = await caught(Manifest.open(nodeFS, w.dir));
      const at = bit >= sealStart * 8 ? sealStart : start;
      expect(isSettError(err, 'CORRUPTION'), `bit ${bit}: ${String(err)}`).toBe(true);
      expect(err).toMatchObject({ file: 'MANIFEST', offset: at });
      expect(String(err)).toMatch(new RegExp(`MANIFEST at offset ${at}: record (header|payload) checksum`));
      // Nothing was truncated: the file is left for inspection and repair.
      expect(fs.statSync(manifestPath(w.dir)).size).toBe(w.bytes.length);
    }
  });

  it('reports a zeroed middle record followed by valid ones as CORRUPTION', async () => {
    const w = await writeGroups(randomGroups(22, 5));
    const img = w.bytes.slice();
    img.fill(0, w.ends[1]!, w.ends[2]!);
    writeFile(manifestPath(w.dir), img);
    const err = await caught(Manifest.open(nodeFS, w.dir));
    expect(err).toMatchObject({ code: 'CORRUPTION', file: 'MANIFEST', offset: w.ends[1] });
    expect(String(err)).toMatch(/valid record follows at offset/);
  });

  it('reports a record with valid checksums but an unknown change type as CORRUPTION, even at the tail', async () => {
    const w = await writeGroups(randomGroups(23, 2));
    // Hand-frame a record whose payload holds change type 0x09.
    const payload = new Uint8Array([1, 0x09, 1]);
    const rec = new Uint8Array(12 + payload.length);
    const view = new DataView(rec.buffer);
    rec.set(payload, 12);
    view.setUint32(0, payload.length);
    view.setUint32(4, crc32Range(rec, 12, rec.length));
    view.setUint32(8, crc32Range(rec, 0, 8));
    writeFile(manifestPath(w.dir), new Uint8Array([...w.bytes, ...rec]));
    const err = await caught(Manifest.open(nodeFS, w.dir));
    expect(err).toMatchObject({ code: 'CORRUPTION', file: 'MANIFEST', offset: w.bytes.length + 12 + 1 });
    expect(String(err)).toMatch(/unknown change type 0x09/);
  });

  it('reports a well-framed record that deletes a table that is not live as CORRUPTION', async () => {
    const w = await writeGroups([[add(1)], [add(2)]]);
    writeFile(manifestPath(w.dir), new Uint8Array([...w.bytes, ...encodeRecord([del(3)])]));
    const err = await caught(Manifest.open(nodeFS, w.dir));
    expect(err).toMatchObject({ code: 'CORRUPTION', file: 'MANIFEST', offset: w.bytes.length });
    expect(String(err)).toMatch(/deletes table 3, which is not live/);
  });

  it('reports a MANIFEST without the magic as CORRUPTION at 0 and leaves it alone', async () => {
    const dir = tempDir();
    for (const img of [new Uint8Array(0), new Uint8Array([0x53, 0x45]), new TextEncoder().encode('hello, this is not a manifest')]) {
      writeFile(manifestPath(dir), img);
      writeFile(path.join(dir, MANIFEST_REWRITE_FILE), new Uint8Array(3));
      const err = await caught(Manifest.open(nodeFS, dir));
      expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
      expect(err).toMatchObject({ file: 'MANIFEST', offset: 0 });
      expect(readFile(manifestPath(dir))).toEqual(img);
      expect(fs.existsSync(path.join(dir, MANIFEST_REWRITE_FILE))).toBe(true);
    }
  });

  it('reports a directory without a MANIFEST as NOT_A_DATABASE', async () => {
    const err = await caught(Manifest.open(nodeFS, tempDir()));
    expect(isSettError(err, 'NOT_A_DATABASE')).toBe(true);
  });

  it('reports a damaged file header as CORRUPTION at offset 10 and a newer version as NOT_A_DATABASE', async () => {
    const w = await writeGroups([[add(1)]]);
    const flipped = w.bytes.slice();
    flipped[9]! ^= 1;
    writeFile(manifestPath(w.dir), flipped);
    expect(await caught(Manifest.open(nodeFS, w.dir))).toMatchObject({ code: 'CORRUPTION', file: 'MANIFEST', offset: 10 });

    const newer = w.bytes.slice();
    new DataView(newer.buffer).setUint16(8, 2);
    new DataView(newer.buffer).setUint32(10, crc32Range(newer, 0, 10));
    writeFile(manifestPath(w.dir), newer);
    const err = await caught(Manifest.open(nodeFS, w.dir));
    expect(isSettError(err, 'NOT_A_DATABASE')).toBe(true);
    expect(String(err)).toMatch(/format version 2/);

    writeFile(manifestPath(w.dir), w.bytes.subarray(0, 12));
    expect(await caught(Manifest.open(nodeFS, w.dir))).toMatchObject({ code: 'CORRUPTION', file: 'MANIFEST' });
  });
});
