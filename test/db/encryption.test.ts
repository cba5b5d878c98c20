// Encryption at rest through the database (docs/format/encryption.md): a model run with flushes,
// compaction, value-log GC and reopen; no plaintext anywhere on disk; WRONG_KEY before any data
// is read; data-key rotation on a manual clock; verify with and without the key.

import { describe, expect, it } from 'vitest';
import { ManualClock, Rng } from '../../src/base/index.js';
import { open, verifyDirectory, type DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR, dump, faultFS, openSmall, text } from './helpers.js';

const KEY16 = new Uint8Array(16).fill(7);
const KEY32 = Uint8Array.from({ length: 32 }, (_, i) => i * 3 + 1);
const DAY_MS = 86_400_000;

function openEnc(fs: FaultFS, key: Uint8Array, extra: Parameters<typeof openSmall>[1] = {}): Promise<DB> {
  return openSmall(fs, { encryptionKey: key, valueThreshold: 32, valueLogFileSize: 16384, executor: 'inline', ...extra });
}

/** A distinctive printable string of `n` bytes (≥ 8) that no file would hold by accident. */
function marker(kind: string, i: number, n: number): string {
  const base = `${kind}<${i.toString(36)}>zq`;
  let s = base;
  while (s.length < n) s += `#${kind}${i}`;
  return s.slice(0, Math.max(n, base.length));
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle)) >= 0;
}

async function fill(db: DB, rng: Rng, model: Map<string, string>, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const k = marker('key', rng.int(300), 12);
    if (rng.int(10) === 0) {
      await db.delete(k);
      model.delete(k);
    } else {
      const v = marker(`val${i}`, rng.int(1e6), rng.int(4) === 0 ? 200 : 12);
      await db.put(k, v);
      model.set(k, v);
    }
  }
}

describe('encryption at rest', () => {
  it('matches a model through flushes, compaction, value-log GC and reopens, with either key size and snappy', async () => {
    for (const [key, compression] of [[KEY16, 'none'], [KEY32, 'snappy']] as const) {
      const seed = key.length * 1000 + 17;
      const rng = new Rng(seed);
      const fs = faultFS();
      const model = new Map<string, string>();
      let db = await openEnc(fs, key, { compression });
      let compactions = 0;
      let gcRewrites = 0;
      for (let round = 0; round < 4; round++) {
        await fill(db, rng, model, 600);
        await db.waitForBackgroundWork();
        await db.flatten();
        while (await db.runValueLogGC(0.1));
        compactions += db.stats().counters.compactions;
        gcRewrites += db.stats().counters.vlogGCRewrites;
        expect(model.size).toBeGreaterThan(100);
        expect(dump(db), `seed ${seed} round ${round}`).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
        await db.close();
        db = await openEnc(fs, key, { compression });
        expect(dump(db), `seed ${seed} after reopen ${round}`).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
        for (const [k, v] of model) expect(text(db.getSync(k))).toBe(v);
      }
      const report = await db.verify();
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      await db.close();
      expect(compactions, `seed ${seed}`).toBeGreaterThan(0);
      expect(gcRewrites, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('leaves no plaintext key or value in any file of the database (tables, WALs, value log, MANIFEST, DISCARD, KEYREGISTRY)', async () => {
    const fs = faultFS();
    const db = await openEnc(fs, KEY32, { compression: 'none' });
    const written: string[] = [];
    for (let i = 0; i < 400; i++) {
      const k = marker('secretkey', i, 16);
      const v = marker('secretvalue', i, i % 3 === 0 ? 100 : 16); // large ones go to the value log
      await db.put(k, v);
      written.push(k, v);
    }
    await db.waitForBackgroundWork();
    // Unflushed writes stay in the WAL, which must be encrypted too.
    for (let i = 400; i < 420; i++) {
      const k = marker('secretkey', i, 16);
      const v = marker('secretvalue', i, 64);
      await db.put(k, v);
      written.push(k, v);
    }
    await db.close();
    const files = fs.listAll();
    const kinds = new Set(files.map((f) => f.replace(/^.*\//, '').replace(/^\d+/, '')));
    for (const kind of ['.sst', '.mem', '.vlog', 'MANIFEST', 'KEYREGISTRY']) expect([...kinds]).toContain(kind);
    for (const f of files) {
      const bytes = fs.readFileDirect(f);
      for (const s of written) expect(contains(bytes, Buffer.from(s)), `${s} found in ${f}`).toBe(false);
    }
    // The same database holds them all, readable with the key.
    const again = await openEnc(fs, KEY32, { compression: 'none' });
    for (let i = 0; i < written.length; i += 2) expect(text(again.getSync(written[i]!))).toBe(written[i + 1]);
    // Writes right after a reopen land in the WAL open made: encrypted too (it once was not).
    const late = [marker('secretkey', 999, 16), marker('secretvalue', 999, 24)];
    await again.put(late[0]!, late[1]!);
    await again.close();
    for (const f of fs.listAll()) {
      const bytes = fs.readFileDirect(f);
      for (const s of late) expect(contains(bytes, Buffer.from(s)), `${s} found in ${f} after a reopen`).toBe(false);
    }
  });

  it('refuses a missing key, a wrong key, and a key on a plain database with WRONG_KEY before reading any table, WAL or value-log byte', async () => {
    const fs = faultFS();
    const db = await openEnc(fs, KEY16);
    await fill(db, new Rng(3), new Map(), 300);
    await db.close();
    const dataReads: string[] = [];
    fs.onOperation = (op, path) => {
      if ((op === 'read' || op === 'open') && /\.(sst|mem|vlog)$/.test(path)) dataReads.push(`${op} ${path}`);
    };
    await expect(open(DIR, { fs })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    await expect(open(DIR, { fs, readOnly: true })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    await expect(open(DIR, { fs, encryptionKey: new Uint8Array(16).fill(8) })).rejects.toMatchObject({ code: 'WRONG_KEY', name: 'WrongKeyError' });
    await expect(open(DIR, { fs, encryptionKey: KEY32 })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    expect(dataReads).toEqual([]);
    fs.onOperation = undefined;

    const plain = faultFS();
    const p = await openSmall(plain, { valueThreshold: 32 });
    await p.put('k', 'v');
    await p.close();
    plain.onOperation = (op, path) => {
      if ((op === 'read' || op === 'open') && /\.(sst|mem|vlog)$/.test(path)) dataReads.push(`${op} ${path}`);
    };
    await expect(open(DIR, { fs: plain, encryptionKey: KEY16 })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    expect(dataReads).toEqual([]);
    plain.onOperation = undefined;
    // Nothing was changed: both still open with what they were made with.
    const back = await openEnc(fs, KEY16);
    await back.close();
    const plainBack = await openSmall(plain);
    expect(text(plainBack.getSync('k'))).toBe('v');
    await plainBack.close();
  });

  it('reports damage to KEYREGISTRY as CORRUPTION naming it, not WRONG_KEY', async () => {
    const fs = faultFS();
    const db = await openEnc(fs, KEY16);
    await db.put('a', 'b');
    await db.close();
    const good = fs.readFileDirect(`${DIR}/KEYREGISTRY`);
    for (const at of [0, 9, 20, 40, 60, 64, 70, good.length - 1]) {
      const bad = good.slice();
      bad[at]! ^= 0x10;
      fs.writeFileDirect(`${DIR}/KEYREGISTRY`, bad);
      const err = await open(DIR, { fs, encryptionKey: KEY16 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `byte ${at}`).toMatchObject({ file: 'KEYREGISTRY' });
      expect((err as { code: string }).code, `byte ${at}`).toMatch(/^(CORRUPTION|NOT_A_DATABASE)$/);
    }
    fs.writeFileDirect(`${DIR}/KEYREGISTRY`, good.subarray(0, good.length - 3));
    await expect(open(DIR, { fs, encryptionKey: KEY16 })).rejects.toMatchObject({ code: 'CORRUPTION', file: 'KEYREGISTRY' });
    fs.unlink(`${DIR}/KEYREGISTRY`);
    // A lost registry of a database whose MANIFEST names encrypted tables is CORRUPTION, with or without a key.
    const withTables = faultFS();
    const t = await openEnc(withTables, KEY16);
    await fill(t, new Rng(5), new Map(), 300);
    await t.close();
    withTables.unlink(`${DIR}/KEYREGISTRY`);
    await expect(open(DIR, { fs: withTables, encryptionKey: KEY16 })).rejects.toMatchObject({ code: 'CORRUPTION', file: 'KEYREGISTRY' });
    await expect(open(DIR, { fs: withTables })).rejects.toMatchObject({ code: 'CORRUPTION', file: 'KEYREGISTRY' });
  });

  it('adds a data key once the newest is encryptionKeyRotationDays old; files under older keys still read', async () => {
    const clock = new ManualClock(1_000 * DAY_MS);
    const fs = faultFS();
    const model = new Map<string, string>();
    const rng = new Rng(11);
    let db = await openEnc(fs, KEY16, { clock, encryptionKeyRotationDays: 3 });
    await fill(db, rng, model, 300);
    await db.close();
    const keysNow = (): number[] => registryIds(fs);
    expect(keysNow()).toEqual([1]);
    clock.advance(2 * DAY_MS);
    db = await openEnc(fs, KEY16, { clock, encryptionKeyRotationDays: 3 });
    await fill(db, rng, model, 50);
    await db.close();
    expect(keysNow()).toEqual([1]);
    clock.advance(1 * DAY_MS);
    db = await openEnc(fs, KEY16, { clock, encryptionKeyRotationDays: 3 });
    expect(keysNow()).toEqual([1, 2]); // at open
    await fill(db, rng, model, 300);
    clock.advance(3 * DAY_MS);
    await fill(db, rng, model, 600); // flushes made after this point rotate
    await db.waitForBackgroundWork();
    expect(keysNow()).toEqual([1, 2, 3]);
    expect(dump(db)).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    await db.close();
    db = await openEnc(fs, KEY16, { clock, encryptionKeyRotationDays: 3 });
    expect(dump(db)).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect((await db.verify()).ok).toBe(true);
    await db.close();
  });

  it('verifyDirectory checks an encrypted database by its checksums without the key, and whole with it', async () => {
    const fs = faultFS();
    const db = await openEnc(fs, KEY16);
    await fill(db, new Rng(9), new Map(), 500);
    await db.close();
    const without = await verifyDirectory(DIR, { fs });
    expect(without.problems).toEqual([]);
    expect(without.ok).toBe(true);
    expect(without.entries).toBe(0);
    const withKey = await verifyDirectory(DIR, { fs, encryptionKey: KEY16 });
    expect(withKey.problems).toEqual([]);
    expect(withKey.entries, JSON.stringify(withKey).slice(0, 800)).toBeGreaterThan(0);
    // A flipped byte inside a value-log entry is found without the key.
    const vlog = fs.listAll().find((f) => f.endsWith('.vlog'))!;
    const bytes = fs.readFileDirect(vlog);
    bytes[60]! ^= 1;
    fs.writeFileDirect(vlog, bytes);
    const damaged = await verifyDirectory(DIR, { fs });
    expect(damaged.ok).toBe(false);
    expect(damaged.problems.map((p) => p.file)).toContain(vlog.slice(DIR.length + 1));
  });
});

/** Data key ids in the registry, read from its plaintext record headers (docs/format/keyregistry.md). */
function registryIds(fs: FaultFS): number[] {
  const bytes = fs.readFileDirect(`${DIR}/KEYREGISTRY`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ids: number[] = [];
  let p = 66;
  for (let i = 0; i < view.getUint32(58); i++) {
    ids.push(view.getUint32(p));
    p += 33 + bytes[p + 28]!;
  }
  return ids;
}

describe('encryption at rest with worker threads on the real file system', () => {
  it('flushes and compacts on workers with data keys only, leaving no plaintext, and reopens', async () => {
    const { mkdtempSync, readdirSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sett-enc-'));
    try {
      const opts = { encryptionKey: KEY32, memTableSize: 64 * 1024, blockSize: 512, valueThreshold: 64, numLevelZeroTables: 2, baseTableSize: 32 * 1024 };
      let db = await open(dir, opts);
      const model = new Map<string, string>();
      for (let i = 0; i < 3000; i++) {
        const k = marker('wkey', i % 1500, 14);
        const v = marker(`wval${i}`, i, i % 5 === 0 ? 120 : 20);
        await db.put(k, v);
        model.set(k, v);
      }
      await db.waitForBackgroundWork();
      await db.flatten();
      expect(db.stats().counters.flushes).toBeGreaterThan(0);
      await db.close();
      for (const name of readdirSync(dir)) {
        if (name.startsWith('LOCK')) continue;
        const bytes = readFileSync(join(dir, name));
        for (const [k, v] of [...model].slice(0, 200)) {
          expect(bytes.indexOf(k), `${k} in ${name}`).toBe(-1);
          expect(bytes.indexOf(v), `${v} in ${name}`).toBe(-1);
        }
      }
      db = await open(dir, opts);
      for (const [k, v] of model) expect(text(db.getSync(k))).toBe(v);
      expect((await db.verify()).ok).toBe(true);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
