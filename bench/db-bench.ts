// `npm run bench`: LevelDB's db_bench workloads, run on sett and on LevelDB (classic-level) side by
// side in one process, on the same keys and values in the same order, each engine in a fresh temp
// directory. Per workload sett runs first, then LevelDB, so machine noise falls on both.
//
//   --n 250000       entries (default 1,000,000); --quick = 50,000
//   --rounds 3       run every workload 3 times (alternating engines each time) and report the
//                    median; fills start from a fresh database every round
//   --json out.json  also write the results as JSON
//
// Keys are 16 B ("%016d"), values 100 B and half compressible (db_bench's defaults). Both engines
// use their default options: snappy, writes not fsynced. Differences from db_bench, on purpose:
// fillrandom writes a permutation of the keys (every key once) so readrandom always hits, and the
// reads run on the database fillrandom left, not on a compacted one.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng } from '../src/base/index.js';
import type { DBStats } from '../src/db/index.js';
import { parseArgs } from './lib/args.js';
import { DEFAULT_SEED, KEY_BYTES, VALUE_BYTES, makeKeys, makeValues, range, shuffledRange } from './lib/data.js';
import { LevelEngine, SettEngine, type Engine, type EngineName } from './lib/engines.js';
import { formatBytes, formatRatio, printTable } from './lib/table.js';
import { nowMs, opsPerSec } from './lib/timing.js';
import { dirBytes, makeTempDir, removeDir } from './lib/tmp.js';

const DEFAULT_ENTRIES = 1_000_000;
const QUICK_ENTRIES = 50_000;
const BATCH_SIZE = 1000;
const PUTS_IN_FLIGHT = 1000;
const WARMUP_ENTRIES_MAX = 50_000;
const SYNC_READ_CHUNK = 10_000;

interface Data {
  n: number;
  keys: Buffer[];
  values: Buffer[];
  sequential: Uint32Array;
  fillOrder: Uint32Array;
  readOrder: Uint32Array;
}

interface Sample {
  ms: number;
  problem?: string;
}

interface Result {
  workload: string;
  ops: number;
  /** Median over the rounds. */
  ms: Record<EngineName, number>;
  samplesMs: Record<EngineName, number[]>;
  opsPerSec: Record<EngineName, number>;
  /** sett ops/s over LevelDB ops/s. */
  ratio: number;
  /** Minimum ratio the SPEC asks for, if any. */
  targetRatio: number | undefined;
  /** Set when an engine returned the wrong number of entries: its figure is not comparable. */
  problem: string | undefined;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['--quick', '--n', '--rounds', '--json']);
  const n = args.n ?? (args.quick ? QUICK_ENTRIES : DEFAULT_ENTRIES);
  const rounds = args.rounds ?? 1;
  const rng = new Rng(DEFAULT_SEED);
  console.log(`sett vs LevelDB (classic-level), db_bench workloads over ${n.toLocaleString('en-US')} entries, ${rounds} round(s)`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, seed ${DEFAULT_SEED}`);
  console.log(`keys ${KEY_BYTES} B, values ${VALUE_BYTES} B (half compressible); snappy and unsynced writes on both`);

  const data: Data = {
    n,
    keys: makeKeys(range(n)),
    values: makeValues(n, rng),
    sequential: range(n),
    fillOrder: shuffledRange(n, rng),
    readOrder: shuffledRange(n, rng),
  };
  const sett = new SettEngine();
  const level = new LevelEngine();
  const engines: Engine[] = [sett, level];
  const dirs: string[] = [];
  const readDirs = {} as Record<EngineName, string>;
  const results: Result[] = [];

  /** Runs `one` for each engine in turn, `rounds` times, and records the medians. */
  const alternate = async (
    workload: string,
    targetRatio: number | undefined,
    one: (e: Engine, lastRound: boolean) => Promise<Sample>,
  ): Promise<void> => {
    const samples = { sett: [] as number[], LevelDB: [] as number[] };
    const problems: string[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const e of engines) {
        const s = await one(e, r === rounds - 1);
        samples[e.name].push(s.ms);
        if (s.problem !== undefined) problems.push(s.problem);
      }
    }
    const ms = { sett: median(samples.sett), LevelDB: median(samples.LevelDB) };
    const rates = { sett: opsPerSec(n, ms.sett), LevelDB: opsPerSec(n, ms.LevelDB) };
    const problem = problems.length === 0 ? undefined : [...new Set(problems)].join('; ');
    results.push({ workload, ops: n, ms, samplesMs: samples, opsPerSec: rates, ratio: rates.sett / rates.LevelDB, targetRatio, problem });
    const shown = engines.map((e) => `${e.name} ${seconds(samples[e.name])}`).join(', ');
    console.log(`  ${workload.padEnd(38)} ${shown}${problem === undefined ? '' : `  !! ${problem}`}`);
  };

  /** A fill into a new, empty database; closed and removed afterwards unless `keepOpen` (last round). */
  const fill = (order: Uint32Array, mode: 'batch' | 'put', keepOpen: boolean) => async (e: Engine, lastRound: boolean): Promise<Sample> => {
    const dir = makeTempDir(e.name);
    dirs.push(dir);
    await e.open(dir);
    const start = nowMs();
    if (mode === 'batch') await e.fillBatches(data.keys, data.values, order, BATCH_SIZE);
    else await e.fillConcurrent(data.keys, data.values, order, PUTS_IN_FLIGHT);
    const ms = nowMs() - start; // to the last write acknowledged; background flushes go on untimed
    if (keepOpen && lastRound) {
      readDirs[e.name] = dir;
    } else {
      await e.close();
      removeDir(dir);
    }
    return { ms };
  };

  const read = (run: (e: Engine) => Promise<number>) => async (e: Engine): Promise<Sample> => {
    const start = nowMs();
    const found = await run(e);
    const ms = nowMs() - start;
    return found === n ? { ms } : { ms, problem: `${e.name} found ${found} of ${n} keys` };
  };

  const scan = (reverse: boolean) => async (e: Engine): Promise<Sample> => {
    const expectedBytes = n * (KEY_BYTES + VALUE_BYTES);
    const start = nowMs();
    const seen = await e.scan(reverse);
    const ms = nowMs() - start;
    if (seen.entries === n && seen.bytes === expectedBytes) return { ms };
    return { ms, problem: `${e.name} saw ${seen.entries} entries / ${seen.bytes} bytes, expected ${n} / ${expectedBytes}` };
  };

  try {
    await warmUp(engines, data, dirs);
    console.log('\nrunning (sett first, then LevelDB, per workload; seconds per round):');
    if (rounds === 1) console.log('  (one round: on a small shared machine runs differ by tens of percent; --rounds 3 reports medians)');

    await alternate('fillseq (batches of 1000)', 1.0, fill(data.sequential, 'batch', false));
    await alternate('fillseq (single puts, 1000 in flight)', 1.0, fill(data.sequential, 'put', false));
    // The last round of fillrandom leaves both databases open: the reads below run on them.
    await alternate('fillrandom (batches of 1000)', 1.0, fill(data.fillOrder, 'batch', true));

    // Reads start with no background work left on either engine, so neither reads while the
    // other compacts on the same two cores.
    const settled: string[] = [];
    for (const e of engines) {
      const start = nowMs();
      await e.settle();
      settled.push(`${e.name} ${(nowMs() - start).toFixed(0)} ms`);
    }
    console.log(`  (background work settled before the reads, untimed: ${settled.join(', ')})`);

    await alternate('readrandom (getSync)', 1.0, read((e) => readSyncChunked(e, data)));
    await alternate('readrandom (await get)', undefined, read((e) => e.readAsync(data.keys, data.readOrder)));
    await alternate('readseq', 1.0, scan(false));
    await alternate('readreverse', undefined, scan(true));

    printTable(
      `Results (${n.toLocaleString('en-US')} entries; ops/s, higher is better; warm-up excluded${rounds > 1 ? `; median of ${rounds} rounds` : ''})`,
      ['workload', 'sett ops/s', 'LevelDB ops/s', 'sett/LevelDB', 'target', 'check'],
      results.map((r) => [
        r.workload,
        r.opsPerSec.sett,
        r.opsPerSec.LevelDB,
        formatRatio(r.ratio),
        r.targetRatio === undefined ? '' : `>= ${r.targetRatio.toFixed(1)}x`,
        r.problem !== undefined ? 'INVALID' : r.targetRatio === undefined ? '' : r.ratio >= r.targetRatio ? 'PASS' : 'MISS',
      ]),
    );
    for (const r of results) if (r.problem !== undefined) console.log(`  INVALID ${r.workload}: ${r.problem}`);

    const settStats = sett.stats();
    const levelStats = level.property('leveldb.stats');
    printSettStats(settStats);
    console.log('\nLevelDB (leveldb.stats) on the same data:');
    console.log(levelStats.trimEnd());

    // A failed close is reported, not fatal: the figures above stand, and the JSON still gets written.
    const closeProblems: string[] = [];
    for (const e of engines) {
      await e.close().catch((err: unknown) => {
        closeProblems.push(`${e.name} close failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    for (const p of closeProblems) console.log(`\n!! ${p}`);
    const diskBytes = { sett: dirBytes(readDirs.sett), LevelDB: dirBytes(readDirs.LevelDB) };
    console.log(`\non disk after close: sett ${formatBytes(diskBytes.sett)}, LevelDB ${formatBytes(diskBytes.LevelDB)}`);

    if (args.json !== undefined) {
      const out = {
        n,
        rounds,
        quick: args.quick,
        node: process.version,
        cpu: cpus()[0]?.model,
        seed: DEFAULT_SEED,
        results: results.map((r) => ({
          ...r,
          pass: r.targetRatio === undefined || r.problem !== undefined ? undefined : r.ratio >= r.targetRatio,
        })),
        settStats,
        leveldbStats: levelStats,
        diskBytes,
        closeProblems,
      };
      writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
      console.log(`wrote ${args.json}`);
    }
  } finally {
    for (const e of engines) await e.close().catch(() => undefined);
    for (const dir of dirs) removeDir(dir);
  }
}

/** Runs every workload once on a small throwaway database per engine, so the JIT and caches settle. */
async function warmUp(engines: readonly Engine[], data: Data, dirs: string[]): Promise<void> {
  const w = Math.min(WARMUP_ENTRIES_MAX, Math.ceil(data.n / 10));
  const half = Math.floor(w / 2);
  const first = data.sequential.subarray(0, half);
  const second = data.sequential.subarray(half, w);
  const start = nowMs();
  for (const e of engines) {
    const dir = makeTempDir(`${e.name}-warmup`);
    dirs.push(dir);
    await e.open(dir);
    await e.fillBatches(data.keys, data.values, first, BATCH_SIZE);
    await e.fillConcurrent(data.keys, data.values, second, PUTS_IN_FLIGHT);
    e.readSync(data.keys, data.sequential.subarray(0, w));
    await e.readAsync(data.keys, data.sequential.subarray(0, w));
    await e.scan(false);
    await e.scan(true);
    await e.close();
    removeDir(dir);
  }
  console.log(`warm-up: ${w.toLocaleString('en-US')} entries per engine on throwaway databases (${(nowMs() - start).toFixed(0)} ms, untimed)`);
}

/**
 * Sync gets in chunks, yielding to the event loop between them: one 10-second synchronous loop
 * would starve timers and I/O callbacks, which no real caller does.
 */
async function readSyncChunked(e: Engine, data: Data): Promise<number> {
  let found = 0;
  for (let at = 0; at < data.n; at += SYNC_READ_CHUNK) {
    found += e.readSync(data.keys, data.readOrder.subarray(at, Math.min(data.n, at + SYNC_READ_CHUNK)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return found;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function seconds(samples: readonly number[]): string {
  return samples.map((ms) => (ms / 1000).toFixed(2)).join('/') + ' s';
}

function printSettStats(s: DBStats): void {
  const c = s.counters;
  printTable(
    'sett db.stats() after the reads (the fillrandom database)',
    ['level', 'tables', 'bytes', 'entries'],
    s.levels.filter((l) => l.tables > 0 || l.level === 0).map((l) => [`L${l.level}`, l.tables, formatBytes(l.bytes), l.entries]),
  );
  console.log(
    `memtables: 1 active (${formatBytes(s.memtables.activeBytes)} of ${formatBytes(s.memtables.capacityBytes)}), ${s.memtables.immutable} immutable`,
  );
  console.log(
    `files: ${s.files.tables} tables (${formatBytes(s.files.tableBytes)}), ${s.files.wals} WALs (${formatBytes(s.files.walBytes)}), MANIFEST ${formatBytes(s.files.manifestBytes)}`,
  );
  console.log(
    `flushes ${c.flushes} (${formatBytes(c.flushBytes)}), memtable rotations ${c.memtableRotations}, write stalls ${c.writeStalls} (${c.writeStallMs.toFixed(0)} ms)`,
  );
  console.log(
    `group commits ${c.groups}, average group ${s.averageGroupSize.toFixed(1)} requests (max ${c.maxGroupSize}), write amplification ${s.writeAmplification.toFixed(2)}`,
  );
  const lookups = s.blockCache.hits + s.blockCache.misses;
  console.log(
    `block cache ${formatBytes(s.blockCache.bytes)} in ${s.blockCache.entries} blocks, hit rate ${lookups === 0 ? '-' : ((100 * s.blockCache.hits) / lookups).toFixed(1) + '%'}, bloom negatives ${c.bloomNegatives}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
