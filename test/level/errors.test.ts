// Errors through the adapter: Level's codes where Level has one, sett's SettError in `cause`.

import { describe, expect, it } from 'vitest';
import { FaultFS } from '../../src/fs/index.js';
import { SettError, isSettError } from '../../src/index.js';
import { LevelError, SettLevel, toLevelError } from '../../src/level/index.js';
import { DIR, SMALL, faultLevel, rejection, tempDir } from './helpers.js';

function expectMapped(err: unknown, levelCode: string, settCode: string): SettError {
  expect(err).toBeInstanceOf(LevelError);
  const e = err as LevelError;
  expect(e.code).toBe(levelCode);
  expect(isSettError(e.cause, settCode as SettError['code'])).toBe(true);
  expect(e.message).toBe((e.cause as SettError).message);
  return e.cause as SettError;
}

async function filledFaultFS(): Promise<FaultFS> {
  const fs = new FaultFS({ durableMkdir: true });
  const db = faultLevel(fs);
  await db.open();
  // Enough to flush several memtables into tables.
  for (let i = 0; i < 400; i++) await db.put(`k${String(i).padStart(4, '0')}`, 'x'.repeat(200));
  await db.sett.waitForBackgroundWork();
  await db.close();
  return fs;
}

describe('error codes', () => {
  it('a second open of a locked directory fails with LEVEL_DATABASE_NOT_OPEN caused by LEVEL_LOCKED, caused by SettError LOCKED', async () => {
    const dir = tempDir();
    const first = new SettLevel(dir, { sett: { executor: 'inline' } });
    await first.open();
    const second = new SettLevel(dir, { sett: { executor: 'inline' } });
    const err = await rejection(second.open());
    expect(err.code).toBe('LEVEL_DATABASE_NOT_OPEN');
    const settErr = expectMapped(err.cause, 'LEVEL_LOCKED', 'LOCKED');
    expect(settErr.message).toBe(`Cannot acquire directory lock on "${dir}". Another process is using this database.`);
    await first.close();
    await second.open();
    await second.close();
  });

  it('writes to a read-only database fail with LEVEL_READONLY', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const rw = faultLevel(fs);
    await rw.put('k', 'v');
    await rw.close();
    const ro = faultLevel(fs, { sett: { readOnly: true } });
    await ro.open();
    expect(await ro.get('k')).toBe('v');
    expectMapped(await rejection(ro.put('k', 'w')), 'LEVEL_READONLY', 'READ_ONLY');
    expectMapped(await rejection(ro.del('k')), 'LEVEL_READONLY', 'READ_ONLY');
    expectMapped(await rejection(ro.batch([{ type: 'put', key: 'a', value: 'b' }])), 'LEVEL_READONLY', 'READ_ONLY');
    expectMapped(await rejection(ro.clear()), 'LEVEL_READONLY', 'READ_ONLY');
    expect(await ro.get('k')).toBe('v');
    expect(ro.supports.createIfMissing).toBe(false);
    await ro.close();
  });

  it('a table the MANIFEST names but the directory lacks fails the open with LEVEL_CORRUPTION naming the file', async () => {
    const fs = await filledFaultFS();
    const table = fs.listAll().find((p) => p.endsWith('.sst'))!;
    fs.unlink(table);
    const err = await rejection(faultLevel(fs).open());
    expect(err.code).toBe('LEVEL_DATABASE_NOT_OPEN');
    const settErr = expectMapped(err.cause, 'LEVEL_CORRUPTION', 'CORRUPTION');
    expect(settErr.file).toBe(table.slice(DIR.length + 1));
  });

  it('a flipped byte in a table is LEVEL_CORRUPTION on read, never wrong bytes', async () => {
    const fs = await filledFaultFS();
    for (const table of fs.listAll().filter((p) => p.endsWith('.sst'))) {
      const bytes = fs.readFileDirect(table);
      bytes[40] = bytes[40]! ^ 0xff; // inside the first data block, past the 10-byte file header
      fs.writeFileDirect(table, bytes);
    }
    const db = faultLevel(fs);
    await db.open();
    const err = await rejection(db.iterator().all());
    expectMapped(err, 'LEVEL_CORRUPTION', 'CORRUPTION');
    await db.close();
  });

  it('a failed WAL write is LEVEL_IO_ERROR with the errno, and later writes fail too (fail-stop)', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const db = faultLevel(fs, { sett: { syncWrites: true } });
    await db.put('before', '1');
    fs.injectFault({ op: 'sync', errno: 'EIO' });
    const settErr = expectMapped(await rejection(db.put('k', 'v')), 'LEVEL_IO_ERROR', 'IO_ERROR');
    expect(settErr.errno).toBe('EIO');
    expectMapped(await rejection(db.put('k2', 'v')), 'LEVEL_IO_ERROR', 'IO_ERROR');
    expect(await db.get('before')).toBe('1');
    await db.close().catch(() => undefined);
  });

  it('an oversized key is LEVEL_INVALID_KEY and an oversized value LEVEL_INVALID_VALUE; nothing is written', async () => {
    const db = faultLevel(new FaultFS({ durableMkdir: true }), { sett: { valueLogFileSize: 16 * 1024 } });
    await db.open();
    expectMapped(await rejection(db.put('k'.repeat(65_000), 'v')), 'LEVEL_INVALID_KEY', 'INVALID_ARGUMENT');
    expectMapped(await rejection(db.put('k', 'v'.repeat(20_000))), 'LEVEL_INVALID_VALUE', 'INVALID_ARGUMENT');
    expectMapped(
      await rejection(db.batch([{ type: 'put', key: 'ok', value: 'v' }, { type: 'put', key: 'k', value: 'v'.repeat(20_000) }])),
      'LEVEL_INVALID_VALUE',
      'INVALID_ARGUMENT',
    );
    expect(await db.keys().all()).toEqual([]);
    await db.close();
  });

  it('keys take one byte less than sett allows (the Level key space byte)', async () => {
    const db = faultLevel(new FaultFS({ durableMkdir: true }), { sett: { memTableSize: 1 << 20 } });
    await db.open();
    await db.put('k'.repeat(64_999), 'v');
    expect(await db.get('k'.repeat(64_999))).toBe('v');
    expectMapped(await rejection(db.put('k'.repeat(65_000), 'v')), 'LEVEL_INVALID_KEY', 'INVALID_ARGUMENT');
    await db.close();
  });

  it('codes Level has no name for surface as the SettError itself (TXN_TOO_BIG for a batch larger than a memtable)', async () => {
    const db = faultLevel();
    await db.open();
    const ops = Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: 'v'.repeat(200) }));
    const err = await rejection(db.batch(ops));
    expect(isSettError(err, 'TXN_TOO_BIG')).toBe(true);
    expect(await db.keys().all()).toEqual([]);
    await db.close();
  });

  it('createIfMissing: false and errorIfExists: true fail the open with the reason in cause, creating nothing', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const missing = faultLevel(fs, { createIfMissing: false });
    const err = await rejection(missing.open());
    expect(err.code).toBe('LEVEL_DATABASE_NOT_OPEN');
    expect(isSettError(err.cause, 'INVALID_ARGUMENT')).toBe(true);
    expect((err.cause as Error).message).toBe('INVALID_ARGUMENT: /db does not exist (createIfMissing is false)');
    expect(fs.listAll()).toEqual([]);

    const db = faultLevel(fs);
    await db.put('k', 'v');
    await db.close();
    const err2 = await rejection(db.open({ errorIfExists: true }));
    expect((err2.cause as Error).message).toBe('INVALID_ARGUMENT: /db exists (errorIfExists is true)');
    await db.open({ createIfMissing: false });
    expect(await db.get('k')).toBe('v');
    await db.close();
  });

  it('toLevelError leaves errors that are not SettErrors alone', () => {
    const plain = new RangeError('x');
    expect(toLevelError(plain)).toBe(plain);
    expect(toLevelError('text')).toBe('text');
  });
});
