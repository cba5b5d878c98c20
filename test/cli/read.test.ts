import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, sett, settJson, type Fixtures } from './helpers.js';

interface ScanJson {
  count: number;
  entries: { key: string; value?: string; version?: number; deleted?: boolean }[];
}

let fx: Fixtures;
let db: string;
beforeAll(async () => {
  fx = await buildFixtures();
  db = fx.dir('db');
});
afterAll(() => fx?.cleanup());

describe('sett get', () => {
  it('prints the newest value of keys from every source: deepest level, L0, value log, WAL', async () => {
    const runs = await Promise.all(fx.facts.samples.map((s) => sett('get', db, s.key)));
    runs.forEach((r, i) => {
      expect(r).toEqual({ code: 0, stdout: `${fx.facts.samples[i]!.value}\n`, stderr: '' });
    });
  });

  it('reads binary keys given as 0x + hex and prints binary values as hex; --raw writes the bytes', async () => {
    const [hex, raw, json] = await Promise.all([
      sett('get', db, `0x${fx.facts.binaryKeyHex}`),
      sett('get', db, fx.facts.samples[0]!.key, '--raw'),
      settJson('get', db, `0x${fx.facts.binaryKeyHex}`),
    ]);
    expect(hex.stdout).toBe(`0x${fx.facts.binaryValueHex}\n`);
    expect(raw.stdout).toBe(fx.facts.samples[0]!.value);
    expect(json.json).toEqual({ key: `0x${fx.facts.binaryKeyHex}`, found: true, value: `0x${fx.facts.binaryValueHex}`, bytes: fx.facts.binaryValueHex.length / 2 });
  });

  it('--hex forces hex for a printable key and value', async () => {
    const s = fx.facts.samples[4]!;
    const r = await settJson('get', db, s.key, '--hex');
    expect(r.json).toMatchObject({ key: `0x${Buffer.from(s.key).toString('hex')}`, value: `0x${Buffer.from(s.value).toString('hex')}` });
  });

  it('exits 1 with a message for a deleted or never-written key', async () => {
    const [deleted, never, json] = await Promise.all([sett('get', db, fx.facts.deletedKey), sett('get', db, 'no-such-key'), settJson('get', db, 'no-such-key')]);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toBe('');
    expect(deleted.stderr).toContain(`key ${fx.facts.deletedKey} not found`);
    expect(never.code).toBe(1);
    expect(json.code).toBe(1);
    expect(json.json).toEqual({ key: 'no-such-key', found: false });
  });

  it('exits 1 with CORRUPTION naming the file when the read meets damage or a missing table', async () => {
    const [damaged, missing] = await Promise.all([sett('get', fx.dir('corrupt-table'), `0x${fx.facts.binaryKeyHex}`), sett('get', fx.dir('missing-table'), fx.facts.samples[0]!.key)]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`CORRUPTION: ${fx.facts.damage['corrupt-table']!.file} at offset`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${fx.facts.damage['missing-table']!.file}`);
    expect(missing.stderr).toContain('missing');
  });

  it('exits 2 for a directory that is not a database, and for a missing key argument', async () => {
    const [notDb, noKey] = await Promise.all([sett('get', fx.dir('not-a-db'), 'k'), sett('get', db)]);
    expect(notDb.code).toBe(2);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("missing required argument 'key'");
  });
});

describe('sett scan', () => {
  it('lists every live key once, in order (tables, WAL; deleted keys hidden)', async () => {
    const { code, json } = await settJson<ScanJson>('scan', db, '--keys-only');
    expect(code).toBe(0);
    expect(json.count).toBe(fx.facts.liveKeys);
    const keys = json.entries.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).not.toContain(fx.facts.deletedKey);
    expect(keys[0]).toBe(`0x${fx.facts.binaryKeyHex.slice(0, 4)}00`); // binary keys sort first
    expect(json.entries.every((e) => e.value === undefined)).toBe(true);
  });

  it('--prefix and --limit bound the scan; --reverse walks down; text is key<TAB>value', async () => {
    const [prefix, limited, reverse, text] = await Promise.all([
      settJson<ScanJson>('scan', db, '--prefix', 'user:'),
      settJson<ScanJson>('scan', db, '--prefix', 'user:01', '--limit', '3'),
      settJson<ScanJson>('scan', db, '--prefix', 'user:', '--reverse', '--limit', '1'),
      sett('scan', db, '--prefix', 'user:015', '--limit', '2'),
    ]);
    expect(prefix.json.count).toBe(fx.facts.liveUserKeys);
    expect(limited.json.entries.map((e) => e.key)).toEqual(['user:0100', 'user:0101', 'user:0102']);
    expect(reverse.json.entries.map((e) => e.key)).toEqual(['user:0299']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('user:0150\tv1-150');
    expect(text.stdout.split('\n')[1]).toMatch(/^user:0151\tv1-151-x+… \(200 bytes\)$/);
  });

  it('--prefix takes 0x + hex for binary prefixes', async () => {
    const { json } = await settJson<ScanJson>('scan', db, '--prefix', '0x00ff');
    expect(json.count).toBe(8);
    expect(json.entries.find((e) => e.key === `0x${fx.facts.binaryKeyHex}`)!.value).toBe(`0x${fx.facts.binaryValueHex}`);
  });

  it('--all-versions shows versions and the tombstone of a deleted key', async () => {
    const { json } = await settJson<ScanJson>('scan', db, '--prefix', fx.facts.deletedKey, '--all-versions');
    expect(json.entries[0]).toMatchObject({ key: fx.facts.deletedKey, deleted: true });
    expect(json.entries.length).toBeGreaterThanOrEqual(2);
    expect(json.entries[0]!.version).toBeGreaterThan(json.entries[1]!.version!);
  });

  it('exits 1 with CORRUPTION when the scan reaches a damaged block; --json closes the document with the error', async () => {
    const file = fx.facts.damage['corrupt-table']!.file;
    const [text, json] = await Promise.all([sett('scan', fx.dir('corrupt-table')), settJson<ScanJson & { error: { code: string; file: string } }>('scan', fx.dir('corrupt-table'))]);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`CORRUPTION: ${file} at offset`);
    expect(json.code).toBe(1);
    expect(json.json.error).toMatchObject({ code: 'CORRUPTION', file });
    expect(json.json.count).toBe(json.json.entries.length);
  });

  it('exits 2 for a bad --limit', async () => {
    const r = await sett('scan', db, '--limit', 'ten');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit must be an integer');
  });
});
