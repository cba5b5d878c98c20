import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, isSettError } from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import {
  BlockCache,
  CACHED_BLOCK_OVERHEAD_BYTES,
  Table,
  TableBuilder,
  writeTable,
  type Block,
  type TableBuilderOptions,
  type WarmBlocks,
} from '../../src/sstable/index.js';
import { WarmBlockCollector } from '../../src/sstable/warm-blocks.js';
import { checkFullScans, checkGets, randomEntries, type ModelEntry } from './table-model.js';

function options(overrides: Partial<TableBuilderOptions> = {}): TableBuilderOptions {
  return { blockSize: 256, bloomFalsePositive: 0.01, compression: 'snappy', zstdLevel: 1, ...overrides };
}

/** Builds /t.sst and returns the blocks the builder kept. */
async function build(fsys: FaultFS, entries: readonly ModelEntry[], opts: TableBuilderOptions): Promise<WarmBlocks | undefined> {
  const builder = new TableBuilder(opts);
  for (const e of entries) builder.add(e.key, e.value);
  await writeTable(fsys, '/t.sst', builder);
  return builder.takeWarmBlocks();
}

/** Overwrites every data byte of the file: a block read from it can only fail its checksum. */
function damageData(fsys: FaultFS, table: Table): void {
  const bytes = fsys.readFileDirect('/t.sst');
  const first = table.index.offsets[0]!;
  const last = table.index.offsets[table.blockCount - 1]! + table.index.sizes[table.blockCount - 1]!;
  for (let i = first; i < last; i++) bytes[i] = bytes[i]! ^ 0x5a;
  fsys.writeFileDirect('/t.sst', bytes);
}

describe('WarmBlockCollector', () => {
  it('keeps each block byte for byte, in chunks allocated within the budget, and marks the rest as not kept', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 6000 }),
        fc.integer({ min: 64, max: 1024 }),
        fc.integer(),
        (lengths, budget, chunkBytes, seed) => {
          const rng = new Rng(seed);
          const blocks = lengths.map((n) => {
            const b = new Uint8Array(n);
            for (let i = 0; i < n; i++) b[i] = rng.int(256);
            return b;
          });
          const c = new WarmBlockCollector(budget, chunkBytes);
          for (const b of blocks) c.add(b);
          const warm = c.finish();
          expect(warm.chunkOf.length).toBe(blocks.length);
          for (const chunk of warm.chunks) expect(chunk.byteLength).toBe(chunkBytes);
          let lastChunk = -1;
          let keptBytes = 0;
          for (let i = 0; i < blocks.length; i++) {
            const ch = warm.chunkOf[i]!;
            expect(warm.lengths[i]).toBe(blocks[i]!.length);
            if (ch < 0) {
              // Not kept: too large for a chunk, or past the budget.
              continue;
            }
            expect(ch).toBeGreaterThanOrEqual(lastChunk); // chunks fill in block order
            lastChunk = ch;
            const got = new Uint8Array(warm.chunks[ch]!, warm.starts[i]!, warm.lengths[i]!);
            expect(Buffer.from(got).equals(Buffer.from(blocks[i]!))).toBe(true);
            keptBytes += blocks[i]!.length;
          }
          // Every chunk holds at least one block, and a block that fits a fresh chunk is kept while the budget allows.
          expect(new Set(Array.from(warm.chunkOf).filter((x) => x >= 0)).size).toBe(warm.chunks.length);
          if (blocks.length > 0 && blocks[0]!.length > 0 && blocks[0]!.length <= Math.min(budget, chunkBytes)) expect(warm.chunkOf[0]).toBe(0);
          expect(keptBytes).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a table with the blocks its builder kept', () => {
  it('answers every get and scan as the model does, without reading a data block from the file', async () => {
    for (const compression of ['none', 'snappy'] as const) {
      const rng = new Rng(71);
      const entries = randomEntries(rng, 3000);
      const fsys = new FaultFS();
      const warm = await build(fsys, entries, options({ compression, warmBytes: 1 << 20, warmChunkBytes: 4096 }));
      expect(warm).toBeDefined();
      const cache = new BlockCache<Block>(8 << 20);
      const table = Table.open(fsys, '/t.sst', 3, { cache });
      table.adoptWarmBlocks(warm!);
      expect(warm!.chunks.length).toBeGreaterThan(3);
      // Each chunk is charged its used pages (all of a 4 KiB test chunk but the last, partly) and the overhead.
      const reserved = cache.stats().reservedBytes;
      expect(reserved).toBeLessThanOrEqual(warm!.chunks.length * (4096 + CACHED_BLOCK_OVERHEAD_BYTES));
      expect(reserved).toBeGreaterThan((warm!.chunks.length - 1) * (4096 + CACHED_BLOCK_OVERHEAD_BYTES));
      // A block read from the file now fails its checksum: every answer below came from the chunks.
      damageData(fsys, table);
      checkGets(table, entries, rng, 1500);
      const it = table.iterator();
      checkFullScans(it, entries);
      it.close();
      const s = cache.stats();
      expect(s.misses).toBe(0);
      expect(s.hits).toBeGreaterThan(0);
      table.unref();
      expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0, reservedBytes: 0 });
    }
  });

  it('takes chunks only into free room, and reads the blocks it could not keep from the file', async () => {
    const rng = new Rng(72);
    const entries = randomEntries(rng, 3000);
    const fsys = new FaultFS();
    const warm = await build(fsys, entries, options({ warmBytes: 1 << 20, warmChunkBytes: 4096 }));
    const capacity = 3 * (4096 + CACHED_BLOCK_OVERHEAD_BYTES) + 100; // three of the 4 KiB chunks
    const cache = new BlockCache<Block>(capacity);
    const table = Table.open(fsys, '/t.sst', 3, { cache });
    table.adoptWarmBlocks(warm!);
    const reserved = cache.stats().reservedBytes;
    expect(reserved).toBeGreaterThan(0);
    expect(reserved).toBeLessThanOrEqual(capacity);
    expect(warm!.chunks.length).toBeGreaterThan(3);
    const readsBefore = fsys.countOf('read');
    checkGets(table, entries, rng, 1500);
    expect(fsys.countOf('read')).toBeGreaterThan(readsBefore); // the blocks past the room
    const it = table.iterator();
    checkFullScans(it, entries);
    it.close();
    expect(cache.stats().bytes).toBeLessThanOrEqual(capacity);
    table.unref();
  });

  it('when eviction takes a chunk, the blocks in it leave the cache with it and are read from the file again', async () => {
    const rng = new Rng(73);
    const entries = randomEntries(rng, 3000);
    const fsys = new FaultFS();
    const warm = await build(fsys, entries, options({ compression: 'none', warmBytes: 1 << 20, warmChunkBytes: 4096 }));
    const cache = new BlockCache<Block>(1 << 20);
    const table = Table.open(fsys, '/t.sst', 3, { cache });
    table.adoptWarmBlocks(warm!);
    // Take every block once: each becomes a view into its chunk, charged only its overhead.
    for (let i = 0; i < table.blockCount; i++) table.blockAt(i);
    const held = cache.stats();
    expect(held.misses).toBe(0);
    expect(held.bytes).toBe(held.reservedBytes + table.blockCount * CACHED_BLOCK_OVERHEAD_BYTES);
    // Other blocks push everything of this table out (none of its entries is referenced twice).
    const filler = new Uint8Array(1000);
    for (let k = 0; k < 2000; k++) cache.set(99, k * 16, { data: filler } as unknown as Block, 1000);
    const after = cache.stats();
    expect(after.reservedBytes).toBe(0);
    expect(after.bytes).toBeLessThanOrEqual(1 << 20);
    // No view of a dropped chunk is left: a block of this table now comes from the file.
    damageData(fsys, table);
    let corrupt = 0;
    for (let i = 0; i < table.blockCount; i++) {
      try {
        table.blockAt(i);
      } catch (e) {
        expect(isSettError(e) && e.code === 'CORRUPTION').toBe(true);
        corrupt++;
      }
    }
    expect(corrupt).toBe(table.blockCount);
    table.unref();
  });

  it('a dropped table frees its chunks once the code that dropped it is done, not at the next full GC', async () => {
    const rng = new Rng(74);
    const entries = randomEntries(rng, 2000);
    const fsys = new FaultFS();
    const warm = await build(fsys, entries, options({ warmBytes: 1 << 20, warmChunkBytes: 4096 }));
    const cache = new BlockCache<Block>(8 << 20);
    const table = Table.open(fsys, '/t.sst', 3, { cache });
    const chunks = [...warm!.chunks];
    table.adoptWarmBlocks(warm!);
    checkGets(table, entries, rng, 300);
    table.unref();
    // Still whole in the same synchronous run (a caller may be finishing with a view).
    expect(chunks.every((c) => c.byteLength > 0)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(chunks.every((c) => c.byteLength === 0)).toBe(true);
  });
});
