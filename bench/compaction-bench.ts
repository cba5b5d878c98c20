// `npm run bench:compaction`: the write workloads that make an LSM compact, on sett and on LevelDB
// (classic-level) in one process: fillrandom into an empty database, then overwrite (every key
// written again, new value, in another random order), both in batches of 1000. After each
// workload the bench waits for the engine's background work to finish and measures that too.
//
//   --n 1000000      entries (default 5,000,000); --quick = 200,000
//   --rounds 3       fresh databases every round, engine order alternating; medians reported
//   --only sett      one engine only (e.g. under `node --cpu-prof`)
//   --yield          a setImmediate turn between batches, for both engines: the loop delay then
//                    shows what the engine blocks, not the writer's own await loop (sett's batch()
//                    resolves without an event-loop turn when no I/O is due, so a bare loop of
//                    awaited batches holds the thread for the whole workload)
//   --json out.json  also write every round's figures as JSON
//
// Both engines run with their default options (sett: 64 MiB memtables, 5 of them; LevelDB: 4 MiB
// write buffer), snappy, writes not fsynced. The figures, per workload:
//   ops/s            to the last write acknowledged, and "+ settle": over the writes plus the
//                    background work they left (sett: waitForBackgroundWork(); LevelDB, which has
//                    no such call: until neither write(2) bytes nor leveldb.stats moved for 1 s,
//                    timed to the last movement)
//   write amp        bytes all threads of this process passed to write(2) (/proc/self/io wchar)
//                    during the writes and the settle, / user bytes (entries x (16 + 100)). The
//                    split: flush and compaction bytes as each engine counts them (sett:
//                    counters.flushBytes / compactionBytesWritten; LevelDB: leveldb.stats
//                    Write(MB) of level 0 / of the other levels, whole MiB), and the rest of
//                    write(2) (WAL, MANIFEST)
//   stall            sett: counters.writeStallMs + l0StallMs (LevelDB does not expose its stalls)
//   loop delay       perf_hooks.monitorEventLoopDelay at 1 ms resolution: p99 and max, during the
//                    writes and during the settle (target: p99 <= 5 ms)
//   space amp        bytes of the database directory / user bytes of the live entries

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng } from '../src/base/index.js';
import type { LevelStats } from '../src/db/index.js';
import { parseArgs } from './lib/args.js';
import { DEFAULT_SEED, KEY_BYTES, VALUE_BYTES, makeKeys, makeValues, range, shuffledRange } from './lib/data.js';
import { LevelEngine, SettEngine, type Engine, type EngineName } from './lib/engines.js';
import { LoopDelayProbe, ioDelta, parseLevelDbStats, readIo, type LevelDbLevel } from './lib/probes.js';
import { settleLevelDb } from './lib/settle.js';
import { formatBytes, formatRatio, printTable, type Cell } from './lib/table.js';
import { nowMs, opsPerSec } from './lib/timing.js';
import { dirBytes, makeTempDir, removeDir } from './lib/tmp.js';

const DEFAULT_ENTRIES = 5_000_000;
const QUICK_ENTRIES = 200_000;
const BATCH_SIZE = 1000;
const WARMUP_ENTRIES_MAX = 50_000;
const ENTRY_BYTES = KEY_BYTES + VALUE_BYTES;
const LOOP_P99_TARGET_MS = 5;
const FILL_TARGET_RATIO = 1.0;
const MiB = 1048576;

/** Bytes each engine says it wrote, cumulative since open. */
interface EngineBytes {
  /** sett: counters.bytesWritten (WAL records); LevelDB: not counted (NaN). */
  wal: number;
  flush: number;
  compaction: number;
  stallMs: number;
  flushes: number;
  compactions: number;
}

/** One workload on one engine: flat numbers, so rounds reduce to medians key by key. */
type Figures = Record<string, number>;

interface Run {
  engine: EngineName;
  figures: Figures;
  settLevels: LevelStats[] | undefined;
  levelDbLevels: LevelDbLevel[] | undefined;
}

const WORKLOADS = ['fillrandom', 'overwrite'] as const;
type Workload = (typeof WORKLOADS)[number];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['--quick', '--n', '--rounds', '--json', '--only', '--yield']);
  const n = args.n ?? (args.quick ? QUICK_ENTRIES : DEFAULT_ENTRIES);
  const rounds = args.rounds ?? 1;
  const rng = new Rng(DEFAULT_SEED);
  console.log(`sett vs LevelDB (classic-level), compaction workloads over ${n.toLocaleString('en-US')} entries, ${rounds} round(s)`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, seed ${DEFAULT_SEED}`);
  console.log(`keys ${KEY_BYTES} B, values ${VALUE_BYTES} B (half compressible); user bytes per workload ${formatBytes(n * ENTRY_BYTES)}`);
  const yieldNote = args.yieldBetweenBatches ? 'a setImmediate turn after every batch' : 'awaited back to back (no turn between batches; --yield adds one)';
  console.log(`batches of ${BATCH_SIZE}, ${yieldNote}`);
  if (readIo() === undefined) console.log('!! /proc/self/io is not readable here: write amplification by write(2) bytes is not available');

  const keys = makeKeys(range(n));
  const values = makeValues(n, rng);
  // Overwrite values: the same pool pieces shifted by one, so every key gets a different value
  // without a second array of n buffers.
  const overwriteValues = values.slice(1);
  overwriteValues.push(values[0]!);
  const orders: Record<Workload, Uint32Array> = { fillrandom: shuffledRange(n, rng), overwrite: shuffledRange(n, rng) };
  const valuesOf: Record<Workload, Buffer[]> = { fillrandom: values, overwrite: overwriteValues };

  const all: Engine[] = [new SettEngine(), new LevelEngine()];
  const engines = all.filter((e) => args.only === undefined || e.name === args.only);
  const dirs: string[] = [];
  const runs: Run[] = [];
  try {
    await warmUp(engines, keys, values, dirs);
    console.log('\nrunning (engine order alternates per round):');
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? engines : [...engines].reverse();
      for (const e of order) {
        const dir = makeTempDir(`compaction-${e.name}`);
        dirs.push(dir);
        const run = await runOne(e, dir, n, keys, valuesOf, orders, args.yieldBetweenBatches);
        runs.push(run);
        removeDir(dir);
        const f = run.figures;
        console.log(
          `  round ${r + 1} ${e.name.padEnd(7)} fillrandom ${(f['fillrandom.ms']! / 1000).toFixed(1)} s + settle ${(f['fillrandom.settleMs']! / 1000).toFixed(1)} s,` +
            ` overwrite ${(f['overwrite.ms']! / 1000).toFixed(1)} s + settle ${(f['overwrite.settleMs']! / 1000).toFixed(1)} s`,
        );
      }
    }
    report(n, rounds, engines.map((e) => e.name), runs);
    if (args.json !== undefined) {
      writeFileSync(args.json, JSON.stringify({ n, rounds, yieldBetweenBatches: args.yieldBetweenBatches, node: process.version, cpu: cpus()[0]?.model, seed: DEFAULT_SEED, runs }, null, 2) + '\n');
      console.log(`wrote ${args.json}`);
    }
  } finally {
    for (const e of engines) await e.close().catch(() => undefined);
    for (const dir of dirs) removeDir(dir);
  }
}

/** fillrandom then overwrite on a fresh database, each followed by its settle. */
async function runOne(
  e: Engine,
  dir: string,
  n: number,
  keys: Buffer[],
  valuesOf: Record<Workload, Buffer[]>,
  orders: Record<Workload, Uint32Array>,
  yieldBetween: boolean,
): Promise<Run> {
  await e.open(dir);
  const figures: Figures = {};
  const probe = new LoopDelayProbe();
  try {
    for (const w of WORKLOADS) {
      const io0 = readIo();
      const b0 = engineBytes(e);
      await probe.start();
      let start = nowMs();
      await e.fillBatches(keys, valuesOf[w], orders[w], BATCH_SIZE, yieldBetween);
      figures[`${w}.ms`] = nowMs() - start;
      const writing = await probe.stop();
      await probe.start();
      start = nowMs();
      figures[`${w}.settleMs`] = e instanceof LevelEngine ? await settleLevelDb(e) : (await e.settle(), nowMs() - start);
      const settling = await probe.stop();
      const io = ioDelta(io0, readIo());
      const b1 = engineBytes(e);
      Object.assign(figures, {
        [`${w}.p99Ms`]: writing.p99Ms,
        [`${w}.maxMs`]: writing.maxMs,
        [`${w}.settleP99Ms`]: settling.p99Ms,
        [`${w}.settleMaxMs`]: settling.maxMs,
        [`${w}.ticksPerSec`]: writing.ticksPerSec,
        [`${w}.settleTicksPerSec`]: settling.ticksPerSec,
        [`${w}.wchar`]: io?.wchar ?? NaN,
        [`${w}.dirtied`]: io === undefined ? NaN : io.writeBytes - io.cancelledWriteBytes,
        [`${w}.wal`]: b1.wal - b0.wal,
        [`${w}.flush`]: b1.flush - b0.flush,
        [`${w}.compaction`]: b1.compaction - b0.compaction,
        [`${w}.stallMs`]: b1.stallMs - b0.stallMs,
        [`${w}.flushes`]: b1.flushes - b0.flushes,
        [`${w}.compactions`]: b1.compactions - b0.compactions,
        [`${w}.disk`]: dirBytes(dir),
      });
    }
    const run: Run = { engine: e.name, figures, settLevels: undefined, levelDbLevels: undefined };
    if (e instanceof SettEngine) run.settLevels = e.stats().levels;
    if (e instanceof LevelEngine) run.levelDbLevels = parseLevelDbStats(e.property('leveldb.stats'));
    return run;
  } finally {
    await e.close();
  }
}

function engineBytes(e: Engine): EngineBytes {
  if (e instanceof SettEngine) {
    const c = e.stats().counters;
    return {
      wal: c.bytesWritten,
      flush: c.flushBytes,
      compaction: c.compactionBytesWritten,
      stallMs: c.writeStallMs + c.l0StallMs,
      flushes: c.flushes,
      compactions: c.compactions,
    };
  }
  if (e instanceof LevelEngine) {
    const levels = parseLevelDbStats(e.property('leveldb.stats'));
    const l0 = levels.find((l) => l.level === 0)?.writeMB ?? 0;
    const total = levels.reduce((s, l) => s + l.writeMB, 0);
    return { wal: NaN, flush: l0 * MiB, compaction: (total - l0) * MiB, stallMs: NaN, flushes: NaN, compactions: NaN };
  }
  throw new Error(`unknown engine ${e.name}`);
}

/** A small fill and overwrite per engine on a throwaway database, so the JIT settles. */
async function warmUp(engines: readonly Engine[], keys: Buffer[], values: Buffer[], dirs: string[]): Promise<void> {
  const w = Math.min(WARMUP_ENTRIES_MAX, Math.ceil(keys.length / 10));
  const order = range(w);
  const start = nowMs();
  for (const e of engines) {
    const dir = makeTempDir(`${e.name}-warmup`);
    dirs.push(dir);
    await e.open(dir);
    await e.fillBatches(keys, values, order, BATCH_SIZE);
    await e.fillBatches(keys, values, order.reverse(), BATCH_SIZE);
    await e.close();
    removeDir(dir);
  }
  console.log(`warm-up: ${w.toLocaleString('en-US')} entries twice per engine on throwaway databases (${(nowMs() - start).toFixed(0)} ms, untimed)`);
}

function report(n: number, rounds: number, names: readonly EngineName[], runs: readonly Run[]): void {
  const med = {} as Record<EngineName, Figures | undefined>;
  for (const name of names) med[name] = medians(runs.filter((r) => r.engine === name).map((r) => r.figures));
  const get = (name: EngineName, key: string): number => med[name]?.[key] ?? NaN;
  const user = n * ENTRY_BYTES;
  const of = rounds > 1 ? `; median of ${rounds} rounds` : '';

  const tput: Cell[][] = [];
  for (const w of WORKLOADS) {
    for (const settle of [false, true]) {
      const rate = (e: EngineName): number => opsPerSec(n, get(e, `${w}.ms`) + (settle ? get(e, `${w}.settleMs`) : 0));
      const ratio = rate('sett') / rate('LevelDB');
      const target = w === 'fillrandom' && !settle ? FILL_TARGET_RATIO : undefined;
      tput.push([
        `${w}${settle ? ' + settle' : ''}`,
        num(rate('sett')),
        num(rate('LevelDB')),
        Number.isFinite(ratio) ? formatRatio(ratio) : '-',
        target === undefined ? '' : `>= ${target.toFixed(1)}x`,
        target === undefined || !Number.isFinite(ratio) ? '' : ratio >= target ? 'PASS' : 'MISS',
      ]);
    }
  }
  printTable(`Throughput (${n.toLocaleString('en-US')} entries, batches of ${BATCH_SIZE}; ops/s${of})`, ['workload', 'sett ops/s', 'LevelDB ops/s', 'sett/LevelDB', 'target', 'check'], tput);

  const wa: Cell[][] = [];
  for (const w of [...WORKLOADS, 'both'] as const) {
    for (const e of names) {
      const sum = (k: string): number => (w === 'both' ? get(e, `fillrandom.${k}`) + get(e, `overwrite.${k}`) : get(e, `${w}.${k}`));
      const u = w === 'both' ? 2 * user : user;
      const wchar = sum('wchar');
      const tables = sum('flush') + sum('compaction');
      wa.push([
        w === 'both' ? 'fillrandom + overwrite' : w,
        e,
        ratio(wchar, u),
        mib(sum('flush')),
        mib(sum('compaction')),
        mib(wchar - tables),
        ratio(tables, u),
        ratio(sum('wal') + tables, u),
        ratio(sum('dirtied'), u),
      ]);
    }
  }
  printTable(
    `Write amplification (writes + settle; user bytes ${formatBytes(user)} per workload${of})`,
    ['workload', 'engine', 'write(2) WA', 'flush MiB', 'compaction MiB', 'other write(2) MiB', 'tables WA', 'counters WA', 'dirtied WA'],
    wa,
  );
  console.log('  write(2) WA = /proc/self/io wchar / user bytes; tables WA = (flush + compaction) / user bytes;');
  console.log('  other = wchar - flush - compaction (WAL, MANIFEST, LOG); counters WA (sett only) = (bytesWritten [WAL] + flushBytes');
  console.log('  + compactionBytesWritten) / user bytes; dirtied = (write_bytes - cancelled_write_bytes) / user bytes');

  const loop: Cell[][] = [];
  for (const w of WORKLOADS) {
    for (const [phase, p99, max, ticks] of [
      ['writes', 'p99Ms', 'maxMs', 'ticksPerSec'],
      ['settle (compaction)', 'settleP99Ms', 'settleMaxMs', 'settleTicksPerSec'],
    ] as const) {
      const sp99 = get('sett', `${w}.${p99}`);
      const perSec = (e: EngineName): Cell => num(get(e, `${w}.${ticks}`));
      loop.push([
        `${w}: ${phase}`,
        ms(sp99),
        ms(get('sett', `${w}.${max}`)),
        perSec('sett'),
        ms(get('LevelDB', `${w}.${p99}`)),
        ms(get('LevelDB', `${w}.${max}`)),
        perSec('LevelDB'),
        `<= ${LOOP_P99_TARGET_MS}`,
        Number.isFinite(sp99) ? (sp99 <= LOOP_P99_TARGET_MS ? 'PASS' : 'MISS') : '',
      ]);
    }
  }
  printTable(
    `Event-loop delay, ms (monitorEventLoopDelay, 1 ms resolution${of})`,
    ['phase', 'sett p99', 'sett max', 'sett ticks/s', 'LevelDB p99', 'LevelDB max', 'LevelDB ticks/s', 'target p99', 'sett'],
    loop,
  );
  console.log('  Node records whole tick intervals, so a free loop reads ~1.1 ms. ticks/s: samples the 1 ms timer took');
  console.log('  per second of the phase (~900 when the loop is free; a long block is one sample, so few ticks = a blocked loop)');

  printTable(
    `Background work after the writes${of}`,
    ['workload', 'sett settle s', 'LevelDB settle s', 'sett stall ms', 'sett flushes', 'sett compactions'],
    WORKLOADS.map((w) => [
      w,
      secs(get('sett', `${w}.settleMs`)),
      secs(get('LevelDB', `${w}.settleMs`)),
      num(get('sett', `${w}.stallMs`)),
      num(get('sett', `${w}.flushes`)),
      num(get('sett', `${w}.compactions`)),
    ]),
  );
  if (get('sett', 'fillrandom.flushes') + get('sett', 'overwrite.flushes') === 0) {
    console.log('  !! sett flushed nothing: both workloads fit in its memtables (64 MiB each); use a larger --n to exercise compaction');
  }
  console.log('  sett stall = counters.writeStallMs (rotation waited for a flush) + l0StallMs (flush waited for L0 room); LevelDB: not exposed');

  printTable(
    `Space after settle (live user bytes ${formatBytes(user)}${of})`,
    ['after', 'sett on disk', 'LevelDB on disk', 'sett space amp', 'LevelDB space amp'],
    WORKLOADS.map((w) => [
      w,
      bytes(get('sett', `${w}.disk`)),
      bytes(get('LevelDB', `${w}.disk`)),
      ratio(get('sett', `${w}.disk`), user),
      ratio(get('LevelDB', `${w}.disk`), user),
    ]),
  );

  const lastSett = [...runs].reverse().find((r) => r.settLevels !== undefined)?.settLevels ?? [];
  const lastLevel = [...runs].reverse().find((r) => r.levelDbLevels !== undefined)?.levelDbLevels ?? [];
  const depth = Math.max(...lastSett.filter((l) => l.tables > 0).map((l) => l.level), ...lastLevel.filter((l) => l.files > 0).map((l) => l.level), 0);
  const shape: Cell[][] = [];
  for (let l = 0; l <= depth; l++) {
    const s = lastSett.find((x) => x.level === l);
    const d = lastLevel.find((x) => x.level === l);
    shape.push([`L${l}`, s === undefined ? '-' : s.tables, s === undefined ? '-' : formatBytes(s.bytes), s === undefined ? '-' : s.entries, d === undefined ? '-' : d.files, d === undefined ? '-' : `${d.sizeMB} MiB`]);
  }
  printTable('Level shape after overwrite + settle (last round)', ['level', 'sett tables', 'sett bytes', 'sett entries', 'LevelDB files', 'LevelDB size'], shape);
}

function medians(list: readonly Figures[]): Figures | undefined {
  if (list.length === 0) return undefined;
  const out: Figures = {};
  for (const key of Object.keys(list[0]!)) {
    const xs = list.map((f) => f[key]!).sort((a, b) => a - b);
    const mid = xs.length >> 1;
    out[key] = xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  }
  return out;
}

const num = (x: number): Cell => (Number.isFinite(x) ? Math.round(x) : '-');
const ms = (x: number): Cell => (Number.isFinite(x) ? x.toFixed(2) : '-');
const secs = (x: number): Cell => (Number.isFinite(x) ? (x / 1000).toFixed(2) : '-');
const mib = (x: number): Cell => (Number.isFinite(x) ? (x / MiB).toFixed(1) : '-');
const bytes = (x: number): Cell => (Number.isFinite(x) ? formatBytes(x) : '-');
const ratio = (x: number, of: number): Cell => (Number.isFinite(x) && of > 0 ? formatRatio(x / of) : '-');

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
