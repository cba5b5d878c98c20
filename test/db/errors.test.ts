// Every error code the engine raises today, with its exact message: a test fails if either changes.

import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, type DB } from '../../src/db/index.js';
import { isSettError, type SettErrorCode } from '../../src/base/index.js';
import { DIR, faultFS, openSmall } from './helpers.js';

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, got none');
}

async function expectError(p: Promise<unknown> | (() => unknown), code: SettErrorCode, message: string): Promise<void> {
  const err = await rejection(p);
  expect(isSettError(err, code), `${String(err)} should be ${code}`).toBe(true);
  expect(err.message).toBe(message);
}

const tempDirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of tempDirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-errors-'));
  tempDirs.push(d);
  return d;
}

describe('INVALID_ARGUMENT: bad input changes nothing', () => {
  it('refuses empty, oversized and mistyped keys and values, with nothing written', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    await db.put('k', 'v');
    const walBefore = db.stats().files.walBytes;
    await expectError(() => db.put('', 'v'), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: key must not be empty');
    await expectError(() => db.put(new Uint8Array(65_001), 'v'), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: key of 65001 bytes is too long (at most 65000 bytes)');
    await expectError(() => db.put(42 as unknown as string, 'v'), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: key must be a Uint8Array or a string, got number');
    await expectError(() => db.put('k', null as unknown as string), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: value must be a Uint8Array or a string, got null');
    await expectError(() => db.put('k', 'v', { ttl: -1 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: ttl must be a positive number of milliseconds, got -1');
    await expectError(() => db.put('k', 'v', { userMeta: 256 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: userMeta must be an integer from 0 to 255, got 256');
    await expectError(() => db.getSync(''), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: key must not be empty');
    await expectError(() => db.delete({} as unknown as string), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: key must be a Uint8Array or a string, got object');
    // A bad operation anywhere in a batch rejects the whole batch before anything is written.
    await expectError(
      () => db.batch([{ type: 'put', key: 'a', value: '1' }, { type: 'merge', key: 'b' } as unknown as { type: 'del'; key: string }]),
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT: batch operation 1 has type "merge"; expected "put" or "del"',
    );
    await expectError(() => db.batch([{ type: 'put', key: 'a', value: '1' }, { type: 'del', key: '' }]), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: key must not be empty');
    expect(db.getSync('a')).toBeUndefined();
    expect(db.stats().files.walBytes).toBe(walBefore);
    await db.close();
  });

  it('takes a small value under the longest key even with the smallest value-log files', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { memTableSize: 1 << 20, valueLogFileSize: 16 * 1024, valueThreshold: 64 });
    const key = new Uint8Array(65_000).fill(0x61);
    await db.put(key, 'v');
    expect(db.getSync(key)?.toString()).toBe('v');
    await expectError(() => db.put(key, new Uint8Array(100)), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: value of 100 bytes is too large (at most 64 bytes)');
    await db.close();
  });

  it('refuses a bad option at open', async () => {
    await expectError(open(DIR, { fs: faultFS(), memTableSize: 1 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: option memTableSize must be an integer from 16384 to 2147483647, got 1');
    await expectError(open(42 as unknown as string), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: open() needs a directory string or an options object, got number');
    await expectError(open({}), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT: open() needs a directory, or { inMemory: true }');
  });

  it('refuses a batch too large for one memtable with TXN_TOO_BIG', async () => {
    const db = await openSmall(faultFS());
    const ops = Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: 'x'.repeat(100) }));
    const err = await rejection(() => db.batch(ops));
    expect(isSettError(err, 'TXN_TOO_BIG')).toBe(true);
    expect(err.message).toMatch(/^TXN_TOO_BIG: a batch of 100 entries and \d+ bytes does not fit in one memtable \(memTableSize 16384\)/);
    await db.close();
  });
});

describe('CLOSED', () => {
  it('fails every call after close', async () => {
    const db = await openSmall(faultFS());
    await db.put('k', 'v');
    await db.close();
    const closed = 'CLOSED: the database is closed';
    await expectError(() => db.put('k', 'v'), 'CLOSED', closed);
    await expectError(() => db.get('k'), 'CLOSED', closed);
    await expectError(() => db.getSync('k'), 'CLOSED', closed);
    await expectError(() => db.delete('k'), 'CLOSED', closed);
    await expectError(() => db.batch([]), 'CLOSED', closed);
    await expectError(() => db.iterator(), 'CLOSED', closed);
    await db.close(); // idempotent
  });

  it('lets writes in flight finish before close resolves', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    const writes = Array.from({ length: 50 }, (_, i) => db.put(`k${i}`, `v${i}`));
    await db.close();
    await Promise.all(writes);
    const again = await openSmall(fs);
    expect(again.getSync('k49')?.toString()).toBe('v49');
    await again.close();
  });

  it('supports await using (Symbol.asyncDispose)', async () => {
    const fs = faultFS();
    let ref: DB | undefined;
    {
      await using db = await openSmall(fs);
      ref = db;
      await db.put('k', 'v');
    }
    expect(ref.isClosed).toBe(true);
  });
});

describe('READ_ONLY', () => {
  it('refuses every write and serves reads', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    await db.put('k', 'v');
    await db.close();
    const ro = await openSmall(fs, { readOnly: true });
    expect(ro.getSync('k')?.toString()).toBe('v');
    const message = 'READ_ONLY: the database was opened read-only';
    await expectError(() => ro.put('k', 'w'), 'READ_ONLY', message);
    await expectError(() => ro.delete('k'), 'READ_ONLY', message);
    await expectError(() => ro.batch([{ type: 'del', key: 'k' }]), 'READ_ONLY', message);
    await expectError(() => ro.compactL0(), 'READ_ONLY', message);
    await ro.close();
    await expectError(() => ro.compactL0(), 'CLOSED', 'CLOSED: the database is closed');
  });

  it('sees one state even when a flush lands while it reads: a prefix of the writes, never a hole', async () => {
    const fs = faultFS();
    const writer = await openSmall(fs, { memTableSize: 1 << 20 });
    const key = (i: number): string => `k${String(i).padStart(4, '0')}`;
    for (let i = 0; i < 100; i++) await writer.put(key(i), `v${i}`);
    const before = fs.crash(0, { mode: 'keepAll' }); // keys 0..99 in the WAL, no table yet
    await writer.flatten(); // the WAL becomes a table (the MANIFEST records it) and is deleted
    for (let i = 100; i < 150; i++) await writer.put(key(i), `v${i}`); // into a new WAL
    const after = fs.crash(0, { mode: 'keepAll' });
    await writer.close();

    // Replay the writer's flush inside a read-only open of the earlier image: once the open has
    // read the MANIFEST, the directory turns into the later image before the open lists it.
    let swapped = false;
    before.onOperation = (op, path) => {
      if (swapped || op !== 'list' || path !== DIR) return;
      swapped = true;
      for (const name of before.list(DIR)) if (!after.list(DIR).includes(name)) before.unlink(`${DIR}/${name}`);
      for (const name of after.list(DIR)) if (name !== 'LOCK') before.writeFileDirect(`${DIR}/${name}`, after.readFileDirect(`${DIR}/${name}`));
    };
    const ro = await openSmall(before, { readOnly: true, memTableSize: 1 << 20 });
    const seen = [...ro.iterator({ values: false })].map(([k]) => k.toString());
    await ro.close();
    expect(swapped).toBe(true);
    expect(seen, 'a hole: the flushed WAL was gone and its table not in the MANIFEST the open had read').toEqual(Array.from({ length: seen.length }, (_, i) => key(i)));
    expect(seen.length).toBe(150);
  });

  it('writes nothing, not even a flush of the WALs it finds (beside a live writer it would take its file ids)', async () => {
    const fs = faultFS();
    // Frozen memtables whose flush has not run when the copy is taken: several WALs, no table.
    const db = await openSmall(fs, { executor: { kind: 'inline', run: () => new Promise(() => {}), close: async () => {} } });
    for (let i = 0; i < 400; i++) void db.put(`k${i}`, 'v'.repeat(100));
    await new Promise((resolve) => setImmediate(resolve));
    const copy = fs.crash(1, { mode: 'keepAll' });
    expect(copy.list(DIR).filter((n) => n.endsWith('.mem')).length).toBeGreaterThan(1);
    const writes: string[] = [];
    copy.onOperation = (op, path) => {
      if (['append', 'write', 'truncate', 'rename', 'unlink', 'mkdir', 'sync', 'syncDir'].includes(op)) writes.push(`${op} ${path}`);
    };
    const ro = await openSmall(copy, { readOnly: true, executor: 'inline' });
    expect(ro.getSync('k0')?.toString()).toBe('v'.repeat(100));
    await ro.waitForBackgroundWork();
    await ro.close();
    expect(writes).toEqual([]);
    expect(copy.list(DIR).filter((n) => n.endsWith('.sst'))).toEqual([]);
  });
});

describe('NOT_A_DATABASE and CORRUPTION at open', () => {
  it('refuses a directory that holds files but no MANIFEST', async () => {
    const fs = faultFS();
    fs.mkdir(DIR);
    fs.writeFileDirect(`${DIR}/notes.txt`, new TextEncoder().encode('hello'));
    await expectError(openSmall(fs), 'NOT_A_DATABASE', 'NOT_A_DATABASE: /db: not a sett database: no MANIFEST, but it holds notes.txt');
    expect(fs.listAll()).toEqual([`${DIR}/notes.txt`]);
  });

  it('refuses a read-only open where no database exists', async () => {
    await expectError(openSmall(faultFS(), { readOnly: true }), 'NOT_A_DATABASE', 'NOT_A_DATABASE: /db: the directory does not exist (a read-only open does not create a database)');
  });

  it('reports a table the MANIFEST names but the directory lacks', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, 'x'.repeat(200));
    await db.waitForBackgroundWork();
    await db.close();
    const table = fs.listAll().find((p) => p.endsWith('.sst'))!;
    fs.unlink(table);
    const name = path.basename(table);
    const err = await rejection(openSmall(fs));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect(err.message).toBe(`CORRUPTION: ${name} at offset 0: table ${Number(name.slice(0, 6))} at L0 is named by the MANIFEST but missing`);
  });
});

describe('LOCKED', () => {
  it('refuses a second read-write open in this process, and allows read-only opens', async () => {
    const dir = tempDir();
    const db = await open(dir, { memTableSize: 1 << 20 });
    await expectError(open(dir), 'LOCKED', `Cannot acquire directory lock on "${dir}". Another process is using this database.`);
    const ro = await open(dir, { readOnly: true });
    await ro.close();
    await db.close();
    const again = await open(dir);
    await again.close();
  });

  it('refuses while another process has it open, and reopens at once after that process is killed', async () => {
    const dir = tempDir();
    const built = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));
    expect(nodeFs.existsSync(built), `${built} is missing: run npm run build`).toBe(true);
    const script = `
      import { open } from ${JSON.stringify(built)};
      const db = await open(${JSON.stringify(dir)});
      await db.put('from-child', 'yes');
      process.stdout.write('open\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => c.toString().includes('open') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    await expectError(open(dir), 'LOCKED', `Cannot acquire directory lock on "${dir}". Another process is using this database.`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const db = await open(dir);
    expect(db.getSync('from-child')?.toString()).toBe('yes');
    await db.close();
  });
});
