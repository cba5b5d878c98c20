import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, sett, settJson, type Fixtures } from './helpers.js';

interface InfoJson {
  lock: { held: boolean };
  manifest: { records?: number; tables?: number; error?: string };
  discard: { present: boolean };
  levels: { level: number; tables: number; bytes: number; keys: number; smallest: string | null; largest: string | null; compression: string[] }[];
  tables: { file: string; level: number; keys: number; smallest: string; largest: string; compression: string; vlogBytes: Record<string, number> }[];
  valueLog: { file: string; bytes: number; discardBytes: number; discardRatio: number }[];
  wal: { file: string; bytes: number }[];
  missing: string[];
  extra: string[];
  empty: string[];
  unreadable: { file: string; message: string }[];
  totals: { tableBytes: number; vlogBytes: number; walBytes: number; totalBytes: number; tableEntries: number; spaceAmplification: number };
}

let fx: Fixtures;
beforeAll(async () => {
  fx = await buildFixtures();
});
afterAll(() => fx?.cleanup());

describe('sett info', () => {
  it('describes every file kind of a stopped database: levels, tables, value log with discard ratios, WAL, totals', async () => {
    const { code, json } = await settJson<InfoJson>('info', fx.dir('db'));
    expect(code).toBe(0);
    expect(json.lock.held).toBe(false);
    expect(json.manifest.tables).toBe(json.tables.length);
    expect(json.discard.present).toBe(true);
    // Phase 1 and 2 end in the deepest level; phase 3 leaves L0 tables (see bench/fixtures/build.ts).
    expect(json.levels.find((l) => l.level === 0)!.tables).toBeGreaterThan(0);
    expect(json.levels.filter((l) => l.level > 0 && l.tables > 0).length).toBeGreaterThan(0);
    const compressions = new Set(json.tables.map((t) => t.compression));
    expect(compressions.size).toBeGreaterThan(1);
    // Levels add up to the tables.
    for (const l of json.levels) {
      const ts = json.tables.filter((t) => t.level === l.level);
      expect(l.tables).toBe(ts.length);
      expect(l.keys).toBe(ts.reduce((s, t) => s + t.keys, 0));
    }
    expect(json.totals.tableEntries).toBe(json.tables.reduce((s, t) => s + t.keys, 0));
    // The binary keys sort first and are shown as hex; user keys as text.
    const deepest = json.levels.filter((l) => l.tables > 0).at(-1)!;
    expect(deepest.smallest).toMatch(/^0x00ff00@\d+$/);
    expect(json.tables.some((t) => /^user:\d{4}@\d+$/.test(t.largest))).toBe(true);
    // Overwritten values left whole value-log files discardable.
    expect(json.valueLog.length).toBeGreaterThan(1);
    expect(json.valueLog.some((v) => v.discardRatio === 1)).toBe(true);
    expect(json.valueLog.some((v) => v.discardRatio === 0)).toBe(true);
    expect(json.wal.map((w) => w.file)).toContain(fx.facts.files.wal);
    expect(json.missing).toEqual([]);
    expect(json.extra).toEqual([]);
    expect(json.empty).toEqual([]);
    expect(json.totals.totalBytes).toBeGreaterThan(json.totals.tableBytes + json.totals.vlogBytes + json.totals.walBytes);
    expect(json.totals.spaceAmplification).toBeGreaterThan(1);
  });

  it('prints the same facts as text, with a table per level and --tables listing every table', async () => {
    const plain = await sett('info', fx.dir('db'));
    expect(plain.code).toBe(0);
    for (const heading of ['Levels', 'Value log', 'WAL', 'Abnormalities', 'Totals']) expect(plain.stdout).toContain(heading);
    expect(plain.stdout).toContain(fx.facts.files.vlog);
    expect(plain.stdout).not.toContain(fx.facts.files.table); // tables only with --tables
    expect(plain.stdout).toMatch(/0 missing files/);
    expect(plain.stdout).toMatch(/space amplification \d+\.\d\dx/);
    const tables = await sett('info', fx.dir('db'), '--tables');
    expect(tables.stdout).toContain(fx.facts.files.table);
    expect(tables.stdout).toContain('Tables');
  });

  it('--hex shows every key as hex', async () => {
    const { json } = await settJson<InfoJson>('info', fx.dir('db'), '--hex');
    for (const t of json.tables) {
      expect(t.smallest).toMatch(/^0x[0-9a-f]+@\d+$/);
      expect(t.largest).toMatch(/^0x[0-9a-f]+@\d+$/);
    }
  });

  it('reports a table the MANIFEST names but the directory lacks as missing, and exits 1', async () => {
    const { code, json } = await settJson<InfoJson>('info', fx.dir('missing-table'));
    expect(code).toBe(1);
    expect(json.missing).toEqual([fx.facts.damage['missing-table']!.file]);
    const text = await sett('info', fx.dir('missing-table'));
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`1 missing files: ${fx.facts.damage['missing-table']!.file}`);
  });

  it('reports extra and empty files (an unknown file, an empty one, a table no MANIFEST names) and still exits 0', async () => {
    const { code, json } = await settJson<InfoJson>('info', fx.dir('extra-files'));
    expect(code).toBe(0);
    expect(json.extra).toEqual(['009999.sst', 'notes.txt', 'scratch.tmp']);
    expect(json.empty).toEqual(['scratch.tmp']);
  });

  it('reports an unreadable MANIFEST and exits 1', async () => {
    const { code, json } = await settJson<InfoJson>('info', fx.dir('corrupt-manifest'));
    expect(code).toBe(1);
    expect(json.manifest.error).toMatch(/CORRUPTION: MANIFEST at offset \d+/);
    expect(json.unreadable.map((u) => u.file)).toEqual(['MANIFEST']);
  });

  it('describes an empty database', async () => {
    const { code, json } = await settJson<InfoJson>('info', fx.dir('empty'));
    expect(code).toBe(0);
    expect(json.tables).toEqual([]);
    expect(json.totals.tableEntries).toBe(0);
    expect(json.totals.spaceAmplification).toBe(0);
  });

  it('exits 2 for a directory that is not a database, a missing path and a file', async () => {
    const notDb = await sett('info', fx.dir('not-a-db'));
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain('is not a sett database (no MANIFEST)');
    const missing = await sett('info', `${fx.root}/nowhere`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such directory');
    const file = await sett('info', `${fx.dir('db')}/MANIFEST`);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is a file, not a database directory');
    const json = await settJson<{ ok: boolean; error: { code: string } }>('info', fx.dir('not-a-db'));
    expect(json.code).toBe(2);
    expect(json.json).toEqual({ ok: false, error: { code: 'NOT_A_DATABASE', message: `${fx.dir('not-a-db')} is not a sett database (no MANIFEST)` } });
  });
});
