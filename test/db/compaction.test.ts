import { describe, expect, it } from 'vitest';
import { InlineExecutor, type Executor, type Job, type JobResult } from '../../src/compaction/index.js';
import { userKeyOf, versionOf } from '../../src/base/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { Manifest } from '../../src/manifest/index.js';
import { Table } from '../../src/sstable/index.js';
import { COMPACTING_TREE, DIR, dump, faultFS, openSmall, text } from './helpers.js';

const COMPACTING = {
  ...COMPACTING_TREE,
};

const key = (i: number) => `key${String(i).padStart(6, '0')}`;

/** Every table of the directory, level by level (L0 newest first), read straight from the files. */
async function tablesByLevel(fs: FaultFS): Promise<{ id: number; keys: [string, number][] }[][]> {
  const { manifest, state } = await Manifest.open(fs, DIR, { readOnly: true });
  manifest.close();
  const out: { id: number; keys: [string, number][]; maxVersion: number }[][] = [];
  for (const ids of state.levels(COMPACTING.maxLevels)) {
    const level: { id: number; keys: [string, number][]; maxVersion: number }[] = [];
    for (const id of ids) {
      const t = Table.open(fs, `${DIR}/${String(id).padStart(6, '0')}.sst`, id);
      const keys: [string, number][] = [];
      const it = t.iterator();
      for (it.seekToFirst(); it.valid(); it.next()) keys.push([Buffer.from(userKeyOf(it.key())).toString(), versionOf(it.key())]);
      it.close();
      level.push({ id, keys, maxVersion: t.properties.maxVersion });
      t.close();
    }
    out.push(level);
  }
  out[0]!.sort((a, b) => b.maxVersion - a.maxVersion);
  return out;
}

/** Gates compaction jobs (flushes run at once), so L0 can be made to fill up. */
class CompactionGate implements Executor {
  readonly kind = 'inline';
  private readonly inner: InlineExecutor;
  private open = false;
  private waiting: (() => void)[] = [];
  constructor(fs: FaultFS) {
    this.inner = new InlineExecutor(fs);
  }
  async run<J extends Job>(job: J): Promise<JobResult<J>> {
    if (job.kind === 'compact' && !this.open) await new Promise<void>((r) => this.waiting.push(r));
    return this.inner.run(job);
  }
  release(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) w();
  }
  async close(): Promise<void> {}
}

describe('leveled compaction', () => {
  it('keeps newest above: no level holds a version of a key older than one in a deeper level', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, COMPACTING);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 300; i++) await db.put(key((i * 7 + round * 13) % 400), `r${round}-${i}`.padEnd(60, '.'));
      for (let i = round; i < 400; i += 17) await db.delete(key(i));
    }
    await db.waitForBackgroundWork();
    expect(db.stats().counters.compactions).toBeGreaterThan(5);
    await db.close();

    const levels = await tablesByLevel(fs);
    // Sources from the top: each L0 table on its own (newest first), then each deeper level.
    const sources = [...levels[0]!.map((t) => t.keys), ...levels.slice(1).map((l) => l.flatMap((t) => t.keys))];
    const seenAbove = new Map<string, number>(); // key -> oldest version seen in a shallower source
    let checked = 0;
    for (const source of sources) {
      const newestHere = new Map<string, number>();
      for (const [k, v] of source) newestHere.set(k, Math.max(newestHere.get(k) ?? 0, v));
      for (const [k, v] of newestHere) {
        const above = seenAbove.get(k);
        if (above !== undefined) {
          // Equal is allowed: a WAL replayed after its table was recorded flushes the same
          // versions again, and value-log GC rewrites an entry with its version.
          expect(v, `key ${k}: a deeper source holds version ${v}, newer than ${above} above it`).toBeLessThanOrEqual(above);
          checked++;
        }
      }
      for (const [k, v] of source) seenAbove.set(k, Math.min(seenAbove.get(k) ?? Infinity, v));
    }
    expect(levels.slice(1).some((l) => l.length > 0)).toBe(true);
    expect(checked).toBeGreaterThan(0);
  });

  it('moves a table down without rewriting it when nothing below overlaps', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, COMPACTING);
    for (let i = 0; i < 3000; i++) await db.put(key(i), 'v'.repeat(40)); // sequential: disjoint tables
    await db.waitForBackgroundWork();
    const c = db.stats().counters;
    expect(c.compactionMoves).toBeGreaterThan(0);
    expect(dump(db).length).toBe(3000);
    await db.close();
  });

  it('stalls flushes (and so writers) at numLevelZeroTablesStall until compaction catches up', async () => {
    const fs = faultFS();
    const gate = new CompactionGate(fs);
    const db = await openSmall(fs, { ...COMPACTING, numMemtables: 2, executor: gate });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 1500; i++) writes.push(db.put(key(i), 'x'.repeat(60)));
    while (db.stats().counters.l0Stalls === 0) await new Promise((r) => setImmediate(r));
    expect(db.stats().levels[0]!.tables).toBe(COMPACTING.numLevelZeroTablesStall);
    gate.release();
    await Promise.all(writes);
    await db.waitForBackgroundWork();
    expect(db.stats().counters.writeStalls).toBeGreaterThan(0);
    expect(db.stats().levels[0]!.tables).toBeLessThan(COMPACTING.numLevelZeroTablesStall);
    expect(dump(db).length).toBe(1500);
    await db.close();
  });

  it('deletes an input file only after the last iterator reading it is closed', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { ...COMPACTING, numLevelZeroTables: 3 });
    for (let i = 0; i < 400; i++) await db.put(key(i), 'a'.repeat(60));
    await db.waitForBackgroundWork();
    const before = new Set(fs.list(DIR).filter((n) => n.endsWith('.sst')));
    const it = db.iterator();
    const first = it.next();
    expect(first.done).toBe(false);
    for (let i = 0; i < 400; i++) await db.put(key(i), 'b'.repeat(60));
    await db.waitForBackgroundWork();
    expect(db.stats().counters.compactions).toBeGreaterThan(0);
    const live = new Set(fs.list(DIR).filter((n) => n.endsWith('.sst')));
    for (const name of before) expect(live.has(name), `${name} was deleted while an iterator read it`).toBe(true);
    let n = 1;
    for (const [, v] of it) {
      expect(text(v)).toBe('a'.repeat(60));
      n++;
    }
    expect(n).toBe(400);
    const after = new Set(fs.list(DIR).filter((n) => n.endsWith('.sst')));
    expect([...before].some((name) => !after.has(name))).toBe(true);
    await db.close();
  });

  it('keeps tables within 1.3x of the live data after overwriting every key five times', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { ...COMPACTING, memTableSize: 64 * 1024, baseTableSize: 16 * 1024, baseLevelSize: 64 * 1024, levelSizeMultiplier: 4 });
    const n = 4000;
    const value = (i: number, round: number) => `${round}:${i}:`.padEnd(100, 'v');
    for (let round = 0; round < 5; round++) for (let i = 0; i < n; i += 100) await db.batch(Array.from({ length: 100 }, (_, j) => ({ type: 'put' as const, key: key(i + j), value: value(i + j, round) })));
    await db.flatten();
    await db.waitForBackgroundWork();
    const live = n * (key(0).length + 100);
    const tableBytes = db.stats().files.tableBytes;
    console.log(`space: ${tableBytes} table bytes for ${live} bytes of live keys and values (${(tableBytes / live).toFixed(2)}x)`);
    expect(tableBytes / live).toBeLessThanOrEqual(1.3);
    expect(text(db.getSync(key(1234)))).toBe(value(1234, 4));
    await db.close();
  });
});

describe('tree operations', () => {
  it('flatten() leaves every table in one level, with the same data', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, COMPACTING);
    for (let i = 0; i < 2000; i++) await db.put(key((i * 31) % 1000), `v${i}`);
    const before = dump(db);
    await db.flatten();
    const levels = db.stats().levels.filter((l) => l.tables > 0);
    expect(levels.length).toBe(1);
    expect(db.stats().memtables.activeBytes).toBeLessThan(1024);
    expect(dump(db)).toEqual(before);
    await db.close();
  });

  it('dropPrefix() removes the keys for every later read and reclaims them in the tables; writes during it land after', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, COMPACTING);
    for (let i = 0; i < 600; i++) {
      await db.put(`user:${i}`, 'u'.repeat(40));
      await db.put(`item:${i}`, 'i'.repeat(40));
    }
    const dropping = db.dropPrefix('user:');
    const during = db.put('user:new', 'written during the drop');
    await dropping;
    await during;
    expect(dump(db, { prefix: 'user:' })).toEqual([['user:new', 'written during the drop']]);
    expect(dump(db, { prefix: 'item:' }).length).toBe(600);
    expect(db.getSync('user:5')).toBeUndefined();
    await db.close();
    const again = await openSmall(fs, COMPACTING);
    expect(dump(again, { prefix: 'user:' }).map(([k]) => k)).toEqual(['user:new']);
    await again.close();
    for (const level of await tablesByLevel(fs)) {
      for (const t of level) expect(t.keys.some(([k]) => k.startsWith('user:') && k !== 'user:new')).toBe(false);
    }
  });

  it('dropAll() deletes everything, atomically, and the database goes on', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, COMPACTING);
    for (let i = 0; i < 800; i++) await db.put(key(i), 'x'.repeat(50));
    await db.dropAll();
    expect(dump(db)).toEqual([]);
    expect(db.stats().files.tables).toBe(0);
    await db.put('after', 'yes');
    await db.close();
    const again = await openSmall(fs, COMPACTING);
    expect(dump(again)).toEqual([['after', 'yes']]);
    await again.close();
  });

  it('drops writes issued before the call even if not yet committed, and keeps those issued after', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, COMPACTING);
    await db.put('old', '1');
    const before = db.put('queued-before', '2');
    const dropping = db.dropAll();
    const after = db.put('queued-after', '3');
    await Promise.all([before, dropping, after]);
    expect(dump(db)).toEqual([['queued-after', '3']]);
    await db.close();
  });

  it('compactL0OnClose leaves L0 empty', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { ...COMPACTING, numLevelZeroTables: 50, numLevelZeroTablesStall: 60, compactL0OnClose: true });
    for (let i = 0; i < 1500; i++) await db.put(key(i), 'x'.repeat(50));
    await db.waitForBackgroundWork();
    expect(db.stats().levels[0]!.tables).toBeGreaterThan(1);
    await db.close();
    const levels = await tablesByLevel(fs);
    expect(levels[0]!.length).toBe(0);
    const again = await openSmall(fs, COMPACTING);
    expect(dump(again).length).toBe(1500);
    await again.close();
  });
});
