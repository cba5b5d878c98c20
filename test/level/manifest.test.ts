// What db.supports claims, and that the claims hold: permanence across reopen, the in-memory
// variant's narrower manifest, and the constructor's argument checks.

import { describe, expect, it } from 'vitest';
import { FaultFS } from '../../src/fs/index.js';
import { SettLevel } from '../../src/level/index.js';
import { faultLevel, tempDir } from './helpers.js';

describe('manifest', () => {
  it('claims permanence, both kinds of snapshots, seek, has, getSync, createIfMissing and errorIfExists', () => {
    const db = faultLevel();
    expect(db.supports).toMatchObject({
      permanence: true,
      implicitSnapshots: true,
      snapshots: true,
      explicitSnapshots: true,
      seek: true,
      has: true,
      getSync: true,
      createIfMissing: true,
      errorIfExists: true,
      deferredOpen: true,
    });
    return db.close();
  });

  it('keeps data across close and reopen, on disk', async () => {
    const dir = tempDir();
    const db = new SettLevel(dir, { sett: { executor: 'inline' } });
    await db.batch([
      { type: 'put', key: 'a', value: '1' },
      { type: 'put', key: 'b', value: '2' },
    ]);
    await db.del('a');
    await db.close();
    const again = new SettLevel(dir, { sett: { executor: 'inline' } });
    expect(await again.iterator().all()).toEqual([['b', '2']]);
    await again.close();
  });

  it('an in-memory database claims no permanence and no createIfMissing/errorIfExists, and works without a location', async () => {
    const db = new SettLevel('', { sett: { inMemory: true } });
    expect(db.supports).toMatchObject({ permanence: false, createIfMissing: false, errorIfExists: false, explicitSnapshots: true });
    await db.put('k', 'v');
    expect(await db.get('k')).toBe('v');
    await db.close();
  });

  it('open() options under sett replace the constructor ones, and open hooks see only Level options', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const db = new SettLevel('/db', { sett: { fs, executor: 'inline', memTableSize: 16 * 1024 } });
    let seen: object | undefined;
    db.hooks.postopen.add(async (options) => void (seen = options));
    await db.open();
    expect(seen).toEqual({ createIfMissing: true, errorIfExists: false });
    expect(db.sett.options.memTableSize).toBe(16 * 1024);
    await db.close();
    await db.open({ sett: { fs, executor: 'inline', memTableSize: 32 * 1024 } });
    expect(db.sett.options.memTableSize).toBe(32 * 1024);
    await db.close();
  });

  it('refuses a missing or empty location with a TypeError', () => {
    expect(() => new SettLevel('')).toThrow(TypeError);
    expect(() => new SettLevel(undefined as unknown as string)).toThrow(TypeError);
  });

  it('db.sett is the open sett database, and LEVEL_DATABASE_NOT_OPEN when closed', async () => {
    const db = faultLevel();
    await db.open();
    await db.sett.put(Uint8Array.of(0, 0x61), 'via sett');
    expect(await db.get('a')).toBe('via sett');
    await db.close();
    expect(() => db.sett).toThrow(expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }));
  });
});
