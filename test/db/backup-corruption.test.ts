// Damaged backups: every flipped bit and every truncation is reported (CORRUPTION naming the file
// or stream and the offset of the damaged piece, or NOT_A_DATABASE for a header that is not a
// sett backup's), a source that is not a backup writes nothing, and bad arguments are typed errors.

import { describe, expect, it } from 'vitest';
import { ManualClock, SettError } from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { open, type DB } from '../../src/db/index.js';
import { backup } from '../../src/db/backup.js';
import { BackupReader } from '../../src/db/backup-reader.js';
import { load } from '../../src/db/restore.js';
import { fileSource, streamSource } from '../../src/db/restore-source.js';
import { BACKUP_HEADER_BYTES, CHUNK_END, CHUNK_HEADER_BYTES, encodeHeader } from '../../src/db/backup-format.js';
import { Collect, backupBytes, dumpMeta, loadBytes, streamOf } from './backup-helpers.js';
import { dump, faultFS, openSmall } from './helpers.js';

/** Reads a whole backup, checking everything, as load() does before writing. */
async function readAll(bytes: Uint8Array, via: 'file' | 'stream'): Promise<number> {
  let source;
  if (via === 'file') {
    const fs = new FaultFS();
    fs.writeFileDirect('/b.bak', bytes);
    source = fileSource(fs, '/b.bak');
  } else {
    source = streamSource(streamOf(bytes, 13));
  }
  try {
    const reader = await BackupReader.open(source);
    while ((await reader.nextChunk()) !== undefined);
    return reader.recordCount;
  } finally {
    source.close();
  }
}

async function errorOf(p: Promise<unknown>): Promise<SettError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SettError) return err;
    throw err;
  }
  throw new Error('expected a SettError, but it succeeded');
}

/** Start offsets of the header (0) and of every chunk, from a good backup. */
function pieceStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = BACKUP_HEADER_BYTES; at < bytes.length; at += CHUNK_HEADER_BYTES + view.getUint32(at + 10)) {
    starts.push(at);
    if (bytes[at] === CHUNK_END) break;
  }
  return starts;
}

async function sampleBackups(): Promise<{ name: string; bytes: Buffer; records: number }[]> {
  const clock = new ManualClock(1_000_000);
  const db = await openSmall(faultFS(), { clock, valueThreshold: 64 });
  for (let i = 0; i < 40; i++) await db.put(`key${i}`, i % 5 === 0 ? 'x'.repeat(100) : `v${i}`, { userMeta: i, ttl: i % 3 === 0 ? 10_000 : undefined });
  const full = await backupBytes(db, { chunkBytes: 120 });
  for (let i = 0; i < 40; i += 4) await db.delete(`key${i}`);
  await db.put('key7', 'changed');
  const incr = await backupBytes(db, { since: full.reached, chunkBytes: 50 });
  await db.close();
  return [
    { name: 'full', bytes: full.bytes, records: 40 },
    { name: 'incremental', bytes: incr.bytes, records: 40 },
  ];
}

describe('damaged backups', async () => {
  const samples = await sampleBackups();

  for (const { name, bytes, records } of samples) {
    it(`${name}: the sample is a multi-chunk backup that reads back whole`, async () => {
      expect(pieceStarts(bytes).length).toBeGreaterThan(5);
      expect(await readAll(bytes, 'file')).toBe(records);
      expect(await readAll(bytes, 'stream')).toBe(records);
    });

    it(`${name}: every flipped bit is reported, at the start of the damaged header, chunk or payload`, async () => {
      const starts = pieceStarts(bytes);
      for (let i = 0; i < bytes.length; i++) {
        const bad = Buffer.from(bytes);
        bad[i]! ^= 1 << (i % 8);
        const err = await errorOf(readAll(bad, i % 2 === 0 ? 'file' : 'stream'));
        if (i < 10) {
          // Magic or format version: not (a version of) a sett backup.
          expect(err.code, `byte ${i}`).toBe('NOT_A_DATABASE');
          continue;
        }
        expect(err.code, `byte ${i}: ${err.message}`).toBe('CORRUPTION');
        expect(err.file).toBe(i % 2 === 0 ? '/b.bak' : 'backup stream');
        const pieceStart = starts.filter((s) => s <= i).pop()!;
        expect(err.offset!, `byte ${i}: ${err.message}`).toBeGreaterThanOrEqual(pieceStart);
        expect(err.offset!, `byte ${i}: ${err.message}`).toBeLessThanOrEqual(i);
      }
    });

    it(`${name}: every truncation is reported at or before the cut`, async () => {
      for (let cut = 0; cut < bytes.length; cut++) {
        const err = await errorOf(readAll(bytes.subarray(0, cut), cut % 2 === 0 ? 'file' : 'stream'));
        expect(err.code, `cut at ${cut}`).toBe(cut < 8 ? 'NOT_A_DATABASE' : 'CORRUPTION');
        if (cut >= 8) {
          expect(err.offset!, `cut at ${cut}: ${err.message}`).toBeLessThanOrEqual(cut);
          expect(err.message).toMatch(/truncated|cut short|without its end chunk/);
        }
      }
    });

    it(`${name}: bytes after the end chunk are CORRUPTION at the first of them`, async () => {
      const err = await errorOf(readAll(Buffer.concat([bytes, Buffer.from([0])]), 'stream'));
      expect(err.code).toBe('CORRUPTION');
      expect(err.offset).toBe(bytes.length);
      expect(err.message).toMatch(/bytes after the end chunk/);
    });
  }

  it('load() of a damaged backup rejects with CORRUPTION and writes at most the records before the damaged chunk', async () => {
    const { bytes } = samples[0]!;
    const source = await openSmall(faultFS(), { clock: new ManualClock(1_000_000) });
    const starts = pieceStarts(bytes);
    for (const piece of [2, 4, starts.length - 1]) {
      const bad = Buffer.from(bytes);
      bad[starts[piece]! + CHUNK_HEADER_BYTES + 1]! ^= 0x40; // inside the payload (or the end record)
      const target = await openSmall(faultFS(), { clock: new ManualClock(1_000_000) });
      const err = await errorOf(loadBytes(target, bad, { windowBytes: 50 }));
      expect(err.code).toBe('CORRUPTION');
      expect(err.offset).toBe(starts[piece]! + CHUNK_HEADER_BYTES);
      // What landed is a prefix, in key order, of what the backup holds.
      const good = await openSmall(faultFS(), { clock: new ManualClock(1_000_000) });
      await loadBytes(good, bytes);
      const all = dumpMeta(good);
      const got = dumpMeta(target);
      expect(all.slice(0, got.length)).toEqual(got);
      await good.close();
      await target.close();
    }
    await source.close();
  });
});

describe('not a backup, bad arguments', () => {
  async function filled(): Promise<DB> {
    const db = await openSmall(faultFS());
    await db.put('keep', 'me');
    return db;
  }

  const notBackups: [string, Uint8Array][] = [
    ['empty input', new Uint8Array(0)],
    ['text', Buffer.from('hello, this is not a backup at all, but long enough for a header')],
    ['another sett file (a MANIFEST header)', Buffer.from('SETTMANF\x00\x01\x00\x00\x00\x00', 'latin1')],
    ['a future format version', (() => {
      const h = encodeHeader({ kind: 'full', sinceVersion: 0, reachedVersion: 1, createdAtMs: 0 });
      h[9] = 9;
      return h;
    })()],
  ];
  for (const [what, bytes] of notBackups) {
    it(`loading ${what} is NOT_A_DATABASE and writes nothing`, async () => {
      const db = await filled();
      const version = db.stats().lastVersion;
      const err = await errorOf(loadBytes(db, bytes));
      expect(err.code).toBe('NOT_A_DATABASE');
      expect(err.message).toMatch(/backup stream: (not a sett backup|backup format version 9)/);
      expect(dump(db)).toEqual([['keep', 'me']]);
      expect(db.stats().lastVersion).toBe(version);
      await db.close();
    });
  }

  it('a missing backup file is IO_ERROR with ENOENT, and nothing is written', async () => {
    const db = await filled();
    const err = await errorOf(load(db, '/no/such.bak'));
    expect(err.code).toBe('IO_ERROR');
    expect(err.errno).toBe('ENOENT');
    expect(dump(db)).toEqual([['keep', 'me']]);
    await db.close();
  });

  it('loading into a read-only or closed database fails before reading the source', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    await db.put('a', '1');
    const { bytes } = await backupBytes(db);
    await db.close();
    expect((await errorOf(loadBytes(db, bytes))).code).toBe('CLOSED');
    const ro = await open('/db', { fs, readOnly: true });
    expect((await errorOf(loadBytes(ro, bytes))).code).toBe('READ_ONLY');
    await ro.close();
  });

  it('backup and load refuse bad arguments with INVALID_ARGUMENT', async () => {
    const db = await filled();
    const version = db.stats().lastVersion;
    const bad = async (p: Promise<unknown>): Promise<string> => {
      const err = await errorOf(p);
      expect(err.code).toBe('INVALID_ARGUMENT');
      return err.message;
    };
    expect(await bad(backup(db, new Collect(), { since: version + 1 }))).toMatch(/since 2 is above this database's current version 1/);
    expect(await bad(backup(db, new Collect(), { since: -1 }))).toMatch(/non-negative integer/);
    expect(await bad(backup(db, new Collect(), { since: 1.5 }))).toMatch(/non-negative integer/);
    expect(await bad(backup(db, new Collect(), { chunkBytes: 0 }))).toMatch(/chunkBytes/);
    expect(await bad(backup(db, ''))).toMatch(/destination/);
    expect(await bad(backup(db, {} as NodeJS.WritableStream))).toMatch(/destination/);
    expect(await bad(load(db, ''))).toMatch(/source/);
    expect(await bad(load(db, 42 as unknown as string))).toMatch(/source/);
    expect(await bad(load(db, streamOf(Buffer.from('x')), { windowBytes: -1 }))).toMatch(/windowBytes/);
    expect(dump(db)).toEqual([['keep', 'me']]);
    await db.close();
  });
});
