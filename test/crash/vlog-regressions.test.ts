// Regression tests for the bugs the value-log crash tests (vlog.test.ts) found, each named
// for the bug, each as small as the bug allows.

import { describe, expect, it } from 'vitest';
import { open, type DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR, dump, faultFS, text } from '../db/helpers.js';
import { SEPARATING } from './vlog-workload.js';

const reopen = (fs: FaultFS, syncWrites: boolean): Promise<DB> => open(DIR, { ...SEPARATING, fs, syncWrites });

describe('value-log crash-test regressions', () => {
  it('a GC rewrite committed in one group behind a delete or an overwrite of its key does not bring the old value back (dropStaleRewrites checked the tree, not the requests ahead of it)', async () => {
    for (const change of ['delete', 'overwrite'] as const) {
      const db = await reopen(faultFS(), true);
      await db.put('k', 'old:'.padEnd(200, 'k')); // in the first value-log file
      for (let i = 0; i < 20; i++) await db.put('x', `${i}:`.padEnd(1000, 'x')); // fills it with garbage; the log rotates
      await db.flatten(); // compaction counts the overwritten values of x as discardable
      // flatten() pauses the writer: the change queues behind it, and GC, reading k's entry while
      // the change still waits, queues its rewrite behind the change. Both commit in one group,
      // the rewrite with the higher version.
      const flattened = db.flatten();
      const changed = change === 'delete' ? db.delete('k') : db.put('k', 'new:'.padEnd(200, 'n'));
      const collected = db.runValueLogGC(0.1);
      await Promise.all([flattened, changed]);
      expect(await collected, 'GC rewrote the first file').toBe(true);
      expect(db.stats().counters.vlogGCRewrites, 'GC read k as live').toBe(1);
      expect(text(db.getSync('k'))?.slice(0, 4), `after the ${change}`).toBe(change === 'delete' ? undefined : 'new:');
      await db.close();
    }
  });

  it('a transaction that fails with CONFLICT in the group of a GC rewrite of a key it writes does not leave the key pointing into the collected file (dropStaleRewrites ran before dropConflicts)', async () => {
    const db = await reopen(faultFS(), true);
    await db.put('k', 'old:'.padEnd(200, 'k')); // in the first value-log file
    for (let i = 0; i < 20; i++) await db.put('x', `${i}:`.padEnd(1000, 'x')); // fills it with garbage; the log rotates
    await db.flatten(); // compaction counts the overwritten values of x as discardable
    const txn = db.transaction();
    txn.getSync('r');
    txn.put('k', 'new:'.padEnd(200, 'n'));
    await db.put('r', 'written after the transaction read it'); // so the transaction conflicts
    // As above: the commit queues behind flatten(), GC's rewrite of k behind the commit.
    const flattened = db.flatten();
    const committed = txn.commit().then(
      () => 'committed',
      (err: unknown) => (err as { code?: unknown }).code,
    );
    const collected = db.runValueLogGC(0.1);
    await flattened;
    expect(await committed).toBe('CONFLICT');
    expect(await collected, 'GC rewrote the first file').toBe(true);
    await db.waitForBackgroundWork();
    expect(db.stats().counters.vlogFilesDeleted, 'GC deleted the first file').toBe(1);
    expect(text(db.getSync('k'))?.slice(0, 4)).toBe('old:');
    await db.close();
  });

  it('a GC rewrite, which changes no value, does not make a transaction that read the key fail with CONFLICT (rewrites were recorded as commits)', async () => {
    const db = await reopen(faultFS(), true);
    await db.put('k', 'old:'.padEnd(200, 'k'));
    for (let i = 0; i < 20; i++) await db.put('x', `${i}:`.padEnd(1000, 'x'));
    await db.flatten();
    const txn = db.transaction();
    expect(text(txn.getSync('k'))?.slice(0, 4)).toBe('old:');
    txn.put('y', 'derived from k');
    expect(await db.runValueLogGC(0.1), 'GC rewrote k').toBe(true);
    expect(db.stats().counters.vlogGCRewrites).toBe(1);
    await txn.commit(); // k still holds the value the transaction read
    expect(text(db.getSync('y'))).toBe('derived from k');
    await db.close();
  });

  it('a clean close with syncWrites off leaves every write durable through a power loss (close synced the WAL but not the value log its records point into)', async () => {
    const fs = faultFS();
    const db = await reopen(fs, false);
    const want: [string, string][] = [];
    for (let i = 0; i < 6; i++) {
      const value = i % 2 === 0 ? `${i}:`.padEnd(300, 'v') : `${i}`; // large and small
      await db.put(`k${i}`, value);
      want.push([`k${i}`, value]);
    }
    await db.close();
    const again = await reopen(fs.crash(1, { mode: 'dropAll' }), false);
    expect(dump(again)).toEqual(want);
    await again.close();
  });
});
