// db.verify() and verifyDirectory(): every checksum in the directory, then every live entry read
// through the read path; a report with file and offset for each problem, and nothing changed.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { open, verifyDirectory, type DB, type VerifyProgress } from '../../src/db/index.js';
import { DIR, faultFS, openSmall } from './helpers.js';
import type { FaultFS } from '../../src/fs/index.js';

const OPTIONS = { valueThreshold: 64, valueLogFileSize: 16 * 1024, executor: 'inline' as const };

/** A database with tables on two levels, several value-log files, a WAL, and a DISCARD file. */
async function populated(fs: FaultFS): Promise<{ db: DB; live: Map<string, string> }> {
  const db = await openSmall(fs, OPTIONS);
  const rng = new Rng(7);
  const live = new Map<string, string>();
  for (let i = 0; i < 1500; i++) {
    const key = `k${String(rng.int(400)).padStart(4, '0')}`;
    if (rng.int(12) === 0) {
      await db.delete(key);
      live.delete(key);
    } else {
      const value = `${key}-${i}-`.padEnd(rng.int(2) === 0 ? 20 : 150, 'v');
      await db.put(key, value);
      live.set(key, value);
    }
    if (i === 1000) await db.flatten();
  }
  await db.waitForBackgroundWork();
  return { db, live };
}

describe('db.verify()', () => {
  it('reports a healthy database as ok, having read every file kind and every live entry', async () => {
    const fs = faultFS();
    const { db, live } = await populated(fs);
    const progress: VerifyProgress[] = [];
    const report = await db.verify({ onProgress: (p) => progress.push(p) });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const kinds = new Set(report.files.map((f) => f.kind));
    for (const kind of ['manifest', 'table', 'vlog', 'wal'] as const) expect(kinds, kind).toContain(kind);
    expect(report.entries).toBe(live.size);
    expect(report.bytesRead).toBeGreaterThan(0);
    expect(progress.length).toBe(report.files.length);
    expect(progress.at(-1)!.doneBytes).toBe(progress.at(-1)!.totalBytes);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.doneBytes).toBeGreaterThanOrEqual(progress[i - 1]!.doneBytes);
    await db.close();
    const offline = await verifyDirectory(DIR, { fs });
    expect(offline.problems).toEqual([]);
    expect(offline.entries).toBe(live.size);
  });

  it('stays right while writes, flushes and compactions go on', async () => {
    const fs = faultFS();
    const { db } = await populated(fs);
    const writes = (async () => {
      for (let i = 0; i < 600; i++) await db.put(`w${i % 97}`, `value-${i}`.padEnd(i % 2 === 0 ? 10 : 120, 'x'));
    })();
    const reports = await Promise.all([db.verify(), db.verify()]);
    await writes;
    for (const r of reports) expect(r.problems).toEqual([]);
    await db.close();
  });

  it('names the table and offset of a damaged data block, and changes nothing', async () => {
    const fs = faultFS();
    const { db } = await populated(fs);
    await db.close();
    const table = fs.list(DIR).filter((n) => n.endsWith('.sst')).sort()[0]!;
    const path = `${DIR}/${table}`;
    const bytes = fs.readFileDirect(path);
    bytes[40]! ^= 0x01; // inside the first data block
    fs.writeFileDirect(path, bytes);
    const before = new Map(fs.list(DIR).map((n) => [n, Buffer.from(fs.readFileDirect(`${DIR}/${n}`)).toString('hex')]));

    const report = await verifyDirectory(DIR, { fs });
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ file: table, code: 'CORRUPTION', offset: expect.any(Number) }));
    const after = new Map(fs.list(DIR).map((n) => [n, Buffer.from(fs.readFileDirect(`${DIR}/${n}`)).toString('hex')]));
    expect(after).toEqual(before);

    // The same damage seen from a live database (a data block is read only when needed).
    const reopened = await openSmall(fs, OPTIONS);
    const live = await reopened.verify();
    expect(live.ok).toBe(false);
    expect(live.problems.map((p) => p.file)).toContain(table);
    await reopened.close();
  });

  it('reports a value-log file the live entries point into as missing', async () => {
    const fs = faultFS();
    const { db } = await populated(fs);
    await db.close();
    const vlog = fs.list(DIR).filter((n) => n.endsWith('.vlog')).sort()[0]!;
    fs.unlink(`${DIR}/${vlog}`);
    const report = await verifyDirectory(DIR, { fs });
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ file: vlog, code: 'CORRUPTION' }));
  });

  it('lists files the database does not use as extra, without calling them problems', async () => {
    const fs = faultFS();
    const { db } = await populated(fs);
    await db.close();
    const h = fs.open(`${DIR}/notes.txt`, 'w');
    h.append(new TextEncoder().encode('hello'));
    h.close();
    const report = await verifyDirectory(DIR, { fs });
    expect(report.ok).toBe(true);
    expect(report.extra).toEqual(['notes.txt']);
  });

  it('verifies an in-memory database by reading its entries', async () => {
    const db = await open({ inMemory: true });
    for (let i = 0; i < 50; i++) await db.put(`k${i}`, `v${i}`);
    const report = await db.verify();
    expect(report).toMatchObject({ ok: true, entries: 50, files: [] });
    await db.close();
  });
});
