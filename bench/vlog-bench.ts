// `npm run bench:vlog`: large values, where sett's value log should pay off, beside LevelDB
// (classic-level) in one process. Keys 16 B ("%016d"), values 4 KiB (over sett's default
// valueThreshold of 1 KiB, so every value goes to the value log), half compressible as db_bench
// makes them; batches of 100; default options on both (snappy, writes not fsynced).
//
//   --n 100000       entries (default 200,000, about 800 MiB of values); --quick = 20,000
//   --only sett      one engine only
//   --json out.json  also write every figure as JSON
//
// One database per engine goes through every phase in turn (sett's whole run first, then
// LevelDB's), and each phase is followed by the engine's settle (sett: waitForBackgroundWork();
// LevelDB: until neither write(2) bytes nor leveldb.stats moved for 1 s, timed to the last move):
//   fill        fillrandom: every key once in random order        (target: sett >= 2.0x ops/s)
//   reads       readrandom over every key: getSync (chunks of 10,000 with an event-loop turn
//               between) and await get, on both engines
//   overwrite   every key rewritten with a new value, four times, each in a new random order
//   delete      half the keys deleted, in random order
//   compact     sett: flatten() then waitForBackgroundWork(); LevelDB: compactRange over all keys
//   gc50, gc30  sett only: runValueLogGC(0.5) until it resolves false, then runValueLogGC(0.3)
// Space: bytes of the database directory / live bytes (after the deletes N/2 x (16 + 4096));
// target <= 1.5x after GC. GC throughput: bytes of value-log files GC deleted, and value bytes it
// rewrote, per second of runValueLogGC calls. Write amplification: /proc/self/io wchar (bytes
// every thread of this process passed to write(2)) per phase, over the user bytes of that phase.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng } from '../src/base/index.js';
import { parseArgs } from './lib/args.js';
import { DEFAULT_SEED, KEY_BYTES, makeKeys, makeValues, range, shuffledRange } from './lib/data.js';
import { LevelEngine, SettEngine, type Engine, type EngineName } from './lib/engines.js';
import { readIo } from './lib/probes.js';
import { formatBytes, formatRatio, printTable, type Cell } from './lib/table.js';
import { nowMs, opsPerSec } from './lib/timing.js';
import { makeTempDir, removeDir } from './lib/tmp.js';
import type { VlogFile } from './lib/vlog-files.js';
import { BATCH_SIZE, GC_RATIOS, OVERWRITE_PASSES, runWorkloads, type EngineResult, type WorkloadData } from './lib/vlog-workload.js';

const DEFAULT_ENTRIES = 200_000;
const QUICK_ENTRIES = 20_000;
const VALUE_BYTES = 4096;
const ENTRY_BYTES = KEY_BYTES + VALUE_BYTES;
const WARMUP_ENTRIES_MAX = 5_000;
const FILL_TARGET_RATIO = 2.0;
const SPACE_TARGET_RATIO = 1.5;
const MiB = 1048576;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['--quick', '--n', '--json', '--only']);
  const n = args.n ?? (args.quick ? QUICK_ENTRIES : DEFAULT_ENTRIES);
  const rng = new Rng(DEFAULT_SEED);
  console.log(`sett vs LevelDB (classic-level), value-log workloads over ${n.toLocaleString('en-US')} entries`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, seed ${DEFAULT_SEED}`);
  console.log(`keys ${KEY_BYTES} B, values ${VALUE_BYTES} B (half compressible); ${formatBytes(n * ENTRY_BYTES)} per pass; batches of ${BATCH_SIZE}`);
  if (readIo() === undefined) console.log('!! /proc/self/io is not readable here: write amplification by write(2) bytes is not available');

  const keys = makeKeys(range(n));
  const fillValues = makeValues(n, rng, VALUE_BYTES);
  // Each pass gets the pool's pieces shifted by one more, so every key's value changes each pass.
  const passes = [fillValues];
  for (let p = 1; p <= OVERWRITE_PASSES; p++) passes.push([...fillValues.slice(p), ...fillValues.slice(0, p)]);
  const data: WorkloadData = {
    n,
    keys,
    passes,
    fillOrder: shuffledRange(n, rng),
    overwriteOrders: Array.from({ length: OVERWRITE_PASSES }, () => shuffledRange(n, rng)),
    readOrder: shuffledRange(n, rng),
    deleteOrder: shuffledRange(n, rng).subarray(0, Math.floor(n / 2)),
  };

  const all: Engine[] = [new SettEngine(), new LevelEngine()];
  const engines = all.filter((e) => args.only === undefined || e.name === args.only);
  const dirs: string[] = [];
  const results: EngineResult[] = [];
  try {
    await warmUp(engines, data, dirs);
    console.log('\nrunning (each engine through every phase on one database):');
    for (const e of engines) {
      const dir = makeTempDir(`vlog-${e.name}`);
      dirs.push(dir);
      results.push(await runWorkloads(e, dir, data, (line) => console.log(line)));
      removeDir(dir);
    }
    report(n, results);
    if (args.json !== undefined) {
      writeFileSync(args.json, JSON.stringify({ n, valueBytes: VALUE_BYTES, batchSize: BATCH_SIZE, node: process.version, cpu: cpus()[0]?.model, seed: DEFAULT_SEED, results }, null, 2) + '\n');
      console.log(`wrote ${args.json}`);
    }
  } finally {
    for (const e of engines) await e.close().catch(() => undefined);
    for (const dir of dirs) removeDir(dir);
  }
}

/** A small fill, overwrite and read per engine on a throwaway database, so the JIT settles. */
async function warmUp(engines: readonly Engine[], data: WorkloadData, dirs: string[]): Promise<void> {
  const w = Math.min(WARMUP_ENTRIES_MAX, Math.ceil(data.n / 10));
  const order = range(w);
  const start = nowMs();
  for (const e of engines) {
    const dir = makeTempDir(`${e.name}-warmup`);
    dirs.push(dir);
    await e.open(dir);
    await e.fillBatches(data.keys, data.passes[0]!, order, BATCH_SIZE);
    await e.fillBatches(data.keys, data.passes[1]!, order, BATCH_SIZE);
    e.readSync(data.keys, order);
    await e.readAsync(data.keys, order);
    await e.close();
    removeDir(dir);
  }
  console.log(`warm-up: ${w.toLocaleString('en-US')} entries twice per engine on throwaway databases (${(nowMs() - start).toFixed(0)} ms, untimed)`);
}

function report(n: number, results: readonly EngineResult[]): void {
  const of = (name: EngineName): EngineResult | undefined => results.find((r) => r.engine === name);
  const get = (name: EngineName, key: string): number => of(name)?.figures[key] ?? NaN;
  const sett = of('sett');
  const live = Math.floor(n / 2) * ENTRY_BYTES;
  const userOf: Record<string, number> = {
    fill: n * ENTRY_BYTES,
    overwrite: OVERWRITE_PASSES * n * ENTRY_BYTES,
    delete: Math.floor(n / 2) * KEY_BYTES,
  };

  const rows: Cell[][] = [];
  const rateRow = (label: string, ops: number, msOf: (e: EngineName) => number, target?: number): void => {
    const s = opsPerSec(ops, msOf('sett'));
    const l = opsPerSec(ops, msOf('LevelDB'));
    const r = s / l;
    rows.push([label, num(s), num(l), Number.isFinite(r) ? formatRatio(r) : '-', target === undefined ? '' : `>= ${target.toFixed(1)}x`, target === undefined || !Number.isFinite(r) ? '' : r >= target ? 'PASS' : 'MISS']);
  };
  rateRow('fillrandom', n, (e) => get(e, 'fill.ms'), FILL_TARGET_RATIO);
  rateRow('fillrandom + settle', n, (e) => get(e, 'fill.ms') + get(e, 'fill.settleMs'));
  rateRow('readrandom (getSync)', n, (e) => get(e, 'readSync.ms'));
  rateRow('readrandom (await get)', n, (e) => get(e, 'readAsync.ms'));
  rateRow('readrandom (sett getSync vs LevelDB get)', n, (e) => get(e, e === 'sett' ? 'readSync.ms' : 'readAsync.ms'));
  rateRow(`overwrite (x${OVERWRITE_PASSES})`, OVERWRITE_PASSES * n, (e) => get(e, 'overwrite.ms'));
  rateRow(`overwrite (x${OVERWRITE_PASSES}) + settle`, OVERWRITE_PASSES * n, (e) => get(e, 'overwrite.ms') + get(e, 'overwrite.settleMs'));
  rateRow('delete half', Math.floor(n / 2), (e) => get(e, 'delete.ms'));
  printTable(`Throughput (${n.toLocaleString('en-US')} entries of ${KEY_BYTES} + ${VALUE_BYTES} B, batches of ${BATCH_SIZE}; ops/s)`, ['workload', 'sett ops/s', 'LevelDB ops/s', 'sett/LevelDB', 'target', 'check'], rows);
  for (const r of results) for (const p of r.problems) console.log(`  !! ${p}`);
  console.log('  reads: getSync is timed first on each engine, then await get (on sett the same lookup behind a promise); the');
  console.log('  first pass over the data runs slower on either engine, so compare each method across engines, not with each other');
  console.log(`  compaction to completion: sett flatten + wait ${secs(get('sett', 'compact.ms'))} s, LevelDB compactRange ${secs(get('LevelDB', 'compact.ms'))} s`);

  const stages: [string, string, number][] = [
    ['fill', 'after fill', n * ENTRY_BYTES],
    ['overwrite', `after ${OVERWRITE_PASSES} overwrites`, n * ENTRY_BYTES],
    ['delete', 'after deleting half', live],
    ['compact', 'after compaction', live],
    ...GC_RATIOS.map((r): [string, string, number] => [gcName(r), `after GC at ${r}`, live]),
  ];
  printTable(
    `Space (live bytes: ${formatBytes(n * ENTRY_BYTES)} before the deletes, ${formatBytes(live)} after)`,
    ['stage', 'sett on disk', 'sett amp', 'vlog files', 'vlog bytes', 'discardable', 'LevelDB on disk', 'LevelDB amp', 'target', 'sett'],
    stages.map(([p, label, liveBytes]) => {
      const sAmp = get('sett', `${p}.disk`) / liveBytes;
      const isGc = p.startsWith('gc');
      return [
        label,
        bytes(get('sett', `${p}.disk`)),
        ratioCell(sAmp),
        num(get('sett', `${p}.vlogFiles`)),
        bytes(get('sett', `${p}.vlogBytes`)),
        bytes(get('sett', `${p}.discardable`)),
        isGc ? '' : bytes(get('LevelDB', `${p}.disk`)),
        isGc ? '' : ratioCell(get('LevelDB', `${p}.disk`) / liveBytes),
        isGc ? `<= ${SPACE_TARGET_RATIO.toFixed(1)}x` : '',
        isGc && Number.isFinite(sAmp) ? (sAmp <= SPACE_TARGET_RATIO ? 'PASS' : 'MISS') : '',
      ];
    }),
  );
  console.log('  LevelDB stores values snappy-compressed (db_bench values are half compressible); sett\'s value log stores them as written.');

  if (sett !== undefined) {
    printTable(
      'Value-log GC (sett; each ratio: runValueLogGC(ratio) until it resolves false, after the 0.5 loop for 0.3)',
      ['ratio', 'files collected', 'bytes collected', 'GC s', 'collected MiB/s', 'rewritten', 'rewritten MiB/s', 'settle s', 'files left', 'discardable left'],
      GC_RATIOS.map((r) => {
        const p = gcName(r);
        const s = get('sett', `${p}.gcMs`) / 1000;
        return [
          r.toFixed(1),
          num(get('sett', `${p}.filesCollected`)),
          bytes(get('sett', `${p}.bytesCollected`)),
          Number.isFinite(s) ? s.toFixed(2) : '-',
          s > 0 ? (get('sett', `${p}.bytesCollected`) / MiB / s).toFixed(1) : '-',
          bytes(get('sett', `${p}.bytesRewritten`)),
          s > 0 ? (get('sett', `${p}.bytesRewritten`) / MiB / s).toFixed(1) : '-',
          secs(get('sett', `${p}.settleMs`)),
          num(get('sett', `${p}.vlogFiles`)),
          bytes(get('sett', `${p}.discardable`)),
        ];
      }),
    );
    console.log('  GC s = time inside runValueLogGC calls (the last one, which found nothing, included); rewritten = value bytes of live');
    console.log('  entries GC copied forward (counters.vlogGCBytesRewritten); settle = waitForBackgroundWork() after the loop');
    printTable(
      'GC calls (sett)',
      ['#', 'ratio', 'result', 'deleted file', 'deleted bytes', 'rewritten', 'ms'],
      sett.gcRuns.map((g, i) => [i + 1, g.ratio.toFixed(1), g.collected ? 'true' : 'false', g.deletedFileIds.join(',') || '-', bytes(g.deletedBytes), bytes(g.rewrittenBytes), Math.round(g.ms)]),
    );
    for (const r of GC_RATIOS) printFiles(r, sett.vlogFilesAfterGc[String(r)] ?? [], get('sett', `${gcName(r)}.discardable`));
  }

  const phases = ['fill', 'overwrite', 'delete', 'compact', ...(sett === undefined ? [] : GC_RATIOS.map(gcName))];
  const wa: Cell[][] = [];
  for (const e of results.map((r) => r.engine)) {
    let wcharAll = 0;
    let userAll = 0;
    for (const p of [...phases, 'all']) {
      const isAll = p === 'all';
      if (!isAll && !Number.isFinite(get(e, `${p}.ms`))) continue;
      const user = isAll ? userAll : (userOf[p] ?? 0);
      const w = isAll ? wcharAll : get(e, `${p}.wchar`);
      const sum = (k: string): number => (isAll ? phases.reduce((s, q) => s + (Number.isFinite(get(e, `${q}.ms`)) ? get(e, `${q}.${k}`) : 0), 0) : get(e, `${p}.${k}`));
      wa.push([isAll ? 'all phases' : p, e, mib(user), mib(w), user > 0 ? ratioCell(w / user) : '-', mib(sum('vlog')), mib(sum('wal')), mib(sum('flush')), mib(sum('compaction'))]);
      if (!isAll) {
        wcharAll += w;
        userAll += user;
      }
    }
  }
  printTable(
    'Write amplification (each phase with its settle; MiB)',
    ['phase', 'engine', 'user MiB', 'write(2) MiB', 'write(2) WA', 'vlog MiB', 'WAL MiB', 'flush MiB', 'compaction MiB'],
    wa,
  );
  console.log('  write(2) = /proc/self/io wchar; vlog/WAL/flush/compaction as each engine counts them (sett: counters');
  console.log('  vlogBytesWritten, bytesWritten, flushBytes, compactionBytesWritten; LevelDB: leveldb.stats Write(MB) of L0 / the');
  console.log('  other levels, whole MiB; LevelDB does not count its log). GC phases write no user bytes: their write(2) is all overhead.');
}

/** Every value-log file left after a GC loop, with what DISCARD says is garbage in it. */
function printFiles(ratio: number, files: readonly VlogFile[], engineDiscardable: number): void {
  const activeId = Math.max(...files.map((f) => f.fileId));
  printTable(
    `Value-log files after GC at ${ratio} (DISCARD as last saved to disk)`,
    ['file', 'bytes', 'discardable', 'garbage share', 'GC at 0.5', 'GC at 0.3'],
    files.map((f) => {
      const share = f.bytes > 0 ? f.discardableBytes / f.bytes : 0;
      const eligible = (r: number): string => (f.fileId === activeId ? 'active' : f.discardableBytes >= r * f.bytes && f.discardableBytes > 0 ? 'yes' : 'no');
      return [f.fileId, bytes(f.bytes), bytes(f.discardableBytes), `${(100 * share).toFixed(1)}%`, eligible(0.5), eligible(0.3)];
    }),
  );
  const saved = files.reduce((s, f) => s + f.discardableBytes, 0);
  console.log(`  DISCARD on disk sums to ${formatBytes(saved)}; the engine's stats().valueLog.discardableBytes: ${bytes(engineDiscardable)} (GC picks by the engine's count;`);
  console.log('  the newest file is the one being appended to, which GC never picks)');
}

const gcName = (ratio: number): string => `gc${Math.round(ratio * 100)}`;
const num = (x: number): Cell => (Number.isFinite(x) ? Math.round(x) : '-');
const secs = (x: number): string => (Number.isFinite(x) ? (x / 1000).toFixed(2) : '-');
const mib = (x: number): Cell => (Number.isFinite(x) ? (x / MiB).toFixed(1) : '-');
const bytes = (x: number): Cell => (Number.isFinite(x) ? formatBytes(x) : '-');
const ratioCell = (x: number): Cell => (Number.isFinite(x) ? formatRatio(x) : '-');

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
