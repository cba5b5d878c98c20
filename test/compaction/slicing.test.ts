import { describe, expect, it } from 'vitest';
import { encodeInternalKey, encodeValueStruct, type Entry } from '../../src/base/index.js';
import { runFlush, runCompact, type CompactJob, type FlushJob } from '../../src/compaction/index.js';
import { open } from '../../src/db/index.js';
import { FaultFS, readAll } from '../../src/fs/index.js';
import { Memtable } from '../../src/memtable/index.js';
import { TableBuilder, writeTable, type TableBuilderOptions } from '../../src/sstable/index.js';

const TABLE: TableBuilderOptions = { blockSize: 1024, bloomFalsePositive: 0.01, compression: 'snappy', zstdLevel: 1 };
const ENTRIES = 3000;

function key(i: number): Buffer {
  return Buffer.from(`key-${String((i * 7919) % ENTRIES).padStart(6, '0')}`);
}

/** Counts event-loop turns (setImmediate callbacks) while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ turns: number; result: T }> {
  let turns = 0;
  let counting = true;
  const tick = (): void => {
    if (!counting) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  counting = false;
  return { turns, result };
}

function flushJob(path: string): FlushJob {
  const memtable = Memtable.inMemory(1 << 20);
  const entries: Entry[] = [];
  for (let i = 0; i < ENTRIES; i++) entries.push({ key: key(i), version: i + 1, meta: 0, userMeta: 0, expiresAt: 0, value: Buffer.alloc(40, i % 251) });
  memtable.apply(entries);
  return { kind: 'flush', arena: memtable.skiplist.buffer, path, table: TABLE };
}

async function compactJob(fs: FaultFS, outputs: string): Promise<CompactJob> {
  for (let t = 0; t < 2; t++) {
    const builder = new TableBuilder(TABLE);
    const sorted = Array.from({ length: ENTRIES }, (_, i) => key(i)).sort(Buffer.compare);
    for (const k of sorted) builder.add(encodeInternalKey(k, 10 - t), encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: Buffer.alloc(40, t) }));
    if (!fs.exists(`/in-${t}.sst`)) await writeTable(fs, `/in-${t}.sst`, builder);
  }
  return {
    kind: 'compact',
    inputs: [0, 1].map((t) => ({ path: `/in-${t}.sst`, fileId: t + 1 })),
    outputs: Array.from({ length: 8 }, (_, i) => ({ path: `/${outputs}-${i}.sst`, fileId: 100 + i })),
    table: TABLE,
    targetTableBytes: 1 << 30,
    discardVersion: 100, // every version visible to no reader: one per key is kept
    numVersionsToKeep: 1,
    nowMs: 1000,
    bottommost: true,
    deeperRanges: [],
    grandparents: [],
    maxGrandparentOverlapBytes: Number.MAX_SAFE_INTEGER,
    dropPrefixes: [],
  };
}

describe('jobs in slices (the inline executor of inMemory databases)', () => {
  it('a flush yields to the event loop every yieldEvery entries and writes byte for byte the table an unsliced one does', async () => {
    const fs = new FaultFS();
    const whole = await turnsDuring(() => runFlush(fs, flushJob('/whole.sst')));
    const sliced = await turnsDuring(() => runFlush(fs, flushJob('/sliced.sst'), { yieldEvery: 100 }));
    expect(sliced.turns).toBeGreaterThanOrEqual(Math.floor(ENTRIES / 100) - 1);
    expect(whole.turns).toBeLessThan(sliced.turns / 4);
    expect(sliced.result.properties.count).toBe(ENTRIES);
    expect(Buffer.compare(readAll(fs, '/sliced.sst'), readAll(fs, '/whole.sst'))).toBe(0);
  });

  it('a compaction yields likewise, and its outputs are those of an unsliced one', async () => {
    const fs = new FaultFS();
    const whole = await turnsDuring(async () => runCompact(fs, await compactJob(fs, 'whole')));
    const sliced = await turnsDuring(async () => runCompact(fs, await compactJob(fs, 'sliced'), { yieldEvery: 100 }));
    expect(sliced.turns).toBeGreaterThanOrEqual(Math.floor((2 * ENTRIES) / 100) - 1);
    expect(whole.turns).toBeLessThan(sliced.turns / 4);
    expect(sliced.result.entriesOut).toBe(ENTRIES);
    expect(sliced.result.outputs.length).toBe(whole.result.outputs.length);
    for (let i = 0; i < whole.result.outputs.length; i++) {
      expect(Buffer.compare(readAll(fs, sliced.result.outputs[i]!.path), readAll(fs, whole.result.outputs[i]!.path))).toBe(0);
    }
  });

  it('an inMemory database keeps answering reads and writes while its flushes and compactions run, and agrees with a model', async () => {
    const db = await open({ inMemory: true, memTableSize: 256 << 10 });
    try {
      const model = new Map<string, string>();
      let turnsWhileBusy = 0;
      for (let round = 0; round < 40; round++) {
        const ops = [];
        for (let i = 0; i < 500; i++) {
          const k = `k${String((round * 500 + i) * 7919 % 20_000).padStart(6, '0')}`;
          const v = `v${round}-${i}`.padEnd(60, '.');
          ops.push({ type: 'put' as const, key: k, value: v });
          model.set(k, v);
        }
        await db.batch(ops);
        // Reads in between see every acknowledged write, whatever the jobs are doing.
        for (const [k, v] of [...model].slice(-50)) expect(db.getSync(k)?.toString()).toBe(v);
        if (db.stats().memtables.immutable > 0) turnsWhileBusy++;
      }
      await db.waitForBackgroundWork();
      expect(turnsWhileBusy).toBeGreaterThan(0); // writes went on while a flush was pending
      for (const [k, v] of model) expect(db.getSync(k)?.toString()).toBe(v);
    } finally {
      await db.close();
    }
  });
});
