// getSync through the adapter: synchronous reads from memory, tables and the value log.

import { describe, expect, it } from 'vitest';
import { faultLevel, tempDir } from './helpers.js';
import { SettLevel } from '../../src/level/index.js';

describe('getSync', () => {
  it('is claimed by the manifest and reads what was written, undefined when absent or deleted', async () => {
    const db = faultLevel();
    expect((db.supports as unknown as { getSync: boolean }).getSync).toBe(true);
    await db.open();
    await db.put('a', '1');
    expect(db.getSync('a')).toBe('1');
    expect(db.getSync('b')).toBeUndefined();
    await db.del('a');
    expect(db.getSync('a')).toBeUndefined();
    await db.close();
  });

  it('reads values from flushed tables and from the value log without awaiting', async () => {
    const dir = tempDir();
    const db = new SettLevel<string, Buffer>(dir, { valueEncoding: 'buffer', sett: { memTableSize: 16 * 1024, valueThreshold: 64, executor: 'inline' } });
    await db.open();
    const big = Buffer.alloc(10_000, 7);
    await db.put('big', big);
    for (let i = 0; i < 400; i++) await db.put(`k${i}`, Buffer.alloc(40, i));
    await db.sett.waitForBackgroundWork();
    expect(db.sett.stats().files.tables).toBeGreaterThan(0);
    expect(db.sett.stats().valueLog.bytes).toBeGreaterThan(10_000);
    expect(db.getSync('big')).toEqual(big);
    expect(db.getSync('k0')).toEqual(Buffer.alloc(40, 0));
    await db.close();
    await db.open();
    expect(db.getSync('big')).toEqual(big);
    expect(db.getSync('k399')).toEqual(Buffer.alloc(40, 399 & 0xff));
    await db.close();
  });

  it('throws LEVEL_DATABASE_NOT_OPEN before the open has finished and after close', async () => {
    const db = faultLevel();
    expect(() => db.getSync('a')).toThrow(expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }));
    await db.open();
    await db.close();
    expect(() => db.getSync('a')).toThrow(expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }));
  });

  it('works on sublevels, which prefix the key', async () => {
    const db = faultLevel();
    await db.open();
    const sub = db.sublevel('s');
    await sub.put('a', 'in-sub');
    expect(sub.getSync('a')).toBe('in-sub');
    expect(db.getSync('!s!a')).toBe('in-sub');
    expect(db.getSync('a')).toBeUndefined();
    await db.close();
  });
});
