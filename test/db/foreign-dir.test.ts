// Issue 14 item 6: another engine's directory is NOT_A_DATABASE, saying what it looks like, and is
// left exactly as it was; a sett directory with a damaged MANIFEST stays CORRUPTION.
// The foreign directories are written by hand: Badger's MANIFEST starts with "Bdgr" and a 4-byte
// version; LevelDB's CURRENT names its MANIFEST-NNNNNN.

import { describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSettError } from '../../src/base/index.js';
import { open, verifyDirectory } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR, faultFS, openSmall } from './helpers.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
/** Badger's MANIFEST header: magic "Bdgr", then version 8 (big-endian u32), then a change set. */
const BADGER_MANIFEST = Buffer.concat([bytes('Bdgr'), Buffer.from([0, 0, 0, 8]), Buffer.from([0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78])]);
const junk = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + 7) & 0xff);

function dirOf(files: Record<string, Uint8Array | string>): FaultFS {
  const fs = faultFS();
  fs.mkdir(DIR);
  for (const [name, content] of Object.entries(files)) fs.writeFileDirect(`${DIR}/${name}`, typeof content === 'string' ? bytes(content) : content);
  return fs;
}

function snapshotOf(fs: FaultFS): Record<string, string> {
  return Object.fromEntries(fs.listAll().map((p) => [p, Buffer.from(fs.readFileDirect(p)).toString('hex')]));
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the open to fail');
}

const BADGER = {
  MANIFEST: BADGER_MANIFEST,
  KEYREGISTRY: junk(64, 1),
  '000001.vlog': junk(300, 2),
  '000002.sst': junk(500, 3),
  '00003.mem': junk(200, 4),
  DISCARD: junk(128, 5),
};

const LEVELDB = {
  CURRENT: 'MANIFEST-000001\n',
  'MANIFEST-000001': junk(80, 6),
  LOG: '2024/01/01-00:00:00.000000 7f Recovering log #3\n',
  LOCK: '',
  '000003.log': junk(100, 7),
  '000005.ldb': junk(400, 8),
};

describe('another engine\'s directory is NOT_A_DATABASE and stays as it was', () => {
  it.each([
    ['a lone Badger MANIFEST', { MANIFEST: BADGER_MANIFEST }, `it looks like a Badger database (its MANIFEST starts with Badger's magic "Bdgr")`],
    ['a Badger directory (MANIFEST, KEYREGISTRY, .vlog, .sst, .mem, DISCARD)', BADGER, `it looks like a Badger database (its MANIFEST starts with Badger's magic "Bdgr")`],
    ['a Badger directory without its MANIFEST', { ...BADGER, MANIFEST: undefined }, 'it looks like a Badger database (it holds KEYREGISTRY, 000001.vlog, 000002.sst, …)'],
    ['a LevelDB directory', LEVELDB, 'it looks like a LevelDB database (CURRENT names MANIFEST-000001)'],
    ['an old LevelDB directory (NNNNNN.sst tables)', { CURRENT: 'MANIFEST-000002\n', 'MANIFEST-000002': junk(80, 9), '000004.sst': junk(400, 10) }, 'it looks like a LevelDB database (CURRENT names MANIFEST-000002)'],
    ['a LevelDB directory that lost CURRENT', { 'MANIFEST-000001': junk(80, 6), '000005.ldb': junk(400, 8) }, 'it looks like a LevelDB database (it holds 000005.ldb, MANIFEST-000001)'],
    ['a RocksDB directory', { CURRENT: 'MANIFEST-000005\n', IDENTITY: 'abc\n', 'OPTIONS-000007': '[Version]\n', 'MANIFEST-000005': junk(60, 11), '000009.sst': junk(300, 12) }, 'it looks like a RocksDB database (CURRENT names MANIFEST-000005)'],
    ['a lone MANIFEST of no known engine', { MANIFEST: 'GARBAGE!and more bytes' }, `its MANIFEST starts with "GARBAGE!", not sett's magic "SETTMANF", and no other file in it is sett's`],
  ])('%s', async (_what, files, reason) => {
    const present = Object.fromEntries(Object.entries(files).filter((e): e is [string, Uint8Array | string] => e[1] !== undefined));
    const fs = dirOf(present);
    const before = snapshotOf(fs);
    for (const readOnly of [false, true]) {
      const err = await refusal(openSmall(fs, { readOnly }));
      expect(isSettError(err, 'NOT_A_DATABASE'), String(err)).toBe(true);
      expect(err.message).toBe(`NOT_A_DATABASE: ${DIR}: not a sett database: ${reason}`);
    }
    await expect(verifyDirectory(DIR, { fs })).rejects.toThrow(reason);
    expect(snapshotOf(fs)).toEqual(before);
  });

  it('refuses a LevelDB directory on the real file system before taking the LOCK (its LOCK is a file)', async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-foreign-'));
    try {
      for (const [name, content] of Object.entries(LEVELDB)) nodeFs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : Buffer.from(content));
      const before = nodeFs.readdirSync(dir).sort();
      const err = await refusal(open(dir, { memTableSize: 1 << 20 }));
      expect(isSettError(err, 'NOT_A_DATABASE'), String(err)).toBe(true);
      expect(err.message).toContain('looks like a LevelDB database');
      expect(nodeFs.readdirSync(dir).sort()).toEqual(before);
      expect(nodeFs.statSync(path.join(dir, 'LOCK')).isFile()).toBe(true);
    } finally {
      nodeFs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a sett directory with a damaged MANIFEST stays CORRUPTION', () => {
  async function settDir(): Promise<FaultFS> {
    const fs = faultFS();
    const db = await openSmall(fs);
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, 'x'.repeat(200));
    await db.waitForBackgroundWork();
    await db.close();
    return fs;
  }

  it.each([
    ["Badger's magic over sett's", (m: Uint8Array) => Buffer.concat([BADGER_MANIFEST, m.subarray(BADGER_MANIFEST.length)])],
    ['a flipped magic byte', (m: Uint8Array) => Uint8Array.from(m, (b, i) => (i === 2 ? b ^ 0x01 : b))],
  ])('%s, beside sett\'s WAL and tables', async (_what, damage) => {
    const fs = await settDir();
    fs.writeFileDirect(`${DIR}/MANIFEST`, damage(fs.readFileDirect(`${DIR}/MANIFEST`)));
    const err = await refusal(openSmall(fs));
    expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
    expect(err.message).toMatch(/^CORRUPTION: MANIFEST at offset 0: does not start with the sett MANIFEST magic/);
  });

  it('a MANIFEST cut inside its magic, alone', async () => {
    const err = await refusal(openSmall(dirOf({ MANIFEST: 'SETT' })));
    expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
  });

  it("a foreign MANIFEST beside a file with a sett name and no sett content is judged as sett's", async () => {
    const err = await refusal(openSmall(dirOf({ MANIFEST: 'GARBAGE!', '000001.mem': '' })));
    expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
  });
});
