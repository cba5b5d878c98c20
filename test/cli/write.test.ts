import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, sett, settJson, type Fixtures } from './helpers.js';

interface ScanJson {
  count: number;
  entries: { key: string; value?: string }[];
}

let fx: Fixtures;
beforeAll(async () => {
  fx = await buildFixtures();
});
afterAll(() => fx?.cleanup());

describe('sett gc', () => {
  it('rewrites value-log files until none qualifies, and every value still reads back', async () => {
    const dir = fx.copy('db');
    const before = await settJson<ScanJson>('scan', dir);
    const { code, json } = await settJson<{ rewrites: number; before: { files: number; bytes: number }; after: { files: number; bytes: number } }>('gc', dir);
    expect(code).toBe(0);
    expect(json.rewrites).toBeGreaterThan(0);
    expect(json.after.bytes).toBeLessThan(json.before.bytes);
    const after = await settJson<ScanJson>('scan', dir);
    expect(after.json).toEqual(before.json);
    // Nothing is left at the default ratio: a second run rewrites nothing.
    const again = await sett('gc', dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing rewritten');
  });

  it('exits 2 for a ratio outside (0, 1) and for a directory that is not a database', async () => {
    const [zero, word, notDb, missing] = await Promise.all([
      sett('gc', fx.dir('db'), '--ratio', '1'),
      sett('gc', fx.dir('db'), '--ratio', 'half'),
      sett('gc', fx.dir('not-a-db')),
      sett('gc', join(fx.root, 'nowhere')),
    ]);
    for (const r of [zero, word]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('between 0 and 1');
    }
    expect(notDb.code).toBe(2);
    expect(missing.code).toBe(2);
    expect(existsSync(join(fx.root, 'nowhere'))).toBe(false); // a write command does not create a database
  });
});

describe('sett flatten', () => {
  it('compacts every table into one level and keeps every key', async () => {
    const dir = fx.copy('db');
    const before = await settJson<ScanJson>('scan', dir);
    const { code, json } = await settJson<{ before: { level: number }[]; after: { level: number; tables: number }[] }>('flatten', dir);
    expect(code).toBe(0);
    expect(json.before.length).toBeGreaterThan(1);
    expect(json.after).toHaveLength(1);
    const info = await settJson<{ levels: { level: number; tables: number }[]; wal: unknown[] }>('info', dir);
    expect(info.json.levels.filter((l) => l.tables > 0)).toHaveLength(1);
    const after = await settJson<ScanJson>('scan', dir);
    expect(after.json).toEqual(before.json);
  });

  it('exits 1 with CORRUPTION on a database with a missing table', async () => {
    const r = await sett('flatten', fx.copy('missing-table'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CORRUPTION');
  });
});

describe('sett rotate-key', () => {
  it('says a database without a KEYREGISTRY is not encrypted, and exits 1', async () => {
    const r = await sett('rotate-key', fx.dir('db'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('this database is not encrypted: there is no key to rotate');
  });

  it('on an encrypted database, rotates the master key given --key-file and --new-key-file (more in encryption.test.ts)', async () => {
    const enc = fx.facts.encryption;
    if (enc === undefined) throw new Error(`the encrypted fixture was not built: ${fx.facts.skipped['encrypted']}`);
    const dir = fx.copy('encrypted');
    const r = await sett('rotate-key', dir, '--key-file', fx.path(enc.keyFile), '--new-key-file', fx.path(enc.wrongKeyFile));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Rotated the master key of ${dir}`);
  });

  it('exits 2 for a directory that is not a database', async () => {
    const r = await sett('rotate-key', fx.dir('not-a-db'));
    expect(r.code).toBe(2);
  });
});

describe('sett backup and restore', () => {
  // These need DB.backup / DB.load (src/db/backup.ts, restore.ts) wired as methods of DB.
  it('backs up a database and restores it into a new directory with the same keys and values', async () => {
    const file = join(fx.root, 'full.backup');
    const backup = await settJson<{ reachedVersion: number; bytes: number; kind: string }>('backup', fx.dir('db'), file);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.json.kind).toBe('full');
    expect(backup.json.reachedVersion).toBeGreaterThan(0);
    expect(backup.json.bytes).toBeGreaterThan(0);
    const target = join(fx.root, 'restored');
    const restore = await sett('restore', file, target);
    expect(restore.code).toBe(0);
    const [source, restored] = await Promise.all([settJson<ScanJson>('scan', fx.dir('db')), settJson<ScanJson>('scan', target)]);
    expect(restored.json).toEqual(source.json);
  });

  it('an incremental backup (--since) restored with --force on top of the full one gives the same database', async () => {
    const dir = fx.copy('db');
    const full = join(fx.root, 'inc-full.backup');
    const first = await settJson<{ reachedVersion: number }>('backup', dir, full);
    expect(first.code).toBe(0);
    expect((await sett('gc', dir)).code).toBe(0); // GC rewrites entries through the write path
    const inc = join(fx.root, 'inc-1.backup');
    const second = await settJson<{ kind: string; reachedVersion: number }>('backup', dir, inc, '--since', String(first.json.reachedVersion));
    expect(second.code).toBe(0);
    expect(second.json.kind).toBe('incremental');
    const target = join(fx.root, 'inc-restored');
    expect((await sett('restore', full, target)).code).toBe(0);
    const refused = await sett('restore', inc, target);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect((await sett('restore', inc, target, '--force')).code).toBe(0);
    const [a, b] = await Promise.all([settJson<ScanJson>('scan', dir), settJson<ScanJson>('scan', target)]);
    expect(b.json).toEqual(a.json);
  });

  it('exits 2 for a missing backup file, a file that is not a backup, a non-empty target and a bad --since', async () => {
    const [missing, notBackup, notEmpty, since] = await Promise.all([
      sett('restore', join(fx.root, 'none.backup'), join(fx.root, 'r1')),
      sett('restore', join(fx.dir('db'), 'MANIFEST'), join(fx.root, 'r2')),
      sett('restore', join(fx.dir('db'), 'MANIFEST'), fx.dir('not-a-db')),
      sett('backup', fx.dir('db'), join(fx.root, 'x.backup'), '--since', '-1'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(notBackup.code).toBe(2);
    expect(notBackup.stderr).toContain('is not a sett backup');
    expect(existsSync(join(fx.root, 'r2'))).toBe(false); // nothing created
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toContain('not empty');
    expect(since.code).toBe(2);
  });

  it('backup exits 2 for a directory that is not a database', async () => {
    const r = await sett('backup', fx.dir('not-a-db'), join(fx.root, 'y.backup'));
    expect(r.code).toBe(2);
    expect(existsSync(join(fx.root, 'y.backup'))).toBe(false);
  });
});
