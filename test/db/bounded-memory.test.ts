// Issue 14 item 4: the conflict oracle and the write queue are bounded (SPEC §4.4). A forgotten
// read-write transaction cannot grow the oracle without end, and a producer that does not await
// its puts cannot grow the write queue without end.

import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { faultFS, openSmall, text } from './helpers.js';

async function failure(p: Promise<unknown>): Promise<Error | undefined> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe('conflict oracle bound (maxConflictKeys)', () => {
  it('stays bounded while a transaction is left open, which then fails with CONFLICT as open too long', async () => {
    const db = await openSmall(faultFS(), { memTableSize: 1 << 20, maxConflictKeys: 100 });
    await db.put('shared', '0');
    const forgotten = db.transaction();
    expect(text(forgotten.getSync('shared'))).toBe('0');
    forgotten.put('mine', 'x');
    let most = 0;
    for (let i = 0; i < 2000; i++) {
      await db.put(`k${i}`, 'v');
      most = Math.max(most, db.stats().conflictKeys);
    }
    expect(most).toBeLessThanOrEqual(100);
    const err = await failure(forgotten.commit());
    expect(isSettError(err, 'CONFLICT'), String(err)).toBe(true);
    expect(err!.message).toMatch(/open too long.*maxConflictKeys/);
    expect(db.getSync('mine')).toBeUndefined();
    const c = db.stats().counters;
    expect([c.conflicts, c.conflictsOpenTooLong]).toEqual([1, 1]);
    // Once it is gone the oracle prunes again, and younger transactions are checked exactly.
    await db.put('after', '1');
    expect(db.stats().conflictKeys).toBe(0);
    const young = db.transaction();
    young.getSync('shared');
    young.put('y', '1');
    const other = db.transaction();
    other.getSync('k5');
    other.put('z', '1');
    await db.put('shared', '2');
    expect((await failure(young.commit()))?.message).toMatch(/a key it read was written by a later commit/);
    expect(await failure(other.commit())).toBeUndefined();
    expect(text(db.getSync('z'))).toBe('1');
    await db.close();
  });

  it('does not touch a transaction that began after what was forgotten', async () => {
    const db = await openSmall(faultFS(), { memTableSize: 1 << 20, maxConflictKeys: 50 });
    const old = db.transaction();
    old.getSync('a');
    old.put('a', 'old');
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, 'v');
    const recent = db.transaction();
    recent.getSync('b');
    recent.put('b', 'recent');
    for (let i = 0; i < 20; i++) await db.put(`j${i}`, 'v');
    expect(await failure(recent.commit())).toBeUndefined();
    expect(isSettError(await failure(old.commit()), 'CONFLICT')).toBe(true);
    await db.close();
  });
});

describe('write queue bound (maxPendingWriteBytes)', () => {
  it('refuses writes past the limit when the caller does not await, and every write that resolved is readable', async () => {
    const limit = 256 * 1024;
    const db = await openSmall(faultFS(), { memTableSize: 1 << 20, maxPendingWriteBytes: limit });
    const value = 'v'.repeat(1000);
    const outcomes: Promise<'ok' | 'full'>[] = [];
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      outcomes.push(
        db.put(`k${String(i).padStart(5, '0')}`, value).then(
          () => 'ok' as const,
          (err: unknown) => {
            expect(isSettError(err, 'WRITE_QUEUE_FULL'), String(err)).toBe(true);
            expect((err as Error).message).toMatch(/the write queue holds \d+ bytes in \d+ writes not yet committed.*await earlier writes/);
            return 'full' as const;
          },
        ),
      );
      most = Math.max(most, db.stats().writeQueue.bytes);
    }
    const results = await Promise.all(outcomes);
    expect(most).toBeLessThanOrEqual(limit);
    expect(db.stats().writeQueue).toEqual({ requests: 0, bytes: 0, capacityBytes: limit });
    const ok = results.filter((r) => r === 'ok').length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(5000);
    expect(db.stats().counters.writeQueueRejections).toBe(5000 - ok);
    results.forEach((r, i) => {
      const got = db.getSync(`k${String(i).padStart(5, '0')}`);
      if (r === 'ok') expect(text(got), `k${i}`).toBe(value);
      else expect(got, `k${i} was refused, so nothing of it was written`).toBeUndefined();
    });
    await db.close();
  });

  it('admits a write larger than the limit into an empty queue, and a caller that awaits each write is never refused', async () => {
    const limit = 64 * 1024;
    const db = await openSmall(faultFS(), { memTableSize: 1 << 20, maxPendingWriteBytes: limit });
    const big = Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: `b${i}`, value: 'x'.repeat(1000) }));
    for (let round = 0; round < 20; round++) await db.batch(big); // ~100 KiB each, alone in the queue
    expect(db.stats().counters.writeQueueRejections).toBe(0);
    expect(text(db.getSync('b99'))?.length).toBe(1000);
    await db.close();
  });

  it('never refuses 64 concurrent writers at the default limit (group commit, syncwrite64)', async () => {
    const db = await openSmall(faultFS(), { memTableSize: 4 << 20, syncWrites: true });
    expect(db.stats().writeQueue.capacityBytes).toBe(64 << 20);
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < 3000) {
        const i = next++;
        await db.put(`w${i}`, 'v'.repeat(100));
      }
    };
    await Promise.all(Array.from({ length: 64 }, writer));
    expect(db.stats().counters.writeQueueRejections).toBe(0);
    expect(db.stats().averageGroupSize).toBeGreaterThan(1);
    await db.close();
  });
});
