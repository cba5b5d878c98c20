import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, sett, settJson, type Fixtures } from './helpers.js';

interface DumpJson {
  file: string;
  kind: string;
  bytes: number;
  entriesShown: number;
  truncated: boolean;
  entries?: { key: string; version: number; op: string; value?: string; pointer?: { file: string; offset: number; length: number }; offset?: number }[];
  error?: { code: string; message: string; file?: string; offset?: number };
  [field: string]: unknown;
}

let fx: Fixtures;
let db: string;
beforeAll(async () => {
  fx = await buildFixtures();
  db = fx.dir('db');
});
afterAll(() => fx?.cleanup());

describe('sett dump', () => {
  it('prints a table: its properties and every entry in order, values or value pointers', async () => {
    const { code, json } = await settJson<DumpJson>('dump', join(db, fx.facts.files.table));
    expect(code).toBe(0);
    expect(json.kind).toBe('table');
    expect(json['formatVersion']).toBe(1);
    // The properties' entry count is the number of entries read.
    expect(json.entries!.length).toBe(json['count']);
    expect(json.entriesShown).toBe(json['count']);
    expect(json.truncated).toBe(false);
    const ops = new Set(json.entries!.map((e) => e.op));
    expect(ops.has('ptr')).toBe(true);
    for (const e of json.entries!.filter((x) => x.op === 'ptr')) expect(e.pointer!.file).toMatch(/^\d{6}\.vlog$/);
    const text = await sett('dump', join(db, fx.facts.files.table));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('table (SST)');
    expect(text.stdout).toMatch(/^0x00ff00@\d+ {2}put {2}0xdeadbeef00$/m);
  });

  it('prints a WAL record by record, and the keys only the WAL holds', async () => {
    const { code, json } = await settJson<DumpJson>('dump', join(db, fx.facts.files.wal));
    expect(code).toBe(0);
    expect(json.kind).toBe('wal');
    expect(json['tornBytes']).toBe(0);
    const sample = fx.facts.samples.find((s) => s.key.startsWith('wal:'))!;
    const entry = json.entries!.find((e) => e.key === sample.key)!;
    expect(entry.op).toBe('put');
    expect(entry.value).toBe(sample.value);
    expect(entry.offset).toBeGreaterThanOrEqual(34);
  });

  it('reports the torn tail of a WAL without failing', async () => {
    const { code, json } = await settJson<DumpJson>('dump', join(fx.dir('torn-wal'), fx.facts.damage['torn-wal']!.file));
    expect(code).toBe(0);
    expect(json['tornBytes']).toBe(7);
    const text = await sett('dump', join(fx.dir('torn-wal'), fx.facts.damage['torn-wal']!.file), '--summary');
    expect(text.stdout).toContain('torn tail: 7 bytes');
  });

  it('prints a value-log file entry by entry with offsets, --limit stops early', async () => {
    const { code, json } = await settJson<DumpJson>('dump', join(db, fx.facts.files.vlog), '--limit', '3');
    expect(code).toBe(0);
    expect(json.kind).toBe('vlog');
    expect(json.entries).toHaveLength(3);
    expect(json.truncated).toBe(true);
    expect(json.entries![0]!.offset).toBe(34);
    expect(json.entries![1]!.offset).toBe(34 + json.entries![0]!.pointer!.length);
    expect(json.entries![0]!.key).toMatch(/^user:\d{4}$/);
    expect(json.entries![0]!.value!.length).toBeGreaterThan(64);
  });

  it('prints the MANIFEST (tables per level) and the DISCARD counts, wherever the file lies and whatever its name', async () => {
    const copy = join(fx.root, 'old-manifest');
    copyFileSync(join(db, 'MANIFEST'), copy);
    const [manifest, moved, discard, info] = await Promise.all([
      settJson<DumpJson>('dump', join(db, 'MANIFEST')),
      settJson<DumpJson>('dump', copy),
      settJson<DumpJson>('dump', join(db, 'DISCARD')),
      settJson<{ tables: unknown[]; valueLog: { file: string; discardBytes: number }[] }>('info', db),
    ]);
    expect(manifest.code).toBe(0);
    expect(manifest.json.kind).toBe('manifest');
    expect(manifest.json['tables']).toBe(info.json.tables.length);
    expect({ ...moved.json, file: '' }).toEqual({ ...manifest.json, file: '' });
    expect(discard.code).toBe(0);
    expect(discard.json.kind).toBe('discard');
    const counts = discard.json['discardableBytes'] as Record<string, number>;
    for (const v of info.json.valueLog) expect(counts[v.file] ?? 0).toBe(v.discardBytes);
  });

  it('--summary prints the header only; --hex shows keys and values as hex', async () => {
    const summary = await sett('dump', join(db, fx.facts.files.table), '--summary');
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain('compression:');
    expect(summary.stdout).not.toMatch(/ put /);
    const { json } = await settJson<DumpJson>('dump', join(db, fx.facts.files.wal), '--hex', '--limit', '5');
    for (const e of json.entries!) {
      expect(e.key).toMatch(/^0x[0-9a-f]+$/);
      if (e.value !== undefined) expect(e.value).toMatch(/^0x[0-9a-f]*$/);
    }
  });

  it('exits 1 on a damaged table, after what it could read, naming file and offset', async () => {
    const file = fx.facts.damage['corrupt-table']!.file;
    const { code, json } = await settJson<DumpJson>('dump', join(fx.dir('corrupt-table'), file));
    expect(code).toBe(1);
    expect(json.error!.code).toBe('CORRUPTION');
    expect(json.error!.file).toBe(file);
    expect(json.error!.offset).toBe(fx.facts.damage['corrupt-table']!.offset);
    const text = await sett('dump', join(fx.dir('corrupt-table'), file));
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`CORRUPTION: ${file} at offset`);
  });

  it('exits 1 on a damaged value-log entry', async () => {
    const file = fx.facts.damage['corrupt-vlog']!.file;
    const r = await sett('dump', join(fx.dir('corrupt-vlog'), file));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`CORRUPTION: ${file} at offset`);
  });

  it('exits 2 for a file that is not sett\'s, an empty file, a directory, a missing file, and a renamed value-log file', async () => {
    const renamed = join(fx.root, 'renamed.bin');
    copyFileSync(join(db, fx.facts.files.vlog), renamed);
    const [foreign, empty, dir, missing, vlog] = await Promise.all([
      sett('dump', join(fx.dir('extra-files'), 'notes.txt')),
      sett('dump', join(fx.dir('extra-files'), 'scratch.tmp')),
      sett('dump', db),
      sett('dump', join(db, 'nothing.sst')),
      sett('dump', renamed),
    ]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('is not a sett file (it starts with 0x');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('it is empty');
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('is a directory');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(vlog.code).toBe(2);
    expect(vlog.stderr).toContain('must keep its NNNNNN.vlog name');
  });
});
