// A level below L0 is iterated as one source (ConcatIterator): it must answer as one sorted run
// of every table's entries, whatever the table boundaries (issue 14: a DB iterator that opened and
// seeked every table cost O(tables) block reads per seek at 10M entries).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { ConcatIterator, Table, TableBuilder, writeTable } from '../../src/sstable/index.js';
import { checkFullScans, checkIteratorAgainstModel, randomEntries, type ModelEntry } from './table-model.js';

const DIR = '/level';

async function level(fs: FaultFS, entries: readonly ModelEntry[], cuts: readonly number[]): Promise<Table[]> {
  const bounds = [...new Set(cuts.map((c) => c % entries.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const starts = [0, ...bounds];
  const tables: Table[] = [];
  for (let i = 0; i < starts.length; i++) {
    const chunk = entries.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : entries.length);
    const builder = new TableBuilder({ blockSize: 128, bloomFalsePositive: 0.01, compression: 'none', zstdLevel: 1 });
    for (const e of chunk) builder.add(e.key, e.value);
    const path = `${DIR}/${String(tables.length + 1).padStart(6, '0')}.sst`;
    await writeTable(fs, path, builder);
    tables.push(Table.open(fs, path, tables.length + 1, {}));
  }
  return tables;
}

describe('ConcatIterator', () => {
  it('answers seeks, steps both ways and scans as one sorted run of all the tables (property, model)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 600 }), fc.array(fc.nat(), { maxLength: 12 }), async (seed, count, cuts) => {
        const fs = new FaultFS();
        fs.mkdir(DIR);
        const entries = randomEntries(new Rng(seed), count);
        const tables = await level(fs, entries, cuts);
        const it = new ConcatIterator(tables);
        checkFullScans(it, entries);
        checkIteratorAgainstModel(it, entries, new Rng(seed + 1), 300);
        it.close();
        for (const t of tables) t.unref();
      }),
      { numRuns: 40 },
    );
  });

  it('an empty level is an iterator that is never valid', () => {
    const it = new ConcatIterator([]);
    it.seekToFirst();
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(it.valid()).toBe(false);
    it.next();
    it.prev();
    expect(it.valid()).toBe(false);
    it.close();
  });
});
