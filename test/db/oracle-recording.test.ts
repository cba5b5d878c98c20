// The oracle records a commit's writes when the commit becomes visible, and only for read-write
// transactions still open below it (commit.ts recordWrites). These tests pin down that skipping
// the record never hides a conflict, and that the skip happens when nothing is open.

import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { faultFS, openSmall } from './helpers.js';

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isSettError(err) ? err.code : String(err);
  }
}

describe('conflict oracle recording', () => {
  it('still conflicts a transaction opened at any point while another commit is in flight', async () => {
    const db = await openSmall(faultFS(), { syncWrites: true });
    await db.put('k', 'v0');
    const writer = db.transaction();
    writer.put('k', 'v1');
    const committed = writer.commit();
    // Open readers of k at every microtask turn until the write is visible (so some open between
    // the commit's versioning and its visibility): each that read v0 must conflict on commit.
    const readers: { read: string | undefined; done: Promise<string> }[] = [];
    let finished = false;
    void committed.finally(() => (finished = true));
    while (!finished) {
      const r = db.transaction();
      const read = r.getSync('k')?.toString();
      r.put(`other${readers.length}`, 'x');
      readers.push({ read, done: new Promise((resolve) => setImmediate(() => resolve(outcome(r.commit())))) });
      await Promise.resolve();
    }
    await committed;
    const results = await Promise.all(readers.map(async (r) => [r.read, await r.done]));
    expect(results.length).toBeGreaterThan(1);
    for (const [read, verdict] of results) expect(verdict).toBe(read === 'v0' ? 'CONFLICT' : 'ok');
    expect(results.some(([read]) => read === 'v0')).toBe(true);
    await db.close();
  });

  it('records nothing when no other read-write transaction is open', async () => {
    const db = await openSmall(faultFS());
    for (let i = 0; i < 50; i++) {
      const t = db.transaction();
      t.getSync(`k${i}`);
      t.put(`k${i}`, 'v');
      await t.commit();
    }
    expect(db.stats().conflictKeys ?? 0).toBe(0);
    const open = db.transaction();
    await db.put('a', '1');
    await db.put('b', '2');
    expect(db.stats().conflictKeys).toBe(2);
    open.discard();
    await db.close();
  });
});
