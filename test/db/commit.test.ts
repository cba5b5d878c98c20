import { describe, expect, it } from 'vitest';
import { isSettError, type Entry } from '../../src/base/index.js';
import type { WriteQueue } from '../../src/db/write-queue.js';
import { dump, faultFS, openSmall } from './helpers.js';

describe('committer', () => {
  it('regression: a request no empty memtable can take fails with TXN_TOO_BIG instead of rotating empty memtables forever', async () => {
    const fs = faultFS();
    let walsCreated = 0;
    fs.onOperation = (op, path) => {
      // Turns the hang into a failure: on FaultFS the loop never yields to a timer.
      if (op === 'open' && path.endsWith('.mem') && ++walsCreated > 20) throw new Error(`${walsCreated} WALs created: the writer is rotating without end`);
    };
    const db = await openSmall(fs, { memTableSize: 16 * 1024 });
    await db.put('before', 'x');
    // Every public write checks the limit first (TXN_TOO_BIG); only an internal caller that
    // forgets it (value-log GC once did) reaches the writer with such a request.
    const writer = (db as unknown as { writer: WriteQueue }).writer;
    const huge: Entry[] = Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(`huge${i}`.padEnd(200, 'k')), version: 0, meta: 0, userMeta: 0, expiresAt: 0, value: Buffer.from('v') }));
    const small: Entry[] = [{ key: Buffer.from('after'), version: 0, meta: 0, userMeta: 0, expiresAt: 0, value: Buffer.from('y') }];
    const [hugeResult, smallResult] = await Promise.allSettled([writer.enqueue(huge, 100 * 300), writer.enqueue(small, 70)]);
    expect(hugeResult.status).toBe('rejected');
    expect(isSettError((hugeResult as PromiseRejectedResult).reason, 'TXN_TOO_BIG')).toBe(true);
    expect(smallResult.status).toBe('fulfilled');
    expect(dump(db)).toEqual([
      ['after', 'y'],
      ['before', 'x'],
    ]);
    expect(walsCreated).toBeLessThan(5);
    await db.close();
  });
});
