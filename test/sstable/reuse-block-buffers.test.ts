// TableOpenOptions.reuseBlockBuffers (compaction inputs): an iterator decodes every block it reads
// into one array of its own instead of a new array per block, reads exactly what a plain
// iterator reads, and never puts those blocks in the cache.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { BlockCache, Table, TableBuilder, ensureCompressionReady, writeTable, type Block, type CompressionName } from '../../src/sstable/index.js';
import { checkFullScans, checkGets, checkIteratorAgainstModel, randomEntries, type ModelEntry } from './table-model.js';

const FILE = '/db/000001.sst';

async function build(compression: CompressionName, entries: readonly ModelEntry[]): Promise<FaultFS> {
  if (compression === 'zstd') await ensureCompressionReady();
  const fsys = new FaultFS();
  fsys.mkdir('/db');
  const builder = new TableBuilder({ blockSize: 256, bloomFalsePositive: 0.01, compression, zstdLevel: 1 });
  for (const e of entries) builder.add(e.key, e.value);
  await writeTable(fsys, FILE, builder);
  return fsys;
}

/** The distinct ArrayBuffers the values of a full forward scan are views of. */
function valueBuffers(table: Table): { buffers: number; entries: number } {
  const seen = new Set<ArrayBufferLike>();
  const it = table.iterator();
  let entries = 0;
  for (it.seekToFirst(); it.valid(); it.next()) {
    seen.add(it.value().buffer);
    entries++;
  }
  it.close();
  return { buffers: seen.size, entries };
}

describe('reuseBlockBuffers', () => {
  for (const compression of ['none', 'snappy', 'zstd'] as const) {
    it(`reads what a plain table reads, and caches nothing (${compression})`, async () => {
      const rng = new Rng(99);
      const entries = randomEntries(rng, 2000);
      const fsys = await build(compression, entries);
      const cache = new BlockCache<Block>(1 << 20);
      const table = Table.open(fsys, FILE, 1, { cache, reuseBlockBuffers: true });
      try {
        expect(table.index.length).toBeGreaterThan(50);
        const it = table.iterator();
        checkFullScans(it, entries);
        checkIteratorAgainstModel(it, entries, rng, 3000);
        // Two iterators of one table: each its own buffer, neither disturbs the other.
        const other = table.iterator();
        other.seekToLast();
        it.seekToFirst();
        for (let i = 0; i < 500; i++) it.next();
        other.prev();
        expect(Buffer.from(it.key()).toString('hex')).toBe(Buffer.from(entries[500]!.key).toString('hex'));
        expect(Buffer.from(it.value()).toString('hex')).toBe(Buffer.from(entries[500]!.value).toString('hex'));
        expect(Buffer.from(other.value()).toString('hex')).toBe(Buffer.from(entries[entries.length - 2]!.value).toString('hex'));
        other.close();
        it.close();
        expect(cache.stats().entries).toBe(0);
        // Point reads still go through the cache.
        checkGets(table, entries, rng, 500);
        expect(cache.stats().entries).toBeGreaterThan(0);
      } finally {
        table.unref();
      }
    });
  }

  for (const compression of ['none', 'snappy'] as const) {
    it(`decodes every block into one array (${compression})`, async () => {
      const entries = randomEntries(new Rng(7), 2000);
      const fsys = await build(compression, entries);
      const reusing = Table.open(fsys, FILE, 1, { reuseBlockBuffers: true });
      const plain = Table.open(fsys, FILE, 2);
      try {
        const blocks = plain.index.length;
        expect(blocks).toBeGreaterThan(50);
        expect(valueBuffers(plain)).toEqual({ buffers: blocks, entries: entries.length });
        expect(valueBuffers(reusing)).toEqual({ buffers: 1, entries: entries.length });
      } finally {
        reusing.unref();
        plain.unref();
      }
    });
  }
});
