import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { open } from '../../src/db/index.js';
import { DIR, dump, faultFS, openSmall } from './helpers.js';

const key = (i: number) => `key${String(i).padStart(4, '0')}`;

/** What `fn` threw (synchronously or as a rejection), or undefined. */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('WriteBatch', () => {
  it('regression: a chunk too big for a memtable was dropped silently (15 small puts, then one of 7,000 bytes)', async () => {
    // The 7,000-byte put joined the chunk of 15 and took it past what a memtable takes: submit
    // threw TXN_TOO_BIG after the chunk was cleared, and flush() resolved with nothing written.
    const db = await open({ inMemory: true, memTableSize: 16 * 1024 });
    const wb = db.writeBatch();
    for (let i = 0; i < 15; i++) wb.put(key(i), 'v'.repeat(20));
    wb.put('big', new Uint8Array(7000));
    await wb.flush();
    expect(dump(db).length).toBe(16);
    expect(db.getSync('big')?.length).toBe(7000);
    await db.close();
  });

  it('regression: an entry too big for any chunk is TXN_TOO_BIG at put(), and the batch goes on', async () => {
    const db = await open({ inMemory: true, memTableSize: 16 * 1024 });
    const wb = db.writeBatch();
    wb.put(key(0), 'a');
    // Under the value limit (memTableSize / 2) but, with its key and overhead, over what fits.
    const err = await caught(() => wb.put('k'.repeat(100), new Uint8Array(8150)));
    expect(isSettError(err, 'TXN_TOO_BIG')).toBe(true);
    wb.put(key(1), 'b');
    await wb.flush();
    expect(dump(db)).toEqual([
      [key(0), 'a'],
      [key(1), 'b'],
    ]);
    await db.close();
  });

  it('regression: a chunk whose submit throws at once (CLOSED) fails flush() and every later call', async () => {
    const db = await open({ inMemory: true, memTableSize: 16 * 1024 });
    const wb = db.writeBatch();
    wb.put(key(0), 'v');
    await db.close();
    // The next put fills the chunk (chunkBytes is memTableSize / 8) and sends it to a closed DB.
    const first = await caught(() => wb.put(key(1), new Uint8Array(3000)));
    expect(isSettError(first, 'CLOSED')).toBe(true);
    expect(await caught(() => wb.flush())).toBe(first);
    expect(await caught(() => wb.put(key(2), 'v'))).toBe(first);
    expect(await caught(() => wb.delete(key(0)))).toBe(first);
    expect(await caught(() => wb.flush())).toBe(first);
  });

  it('a chunk whose commit fails (IO_ERROR) fails flush() and every later call', async () => {
    const fs = faultFS();
    const db = await openSmall(fs);
    const wb = db.writeBatch();
    fs.injectFault({ op: 'append', path: (p) => p.startsWith(DIR) && p.endsWith('.mem'), errno: 'EIO' });
    for (let i = 0; i < 10; i++) wb.put(key(i), 'v'.repeat(10));
    const err = await caught(() => wb.flush());
    expect(isSettError(err, 'IO_ERROR')).toBe(true);
    expect(await caught(() => wb.put(key(20), 'v'))).toBe(err);
    expect(await caught(() => wb.flush())).toBe(err);
    await db.close();
  });
});
