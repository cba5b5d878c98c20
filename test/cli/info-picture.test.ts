// `sett info DIR --svg FILE --html FILE` on every fixture (fixtures/README.md), on the encrypted
// one with and without its key, and beside a live writer: the documents are well-formed XML with
// one element per table, value-log file and WAL that `sett info --json` lists; a damaged
// directory is drawn as far as it can be read, with info's exit code (1); a directory that is not
// a database gets info's usage error (exit 2) and no file.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLD, buildFixtures, sett, settJson, type Fixtures } from './helpers.js';
import { allElements, parseXml, type XmlElement } from './xml.js';

interface InfoJson {
  tables: { file: string; sealed: boolean }[];
  valueLog: { file: string }[];
  wal: { file: string }[];
  missing: string[];
  unreadable: { file: string }[];
}

let fx: Fixtures;
beforeAll(async () => {
  fx = await buildFixtures();
});
afterAll(() => fx?.cleanup());

function files(root: XmlElement, kind: string): string[] {
  return allElements(root)
    .filter((e) => e.attrs['data-kind'] === kind)
    .map((e) => e.attrs['data-file']!)
    .sort();
}

/**
 * Draws `dir` (with --json, so one run also gives what info collected and info's exit code) and
 * checks both documents hold one element per table, value-log file and WAL of that collection.
 */
async function drawAndCheck(name: string, dir: string, extra: string[] = []): Promise<{ code: number | null; svg: XmlElement; info: InfoJson }> {
  const svgPath = join(fx.root, `${name}.svg`);
  const htmlPath = join(fx.root, `${name}.html`);
  const { code, json } = await settJson<InfoJson>('info', dir, ...extra, '--svg', svgPath, '--html', htmlPath);
  const svg = parseXml(readFileSync(svgPath, 'utf8'));
  const page = parseXml(readFileSync(htmlPath, 'utf8'));
  for (const doc of [svg, page]) {
    expect(files(doc, 'table'), name).toEqual(json.tables.map((t) => t.file).sort());
    expect(files(doc, 'vlog'), name).toEqual(json.valueLog.map((v) => v.file).sort());
    expect(files(doc, 'wal'), name).toEqual(json.wal.map((w) => w.file).sort());
  }
  return { code, svg, info: json };
}

/** Every variant of fixtures/README.md, by the test below that draws it. */
const READABLE = ['db', 'torn-wal', 'extra-files', 'unflushed-wals', 'empty', 'corrupt-table', 'corrupt-vlog'];
const DAMAGED = ['missing-table', 'corrupt-manifest'];
const OTHERS = ['not-a-db', 'encrypted'];

describe('sett info --svg / --html', () => {
  it('covers every fixture variant', () => {
    expect([...READABLE, ...DAMAGED, ...OTHERS].sort()).toEqual([...Object.keys(fx.facts.dirs), ...Object.keys(fx.facts.skipped)].sort());
  });

  it('draws every readable fixture with one element per table, value-log file and WAL', async () => {
    // corrupt-table and corrupt-vlog are damaged in blocks and entries info does not read (verify does).
    const results = await Promise.all(READABLE.map((name) => drawAndCheck(name, fx.dir(name))));
    results.forEach((r, i) => expect(r.code, READABLE[i]).toBe(0));
    const db = results[0]!;
    expect(files(db.svg, 'table').length).toBeGreaterThan(1);
    expect(files(db.svg, 'vlog').length).toBeGreaterThan(1);
    // unflushed-wals: no tables, several WALs.
    expect(files(results[3]!.svg, 'wal').length).toBeGreaterThan(1);
    expect(files(results[3]!.svg, 'table')).toEqual([]);
  });

  it('draws what can be read of a damaged fixture, names the damage, and exits 1 as info does', async () => {
    for (const name of DAMAGED) {
      const r = await drawAndCheck(name, fx.dir(name));
      expect(r.code, name).toBe(1);
      const notes = allElements(r.svg)
        .filter((e) => e.name === 'text')
        .map((e) => e.text)
        .join('\n');
      expect(notes, name).toMatch(/^(Missing|Unreadable)/m);
    }
    const missing = readFileSync(join(fx.root, 'missing-table.svg'), 'utf8');
    expect(missing).toContain(`Missing (the MANIFEST names them): ${fx.facts.damage['missing-table']!.file}`);
    // Without --json: the files written, then the damage, and still exit 1.
    const svgPath = join(fx.root, 'missing-text.svg');
    const text = await sett('info', fx.dir('missing-table'), '--svg', svgPath);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(`wrote ${svgPath}\n1 missing and 0 unreadable files: the picture shows what could be read (see sett info ${fx.dir('missing-table')})\n`);
  });

  it('refuses a directory that is not a database as info does (exit 2), writing nothing', async () => {
    const svgPath = join(fx.root, 'not-a-db.svg');
    const [info, picture] = await Promise.all([sett('info', fx.dir('not-a-db')), sett('info', fx.dir('not-a-db'), '--svg', svgPath)]);
    expect(picture.code).toBe(2);
    expect(picture.code).toBe(info.code);
    expect(picture.stderr).toBe(info.stderr);
    expect(existsSync(svgPath)).toBe(false);
  });

  it('exits 2 when the picture cannot be written where asked', async () => {
    const r = await sett('info', fx.dir('empty'), '--svg', join(fx.root, 'no-such-dir', 'tree.svg'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write');
  });

  it('draws the encrypted fixture: key ranges with --key-file, hatched tables without', async (ctx) => {
    if (fx.facts.encryption === undefined) return ctx.skip();
    const keyed = await drawAndCheck('encrypted-keyed', fx.dir('encrypted'), ['--key-file', fx.path(fx.facts.encryption.keyFile)]);
    expect(keyed.code).toBe(0);
    const tables = (doc: XmlElement): XmlElement[] => allElements(doc).filter((e) => e.attrs['data-kind'] === 'table');
    expect(tables(keyed.svg).length).toBeGreaterThan(0);
    for (const t of tables(keyed.svg)) expect(t.attrs['fill']).not.toBe('url(#sealed)');
    const sealed = await drawAndCheck('encrypted-sealed', fx.dir('encrypted'));
    expect(sealed.code).toBe(0);
    for (const t of tables(sealed.svg)) expect(t.attrs['fill']).toBe('url(#sealed)');
    // Neither picture shows a key or value without the key.
    const text = readFileSync(join(fx.root, 'encrypted-sealed.html'), 'utf8');
    expect(text).not.toContain('secret');
  });

  it('draws a database a live process holds open, without its lock', async () => {
    const dir = join(fx.root, 'live');
    const holder: ChildProcessWithoutNullStreams = spawn(process.execPath, [HOLD, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        holder.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (/ready \d+/.test(out)) resolve();
        });
        holder.on('exit', (code) => reject(new Error(`the holder exited (${code}) before it was ready`)));
      });
      const svgPath = join(fx.root, 'live.svg');
      const r = await sett('info', dir, '--svg', svgPath);
      expect(r.code, r.stderr).toBe(0);
      const svg = parseXml(readFileSync(svgPath, 'utf8'));
      expect(files(svg, 'wal').length).toBeGreaterThan(0);
    } finally {
      holder.stdin.end();
      await new Promise<void>((resolve) => (holder.exitCode !== null || holder.signalCode !== null ? resolve() : holder.on('exit', () => resolve())));
    }
  });
});
