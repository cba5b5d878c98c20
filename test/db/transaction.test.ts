import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { ManualClock } from '../../src/base/index.js';
import { dump, faultFS, openSmall, text } from './helpers.js';

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (err) {
    return isSettError(err) ? err.code : String(err);
  }
  return undefined;
}

describe('transactions', () => {
  it('read at their read version, see their own writes, and commit atomically', async () => {
    const db = await openSmall(faultFS());
    await db.put('a', '1');
    const txn = db.transaction();
    await db.put('a', '2'); // after the read version: invisible to txn
    expect(text(txn.getSync('a'))).toBe('1');
    txn.put('b', 'x');
    txn.delete('a');
    expect(txn.getSync('a')).toBeUndefined();
    expect([...txn.iterator()].map(([k, v]) => [text(k), text(v)])).toEqual([['b', 'x']]);
    expect(db.getSync('b')).toBeUndefined();
    // txn read "a", which a later commit overwrote: serializable isolation refuses it.
    expect(await code(txn.commit())).toBe('CONFLICT');
    expect(db.getSync('b')).toBeUndefined();
    expect(text(db.getSync('a'))).toBe('2');
    await db.close();
  });

  it('keep the bytes a put or delete was given, whatever the caller writes into its buffers before the commit', async () => {
    const db = await openSmall(faultFS());
    await db.put('gone', 'v');
    const key = Buffer.from('key1');
    const value = Buffer.from('value1');
    const deleted = Buffer.from('gone');
    const txn = db.transaction();
    txn.put(key, value);
    txn.delete(deleted);
    key.write('XXXX');
    value.write('YYYYYY');
    deleted.write('none');
    expect(text(txn.getSync('key1'))).toBe('value1');
    await txn.commit();
    expect(text(db.getSync('key1'))).toBe('value1');
    expect(db.getSync('XXXX')).toBeUndefined();
    expect(db.getSync('gone')).toBeUndefined();
    await db.close();
  });

  it('never conflict on blind writes or read-only transactions, and detectConflicts: false turns the check off', async () => {
    const db = await openSmall(faultFS());
    await db.put('k', '0');
    const blind = db.transaction();
    blind.put('k', 'blind');
    await db.put('k', 'other');
    await blind.commit();
    expect(text(db.getSync('k'))).toBe('blind');
    const ro = db.transaction({ readOnly: true });
    ro.getSync('k');
    expect(await code(() => ro.put('k', 'x'))).toBe('READ_ONLY');
    ro.discard();
    await db.close();
    const off = await openSmall(faultFS(), { detectConflicts: false });
    await off.put('k', '0');
    const t = off.transaction();
    t.getSync('k');
    await off.put('k', '1');
    t.put('k', '2');
    await t.commit();
    expect(text(off.getSync('k'))).toBe('2');
    await off.close();
  });

  it('sees its own writes with detectConflicts: false (no read set kept)', async () => {
    const db = await openSmall(faultFS(), { detectConflicts: false });
    await db.put('a', 'old');
    await db.put('b', 'kept');
    const t = db.transaction();
    expect(text(t.getSync('a'))).toBe('old');
    t.put('a', 'new');
    t.delete('b');
    t.put('c', 'fresh');
    expect(text(t.getSync('a'))).toBe('new');
    expect(t.getSync('b')).toBeUndefined();
    expect(text(t.getSync('c'))).toBe('fresh');
    expect([...t.iterator()].map(([k, v]) => `${k}=${v}`)).toEqual(['a=new', 'c=fresh']);
    expect(text(db.getSync('a'))).toBe('old');
    await t.commit();
    expect(text(db.getSync('a'))).toBe('new');
    expect(db.getSync('b')).toBeUndefined();
    await db.close();
  });

  it('update() commits or rethrows, view() reads, snapshots stay at their version', async () => {
    const db = await openSmall(faultFS());
    await db.update(async (txn) => {
      txn.put('x', '1');
      txn.put('y', '2');
    });
    expect(dump(db)).toEqual([['x', '1'], ['y', '2']]);
    await expect(db.update(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const snap = db.snapshot();
    await db.put('x', 'changed');
    expect(text(snap.getSync('x'))).toBe('1');
    expect([...snap.iterator()].map(([k, v]) => [text(k), text(v)])).toEqual([['x', '1'], ['y', '2']]);
    expect(await db.view((txn) => text(txn.getSync('x')))).toBe('changed');
    snap.release();
    expect(await code(() => snap.getSync('x'))).toBe('CLOSED');
    await db.close();
  });

  it('fails with TXN_TOO_BIG at the write that crosses the limit', async () => {
    const db = await openSmall(faultFS());
    const txn = db.transaction();
    let failedAt = -1;
    for (let i = 0; i < 1000; i++) {
      try {
        txn.put(`k${i}`, 'v'.repeat(100));
      } catch (err) {
        expect(isSettError(err, 'TXN_TOO_BIG')).toBe(true);
        failedAt = i;
        break;
      }
    }
    expect(failedAt).toBeGreaterThan(10);
    txn.discard();
    await db.close();
  });

  it('expires entries with a ttl on an injected clock, and returns ttl and userMeta to iterators that ask', async () => {
    const clock = new ManualClock(1_000_000);
    const db = await openSmall(faultFS(), { clock });
    await db.put('short', 'v', { ttl: 1000, userMeta: 7 });
    await db.put('long', 'w');
    const [entry] = [...db.iterator({ meta: true, limit: 1 })];
    expect(entry!.userMeta).toBe(0);
    const short = [...db.iterator({ meta: true })].find(([k]) => text(k) === 'short')!;
    expect(short.userMeta).toBe(7);
    expect(short.expiresAt).toBe(1_001_000);
    clock.advance(1000);
    expect(db.getSync('short')).toBeUndefined();
    expect(dump(db).map(([k]) => k)).toEqual(['long']);
    await db.close();
  });

  it('iterates all versions and versions since a given one', async () => {
    const db = await openSmall(faultFS(), { numVersionsToKeep: 3 });
    await db.put('k', 'v1');
    await db.put('k', 'v2');
    await db.delete('k');
    await db.put('k', 'v4');
    const all = [...db.iterator({ allVersions: true })].map((e) => [text(e[1]), e.deleted]);
    expect(all).toEqual([['v4', false], [undefined, true], ['v2', false], ['v1', false]]);
    const versions = [...db.iterator({ allVersions: true })].map((e) => e.version!);
    const since = [...db.iterator({ allVersions: true, sinceVersion: versions[2]! })].map((e) => e.version);
    expect(since).toEqual(versions.slice(0, 2));
    const reversed = [...db.iterator({ allVersions: true, reverse: true })].map((e) => e.version);
    expect(reversed).toEqual(versions.slice().reverse());
    await db.close();
  });
});
