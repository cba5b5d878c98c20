import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import {
  MAX_VERSION,
  Rng,
  ValuePointer,
  encodeInternalKey,
  encodeValueStruct,
  compareInternalKeys,
  isSettError,
  META_VALUE_POINTER,
  userKeyOf,
  versionOf,
} from '../../src/base/index.js';
import { FaultFS, nodeFS } from '../../src/fs/index.js';
import {
  BlockCache,
  CACHED_BLOCK_OVERHEAD_BYTES,
  FOOTER_BYTES,
  HEADER_BYTES,
  Table,
  TableBuilder,
  ensureCompressionReady,
  writeTable,
  type Block,
  type CompressionName,
  type TableBuilderOptions,
} from '../../src/sstable/index.js';
import { encodeProperties, decodeProperties } from '../../src/sstable/properties.js';
import { decodeFooter, encodeFooter } from '../../src/sstable/format.js';
import fc from 'fast-check';
import { checkFullScans, checkGets, checkIteratorAgainstModel, hex, lowerBound, randomEntries, type ModelEntry } from './table-model.js';

const COMPRESSIONS: CompressionName[] = ['none', 'snappy', 'zstd'];

function options(overrides: Partial<TableBuilderOptions> = {}): TableBuilderOptions {
  return { blockSize: 128, bloomFalsePositive: 0.01, compression: 'none', zstdLevel: 1, ...overrides };
}

async function buildTable(fsys: FaultFS, file: string, entries: readonly ModelEntry[], opts: TableBuilderOptions) {
  if (opts.compression === 'zstd') await ensureCompressionReady();
  fsys.mkdir(file.slice(0, file.lastIndexOf('/')) || '/');
  const builder = new TableBuilder(opts);
  for (const e of entries) builder.add(e.key, e.value);
  return writeTable(fsys, file, builder);
}

describe('table build, open and read', () => {
  for (const maxTail of [6, 12]) {
  it(`answers as the model does when every key shares a long head (the index compares the 8 bytes after it), and seeks to keys without it (tails up to ${maxTail} bytes)`, async () => {
    const rng = new Rng(4242);
    const head = new TextEncoder().encode('0000000000');
    // The head goes before every user key: order is kept, and the index sees 10 shared bytes.
    const entries = randomEntries(rng, 1500, maxTail).map((e) => {
      const key = new Uint8Array(head.length + e.key.length);
      key.set(head);
      key.set(e.key, head.length);
      return { key, value: e.value };
    });
    const fsys = new FaultFS();
    await buildTable(fsys, '/db/000001.sst', entries, options({ compression: 'none', blockSize: 64 }));
    const table = Table.open(fsys, '/db/000001.sst', 1);
    try {
      checkGets(table, entries, rng, 3000);
      const it = table.iterator();
      checkFullScans(it, entries);
      // randomTarget's random keys lack the head: they sort before or after every entry.
      checkIteratorAgainstModel(it, entries, rng, 2000);
      // Keys that differ from the head in its last byte, with small bytes after it: a search that
      // trusted the bytes after the head would place them among the entries.
      for (const user of ['000000000/\u0000\u0000\u0000\u0000', '0000000001\u0000\u0000\u0000\u0000', '0000000000', '1']) {
        const target = encodeInternalKey(new TextEncoder().encode(user), 7);
        it.seek(target);
        const want = lowerBound(entries, target);
        expect(it.valid() ? hex(it.key()) : 'end', user).toBe(want < entries.length ? hex(entries[want]!.key) : 'end');
      }
      it.close();
    } finally {
      table.unref();
    }
  });
  }

  it('answers as the model does when only the later keys share a long head (block 0 holds keys without it)', async () => {
    const rng = new Rng(4343);
    const head = new TextEncoder().encode('0000000000');
    // A few keys below the head (0x01 < '0'), then many under it: the index keys all share the
    // head, the table's keys do not; a block seek must not skip bytes the block's keys differ in.
    // Long, with high bytes where the others have their suffix: a compare that skipped the head
    // would put them above keys they sort below.
    const low = randomEntries(rng, 3).map((e) => ({ key: Uint8Array.from([0x01, ...new Array<number>(20).fill(0xff), ...e.key]), value: e.value }));
    const high = randomEntries(rng, 1500).map((e) => ({ key: Uint8Array.from([...head, ...e.key]), value: e.value }));
    const entries = [...low, ...high];
    const fsys = new FaultFS();
    // Big blocks: block 0 holds the low keys and then high ones, so its last (index) key has the head.
    await buildTable(fsys, '/db/000001.sst', entries, options({ compression: 'none', blockSize: 4096 }));
    const table = Table.open(fsys, '/db/000001.sst', 1);
    try {
      checkGets(table, entries, rng, 3000);
      const it = table.iterator();
      checkIteratorAgainstModel(it, entries, rng, 2000);
      it.close();
    } finally {
      table.unref();
    }
  });

  for (const compression of COMPRESSIONS) {
    for (const blockSize of [64, 256, 4096]) {
      it(`answers every get, scan and seek as the model does (${compression}, blockSize ${blockSize})`, async () => {
        const seed = 1000 + blockSize + COMPRESSIONS.indexOf(compression);
        const rng = new Rng(seed);
        const entries = randomEntries(rng, 1500);
        const fsys = new FaultFS();
        await buildTable(fsys, '/db/000001.sst', entries, options({ compression, blockSize }));
        const table = Table.open(fsys, '/db/000001.sst', 1);
        try {
          if (blockSize <= 256) expect(table.properties.dataBytes).toBeGreaterThan(blockSize * 20);
          checkGets(table, entries, rng, 3000);
          const it = table.iterator();
          checkFullScans(it, entries);
          checkIteratorAgainstModel(it, entries, rng, 2000);
          it.close();
        } catch (err) {
          throw new Error(`seed ${seed}: ${String(err)}`, { cause: err });
        } finally {
          table.unref();
        }
      });
    }
  }

  // Data blocks are read into one reused scratch array (table-reader.ts readDataBlock): every
  // block handed out must be an array of its own, whatever the codec, and blocks too large for
  // the scratch or decompressing to more than the room before it take the allocating path.
  for (const compression of COMPRESSIONS) {
    it(`blocks read one after another stay intact: none is a view of the read scratch (${compression})`, async () => {
      const rng = new Rng(5150 + COMPRESSIONS.indexOf(compression));
      const entries = randomEntries(rng, 600);
      const fsys = new FaultFS();
      await buildTable(fsys, '/db/000001.sst', entries, options({ compression, blockSize: 256 }));
      // No cache: every blockAt reads the file again.
      const table = Table.open(fsys, '/db/000001.sst', 1);
      try {
        const blocks = Array.from({ length: table.index.length }, (_, i) => table.blockAt(i));
        expect(blocks.length).toBeGreaterThan(10);
        const seen: string[] = [];
        for (const block of blocks) {
          const it = block.iterator();
          for (it.seekToFirst(); it.valid(); it.next()) seen.push(`${hex(it.key())}=${hex(it.value())}`);
        }
        expect(seen).toEqual(entries.map((e) => `${hex(e.key)}=${hex(e.value)}`));
      } finally {
        table.unref();
      }
    });
  }

  it('reads blocks larger than the read scratch, and blocks that decompress beyond its room', async () => {
    const rng = new Rng(5252);
    const noise = new Uint8Array(1_200_000);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.int(256);
    const entries: ModelEntry[] = [
      { key: encodeInternalKey(new TextEncoder().encode('a'), 1), value: encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(1_500_000).fill(7) }) },
      { key: encodeInternalKey(new TextEncoder().encode('b'), 1), value: encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: noise }) },
      { key: encodeInternalKey(new TextEncoder().encode('c'), 1), value: encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: Uint8Array.from([1, 2, 3]) }) },
    ];
    for (const compression of ['snappy', 'none'] as const) {
      const fsys = new FaultFS();
      await buildTable(fsys, '/db/000001.sst', entries, options({ compression, blockSize: 4096 }));
      const table = Table.open(fsys, '/db/000001.sst', 1);
      try {
        const blocks = Array.from({ length: table.index.length }, (_, i) => table.blockAt(i));
        expect(blocks.length).toBe(3);
        for (const [i, e] of entries.entries()) {
          const got = table.get(userKeyOf(e.key), MAX_VERSION);
          expect(got === undefined ? undefined : Buffer.compare(got.value, e.value), `${compression} ${i}`).toBe(0);
          const it = blocks[i]!.iterator();
          it.seekToFirst();
          expect(Buffer.compare(it.value(), e.value), `${compression} block ${i}`).toBe(0);
        }
      } finally {
        table.unref();
      }
    }
  });

  it('finds every stored version of every key at its own version, and nothing below the oldest', async () => {
    const rng = new Rng(77);
    const entries = randomEntries(rng, 800);
    const fsys = new FaultFS();
    await buildTable(fsys, '/t.sst', entries, options({ compression: 'snappy' }));
    const table = Table.open(fsys, '/t.sst', 1);
    for (const e of entries) {
      const got = table.get(userKeyOf(e.key), versionOf(e.key));
      expect(got && hex(got.key)).toBe(hex(e.key));
      expect(got && hex(got.value)).toBe(hex(e.value));
      expect(table.mayContain(userKeyOf(e.key))).toBe(true);
    }
    table.unref();
  });

  it('records properties: key range, count, max version, sizes, compression and vlog bytes per file', async () => {
    const rng = new Rng(5);
    const entries = randomEntries(rng, 600);
    const fsys = new FaultFS();
    const built = await buildTable(fsys, '/t.sst', entries, options({ compression: 'zstd', blockSize: 200 }));
    const table = Table.open(fsys, '/t.sst', 9);
    const p = table.properties;
    expect(hex(p.smallest)).toBe(hex(entries[0]!.key));
    expect(hex(p.largest)).toBe(hex(entries[entries.length - 1]!.key));
    expect(p.count).toBe(entries.length);
    expect(p.maxVersion).toBe(Math.max(...entries.map((e) => versionOf(e.key))));
    expect(p.compression).toBe('zstd');
    expect(p.formatVersion).toBe(1);
    expect(p.fileBytes).toBe(fsys.readFileDirect('/t.sst').length);
    expect(table.size).toBe(p.fileBytes);
    expect(HEADER_BYTES + p.dataBytes + p.indexBytes + p.filterBytes + FOOTER_BYTES).toBeLessThan(p.fileBytes);
    const vlog = new Map<number, number>();
    for (const e of entries) {
      if ((e.value[0]! & META_VALUE_POINTER) === 0) continue;
      const vp = ValuePointer.decode(e.value.subarray(e.value.length - 12));
      vlog.set(vp.fileId, (vlog.get(vp.fileId) ?? 0) + vp.length);
    }
    expect(vlog.size).toBeGreaterThan(1);
    expect(p.vlogBytes).toEqual(vlog);
    expect(built).toEqual(p);
    table.unref();
  });

  it('stores a block compressed only when that saves at least 1/8 of it', async () => {
    const rng = new Rng(3);
    const noise: ModelEntry[] = [];
    for (let i = 0; i < 200; i++) {
      noise.push({ key: encodeInternalKey(Uint8Array.of(i >> 8, i & 0xff), 1), value: encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: rng.bytes(100) }) });
    }
    const fsys = new FaultFS();
    const none = await buildTable(fsys, '/none.sst', noise, options({ compression: 'none', blockSize: 1024 }));
    const snappy = await buildTable(fsys, '/snappy.sst', noise, options({ compression: 'snappy', blockSize: 1024 }));
    // Random values do not compress: every block stays raw, so the files differ only in the
    // properties block's compression byte.
    expect(snappy.fileBytes).toBe(none.fileBytes);
    const repetitive = noise.map((e, i) => ({ key: e.key, value: encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(100).fill(i) }) }));
    const packed = await buildTable(fsys, '/packed.sst', repetitive, options({ compression: 'snappy', blockSize: 1024 }));
    expect(packed.dataBytes).toBeLessThan(none.dataBytes / 4);
    const table = Table.open(fsys, '/packed.sst', 3);
    checkFullScans(table.iterator(), repetitive);
    table.unref();
  });

  it('serves the second read of a block from the cache', async () => {
    const rng = new Rng(11);
    const entries = randomEntries(rng, 400);
    const fsys = new FaultFS();
    await buildTable(fsys, '/t.sst', entries, options({ compression: 'snappy', blockSize: 256 }));
    const cache = new BlockCache<Block>(1 << 20);
    const table = Table.open(fsys, '/t.sst', 4, { cache });
    const userKey = userKeyOf(entries[123]!.key);
    const reads = fsys.countOf('read');
    const first = table.get(userKey, MAX_VERSION);
    const afterFirst = cache.stats();
    expect(fsys.countOf('read')).toBe(reads + 1);
    expect(afterFirst.misses).toBe(1);
    const second = table.get(userKey, MAX_VERSION);
    expect(fsys.countOf('read')).toBe(reads + 1);
    expect(cache.stats().hits).toBe(afterFirst.hits + 1);
    expect(hex(second!.value)).toBe(hex(first!.value));
    checkGets(table, entries, rng, 500);
    table.unref();
    expect(cache.stats().entries).toBe(0); // the last unref evicts the file's blocks
  });

  it.each(COMPRESSIONS)('answers as the model does through a cache small enough to evict blocks while iterators hold them (%s)', async (compression) => {
    const rng = new Rng(12);
    const entries = randomEntries(rng, 3000);
    const fsys = new FaultFS();
    await buildTable(fsys, '/t.sst', entries, options({ compression, blockSize: 256 }));
    const cache = new BlockCache<Block>(8 << 10);
    const table = Table.open(fsys, '/t.sst', 4, { cache });
    // Gets and scans interleaved: hits earn second chances, misses evict, while earlier
    // iterators stay positioned on blocks the cache has dropped.
    const iterators = [];
    for (let round = 0; round < 4; round++) {
      checkGets(table, entries, rng, 400);
      const it = table.iterator();
      checkIteratorAgainstModel(it, entries, rng, 200);
      iterators.push(it);
    }
    for (const it of iterators) it.close();
    const stats = cache.stats();
    expect(stats.evictions).toBeGreaterThan(100);
    expect(stats.bytes).toBeLessThanOrEqual(8 << 10);
    table.unref();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('charges the cache each block\'s bytes plus CACHED_BLOCK_OVERHEAD_BYTES, so blockCacheSize bounds what it holds', async () => {
    const rng = new Rng(13);
    const entries = randomEntries(rng, 2000);
    const fsys = new FaultFS();
    await buildTable(fsys, '/t.sst', entries, options({ compression: 'none', blockSize: 512 }));
    const cache = new BlockCache<Block>(1 << 30);
    const table = Table.open(fsys, '/t.sst', 5, { cache });
    checkGets(table, entries, rng, 600);
    for (let i = 0; i < table.blockCount; i++) table.blockAt(i);
    // Every block is cached now: the ones the gets brought in and the ones the loop did.
    const stats = cache.stats();
    expect(stats.entries).toBe(table.blockCount);
    expect(table.blockCount).toBeGreaterThan(50);
    let all = 0;
    for (let i = 0; i < table.blockCount; i++) all += table.blockAt(i).sizeBytes;
    expect(stats.bytes).toBe(all + table.blockCount * CACHED_BLOCK_OVERHEAD_BYTES);
    table.unref();
  });

  it('counts references: iterators hold one, the last unref closes the file and runs onZero', async () => {
    const fsys = new FaultFS();
    const entries = randomEntries(new Rng(2), 50);
    await buildTable(fsys, '/t.sst', entries, options());
    const table = Table.open(fsys, '/t.sst', 1);
    let zero = 0;
    table.onZero = () => zero++;
    const it = table.iterator();
    table.unref();
    expect(zero).toBe(0);
    checkFullScans(it, entries); // still readable through the iterator's reference
    it.close();
    it.close();
    expect(zero).toBe(1);
    expect(isSettError(catchError(() => table.get(userKeyOf(entries[0]!.key), MAX_VERSION)), 'CLOSED')).toBe(true);
    expect(isSettError(catchError(() => table.ref()), 'INTERNAL')).toBe(true);
  });

  it('close() shuts the file at once without running onZero', async () => {
    const fsys = new FaultFS();
    const entries = randomEntries(new Rng(4), 20);
    await buildTable(fsys, '/t.sst', entries, options());
    const table = Table.open(fsys, '/t.sst', 1);
    let zero = 0;
    table.onZero = () => zero++;
    table.close();
    expect(zero).toBe(0);
    expect(isSettError(catchError(() => table.get(userKeyOf(entries[0]!.key), MAX_VERSION)), 'CLOSED')).toBe(true);
  });

  it('refuses keys out of order, duplicate keys and an empty finish', () => {
    const b = new TableBuilder(options());
    b.add(encodeInternalKey(Uint8Array.of(2), 5), new Uint8Array(3));
    expect(isSettError(catchError(() => b.add(encodeInternalKey(Uint8Array.of(2), 5), new Uint8Array(3))), 'INTERNAL')).toBe(true);
    expect(isSettError(catchError(() => b.add(encodeInternalKey(Uint8Array.of(2), 6), new Uint8Array(3))), 'INTERNAL')).toBe(true);
    expect(isSettError(catchError(() => b.add(encodeInternalKey(Uint8Array.of(1), 1), new Uint8Array(3))), 'INTERNAL')).toBe(true);
    b.add(encodeInternalKey(Uint8Array.of(2), 4), new Uint8Array(3)); // older version of the same key: fine
    expect(b.count).toBe(2);
    const empty = new TableBuilder(options());
    expect(empty.isEmpty()).toBe(true);
    expect(isSettError(catchError(() => empty.finish()), 'INTERNAL')).toBe(true);
  });

  it('estimates its size within a few percent of the finished file', () => {
    const entries = randomEntries(new Rng(8), 3000);
    const b = new TableBuilder(options({ blockSize: 4096 }));
    for (const e of entries) b.add(e.key, e.value);
    const estimate = b.estimatedSize();
    const size = b.finish().length;
    expect(Math.abs(estimate - size) / size).toBeLessThan(0.05);
  });

  it('builds no filter at bloomFalsePositive 0, and still answers every get', async () => {
    const rng = new Rng(12);
    const entries = randomEntries(rng, 300);
    const fsys = new FaultFS();
    const props = await buildTable(fsys, '/t.sst', entries, options({ bloomFalsePositive: 0 }));
    expect(props.filterBytes).toBe(9); // an empty block: just its trailer
    const table = Table.open(fsys, '/t.sst', 1);
    expect(table.mayContain(Uint8Array.of(0x42, 0x42, 0x42))).toBe(true);
    checkGets(table, entries, rng, 500);
    table.unref();
  });

  it('writes a new file only (wx): an existing table is never overwritten, and a failed write leaves no file', async () => {
    const fsys = new FaultFS();
    const entries = randomEntries(new Rng(1), 30);
    await buildTable(fsys, '/t.sst', entries, options());
    const before = hex(fsys.readFileDirect('/t.sst'));
    const err = await buildTable(fsys, '/t.sst', entries, options()).catch((e: unknown) => e);
    expect(isSettError(err, 'IO_ERROR')).toBe(true);
    expect(hex(fsys.readFileDirect('/t.sst'))).toBe(before);

    fsys.injectFault({ op: 'sync', errno: 'EIO' });
    const failed = await buildTable(fsys, '/u.sst', entries, options()).catch((e: unknown) => e);
    expect(isSettError(failed, 'IO_ERROR')).toBe(true);
    expect(fsys.exists('/u.sst')).toBe(false);
  });

  it('writes the file in large writes: one append for a table under the chunk size', async () => {
    const fsys = new FaultFS();
    const entries = randomEntries(new Rng(6), 2000);
    await buildTable(fsys, '/t.sst', entries, options({ blockSize: 256 }));
    expect(fsys.countOf('append') + fsys.countOf('write')).toBe(1);
  });

  it('opens and reads a table in a worker thread on NodeFS', async () => {
    const built = fileURLToPath(new URL('../../dist/src/sstable/index.js', import.meta.url));
    const builtFs = fileURLToPath(new URL('../../dist/src/fs/index.js', import.meta.url));
    if (!fs.existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sett-sst-'));
    try {
      const entries = randomEntries(new Rng(21), 300);
      const file = path.join(dir, '000001.sst');
      const builder = new TableBuilder(options({ compression: 'snappy' }));
      for (const e of entries) builder.add(e.key, e.value);
      await writeTable(nodeFS, file, builder);
      const probe = entries[150]!;
      const script = `
        const { parentPort, workerData } = require('node:worker_threads');
        (async () => {
          const { Table } = await import(workerData.built);
          const { nodeFS } = await import(workerData.builtFs);
          const table = Table.open(nodeFS, workerData.file, 1);
          const got = table.get(Uint8Array.from(workerData.userKey), Number.MAX_SAFE_INTEGER);
          let count = 0;
          const it = table.iterator();
          for (it.seekToFirst(); it.valid(); it.next()) count++;
          it.close();
          table.unref();
          parentPort.postMessage({ key: Buffer.from(got.key).toString('hex'), count });
        })().catch((err) => parentPort.postMessage({ error: String(err) }));
      `;
      const worker = new Worker(script, {
        eval: true,
        workerData: { built, builtFs, file, userKey: [...userKeyOf(probe.key)] },
      });
      const reply = await new Promise<{ key?: string; count?: number; error?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      expect(reply.error).toBeUndefined();
      expect(reply.count).toBe(entries.length);
      const newest = entries.find((e) => hex(userKeyOf(e.key)) === hex(userKeyOf(probe.key)))!;
      expect(reply.key).toBe(hex(newest.key));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('table format', () => {
  it('writes exactly the bytes of the worked example in docs/format.md §SST (worked example)', () => {
    const te = new TextEncoder();
    const b = new TableBuilder(options({ blockSize: 4096 }));
    b.add(encodeInternalKey(te.encode('ab'), 7), encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: te.encode('x') }));
    b.add(encodeInternalKey(te.encode('abc'), 5), encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: te.encode('y') }));
    const expected =
      '73657474 2e737374 0001' + // header
      '000a04 6162000000000000 0007 00000078 020904 63000000 0000000005 00000079 00000000 00000001' + // data block
      '00 00000029 a058fb5c' + // trailer
      '000b02 616263 0000000000000005 0a29 00000000 00000001 00 00000018 c80a5f9a' + // index
      '021002903002 10c507 00 00000009 71bcd7de' + // filter
      '0a 6162 0000000000000007 0b 616263 0000000000000005 02 07 00 00 00 0000001b 6e2c3c85' + // properties
      '000000000000003c 00000018 000000000000005d 00000009 000000000000006f 0000001b 0001 a4c482a8 73657474 2e737374'; // footer
    expect(hex(b.finish())).toBe(expected.replace(/ /g, ''));
  });

  it('round-trips the properties block', () => {
    const keyArb = fc.uint8Array({ minLength: 8, maxLength: 30 });
    fc.assert(
      fc.property(
        keyArb,
        keyArb,
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.maxSafeNat(),
        fc.constantFrom<CompressionName>('none', 'snappy', 'zstd'),
        fc.array(fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.maxSafeNat()), { maxLength: 10 }),
        fc.oneof(fc.constant(0), fc.maxSafeNat()),
        (a, b, count, maxVersion, compression, vlog, maxWalId) => {
          const [smallest, largest] = compareInternalKeys(a, b) <= 0 ? [a, b] : [b, a];
          const p = { smallest, largest, count, maxVersion, compression, vlogBytes: new Map(vlog), maxWalId };
          const decoded = decodeProperties(encodeProperties(p), 'f', 0);
          expect(decoded).toEqual(p);
        },
      ),
    );
  });

  it('round-trips the footer and rejects any single flipped bit in it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.nat({ max: 399 }), (dataBytes, indexSize, filterSize, propsSize, bit) => {
        const index = { offset: HEADER_BYTES + dataBytes, size: indexSize };
        const filter = { offset: index.offset + indexSize + 9, size: filterSize };
        const properties = { offset: filter.offset + filterSize + 9, size: propsSize };
        const fileSize = properties.offset + propsSize + 9 + FOOTER_BYTES;
        const footer = new Uint8Array(FOOTER_BYTES);
        encodeFooter(footer, 0, { index, filter, properties, formatVersion: 1 });
        const header = Uint8Array.of(0x73, 0x65, 0x74, 0x74, 0x2e, 0x73, 0x73, 0x74, 0, 1);
        expect(decodeFooter('f', fileSize, header, footer)).toEqual({ index, filter, properties, formatVersion: 1, header: { headerBytes: HEADER_BYTES, keyId: 0, iv: undefined } });
        footer[bit >> 3] = footer[bit >> 3]! ^ (1 << (bit & 7));
        let threw: unknown;
        try {
          decodeFooter('f', fileSize, header, footer);
        } catch (err) {
          threw = err;
        }
        expect(isSettError(threw, 'CORRUPTION')).toBe(true);
      }),
    );
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
