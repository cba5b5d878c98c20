import { describe, expect, it } from 'vitest';
import { faultFS, openSmall, text } from './helpers.js';

describe('group commit', () => {
  it('commits writes queued during a sync as one group with one fdatasync', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { syncWrites: true, memTableSize: 1 << 20 });
    const syncsBefore = fs.countOf('sync');
    const writes = Array.from({ length: 200 }, (_, i) => db.put(`k${i}`, `v${i}`));
    await Promise.all(writes);
    const c = db.stats().counters;
    // The first write goes alone; the rest queue behind its fdatasync and go together.
    expect(c.groups).toBeLessThanOrEqual(3);
    expect(c.maxGroupSize).toBeGreaterThanOrEqual(150);
    expect(c.walSyncs).toBe(c.groups);
    expect(fs.countOf('sync') - syncsBefore).toBe(c.groups);
    for (let i = 0; i < 200; i += 37) expect(text(db.getSync(`k${i}`))).toBe(`v${i}`);
    await db.close();
  });

  it('resolves a write only after its group is synced', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { syncWrites: true });
    let syncedWhenResolved = -1;
    await db.put('a', '1').then(() => (syncedWhenResolved = fs.countOf('sync')));
    expect(syncedWhenResolved).toBeGreaterThan(0);
    // Everything acknowledged is durable: a power loss that drops every unsynced byte keeps it.
    const crashed = fs.crash(7, { mode: 'dropAll' });
    const again = await openSmall(crashed, { syncWrites: true });
    expect(text(again.getSync('a'))).toBe('1');
    await again.close();
    await db.close();
  });

  it('lets the event loop run while a large batch goes into the memtable, and readers see none of it until it resolves', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { memTableSize: 4 << 20 });
    const n = 3000; // several insert slices
    const ops = Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `k${String(i).padStart(5, '0')}`, value: `v${i}` }));
    let resolved = false;
    const done = db.batch(ops).then(() => {
      resolved = true;
    });
    let turns = 0;
    while (!resolved) {
      await new Promise((resolve) => setImmediate(resolve));
      if (resolved) break;
      turns++;
      expect(db.getSync('k00000'), `turn ${turns}`).toBeUndefined();
      expect(db.getSync(`k${String(n - 1).padStart(5, '0')}`), `turn ${turns}`).toBeUndefined();
      expect([...db.iterator({ keys: true, values: false })].length, `turn ${turns}`).toBe(0);
    }
    await done;
    expect(turns, 'the event loop ran while the batch was being inserted').toBeGreaterThan(1);
    expect(text(db.getSync('k00000'))).toBe('v0');
    expect([...db.iterator()].length).toBe(n);
    await db.close();
  });
});
