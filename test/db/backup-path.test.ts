// Backups to and from files (through the FileSystem seam: durable and atomic under crashes and
// I/O errors, on FaultFS and the real file system) and node streams; expiry, user meta and
// non-empty targets across a restore.

import { afterAll, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ManualClock, SettError } from '../../src/base/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { open } from '../../src/db/index.js';
import { backup } from '../../src/db/backup.js';
import { BackupReader } from '../../src/db/backup-reader.js';
import { load } from '../../src/db/restore.js';
import { fileSource } from '../../src/db/restore-source.js';
import { backupBytes, dumpMeta, loadBytes } from './backup-helpers.js';
import { dump, faultFS, openSmall } from './helpers.js';

const START_MS = 1_000_000;

async function isCompleteBackup(fs: FaultFS, file: string): Promise<boolean> {
  const source = fileSource(fs, file);
  try {
    const reader = await BackupReader.open(source);
    while ((await reader.nextChunk()) !== undefined);
    return true;
  } catch (err) {
    if (err instanceof SettError) return false;
    throw err;
  } finally {
    source.close();
  }
}

describe('backup to a path', () => {
  it('is durable: after a power loss the file is there, whole, and loads to the same data', async () => {
    const fs = faultFS();
    const clock = new ManualClock(START_MS);
    const db = await openSmall(fs, { clock, valueThreshold: 32 });
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, `value-${i}`.repeat(1 + (i % 9)), { userMeta: i % 256 });
    fs.mkdir('/backups');
    const reached = await backup(db, '/backups/full.bak', { chunkBytes: 1000 });
    expect(reached).toBe(200);
    const after = fs.crash(1, { mode: 'dropAll' });
    expect(after.list('/backups')).toEqual(['full.bak']);
    const target = await openSmall(faultFS(), { clock });
    expect(await load(target, '/backups/full.bak', { fs: after })).toMatchObject({ kind: 'full', reachedVersion: 200, puts: 200 });
    expect(dumpMeta(target)).toEqual(dumpMeta(db));
    await db.close();
    await target.close();
  });

  it('is atomic: a crash at any file operation leaves the previous backup or the new one under the final name, never a part', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    for (let i = 0; i < 100; i++) await db.put(`k${i}`, 'first');
    fs.mkdir('/backups');
    await backup(db, '/backups/b.bak', { chunkBytes: 200 });
    const first = fs.readFileDirect('/backups/b.bak');
    for (let i = 0; i < 100; i++) await db.put(`k${i}`, 'second, longer');
    await db.waitForBackgroundWork();
    const crashes: FaultFS[] = [];
    let seed = 0;
    fs.onOperation = () => {
      seed++;
      crashes.push(fs.crash(seed, { mode: 'random', tornGarbage: true }), fs.crash(seed, { mode: 'dropAll' }));
    };
    await backup(db, '/backups/b.bak', { chunkBytes: 200 });
    fs.onOperation = undefined;
    crashes.push(fs.crash(seed + 1, { mode: 'dropAll' })); // after the backup resolved: durable
    const second = fs.readFileDirect('/backups/b.bak');
    expect(crashes.length).toBeGreaterThan(20);
    let sawFirst = 0;
    let sawSecond = 0;
    for (const [i, copy] of crashes.entries()) {
      const bytes = Buffer.from(copy.readFileDirect('/backups/b.bak'));
      const isFirst = bytes.equals(first);
      const isSecond = bytes.equals(second);
      expect(isFirst || isSecond, `crash copy ${i} (crash seed ${Math.floor(i / 2) + 1})`).toBe(true);
      expect(await isCompleteBackup(copy, '/backups/b.bak')).toBe(true);
      if (isFirst) sawFirst++;
      else sawSecond++;
    }
    expect(sawFirst).toBeGreaterThan(0);
    expect(sawSecond).toBeGreaterThan(0);
    expect(Buffer.from(crashes[crashes.length - 1]!.readFileDirect('/backups/b.bak')).equals(second)).toBe(true);
    await db.close();
  });

  it('works from a read-only open (how `sett backup` reads a live database)', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    for (let i = 0; i < 100; i++) await db.put(`k${i}`, `v${i}`, { userMeta: 3 });
    const expected = dumpMeta(db);
    await db.close();
    const ro = await open('/db', { fs, readOnly: true });
    fs.mkdir('/backups');
    expect(await backup(ro, '/backups/ro.bak')).toBe(100);
    await ro.close();
    const target = await openSmall(faultFS());
    await load(target, '/backups/ro.bak', { fs });
    expect(dumpMeta(target)).toEqual(expected);
    await target.close();
  });

  for (const op of ['append', 'sync', 'rename'] as const) {
    it(`an I/O error on ${op} fails the backup with IO_ERROR and leaves no file, partial or final`, async () => {
      const fs = faultFS();
      const db = await openSmall(fs);
      for (let i = 0; i < 50; i++) await db.put(`k${i}`, 'v'.repeat(50));
      fs.mkdir('/backups');
      fs.injectFault({ op, path: /\/backups\//, errno: 'EIO', nth: op === 'append' ? 3 : 1, partialBytes: 10 });
      let err: unknown;
      await backup(db, '/backups/b.bak', { chunkBytes: 300 }).catch((e: unknown) => (err = e));
      expect(err).toBeInstanceOf(SettError);
      expect((err as SettError).code).toBe('IO_ERROR');
      expect((err as SettError).errno).toBe('EIO');
      expect(fs.list('/backups')).toEqual([]);
      // The database is untouched by a failed backup.
      expect(dump(db).length).toBe(50);
      await db.put('after', 'ok');
      await db.close();
    });
  }
});

describe('backup and load on the real file system', () => {
  const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-backup-'));
  afterAll(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

  it('to and from a path (NodeFS), and through fs streams', async () => {
    const db = await open({ inMemory: true });
    for (let i = 0; i < 500; i++) await db.put(`key-${String(i).padStart(4, '0')}`, `value ${i} `.repeat(i % 13), { userMeta: i % 200 });
    const file = path.join(dir, 'full.bak');
    const reached = await backup(db, file);
    expect(nodeFs.existsSync(file + '.partial')).toBe(false);

    const fromPath = await open({ inMemory: true });
    await load(fromPath, file);
    expect(dumpMeta(fromPath)).toEqual(dumpMeta(db));

    await db.delete('key-0003');
    await db.put('key-0004', 'new');
    const incrFile = path.join(dir, 'incr.bak');
    const out = nodeFs.createWriteStream(incrFile);
    await backup(db, out, { since: reached });
    out.end();
    await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
    const result = await load(fromPath, nodeFs.createReadStream(incrFile));
    expect(result).toMatchObject({ kind: 'incremental', puts: 1, deletes: 1, unchanged: 498 });
    expect(dumpMeta(fromPath)).toEqual(dumpMeta(db));

    // A stream can be piped through anything that keeps the bytes.
    const copy = path.join(dir, 'copy.bak');
    await pipeline(nodeFs.createReadStream(file), nodeFs.createWriteStream(copy));
    const third = await open({ inMemory: true });
    await load(third, copy);
    await load(third, incrFile);
    expect(dumpMeta(third)).toEqual(dumpMeta(db));
    await Promise.all([db.close(), fromPath.close(), third.close()]);
  });
});

describe('what a restore keeps', () => {
  it('absolute expiry and userMeta: entries expire at the same moment in the restored database', async () => {
    const clock = new ManualClock(START_MS);
    const source = await openSmall(faultFS(), { clock });
    await source.put('forever', 'v', { userMeta: 9 });
    await source.put('soon', 'v', { ttl: 1000, userMeta: 1 });
    await source.put('later', 'v', { ttl: 5000, userMeta: 2 });
    const { bytes } = await backupBytes(source);
    clock.advance(2500); // 'soon' has expired when the backup is loaded
    const target = await openSmall(faultFS(), { clock });
    await target.put('soon', 'old value the load must hide');
    const result = await loadBytes(target, bytes);
    expect(result).toMatchObject({ puts: 2, deletes: 1 });
    expect(dumpMeta(target)).toEqual([
      ['forever', 'v', 9, 0],
      ['later', 'v', 2, START_MS + 5000],
    ]);
    clock.set(START_MS + 4999);
    expect(dump(target).map(([k]) => k)).toEqual(['forever', 'later']);
    clock.set(START_MS + 5000);
    expect(dump(target).map(([k]) => k)).toEqual(['forever']);
    expect(dump(source).map(([k]) => k)).toEqual(['forever']);
    await source.close();
    await target.close();
  });

  it('a full backup overwrites the keys it holds and leaves the target\'s others; an incremental removes keys it does not list', async () => {
    const clock = new ManualClock(START_MS);
    const source = await openSmall(faultFS(), { clock });
    await source.put('a', 'source-a');
    await source.put('c', 'source-c');
    const full = await backupBytes(source);
    const target = await openSmall(faultFS(), { clock });
    await target.put('a', 'target-a', { ttl: 100 });
    await target.put('b', 'target-b');
    await target.put('d', 'target-d');
    await loadBytes(target, full.bytes);
    expect(dumpMeta(target)).toEqual([
      ['a', 'source-a', 0, 0],
      ['b', 'target-b', 0, 0],
      ['c', 'source-c', 0, 0],
      ['d', 'target-d', 0, 0],
    ]);
    await source.put('c', 'source-c2');
    const incr = await backupBytes(source, { since: full.reached });
    expect(await loadBytes(target, incr.bytes)).toMatchObject({ puts: 1, unchanged: 1, removed: 2 });
    expect(dumpMeta(target)).toEqual(dumpMeta(source));
    await source.close();
    await target.close();
  });

  it('large values (value log), many chunks and many write windows round-trip, and the target versions are its own', async () => {
    const clock = new ManualClock(START_MS);
    const source = await openSmall(faultFS(), { clock, valueThreshold: 100 });
    await source.put('pre', 'x'); // the source's versions run one ahead of the target's
    for (let i = 0; i < 400; i++) await source.put(`k${String(i).padStart(3, '0')}`, String(i).repeat(i % 4 === 0 ? 300 : 3), { userMeta: i % 256, ttl: i % 2 === 0 ? 100_000 : undefined });
    await source.waitForBackgroundWork();
    const { bytes, reached } = await backupBytes(source, { chunkBytes: 2000 });
    const target = await openSmall(faultFS(), { clock, valueThreshold: 100 });
    const result = await loadBytes(target, bytes, { windowBytes: 3000 }, 1000);
    expect(result.puts).toBe(401);
    expect(dumpMeta(target)).toEqual(dumpMeta(source));
    expect(target.stats().counters.vlogReads + target.stats().counters.vlogBytesWritten).toBeGreaterThan(0);
    expect(reached).toBe(401);
    // Committed in several write batches at the target's own versions.
    const versions = new Set([...target.iterator({ meta: true })].map((e) => e.version!));
    expect(versions.size).toBeGreaterThan(1);
    expect(Math.max(...versions)).toBeLessThan(reached);
    await source.close();
    await target.close();
  });

  // Engine issue found while writing incrementals (reported to the lead): on open, the next
  // version continues from the highest version still stored, so when flatten or dropAll has
  // erased the newest versions, versions go backwards after a reopen and writes land at or
  // below a `since` an earlier backup returned, where an incremental cannot see them. Remove
  // `.fails` once open() restores versions from a persisted high-water mark.
  it('regression (engine): an incremental after flatten + reopen sees every write made after `since`', async () => {
    const fs = faultFS();
    let source = await openSmall(fs);
    await source.put('a', '1');
    await source.put('b', '1');
    await source.delete('b');
    const full = await backupBytes(source);
    await source.flatten();
    await source.close();
    source = await open('/db', { fs, memTableSize: 16 * 1024, blockSize: 256, compression: 'none' });
    for (const k of ['c', 'd', 'e']) await source.put(k, 'new');
    const incr = await backupBytes(source, { since: full.reached });
    const target = await openSmall(faultFS());
    await loadBytes(target, full.bytes);
    await loadBytes(target, incr.bytes);
    expect(dump(target)).toEqual(dump(source));
    await source.close();
    await target.close();
  });
});
