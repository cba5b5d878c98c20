// Regression tests for the bugs the compaction crash tests (compaction.test.ts) found, each
// named for the bug, each as small as the bug allows.

import { describe, expect, it } from 'vitest';
import { open } from '../../src/db/index.js';
import { DIR, dump, faultFS, openSmall, text } from '../db/helpers.js';
import { StopTheWorld } from './harness.js';
import { LaggingExecutor } from './naming.js';

describe('compaction crash-test regressions', () => {
  it('flatten, dropPrefix and dropAll flush a memtable that rotated while the previous flush was finishing (Lsm.scheduleFlush lost the wake-up)', async () => {
    // The previous flush's loop has ended but its promise has not settled yet when flushAll()'s
    // rotation calls scheduleFlush(): nothing flushed the new immutable memtable, so the tree
    // operation ran on the tables without it and its keys survived a dropAll or dropPrefix.
    // Which job delay hits that window depends on the engine's microtasks: try a range.
    const missed: string[] = [];
    for (const op of ['flatten', 'dropPrefix', 'dropAll'] as const) {
      for (let lagTicks = 0; lagTicks < 40; lagTicks++) {
        const fs = faultFS();
        const db = await open(DIR, { fs, memTableSize: 16 * 1024, blockSize: 256, compression: 'none', syncWrites: true, executor: new LaggingExecutor(fs, lagTicks) });
        for (let i = 0; db.stats().counters.memtableRotations === 0; i++) await db.put(`k${i}`, 'v'.repeat(1000));
        await db.put('x', 'in the active memtable');
        if (op === 'flatten') await db.flatten();
        else if (op === 'dropPrefix') await db.dropPrefix('x');
        else await db.dropAll();
        const immutable = db.stats().memtables.immutable;
        const x = text(db.getSync('x'));
        if (immutable > 0 || (op !== 'flatten' && x !== undefined)) missed.push(`${op} with jobs lagging ${lagTicks} microtasks: ${immutable} memtable(s) left unflushed, x = ${x ?? 'absent'}`);
        await db.close();
      }
    }
    expect(missed).toEqual([]);
  });

  it('a power loss right after dropAll() does not bring back the keys of the WAL its flush deleted (the WAL unlink was not durable before the dropAll record)', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { syncWrites: true });
    for (let i = 0; i < 10; i++) await db.put(`k${i}`, 'v'.repeat(100));
    await db.dropAll();
    expect(dump(db)).toEqual([]);
    // A power loss keeps only what was made durable: the WAL's unlink was not.
    const crashed = fs.crash(1, { mode: 'dropAll' });
    const again = await openSmall(crashed, { syncWrites: true });
    expect(dump(again)).toEqual([]);
    await again.close();
    await db.close();
  });

  it('a crash part-way through dropPrefix() never brings back a version its newer versions hid (tables were rewritten from L0 down)', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { syncWrites: true });
    await db.put('p-1', 'old');
    await db.put('q', 'kept');
    await db.flatten(); // p-1 = old now sits in the last level
    await db.delete('p-1');
    await db.put('p-2', 'new');
    // MANIFEST records of the dropPrefix: the flush of the memtable (p-1's tombstone, p-2), then one
    // per table rewritten. The world stops before the second table's record.
    let appends = 0;
    fs.onOperation = (op, path) => {
      if (op === 'append' && path.endsWith('/MANIFEST') && ++appends === 3) throw new StopTheWorld(appends);
    };
    await expect(db.dropPrefix('p-')).rejects.toThrow();
    expect(appends).toBe(3);
    const again = await openSmall(fs.crash(1, { mode: 'keepAll' }), { syncWrites: true });
    // dropPrefix is not atomic: p-2 may or may not be gone, but p-1 was deleted before it began.
    expect(text(again.getSync('p-1'))).toBeUndefined();
    expect(text(again.getSync('q'))).toBe('kept');
    await again.close();
    await db.close();
  });

  it('dropPrefix() keeps the tombstones of an L0 table it rewrites while an older L0 table holds the key (l0-to-l0 in place took L0 for bottommost)', async () => {
    const fs = faultFS();
    const db = await openSmall(fs); // numLevelZeroTables 5: the two tables stay in L0
    await db.put('a', '1');
    await db.put('k', 'old');
    await db.dropPrefix('zz'); // flushes: L0 [a, k]; no table holds a key with zz
    await db.delete('k');
    await db.put('x1', 'y');
    await db.dropPrefix('zz'); // flushes: L0 [k's tombstone, x1] above [a, k]
    expect(db.stats().levels[0]!.tables).toBe(2);
    await db.dropPrefix('x'); // rewrites the newer table only
    expect(text(db.getSync('k'))).toBeUndefined();
    expect(dump(db)).toEqual([['a', '1']]);
    await db.close();
  });
});
