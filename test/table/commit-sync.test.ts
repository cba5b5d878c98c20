// Tables.commitSync: statements and transactions that use a table it names commit with
// { sync: true }, so with syncWrites false their rows survive a power loss right after they
// resolve; other tables' writes stay unsynced (a crash that drops every unsynced byte loses them).

import { afterEach, describe, expect, it } from 'vitest';
import { FaultFS } from '../../src/index.js';
import { openTables, type Tables } from '../../src/table/index.js';

const DIR = '/db';
const SEEDS = 12;

const open_: Tables[] = [];
afterEach(async () => {
  for (const t of open_.splice(0)) await t.close().catch(() => undefined);
});

async function openOn(fs: FaultFS): Promise<Tables> {
  const t = await openTables(DIR, { fs, syncWrites: false, memTableSize: 64 * 1024, compression: 'none' });
  open_.push(t);
  return t;
}

/** Tables 'a' and 'b' with explicit keys (no auto-increment: its id leases are synced writes). */
async function setUp(): Promise<{ fs: FaultFS; t: Tables }> {
  const fs = new FaultFS({ durableMkdir: true });
  const t = await openOn(fs);
  for (const name of ['a', 'b']) {
    await t.createTable({
      name,
      columns: [
        { name: 'id', type: 'INT', primary: true },
        { name: 'v', type: 'VARCHAR', length: 64 },
      ],
    });
  }
  // The tables' definitions durable (a synced commit syncs the WAL records before it too), so
  // each test sees only what its own statements' sync does.
  t.commitSync = () => true;
  await t.insert('a', [{ id: 0, v: 'setup' }]);
  t.commitSync = undefined;
  return { fs, t };
}

/** Each crash image of `fs`: a few random ones, and the one that drops every unsynced byte. */
function images(fs: FaultFS): { fs: FaultFS; dropAll: boolean }[] {
  const out = [];
  for (let seed = 1; seed <= SEEDS; seed++) out.push({ fs: fs.crash(seed), dropAll: false });
  out.push({ fs: fs.crash(0, { mode: 'dropAll' }), dropAll: true });
  return out;
}

describe('Tables.commitSync', () => {
  it("a statement on a commitSync table survives a crash right after it resolves; another table's does not", async () => {
    const { fs, t } = await setUp();
    t.commitSync = (n) => n === 'a';
    await t.insert('a', [{ id: 1, v: 'a1' }]);
    await t.insert('b', [{ id: 1, v: 'b1' }]);
    const afterInsert = images(fs);
    await t.update('a', { column: 'id', op: '=', value: 1 }, { v: 'a1-updated' });
    await t.insert('a', [{ id: 2, v: 'a2' }]);
    await t.delete('a', { column: 'id', op: '=', value: 2 });
    const afterDelete = images(fs);
    for (const image of afterInsert) {
      const r = await openOn(image.fs);
      expect(await r.get('a', 1)).toEqual({ id: 1, v: 'a1' });
      if (image.dropAll) expect(await r.get('b', 1)).toBeUndefined();
      await r.close();
    }
    for (const image of afterDelete) {
      const r = await openOn(image.fs);
      expect(await r.get('a', 1)).toEqual({ id: 1, v: 'a1-updated' });
      expect(await r.get('a', 2)).toBeUndefined();
      await r.close();
    }
  });

  it('a transaction that used a commitSync table is synced; one that used only other tables is not', async () => {
    const { fs, t } = await setUp();
    t.commitSync = (n) => n === 'a';
    await t.transaction(async (tx) => {
      await tx.insert('b', [{ id: 10, v: 'b10' }]);
      await tx.insert('a', [{ id: 10, v: 'a10' }]);
    });
    await t.transaction(async (tx) => {
      await tx.insert('b', [{ id: 11, v: 'b11' }]);
    });
    for (const image of images(fs)) {
      const r = await openOn(image.fs);
      expect(await r.get('a', 10)).toEqual({ id: 10, v: 'a10' });
      expect(await r.get('b', 10)).toEqual({ id: 10, v: 'b10' });
      if (image.dropAll) expect(await r.get('b', 11)).toBeUndefined();
      await r.close();
    }
  });

  it('begin(): a commit that used a commitSync table is synced', async () => {
    const { fs, t } = await setUp();
    t.commitSync = (n) => n === 'a';
    const tx = t.begin();
    await tx.insert('a', [{ id: 20, v: 'a20' }]);
    await tx.commit();
    const other = t.begin();
    await other.insert('b', [{ id: 20, v: 'b20' }]);
    await other.commit();
    for (const image of images(fs)) {
      const r = await openOn(image.fs);
      expect(await r.get('a', 20)).toEqual({ id: 20, v: 'a20' });
      if (image.dropAll) expect(await r.get('b', 20)).toBeUndefined();
      await r.close();
    }
  });

  it('without commitSync the same insert is lost when unsynced bytes are dropped', async () => {
    const { fs, t } = await setUp();
    expect(t.commitSync).toBeUndefined();
    await t.insert('a', [{ id: 1, v: 'a1' }]);
    const r = await openOn(fs.crash(0, { mode: 'dropAll' }));
    expect(await r.get('a', 1)).toBeUndefined();
  });
});
