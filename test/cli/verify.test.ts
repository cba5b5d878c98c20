import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, sett, settJson, type Fixtures } from './helpers.js';

interface VerifyJson {
  ok: boolean;
  files: { file: string; kind: string; bytes: number; units: number; tornBytes: number; level?: number; problem?: { code: string } }[];
  problems: { file: string; code: string; message: string; offset?: number }[];
  extra: string[];
  bytesRead: number;
}

let fx: Fixtures;
beforeAll(async () => {
  fx = await buildFixtures();
});
afterAll(() => fx?.cleanup());

describe('sett verify', () => {
  it('reads every file of a sound database and exits 0', async () => {
    const [{ code, json }, text] = await Promise.all([settJson<VerifyJson>('verify', fx.dir('db')), sett('verify', fx.dir('db'))]);
    expect(code).toBe(0);
    expect(json.ok).toBe(true);
    expect(json.problems).toEqual([]);
    const kinds = new Set(json.files.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['discard', 'manifest', 'table', 'vlog', 'wal']);
    expect(json.bytesRead).toBeGreaterThan(0);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('OK: every checksum matched.');
    expect(text.stderr).toBe(''); // no progress bar when stderr is not a terminal
  });

  it.each([
    ['corrupt-table', 'CORRUPTION'],
    ['corrupt-vlog', 'CORRUPTION'],
    ['corrupt-manifest', 'CORRUPTION'],
  ])('finds the damage in %s, names the file and offset, and exits 1', async (variant, code) => {
    const damage = fx.facts.damage[variant]!;
    const [json, text] = await Promise.all([settJson<VerifyJson>('verify', fx.dir(variant)), sett('verify', fx.dir(variant))]);
    expect(json.code).toBe(1);
    expect(json.json.ok).toBe(false);
    expect(json.json.problems).toHaveLength(1);
    const p = json.json.problems[0]!;
    expect(p.file).toBe(damage.file);
    expect(p.code).toBe(code);
    expect(p.offset).toBe(damage.offset);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`${code}: ${damage.file} at offset ${damage.offset}`);
    expect(text.stdout).toMatch(/1 problem:/);
  });

  it('reports a missing table as MISSING and exits 1', async () => {
    const { code, json } = await settJson<VerifyJson>('verify', fx.dir('missing-table'));
    expect(code).toBe(1);
    const file = fx.facts.damage['missing-table']!.file;
    expect(json.problems.some((p) => p.file === file && p.code === 'MISSING')).toBe(true);
  });

  it('counts a torn WAL tail without calling it damage (exit 0)', async () => {
    const { code, json } = await settJson<VerifyJson>('verify', fx.dir('torn-wal'));
    expect(code).toBe(0);
    const wal = json.files.find((f) => f.file === fx.facts.damage['torn-wal']!.file)!;
    expect(wal.tornBytes).toBe(7);
    const text = await sett('verify', fx.dir('torn-wal'));
    expect(text.stdout).toContain('Torn tails');
  });

  it('lists files the database does not use, which are not problems', async () => {
    const { code, json } = await settJson<VerifyJson>('verify', fx.dir('extra-files'));
    expect(code).toBe(0);
    expect(json.extra.sort()).toEqual(['009999.sst', 'notes.txt', 'scratch.tmp']);
  });

  it('exits 2 for a directory that is not a database, and for a missing one', async () => {
    const [notDb, missing, noArg] = await Promise.all([sett('verify', fx.dir('not-a-db')), sett('verify', `${fx.root}/nowhere`), sett('verify')]);
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain('not a sett database');
    expect(missing.code).toBe(2);
    expect(noArg.code).toBe(2);
    expect(noArg.stderr).toContain("missing required argument 'dir'");
  });
});
