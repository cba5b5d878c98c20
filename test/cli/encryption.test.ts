// The CLI on an encrypted database (bench/fixtures/build.ts, variant `encrypted`): --key-file and
// SETT_KEY_FILE on every command, what each does without the key, rotate-key, and that dump without
// the key never prints a key or value.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLD, buildFixtures, sett, settJson, settWithEnv, type Facts, type Fixtures } from './helpers.js';

type Encryption = NonNullable<Facts['encryption']>;

let fx: Fixtures;
let enc: Encryption;
let dir: string;
let key: string;
let rawKey: string;
let wrongKey: string;
let badKey: string;

beforeAll(async () => {
  fx = await buildFixtures();
  if (fx.facts.encryption === undefined) throw new Error(`the encrypted fixture was not built: ${fx.facts.skipped['encrypted']}`);
  enc = fx.facts.encryption;
  dir = fx.dir('encrypted');
  key = fx.path(enc.keyFile);
  rawKey = fx.path(enc.rawKeyFile);
  wrongKey = fx.path(enc.wrongKeyFile);
  badKey = fx.path(enc.badKeyFile);
});
afterAll(() => fx?.cleanup());

interface ScanJson {
  count: number;
  entries: { key: string; value?: string }[];
}

const NEEDS_KEY = /the database is encrypted: pass --key-file FILE \(or set SETT_KEY_FILE\)/;
const WRONG = /is not this database's key \(WRONG_KEY\)/;

describe('--key-file and SETT_KEY_FILE', () => {
  it('get and scan read an encrypted database with its key as hex text or raw bytes, or from SETT_KEY_FILE', async () => {
    const s = enc.samples;
    const [hex, raw, env, scan] = await Promise.all([
      Promise.all(s.map((x) => sett('get', dir, x.key, '--key-file', key))),
      sett('get', dir, s[1]!.key, '--key-file', rawKey),
      settWithEnv({ SETT_KEY_FILE: key }, 'get', dir, s[3]!.key),
      settJson<ScanJson>('scan', dir, '--key-file', key),
    ]);
    hex.forEach((r, i) => expect(r).toEqual({ code: 0, stdout: `${s[i]!.value}\n`, stderr: '' }));
    expect(raw).toEqual({ code: 0, stdout: `${s[1]!.value}\n`, stderr: '' });
    expect(env).toEqual({ code: 0, stdout: `${s[3]!.value}\n`, stderr: '' });
    expect(scan.code).toBe(0);
    expect(scan.json.count).toBe(enc.liveKeys);
  });

  it('without the key every command that reads entries exits 1 with WRONG_KEY and says to pass --key-file', async () => {
    const [runs, json] = await Promise.all([
      Promise.all([
        sett('get', dir, enc.samples[0]!.key),
        sett('scan', dir),
        sett('backup', dir, join(fx.root, 'nokey.backup')),
        sett('gc', fx.copy('encrypted')),
        sett('flatten', fx.copy('encrypted')),
      ]),
      settJson('get', dir, enc.samples[0]!.key),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(NEEDS_KEY);
    }
    expect(json.code).toBe(1);
    expect(json.json).toMatchObject({ ok: false, error: { code: 'WRONG_KEY' } });
  });

  it('another key is WRONG_KEY (exit 1) for every command; the flag wins over SETT_KEY_FILE', async () => {
    const runs = await Promise.all([
      sett('get', dir, enc.samples[0]!.key, '--key-file', wrongKey),
      sett('scan', dir, '--key-file', wrongKey),
      sett('info', dir, '--key-file', wrongKey),
      sett('verify', dir, '--key-file', wrongKey),
      sett('backup', dir, join(fx.root, 'wrong.backup'), '--key-file', wrongKey),
      sett('gc', fx.copy('encrypted'), '--key-file', wrongKey),
      sett('flatten', fx.copy('encrypted'), '--key-file', wrongKey),
      settWithEnv({ SETT_KEY_FILE: wrongKey }, 'get', dir, enc.samples[0]!.key),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(WRONG);
    }
    expect(runs[7]!.stderr).toContain(`SETT_KEY_FILE=${wrongKey}`);
    const flagWins = await settWithEnv({ SETT_KEY_FILE: wrongKey }, 'get', dir, enc.samples[0]!.key, '--key-file', key);
    expect(flagWins).toEqual({ code: 0, stdout: `${enc.samples[0]!.value}\n`, stderr: '' });
  });

  it('a key file that is not a key, or is missing, is a usage error (exit 2) naming the file', async () => {
    const [bad, missing, envBad, json] = await Promise.all([
      sett('get', dir, 'k', '--key-file', badKey),
      sett('scan', dir, '--key-file', join(fx.root, 'no-such.key')),
      settWithEnv({ SETT_KEY_FILE: badKey }, 'info', dir),
      settJson('verify', dir, '--key-file', badKey),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--key-file ${badKey}: holds 20 bytes, which is not a key`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such key file');
    expect(envBad.code).toBe(2);
    expect(envBad.stderr).toContain(`SETT_KEY_FILE=${badKey}`);
    expect(json.code).toBe(2);
    expect(json.json).toMatchObject({ ok: false, error: { code: 'BAD_KEY_FILE' } });
  });

  it('a key for a plain database is refused (exit 1: not encrypted); an empty SETT_KEY_FILE means no key', async () => {
    const [flag, env, empty] = await Promise.all([
      sett('get', fx.dir('db'), fx.facts.samples[0]!.key, '--key-file', key),
      settWithEnv({ SETT_KEY_FILE: key }, 'scan', fx.dir('db'), '--limit', '1'),
      settWithEnv({ SETT_KEY_FILE: '' }, 'get', fx.dir('db'), fx.facts.samples[0]!.key),
    ]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('this database is not encrypted: run without a key');
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('the key came from SETT_KEY_FILE: set it empty');
    expect(empty).toEqual({ code: 0, stdout: `${fx.facts.samples[0]!.value}\n`, stderr: '' });
  });
});

interface InfoJson {
  encryption: { encrypted: boolean; keyGiven?: boolean; dataKeys?: number; newestKeyId?: number; newestKeyCreatedAt?: string };
  tables: { file: string; keyId: number; sealed: boolean; keys: number | null; smallest: string | null }[];
  unreadable: unknown[];
  extra: string[];
}

describe('sett info on an encrypted database', () => {
  it('without a key: encrypted, the number of data keys and the newest one\'s creation time, each table\'s key id, contents not read', async () => {
    const [{ code, json }, text, plain] = await Promise.all([settJson<InfoJson>('info', dir), sett('info', dir, '--tables'), settJson<InfoJson>('info', fx.dir('db'))]);
    expect(code).toBe(0);
    expect(json.encryption).toMatchObject({ encrypted: true, keyGiven: false, dataKeys: enc.dataKeys, newestKeyId: enc.dataKeys, newestKeyCreatedAt: '2024-01-12T00:00:00.000Z' });
    expect(json.tables.length).toBe(enc.files.tables.length);
    for (const t of json.tables) expect(t).toMatchObject({ sealed: true, keys: null, smallest: null, keyId: expect.any(Number) as number });
    expect(json.tables.every((t) => t.keyId >= 1)).toBe(true);
    expect(json.unreadable).toEqual([]);
    expect(json.extra).toEqual([]); // KEYREGISTRY is the database's own file
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Encryption: encrypted (AES-CTR), ${enc.dataKeys} data keys, newest (id ${enc.dataKeys}) made 2024-01-12T00:00:00.000Z; no key given`);
    expect(text.stdout).toContain('key id');
    expect(text.stdout).toContain('(encrypted)');
    for (const m of enc.markers) expect(text.stdout).not.toContain(m);
    expect(plain.json.encryption).toEqual({ encrypted: false });
  });

  it('with the key: every table\'s entries and key range', async () => {
    const { code, json } = await settJson<InfoJson>('info', dir, '--key-file', key);
    expect(code).toBe(0);
    expect(json.encryption).toMatchObject({ encrypted: true, keyGiven: true });
    for (const t of json.tables) {
      expect(t.sealed).toBe(false);
      expect(t.keys).toBeGreaterThan(0);
      expect(t.smallest).toMatch(/^secret/);
    }
  });
});

interface VerifyJson {
  ok: boolean;
  entries: number;
  encryption: { encrypted: boolean; keyGiven: boolean; entriesRead: boolean };
}

describe('sett verify on an encrypted database', () => {
  it('without a key checks every checksum, reads no entry, and says so; with the key reads every entry', async () => {
    const [text, json, withKey] = await Promise.all([sett('verify', dir), settJson<VerifyJson>('verify', dir), settJson<VerifyJson>('verify', dir, '--key-file', key)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('the entries and the tables\' data blocks were not read. Pass --key-file FILE');
    expect(text.stdout).toContain('OK: every checksum matched.');
    expect(json.json).toMatchObject({ ok: true, entries: 0, encryption: { encrypted: true, keyGiven: false, entriesRead: false } });
    expect(withKey.code).toBe(0);
    expect(withKey.json).toMatchObject({ ok: true, entries: enc.liveKeys, encryption: { encrypted: true, keyGiven: true, entriesRead: true } });
  });
});

interface DumpJson {
  kind: string;
  keyId?: number;
  sealed?: boolean;
  encrypted?: boolean;
  records?: number;
  entryCount?: number;
  entries?: { key: string; value?: string }[];
}

describe('sett dump of an encrypted file', () => {
  it('without a key shows the plaintext header (key id, sizes, counts), checks the CRCs, and says the contents are encrypted', async () => {
    const table = join(dir, enc.files.tables[0]!);
    const vlog = join(dir, enc.files.vlogs[0]!);
    const [t, v, text] = await Promise.all([settJson<DumpJson>('dump', table), settJson<DumpJson>('dump', vlog), sett('dump', table)]);
    expect(t.code).toBe(0);
    expect(t.json).toMatchObject({ kind: 'table', sealed: true, encrypted: true });
    expect(t.json.keyId).toBeGreaterThanOrEqual(1);
    expect(t.json.entries).toBeUndefined();
    expect(v.code).toBe(0);
    expect(v.json).toMatchObject({ kind: 'vlog', sealed: true });
    expect(v.json.entryCount).toBeGreaterThan(0);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('the contents are encrypted and were not read (no key given): pass --key-file FILE');
  });

  // Also catches a file the engine left unencrypted: the WAL that open() creates is written plain
  // (keyId 0) until src/db/open.ts passes the data key to Memtable.create, as lsm.ts does.
  it('without a key prints no key or value of the database, whatever file it is given', async () => {
    const names = readdirSync(dir).filter((n) => !n.startsWith('LOCK'));
    const runs = await Promise.all(names.map((n) => sett('dump', join(dir, n))));
    runs.forEach((r, i) => {
      expect(r.code, `${names[i]}: ${r.stderr}`).toBe(0);
      for (const m of enc.markers) expect(r.stdout, `dump ${names[i]} printed "${m}"`).not.toContain(m);
    });
  });

  it('with the key decrypts a table, a value-log file and a WAL found next to their KEYREGISTRY', async () => {
    const [t, v, w] = await Promise.all([
      settJson<DumpJson>('dump', join(dir, enc.files.tables[0]!), '--key-file', key),
      settJson<DumpJson>('dump', join(dir, enc.files.vlogs[0]!), '--key-file', key),
      settJson<DumpJson>('dump', join(dir, enc.files.wals.at(-1)!), '--key-file', key),
    ]);
    for (const r of [t, v, w]) {
      expect(r.code).toBe(0);
      expect(r.json.sealed).toBeUndefined();
      expect(r.json.entries!.length).toBeGreaterThan(0);
      expect(r.json.entries!.every((e) => e.key.startsWith('secret'))).toBe(true);
    }
    expect(v.json.entries!.some((e) => e.value?.startsWith('hidden-value-') === true)).toBe(true);
  });

  it('with the key, a file away from its KEYREGISTRY cannot be decrypted (exit 1); the KEYREGISTRY dump checks the key', async () => {
    const away = join(fx.root, enc.files.vlogs[0]!);
    copyFileSync(join(dir, enc.files.vlogs[0]!), away);
    const [r, reg, regWrong] = await Promise.all([
      sett('dump', away, '--key-file', key),
      settJson<{ kind: string; dataKeys: number; keyMatches?: boolean }>('dump', join(dir, 'KEYREGISTRY'), '--key-file', key),
      sett('dump', join(dir, 'KEYREGISTRY'), '--key-file', wrongKey),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no KEYREGISTRY next to it');
    expect(reg.code).toBe(0);
    expect(reg.json).toMatchObject({ kind: 'keyregistry', dataKeys: enc.dataKeys, keyMatches: true });
    expect(regWrong.code).toBe(1);
    expect(regWrong.stderr).toMatch(WRONG);
  });
});

describe('write commands with the key', () => {
  it('gc and flatten run with the key and every key still reads back', async () => {
    const copy = fx.copy('encrypted');
    expect((await sett('gc', copy, '--key-file', key)).code).toBe(0);
    const flatten = await sett('flatten', copy, '--key-file', key);
    expect(flatten.code).toBe(0);
    const scan = await settJson<ScanJson>('scan', copy, '--key-file', key);
    expect(scan.json.count).toBe(enc.liveKeys);
  });

  it('backup with the key, restore with a key into a new directory: an encrypted copy that needs that key', async () => {
    const file = join(fx.root, 'enc.backup');
    const backup = await sett('backup', dir, file, '--key-file', key);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain('the backup file is not encrypted');
    const target = join(fx.root, 'enc-restored');
    expect((await sett('restore', file, target, '--key-file', wrongKey)).code).toBe(0); // a new database, with this key
    const [withIt, without, source] = await Promise.all([
      settJson<ScanJson>('scan', target, '--key-file', wrongKey),
      sett('scan', target),
      settJson<ScanJson>('scan', dir, '--key-file', key),
    ]);
    expect(withIt.json).toEqual(source.json);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(NEEDS_KEY);
    // --force onto it needs its key.
    const refused = await sett('restore', file, target, '--force');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(NEEDS_KEY);
  });
});

function waitForExit(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

describe('sett rotate-key', () => {
  it('re-encrypts the data keys under the new key: the new key opens the database, the old one is refused', async () => {
    const copy = fx.copy('encrypted');
    const r = await settJson<{ rotated: boolean; dataKeys: number }>('rotate-key', copy, '--key-file', key, '--new-key-file', wrongKey);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ rotated: true, dataKeys: enc.dataKeys });
    const s = enc.samples[1]!;
    const [withNew, withOld] = await Promise.all([sett('get', copy, s.key, '--key-file', wrongKey), sett('get', copy, s.key, '--key-file', key)]);
    expect(withNew).toEqual({ code: 0, stdout: `${s.value}\n`, stderr: '' });
    expect(withOld.code).toBe(1);
    expect(withOld.stderr).toMatch(WRONG);
    const text = await sett('rotate-key', copy, '--key-file', wrongKey, '--new-key-file', rawKey);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Rotated the master key of ${copy}: its ${enc.dataKeys} data keys are now encrypted under the key in ${rawKey}.`);
  });

  it('a wrong old key is WRONG_KEY (exit 1) and changes nothing; SETT_KEY_FILE is the old key by default', async () => {
    const copy = fx.copy('encrypted');
    const before = readFileSync(join(copy, 'KEYREGISTRY'));
    const r = await sett('rotate-key', copy, '--key-file', wrongKey, '--new-key-file', rawKey);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(WRONG);
    expect(r.stderr).toContain('nothing was changed');
    expect(readFileSync(join(copy, 'KEYREGISTRY')).equals(before)).toBe(true);
    const env = await settWithEnv({ SETT_KEY_FILE: key }, 'rotate-key', copy, '--new-key-file', wrongKey);
    expect(env.code).toBe(0);
  });

  it('a plain database is not encrypted (exit 1); missing or bad key files are usage errors (exit 2)', async () => {
    const [plain, noNew, noOld, badNew] = await Promise.all([
      sett('rotate-key', fx.dir('db'), '--key-file', key, '--new-key-file', wrongKey),
      sett('rotate-key', dir, '--key-file', key),
      sett('rotate-key', dir, '--new-key-file', key),
      sett('rotate-key', dir, '--key-file', key, '--new-key-file', badKey),
    ]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('this database is not encrypted: there is no key to rotate');
    expect(noNew.code).toBe(2);
    expect(noNew.stderr).toContain('--new-key-file');
    expect(noOld.code).toBe(2);
    expect(noOld.stderr).toContain('rotate-key needs the current key');
    expect(badNew.code).toBe(2);
    expect(badNew.stderr).toContain(`--new-key-file ${badKey}: holds 20 bytes`);
  });

  it('exits 3 and changes nothing while another process has the database open', async () => {
    const copy = fx.copy('encrypted');
    const holder = spawn(process.execPath, [HOLD, copy, key], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        let err = '';
        holder.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('ready')) resolve();
        });
        holder.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        holder.on('exit', (code) => reject(new Error(`the holder exited (${code}): ${err}`)));
      });
      // Read after the holder's open, which adds a data key (the newest one is older than 10 days).
      const before = readFileSync(join(copy, 'KEYREGISTRY'));
      const r = await sett('rotate-key', copy, '--key-file', key, '--new-key-file', wrongKey);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('Cannot acquire directory lock');
      expect(readFileSync(join(copy, 'KEYREGISTRY')).equals(before)).toBe(true);
    } finally {
      holder.stdin.end();
      await waitForExit(holder);
    }
  });
});
