import { afterEach, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Rng, encodeInternalKey, encodeValueStruct } from '../../src/base/index.js';
import { open, type DB } from '../../src/db/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { BlockCache, Table, TableBuilder, writeTable, type Block } from '../../src/sstable/index.js';
import { InlineExecutor, type Executor, type Job, type JobResult } from '../../src/compaction/index.js';
import { COMPACTING_TREE, faultFS, openSmall, text } from './helpers.js';

/** Runs jobs inline and hands back each flush's kept blocks cut short: a handover that does not match its table. */
class MismatchingExecutor implements Executor {
  readonly kind = 'inline';
  private readonly inner: InlineExecutor;
  constructor(fs: FaultFS) {
    this.inner = new InlineExecutor(fs);
  }
  async run<J extends Job>(job: J): Promise<JobResult<J>> {
    const result = await this.inner.run(job);
    const warm = (result as { warm?: { chunkOf: Int32Array } }).warm;
    if (warm !== undefined) warm.chunkOf = warm.chunkOf.subarray(1);
    return result;
  }
  async close(): Promise<void> {}
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});

/** Writes `n` keys in batches (a few flushes' worth at 64 KiB memtables); returns the model. */
async function fill(db: DB, n: number, seed: number): Promise<Map<string, string>> {
  const rng = new Rng(seed);
  const model = new Map<string, string>();
  for (let i = 0; i < n; i += 50) {
    const ops = [];
    for (let j = i; j < Math.min(n, i + 50); j++) {
      const key = `key${String(rng.int(n * 2)).padStart(8, '0')}`;
      const value = `v${j}-${'x'.repeat(rng.int(60))}`;
      model.set(key, value);
      ops.push({ type: 'put' as const, key, value });
    }
    await db.batch(ops);
  }
  await db.waitForBackgroundWork();
  return model;
}

function checkAll(db: DB, model: Map<string, string>): void {
  for (const [k, v] of model) expect(text(db.getSync(k))).toBe(v);
}

const SMALL = { memTableSize: 64 * 1024, blockCacheSize: 4 << 20, numLevelZeroTables: 100, numLevelZeroTablesStall: 200 };

describe('prepopulateBlockCache', () => {
  it('a flush hands its blocks to the cache: reads of the new tables read no data block from the file', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { ...SMALL, compression: 'snappy' });
    const model = await fill(db, 4000, 1);
    const before = db.stats();
    expect(before.levels[0]!.tables).toBeGreaterThan(2);
    expect(before.blockCache.reservedBytes).toBeGreaterThan(0);
    expect(before.blockCache.bytes).toBeLessThanOrEqual(before.blockCache.capacityBytes);
    const reads = fs.countOf('read');
    checkAll(db, model);
    expect(fs.countOf('read')).toBe(reads);
    expect(db.stats().blockCache.misses).toBe(0);
    await db.close();
  });

  it('off: no reservations, and the same reads go to the file', async () => {
    const fs = faultFS();
    const db = await openSmall(fs, { ...SMALL, prepopulateBlockCache: false });
    const model = await fill(db, 4000, 1);
    expect(db.stats().blockCache.reservedBytes).toBe(0);
    const reads = fs.countOf('read');
    checkAll(db, model);
    expect(fs.countOf('read')).toBeGreaterThan(reads);
    expect(db.stats().blockCache.misses).toBeGreaterThan(0);
    await db.close();
  });

  it('takes only the free room of a small cache, and compactions let the chunks of the tables they replace go', async () => {
    const fs = faultFS();
    const db = await open('/db', { fs, ...COMPACTING_TREE, blockSize: 256, blockCacheSize: 48 * 1024 });
    const model = await fill(db, 6000, 2);
    const s = db.stats();
    expect(s.counters.compactions).toBeGreaterThan(0);
    expect(s.blockCache.bytes).toBeLessThanOrEqual(48 * 1024);
    checkAll(db, model);
    expect(db.stats().blockCache.bytes).toBeLessThanOrEqual(48 * 1024);
    await db.close();
  });

  it('a handover that does not match its table is let go with a warning; the flush and its data stand', async () => {
    const fs = faultFS();
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => warnings.push(m), error: () => undefined };
    const db = await openSmall(fs, { ...SMALL, executor: new MismatchingExecutor(fs), logger, loggingLevel: 'warn' });
    const model = await fill(db, 3000, 4);
    expect(db.stats().levels[0]!.tables).toBeGreaterThan(0);
    expect(db.stats().blockCache.reservedBytes).toBe(0);
    expect(warnings.some((w) => /not prepopulated/.test(w))).toBe(true);
    checkAll(db, model);
    await db.close();
  });

  it('through worker threads (the blocks cross as transferred buffers)', async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-prepopulate-'));
    tempDirs.push(dir);
    const db = await open(dir, { ...SMALL, executor: 'worker' });
    const model = await fill(db, 4000, 3);
    const s = db.stats();
    expect(s.blockCache.reservedBytes).toBeGreaterThan(0);
    checkAll(db, model);
    expect(db.stats().blockCache.misses).toBe(0);
    await db.close();
  });

  it('regression: a dropped table lets its chunk go (the reservation\'s onDrop closed over the whole handover)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const fs = new FaultFS();
    fs.mkdir('/d');
    const rng = new Rng(9);
    const builder = new TableBuilder({ blockSize: 256, bloomFalsePositive: 0.01, compression: 'none', zstdLevel: 1, warmBytes: 1 << 20, warmChunkBytes: 8192 });
    for (let i = 0; i < 2000; i++) {
      const key = encodeInternalKey(new TextEncoder().encode(String(i).padStart(12, '0')), 5);
      builder.add(key, encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(40).fill(rng.int(256)) }));
    }
    await writeTable(fs, '/d/1.sst', builder);
    const cache = new BlockCache<Block>(8 << 20);
    const refs = await (async () => {
      const warm = builder.takeWarmBlocks()!;
      const table = Table.open(fs, '/d/1.sst', 1, { cache });
      table.adoptWarmBlocks(warm);
      for (let i = 0; i < table.blockCount; i++) table.blockAt(i);
      const weak = warm.chunks.map((c) => new WeakRef(c));
      table.unref();
      return weak;
    })();
    expect(refs.length).toBeGreaterThan(2);
    expect(cache.stats()).toMatchObject({ bytes: 0, reservedBytes: 0 });
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets stay alive through the job that made them
    gc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
