import { describe, expect, it } from 'vitest';
import { dump, faultFS, openSmall, text } from './helpers.js';
import type { Change } from '../../src/db/index.js';

describe('sequences', () => {
  it('hand out increasing numbers that never repeat across reopen and power loss', async () => {
    const fs = faultFS();
    let db = await openSmall(fs);
    let seq = db.sequence('ids', 10);
    const seen: number[] = [];
    for (let i = 0; i < 25; i++) seen.push(await seq.next());
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    // A power loss that drops everything unsynced: the lease was synced before use.
    const crashed = fs.crash(3, { mode: 'dropAll' });
    db = await openSmall(crashed);
    seq = db.sequence('ids', 10);
    const after = await seq.next();
    expect(after).toBeGreaterThanOrEqual(25);
    await seq.release();
    await db.close();
    db = await openSmall(crashed);
    const again = db.sequence('ids', 10);
    expect(await again.next()).toBe(after + 1); // release gave the unused rest back
    await db.close();
  });
});

describe('subscriptions', () => {
  it('deliver matching changes after each commit, in commit order, until stopped', async () => {
    const db = await openSmall(faultFS(), { valueThreshold: 8 });
    const got: Change[][] = [];
    const stop = db.subscribe(['user:'], (changes) => got.push(changes));
    await db.put('user:1', 'ada lovelace'); // in the value log: delivered resolved
    await db.put('item:1', 'x');
    await db.batch([
      { type: 'put', key: 'user:2', value: 'grace' },
      { type: 'del', key: 'user:1' },
      { type: 'put', key: 'item:2', value: 'y' },
    ]);
    stop();
    await db.put('user:3', 'after stop');
    expect(got.map((cs) => cs.map((c) => [c.key.toString(), c.value?.toString(), c.deleted]))).toEqual([
      [['user:1', 'ada lovelace', false]],
      [
        ['user:2', 'grace', false],
        ['user:1', undefined, true],
      ],
    ]);
    expect(got[1]![0]!.version).toBeGreaterThan(got[0]![0]!.version);
    await db.close();
  });
});

describe('write batch', () => {
  it('loads more than a memtable holds, in chunks, and resolves when all is written', async () => {
    const db = await openSmall(faultFS());
    const wb = db.writeBatch();
    for (let i = 0; i < 2000; i++) wb.put(`k${String(i).padStart(5, '0')}`, 'v'.repeat(50));
    wb.delete('k00000');
    await wb.flush();
    expect(dump(db).length).toBe(1999);
    expect(text(db.getSync('k01999'))).toBe('v'.repeat(50));
    expect(db.stats().counters.flushes).toBeGreaterThan(0);
    await db.close();
  });
});
