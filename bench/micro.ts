// `npm run bench:micro`: micro benchmarks of sett's building blocks (skiplist, WAL, SSTable,
// bloom filter), with the two per-operation targets of the SPEC checked. `--quick` runs a small
// version (a smoke test: its figures are not the targets' conditions). `--json out.json` writes
// the results. A missed target is reported, never an exit code: machines differ.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  MAX_VERSION,
  Rng,
  encodeInternalKey,
  encodeValueStruct,
  type Entry,
  type InternalKey,
} from '../src/base/index.js';
import { nodeFS } from '../src/fs/index.js';
import { DEFAULT_SKIPLIST_SEED, SkipList } from '../src/memtable/index.js';
import {
  BlockCache,
  BloomFilter,
  DEFAULT_TABLE_BUILDER_OPTIONS,
  Table,
  TableBuilder,
  hashKey,
  writeTable,
  type Block,
} from '../src/sstable/index.js';
import { WalWriter } from '../src/wal/index.js';
import { parseArgs } from './lib/args.js';
import { DEFAULT_SEED, KEY_BYTES, VALUE_BYTES, makeKeys, makeValues, range, shuffledRange } from './lib/data.js';
import { measure, type Measurement } from './lib/tiny.js';
import { printTable } from './lib/table.js';
import { makeTempDir, removeDir } from './lib/tmp.js';

interface Sizes {
  skiplistEntries: number;
  skiplistOps: number;
  walOps: number;
  walBatchOps: number;
  tableEntries: number;
  tableBuilds: number;
  tableGets: number;
  bloomOps: number;
  warmup: number;
}

const FULL: Sizes = {
  skiplistEntries: 1_000_000,
  skiplistOps: 200_000,
  walOps: 200_000,
  walBatchOps: 5_000,
  tableEntries: 100_000,
  tableBuilds: 10,
  tableGets: 200_000,
  bloomOps: 500_000,
  warmup: 20_000,
};

const QUICK: Sizes = {
  skiplistEntries: 20_000,
  skiplistOps: 5_000,
  walOps: 5_000,
  walBatchOps: 200,
  tableEntries: 10_000,
  tableBuilds: 3,
  tableGets: 5_000,
  bloomOps: 5_000,
  warmup: 500,
};

interface Target {
  maxNs: number;
  label: string;
}

interface Row {
  m: Measurement;
  unit: string;
  target?: Target;
  note?: string;
}

const WAL_BATCH_ENTRIES = 100;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['--quick', '--json']);
  const sizes = args.quick ? QUICK : FULL;
  console.log(`sett micro benchmarks${args.quick ? ' (--quick: small sizes, a smoke test)' : ''}`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, seed ${DEFAULT_SEED}`);
  console.log(`keys ${KEY_BYTES} B (decimal), values ${VALUE_BYTES} B (half random, half repeated)`);

  const rows: Row[] = [];
  rows.push(...benchSkipList(sizes));
  rows.push(...benchWal(sizes));
  rows.push(...(await benchTables(sizes)));
  rows.push(...benchBloom(sizes));

  printTable(
    'Results (mean and p99 per operation; warm-up excluded; timer overhead subtracted)',
    ['benchmark', 'op', 'mean ns/op', 'p99 ns/op', 'ops/s', 'target', 'check'],
    rows.map((r) => [
      r.m.name,
      r.unit,
      r.m.meanNs,
      r.m.p99Ns,
      r.m.opsPerSec,
      r.target?.label ?? '',
      r.target === undefined ? '' : r.m.meanNs <= r.target.maxNs ? 'PASS' : 'MISS',
    ]),
  );
  for (const r of rows) if (r.note !== undefined) console.log(`  ${r.m.name}: ${r.note}`);
  if (args.quick) console.log('\n(--quick sizes: the targets are defined at the full sizes, so PASS/MISS here is indicative only)');

  if (args.json !== undefined) {
    const out = {
      quick: args.quick,
      node: process.version,
      cpu: cpus()[0]?.model,
      seed: DEFAULT_SEED,
      sizes,
      results: rows.map((r) => ({
        name: r.m.name,
        unit: r.unit,
        meanNs: r.m.meanNs,
        p99Ns: r.m.p99Ns,
        opsPerSec: r.m.opsPerSec,
        calls: r.m.calls,
        opsPerCall: r.m.opsPerCall,
        target: r.target === undefined ? undefined : { maxNs: r.target.maxNs, pass: r.m.meanNs <= r.target.maxNs },
      })),
    };
    writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
    console.log(`\nwrote ${args.json}`);
  }
}

/** Fills a skiplist with `skiplistEntries` keys in random order, then measures gets and inserts of fresh keys. */
function benchSkipList(s: Sizes): Row[] {
  const rng = new Rng(DEFAULT_SEED);
  // Slack beyond the calls asked for, in case the harness makes a few more.
  const insertCount = Math.ceil((s.skiplistOps + s.warmup) * 1.1);
  // Existing keys are the even numbers, fresh ones the odd: fresh keys land all over the list.
  const fillNumbers = shuffledRange(s.skiplistEntries, rng).map((n) => 2 * n);
  const freshNumbers = shuffledRange(insertCount, rng).map((n) => 2 * n + 1);
  const fillKeys = makeKeys(fillNumbers);
  const freshKeys = makeKeys(freshNumbers);
  const getKeys = makeKeys(Array.from(shuffledRange(s.skiplistEntries, rng).subarray(0, insertCount), (i) => fillNumbers[i]!));
  const values = makeValues(1024, rng).map((v) => encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: v }));

  const probe = SkipList.create(1 << 20);
  const capacity = (s.skiplistEntries + insertCount) * probe.spaceNeeded(KEY_BYTES, values[0]!.length) + (1 << 20);
  const list = SkipList.create(capacity, DEFAULT_SKIPLIST_SEED);
  let version = 0;
  for (let i = 0; i < fillKeys.length; i++) {
    if (!list.put(fillKeys[i]!, ++version, values[i & 1023]!)) throw new Error('skiplist arena full during fill');
  }
  const filled = list.count;

  let g = 0;
  let found = 0;
  const get = measure(
    `skiplist get @${shortCount(filled)}`,
    () => {
      if (list.get(getKeys[g++ % getKeys.length]!, MAX_VERSION) !== undefined) found++;
    },
    { iterations: s.skiplistOps, warmupIterations: s.warmup },
  );
  if (found !== g) throw new Error(`skiplist get found ${found} of ${g} existing keys`);

  let k = 0;
  const insert = measure(
    `skiplist insert @${shortCount(filled)}`,
    () => {
      const key = freshKeys[k];
      if (key === undefined) throw new Error(`skiplist insert: ran out of ${freshKeys.length} fresh keys`);
      if (!list.put(key, ++version, values[k & 1023]!)) throw new Error('skiplist arena full');
      k++;
    },
    { iterations: s.skiplistOps, warmupIterations: s.warmup },
  );
  const grown = list.count;
  return [
    { m: get, unit: 'get', note: `random existing keys in a list of ${filled.toLocaleString('en-US')}` },
    {
      m: insert,
      unit: 'insert',
      target: { maxNs: 1500, label: '<= 1.5 us' },
      note: `fresh random keys, list grew from ${filled.toLocaleString('en-US')} to ${grown.toLocaleString('en-US')} entries; 103 B value structs`,
    },
  ];
}

function benchWal(s: Sizes): Row[] {
  const rng = new Rng(DEFAULT_SEED + 1);
  const values = makeValues(1024, rng);
  const keys = makeKeys(range(1024));
  const entryAt = (i: number, version: number): Entry => ({
    key: keys[i & 1023]!,
    version,
    meta: 0,
    userMeta: 0,
    expiresAt: 0,
    value: values[i & 1023]!,
  });
  const dir = makeTempDir('wal');
  try {
    const single = WalWriter.create(nodeFS, join(dir, '000001.wal'));
    const singleBatches = Array.from({ length: 1024 }, (_, i) => [entryAt(i, i + 1)]);
    let i = 0;
    const one = measure(
      'wal append (1-entry batch)',
      () => {
        single.append(singleBatches[i++ & 1023]!);
      },
      { iterations: s.walOps, warmupIterations: s.warmup },
    );
    single.close();

    const multi = WalWriter.create(nodeFS, join(dir, '000002.wal'));
    const batches = Array.from({ length: 16 }, (_, b) =>
      Array.from({ length: WAL_BATCH_ENTRIES }, (_, j) => entryAt(b * WAL_BATCH_ENTRIES + j, b * WAL_BATCH_ENTRIES + j + 1)),
    );
    let b = 0;
    const hundred = measure(
      `wal append (${WAL_BATCH_ENTRIES}-entry batch)`,
      () => {
        multi.append(batches[b++ & 15]!);
      },
      { iterations: s.walBatchOps, warmupIterations: Math.ceil(s.warmup / WAL_BATCH_ENTRIES) },
    );
    multi.close();
    return [
      { m: one, unit: 'append', note: 'NodeFS, no fsync (the default syncWrites: false)' },
      {
        m: hundred,
        unit: 'append',
        note: `${(hundred.meanNs / WAL_BATCH_ENTRIES).toFixed(0)} ns per entry, ${((hundred.opsPerSec * WAL_BATCH_ENTRIES) / 1e6).toFixed(2)} M entries/s`,
      },
    ];
  } finally {
    removeDir(dir);
  }
}

async function benchTables(s: Sizes): Promise<Row[]> {
  const rng = new Rng(DEFAULT_SEED + 2);
  const userKeys = makeKeys(range(s.tableEntries));
  const internalKeys: InternalKey[] = userKeys.map((k) => encodeInternalKey(k, 1));
  const values = makeValues(s.tableEntries, rng).map((v) => encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: v }));
  const options = { ...DEFAULT_TABLE_BUILDER_OPTIONS, compression: 'snappy' as const };
  const fill = (builder: TableBuilder): TableBuilder => {
    for (let i = 0; i < internalKeys.length; i++) builder.add(internalKeys[i]!, values[i]!);
    return builder;
  };

  let fileBytes = 0;
  const build = measure(
    `sst build (${shortCount(s.tableEntries)} entries, snappy)`,
    () => {
      fileBytes = fill(new TableBuilder(options)).finish().length;
    },
    { iterations: s.tableBuilds, warmupIterations: 2, opsPerCall: s.tableEntries },
  );

  const dir = makeTempDir('sst');
  const tables: Table[] = [];
  try {
    const path = join(dir, '000001.sst');
    await writeTable(nodeFS, path, fill(new TableBuilder(options)));
    const cached = Table.open(nodeFS, path, 1, { cache: new BlockCache<Block>(256 << 20) });
    const uncached = Table.open(nodeFS, path, 2, { cache: new BlockCache<Block>(0) });
    tables.push(cached, uncached);
    for (const key of userKeys) if (cached.get(key, MAX_VERSION) === undefined) throw new Error('sst warm-up: key missing');
    const order = shuffledRange(s.tableEntries, rng);
    const pick = (i: number): Buffer => userKeys[order[i % order.length]!]!;

    let i = 0;
    let misses = 0;
    const cachedGet = measure(
      'sst get (cached block)',
      () => {
        if (cached.get(pick(i++), MAX_VERSION) === undefined) misses++;
      },
      { iterations: s.tableGets, warmupIterations: s.warmup },
    );
    const uncachedGet = measure(
      'sst get (uncached block)',
      () => {
        if (uncached.get(pick(i++), MAX_VERSION) === undefined) misses++;
      },
      { iterations: Math.ceil(s.tableGets / 4), warmupIterations: Math.ceil(s.warmup / 4) },
    );
    if (misses !== 0) throw new Error(`sst get missed ${misses} existing keys`);
    const blocks = cached.index.length;
    return [
      { m: build, unit: 'entry', note: `TableBuilder.add + finish, in memory (no write); ${(fileBytes / 1e6).toFixed(1)} MB table of ${blocks} blocks` },
      { m: cachedGet, unit: 'get', target: { maxNs: 1000, label: '<= 1 us' }, note: 'random existing keys, every block in the block cache' },
      {
        m: uncachedGet,
        unit: 'get',
        note: 'block cache of capacity 0: pread (OS page cache) + CRC + snappy + block decode per get',
      },
    ];
  } finally {
    for (const t of tables) t.close();
    removeDir(dir);
  }
}

function benchBloom(s: Sizes): Row[] {
  const entries = s.tableEntries;
  const present = makeKeys(range(entries));
  const absent = makeKeys(Array.from(range(entries), (n) => n + entries));
  const filter = BloomFilter.forKeys(Uint32Array.from(present, (k) => hashKey(k)), 0.01);
  // Half present, half absent keys, interleaved.
  const probeKeys = Array.from({ length: entries }, (_, i) => (i & 1 ? absent[i]! : present[i]!));
  const probeHashes = Uint32Array.from(probeKeys, (k) => hashKey(k));
  let i = 0;
  let yes = 0;
  const mayContain = measure(
    'bloom mayContain',
    () => {
      if (filter.mayContain(probeHashes[i++ % entries]!)) yes++;
    },
    { iterations: s.bloomOps, warmupIterations: s.warmup },
  );
  const withHash = measure(
    'bloom hashKey + mayContain',
    () => {
      if (filter.mayContain(hashKey(probeKeys[i++ % entries]!))) yes++;
    },
    { iterations: s.bloomOps, warmupIterations: s.warmup },
  );
  const falsePositives = absent.reduce((n, k) => n + (filter.mayContain(hashKey(k)) ? 1 : 0), 0);
  return [
    { m: mayContain, unit: 'probe', note: `hash precomputed; ${shortCount(entries)} keys at 1% fp, measured fp ${((100 * falsePositives) / entries).toFixed(2)}%, half the probes absent` },
    { m: withHash, unit: 'probe', note: `includes hashing the ${KEY_BYTES} B key (as Table.get does)` },
  ];
}

function shortCount(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return n.toLocaleString('en-US');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
