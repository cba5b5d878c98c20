// dropPrefix({ concurrentWrites: true }): other writes commit while the prefix's tables are
// rewritten (the table layer drops tables this way); without it every write waits for the drop.

import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { open } from '../../src/db/index.js';
import { COMPACTING_TREE } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});

// Real files: compactions then run on worker threads and the event loop stays free during the
// drop (on the in-memory FaultFS they run inline).
async function filled() {
  const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-dropprefix-'));
  dirs.push(dir);
  const db = await open(dir, { memTableSize: 16 * 1024, blockSize: 256, compression: 'none', ...COMPACTING_TREE });
  for (let b = 0; b < 80; b++) {
    await db.batch(Array.from({ length: 50 }, (_, i) => ({ type: 'put' as const, key: `a:${String(b * 50 + i).padStart(5, '0')}`, value: 'v'.repeat(40) })));
  }
  await db.put('b:0', 'kept');
  return db;
}

describe('dropPrefix with concurrent writes', () => {
  it('lets writes outside the prefix commit while the prefix is removed', async () => {
    const db = await filled();
    let dropped = false;
    const drop = db.dropPrefix('a:', { concurrentWrites: true }).then(() => (dropped = true));
    await new Promise((resolve) => setImmediate(resolve));
    await db.put('b:1', 'during');
    expect(dropped).toBe(false);
    await drop;
    expect([...db.iterator({ prefix: 'a:' })]).toEqual([]);
    expect(db.getSync('b:0')?.toString()).toBe('kept');
    expect(db.getSync('b:1')?.toString()).toBe('during');
    await db.close();
  });

  it('runs one exclusive operation at a time', async () => {
    const db = await filled();
    await Promise.all([db.dropPrefix('a:00', { concurrentWrites: true }), db.flatten(), db.dropPrefix('a:01', { concurrentWrites: true }), db.put('b:2', 'x')]);
    expect([...db.iterator({ prefix: 'a:00' })]).toEqual([]);
    expect([...db.iterator({ prefix: 'a:01' })]).toEqual([]);
    expect([...db.iterator({ prefix: 'a:02' })]).toHaveLength(1000);
    await db.close();
  });
});
