// Issue 14 item 6: every command exits 2 on another engine's directory, saying what it looks like,
// before reading its KEYREGISTRY or MANIFEST as sett's, and changes nothing in it. Directories are
// written by hand: Badger's MANIFEST starts with "Bdgr" and a 4-byte version; LevelDB's CURRENT
// names its MANIFEST-NNNNNN.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sett, settJson } from './helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sett-cli-foreign-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeDir(name: string, files: Record<string, Buffer | string>): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString('hex')]));
}

const junk = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + 7) & 0xff));
const BADGER_MANIFEST = Buffer.concat([Buffer.from('Bdgr', 'latin1'), Buffer.from([0, 0, 0, 8]), junk(8, 1)]);

const BADGER = { MANIFEST: BADGER_MANIFEST, KEYREGISTRY: junk(64, 2), '000001.vlog': junk(300, 3), '000002.sst': junk(500, 4), '00003.mem': junk(200, 5), DISCARD: junk(64, 6) };
const LEVELDB = { CURRENT: 'MANIFEST-000001\n', 'MANIFEST-000001': junk(80, 7), LOG: 'Recovering log #3\n', LOCK: '', '000003.log': junk(100, 8), '000005.ldb': junk(400, 9) };

describe('sett on another engine\'s directory', () => {
  it.each([
    ['Badger', BADGER, 'looks like a Badger database'],
    ['a lone Badger MANIFEST', { MANIFEST: BADGER_MANIFEST }, 'looks like a Badger database'],
    ['LevelDB', LEVELDB, 'looks like a LevelDB database (CURRENT names MANIFEST-000001)'],
  ])('%s: every command exits 2 with NOT_A_DATABASE and what it looks like, and changes nothing', async (name, files, looksLike) => {
    const dir = makeDir(name.replace(/\W+/g, '-'), files);
    const before = contents(dir);
    const runs = await Promise.all([
      sett('info', dir),
      sett('verify', dir),
      sett('get', dir, 'k'),
      sett('scan', dir),
      sett('backup', dir, join(root, `${name.replace(/\W+/g, '-')}.bak`)),
      sett('gc', dir),
      sett('flatten', dir),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${dir} is not a sett database: it ${looksLike}`);
    }
    const json = await settJson<{ ok: boolean; error: { code: string; message: string } }>('info', dir);
    expect(json.code).toBe(2);
    expect(json.json.error.code).toBe('NOT_A_DATABASE');
    expect(json.json.error.message).toContain(looksLike);
    expect(contents(dir)).toEqual(before);
  });

  it('restore --force onto a Badger directory exits 2 and changes nothing', async () => {
    const dir = makeDir('badger-restore', BADGER);
    const before = contents(dir);
    const backup = join(root, 'empty.bak');
    writeFileSync(backup, Buffer.from('SETTBKUP'));
    const r = await sett('restore', backup, dir, '--force');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('looks like a Badger database');
    expect(contents(dir)).toEqual(before);
  });
});
