// A table is written in pieces while it is built (TableBuilder.drain / TableWriter), so building
// one costs a bounded buffer: regression for flushes and L0->L0 compactions that held whole
// tables (hundreds of MiB) in their worker at 10M entries (issue 14).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, encodeInternalKey } from '../../src/base/index.js';
import { FaultFS, readAll } from '../../src/fs/index.js';
import { dataKeySource, type DataKey } from '../../src/crypto/index.js';
import {
  TABLE_WRITE_CHUNK_BYTES,
  Table,
  TableBuilder,
  TableWriter,
  ensureCompressionReady,
  writeTable,
  type CompressionName,
  type TableBuilderOptions,
} from '../../src/sstable/index.js';
import { checkFullScans, checkGets, randomEntries, type ModelEntry } from './table-model.js';

const DIR = '/db';

function options(compression: CompressionName, extra: Partial<TableBuilderOptions> = {}): TableBuilderOptions {
  return { blockSize: 256, bloomFalsePositive: 0.01, compression, zstdLevel: 1, ...extra };
}

function newFs(): FaultFS {
  const fs = new FaultFS();
  fs.mkdir(DIR);
  return fs;
}

/** Builds `entries`, draining after the entries whose indexes are in `drainAfter`; returns the file. */
function buildDrained(entries: readonly ModelEntry[], opts: TableBuilderOptions, drainAfter: ReadonlySet<number>): Uint8Array {
  const builder = new TableBuilder(opts);
  const pieces: Uint8Array[] = [];
  entries.forEach((e, i) => {
    builder.add(e.key, e.value);
    if (drainAfter.has(i)) builder.drain((bytes) => pieces.push(Uint8Array.from(bytes)));
  });
  pieces.push(Uint8Array.from(builder.finish()));
  return Buffer.concat(pieces);
}

function bigEntries(count: number, valueBytes: number): ModelEntry[] {
  const rng = new Rng(77);
  const entries: ModelEntry[] = [];
  for (let i = 0; i < count; i++) {
    const key = encodeInternalKey(Buffer.from(`key-${String(i).padStart(8, '0')}`), 5);
    const value = new Uint8Array(valueBytes + 3);
    value.set(rng.bytes(valueBytes), 3); // a value struct: meta, user meta, expiry varint 0, bytes
    entries.push({ key, value });
  }
  return entries;
}

describe('tables written while they are built', () => {
  it('drained in pieces at any points, the file is byte for byte the one built whole (property)', async () => {
    await ensureCompressionReady();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom<CompressionName>('none', 'snappy', 'zstd'), fc.array(fc.nat(400), { maxLength: 12 }), (seed, compression, drains) => {
        const entries = randomEntries(new Rng(seed), 400);
        const opts = options(compression);
        const whole = buildDrained(entries, opts, new Set());
        const drained = buildDrained(entries, opts, new Set(drains));
        expect(Buffer.compare(drained, whole)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('an encrypted table drained in pieces reads back as the model (each block encrypted at its own file position)', async () => {
    const fs = newFs();
    const entries = randomEntries(new Rng(9), 800);
    const key: DataKey = { id: 3, key: new Uint8Array(32).fill(7) };
    const bytes = buildDrained(entries, options('snappy', { encryption: key }), new Set([10, 11, 200, 513]));
    fs.writeFileDirect(`${DIR}/000001.sst`, bytes);
    const table = Table.open(fs, `${DIR}/000001.sst`, 1, { keys: dataKeySource([key]) });
    checkGets(table, entries, new Rng(10), 300);
    const it = table.iterator();
    checkFullScans(it, entries);
    it.close();
    table.unref();
  });

  it('a builder after a released one (its output buffer reused, stale bytes and all) builds byte for byte the table a fresh one does (property)', async () => {
    await ensureCompressionReady();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom<CompressionName>('none', 'snappy', 'zstd'), fc.boolean(), (seedA, seedB, compression, encrypted) => {
        const opts = options(compression, encrypted ? { encryption: { id: 7, key: new Uint8Array(32).fill(3) } } : {});
        const b = randomEntries(new Rng(seedB), 300);
        const fresh = buildDrained(b, opts, new Set());
        // A larger table first, so the reused buffer holds its bytes where b's table goes.
        const first = new TableBuilder(opts);
        for (const e of randomEntries(new Rng(seedA), 900)) first.add(e.key, e.value);
        first.finish();
        first.release();
        expect(() => first.add(b[0]!.key, b[0]!.value)).toThrow(/after finish or release/);
        const reused = buildDrained(b, opts, new Set());
        if (!encrypted) {
          expect(Buffer.compare(reused, fresh)).toBe(0);
          return;
        }
        // A fresh random IV per table: the same layout, other bytes; it must read back.
        expect(reused.length).toBe(fresh.length);
        const fs = newFs();
        fs.writeFileDirect(`${DIR}/000001.sst`, reused);
        const table = Table.open(fs, `${DIR}/000001.sst`, 1, { keys: dataKeySource([{ id: 7, key: new Uint8Array(32).fill(3) }]) });
        checkGets(table, b, new Rng(seedB), 100);
        table.unref();
      }),
      { numRuns: 40 },
    );
  });

  it('TableWriter releases its builder once the table is written, and the next table of the thread reads back', async () => {
    const fs = newFs();
    const entries = bigEntries(3_000, 200);
    for (const name of ['a.sst', 'b.sst']) {
      const writer = new TableWriter(fs, `${DIR}/${name}`, new TableBuilder(options('snappy', { blockSize: 4096 })));
      for (const e of entries) writer.add(e.key, e.value);
      await writer.finish();
      expect(() => writer.builder.add(entries[0]!.key, entries[0]!.value)).toThrow(/after finish or release/);
      const table = Table.open(fs, `${DIR}/${name}`, 1, {});
      checkGets(table, entries, new Rng(12), 300);
      table.unref();
    }
  });

  it('TableWriter writes a table several times TABLE_WRITE_CHUNK_BYTES in pieces, holding at most one piece, and the file reads back', async () => {
    const fs = newFs();
    const entries = bigEntries(Math.ceil((2.5 * TABLE_WRITE_CHUNK_BYTES) / 1000), 1000);
    const writer = new TableWriter(fs, `${DIR}/000002.sst`, new TableBuilder(options('none', { blockSize: 4096 })));
    let maxBuffered = 0;
    let filed = 0;
    entries.forEach((e, i) => {
      writer.add(e.key, e.value);
      maxBuffered = Math.max(maxBuffered, writer.builder.bufferedBytes);
      if (i % 1000 === 999 && fs.exists(writer.path)) filed = Math.max(filed, readAll(fs, writer.path).length);
    });
    expect(filed).toBeGreaterThanOrEqual(2 * TABLE_WRITE_CHUNK_BYTES); // written before finish()
    expect(maxBuffered).toBeLessThan(TABLE_WRITE_CHUNK_BYTES + 64 * 1024);
    const props = await writer.finish();
    expect(readAll(fs, writer.path).length).toBe(props.fileBytes);
    const undrained = new TableBuilder(options('none', { blockSize: 4096 }));
    for (const e of entries) undrained.add(e.key, e.value);
    // Regression: past TABLE_WRITE_CHUNK_BYTES an undrained buffer grew by each block's need, a
    // copy of the whole table per block (74% of a 20 MB table's build). Doubling: 64 KiB to 16 MiB.
    expect(undrained.outGrowths).toBeLessThanOrEqual(9);
    const whole = await writeTable(fs, `${DIR}/000003.sst`, undrained);
    expect(whole.fileBytes).toBe(props.fileBytes);
    expect(Buffer.compare(readAll(fs, `${DIR}/000002.sst`), readAll(fs, `${DIR}/000003.sst`))).toBe(0);
    const table = Table.open(fs, writer.path, 2, {});
    checkGets(table, entries, new Rng(11), 300);
    table.unref();
  });

  it('abort() removes a partly written table, and a finished one is left alone', async () => {
    const fs = newFs();
    const entries = bigEntries(Math.ceil((1.5 * TABLE_WRITE_CHUNK_BYTES) / 1000), 1000);
    const writer = new TableWriter(fs, `${DIR}/000004.sst`, new TableBuilder(options('none', { blockSize: 4096 })));
    for (const e of entries) writer.add(e.key, e.value);
    expect(fs.exists(writer.path)).toBe(true);
    writer.abort();
    expect(fs.exists(writer.path)).toBe(false);

    const done = new TableWriter(fs, `${DIR}/000005.sst`, new TableBuilder(options('none')));
    done.add(entries[0]!.key, entries[0]!.value);
    await done.finish();
    done.abort();
    expect(fs.exists(done.path)).toBe(true);
  });
});
