// `npm run bench:scale -- --num 10M`: sett alone at the sizes users reach, the way a new user
// tries it (issue 14): `num` random 16-byte keys with 100-byte values filled in batches of 1,000,
// then waitForBackgroundWork(), then random getSync reads that check every value. It samples, at
// a fixed interval through every phase, what a leak or a runaway would show first:
//
//   rss / peak rss     this process (the harness's arrays are small: keys are made from their
//                      number, never stored)
//   maps               lines of /proc/self/maps: a native dependency that leaks mappings dies at
//                      vm.max_map_count (65,530) long before RSS looks alarming
//   L0, debt           L0 tables, and compaction debt: bytes over target summed over the levels
//                      (dynamic targets as the picker computes them), plus L0's bytes while L0
//                      holds numLevelZeroTables or more tables
//   disk               bytes of the database directory (space amplification = disk / live bytes)
//
//   --num N          entries (default 10M; 250k, 10M, 1e7 accepted)
//   --reads N        random getSync reads after the fill (default 500k)
//   --deletes N      then N distinct keys deleted in random order, in batches of 1,000 (default
//                    0): the harness's deleterandom, whose peak RSS at 10M was over the bound
//   --value-size B   value bytes (default 100)
//   --sample-ms MS   sampling interval (default 5000)
//   --dir DIR        database directory (default a fresh one under the OS temp dir, removed after)
//   --keep           keep the directory
//   --json FILE      also write every sample and the summary as JSON
//   --no-prepopulate open with prepopulateBlockCache: false (to compare)
//
// Memory bound checked at the end (SPEC §4.4): peak RSS <= memtables (memTableSize x
// numMemtables) + block cache + 256 MiB. A miss is reported and sets exit code 1.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { levelTargets } from '../src/compaction/index.js';
import { open, type BatchOperation, type DB } from '../src/index.js';

const MiB = 1024 * 1024;
const KEY_BYTES = 16;
const BATCH_ENTRIES = 1000;
const MEMORY_SLACK_BYTES = 256 * MiB;
// sett's defaults (SPEC §6), spelled out so the memory bound below names what it assumes.
const MEMTABLE_BYTES = 64 * MiB;
const NUM_MEMTABLES = 5;
const BLOCK_CACHE_BYTES = 256 * MiB;

interface Args {
  num: number;
  reads: number;
  deletes: number;
  valueSize: number;
  sampleMs: number;
  dir: string | undefined;
  keep: boolean;
  json: string | undefined;
  prepopulate: boolean;
}

interface Sample {
  phase: string;
  seconds: number;
  done: number;
  rssMiB: number;
  /** V8's heap in use, and the ArrayBuffers outside it (memtable arenas, blocks, file buffers). */
  heapMiB: number;
  arrayBuffersMiB: number;
  maps: number;
  l0Tables: number;
  levelMiB: number[];
  debtMiB: number;
  diskMiB: number;
  stallMs: number;
  /** Memtables alive (active + immutable), free pooled arenas, block cache bytes, worker threads. */
  memtables: number;
  freeArenas: number;
  cacheMiB: number;
  threads: number;
}

function parseArgs(argv: readonly string[]): Args {
  const out: Args = { num: 10_000_000, reads: 500_000, deletes: 0, valueSize: 100, sampleMs: 5000, dir: undefined, keep: false, json: undefined, prepopulate: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--num':
        out.num = parseCount(arg, value());
        break;
      case '--reads':
        out.reads = parseCount(arg, value());
        break;
      case '--deletes':
        out.deletes = parseCount(arg, value());
        break;
      case '--value-size':
        out.valueSize = parseCount(arg, value());
        break;
      case '--sample-ms':
        out.sampleMs = parseCount(arg, value());
        break;
      case '--dir':
        out.dir = value();
        break;
      case '--keep':
        out.keep = true;
        break;
      case '--json':
        out.json = value();
        break;
      case '--no-prepopulate':
        out.prepopulate = false;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(arg)}; allowed: --num --reads --deletes --value-size --sample-ms --dir --keep --json --no-prepopulate`);
    }
  }
  if (out.valueSize < 8) throw new Error('--value-size must be at least 8 (values carry their key number)');
  return out;
}

function parseCount(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw.replace(/_/g, '')) ?? /^(\d+e\d+)()$/.exec(raw);
  const n = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive count (e.g. 500k, 10M), got ${JSON.stringify(raw)}`);
  return n;
}

/** splitmix32-style scramble: key number → 32 well-mixed bits, so keys are random but reproducible. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Key `n`: 12 random-looking bytes then n itself (big-endian), so keys are unique whatever the
 * scramble and spread over the key space as random keys are.
 */
function writeKey(buf: Uint8Array, at: number, n: number): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setUint32(at, mix32(n));
  view.setUint32(at + 4, mix32(n ^ 0x5bd1e995));
  view.setUint32(at + 8, mix32(n + 0x27d4eb2f));
  view.setUint32(at + 12, n);
}

/** Value `n`: its number, then bytes half random, half repeated (compressible 2:1 as db_bench's). */
function writeValue(buf: Uint8Array, at: number, n: number, length: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(at, n);
  const half = Math.max(1, (length - 4) >> 1);
  let r = mix32(n * 31 + 7);
  for (let i = 4; i < length; i++) {
    if (i - 4 < half) {
      r = mix32(r);
      buf[at + i] = 0x20 + (r % 95);
    } else {
      buf[at + i] = buf[at + 4 + ((i - 4) % half)]!;
    }
  }
}

function mapsCount(): number {
  try {
    let lines = 0;
    const text = readFileSync('/proc/self/maps', 'latin1');
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
    return lines;
  } catch {
    return -1;
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    try {
      total += statSync(join(dir, name)).blocks * 512;
    } catch {
      // deleted between the listing and the stat (compaction): not there any more
    }
  }
  return total;
}

function compactionDebt(db: DB): { l0Tables: number; levelBytes: number[]; debtBytes: number } {
  const s = db.stats();
  const o = db.options;
  const levelBytes = s.levels.map((l) => l.bytes);
  const targets = levelTargets(levelBytes, o);
  let debt = 0;
  const l0 = s.levels[0]!;
  if (l0.tables >= o.numLevelZeroTables) debt += l0.bytes;
  for (let i = Math.max(1, targets.baseLevel); i < levelBytes.length - 1; i++) {
    debt += Math.max(0, levelBytes[i]! - targets.targetBytes[i]!);
  }
  return { l0Tables: l0.tables, levelBytes, debtBytes: debt };
}

const mib = (b: number): number => Math.round((b / MiB) * 10) / 10;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'sett-scale-'));
  const liveBytes = args.num * (KEY_BYTES + args.valueSize);
  const db = await open(dir, { prepopulateBlockCache: args.prepopulate });
  const samples: Sample[] = [];
  const started = performance.now();
  let phase = 'fill';
  let done = 0;
  let peakRss = 0;
  const sample = (): Sample => {
    const mem = process.memoryUsage();
    const rss = mem.rss;
    peakRss = Math.max(peakRss, rss);
    const debt = compactionDebt(db);
    const stats = db.stats();
    const c = stats.counters;
    const s: Sample = {
      phase,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      done,
      rssMiB: mib(rss),
      heapMiB: mib(mem.heapUsed),
      arrayBuffersMiB: mib(mem.arrayBuffers),
      maps: mapsCount(),
      l0Tables: debt.l0Tables,
      levelMiB: debt.levelBytes.map(mib),
      debtMiB: mib(debt.debtBytes),
      diskMiB: mib(dirBytes(dir)),
      stallMs: Math.round(c.writeStallMs + c.l0StallMs),
      memtables: stats.memtables.active + stats.memtables.immutable,
      freeArenas: stats.memtables.arenasFree,
      cacheMiB: mib(stats.blockCache.bytes),
      threads: stats.backgroundThreads,
    };
    samples.push(s);
    process.stderr.write(
      `${s.seconds}s ${s.phase} ${s.done.toLocaleString()} rss=${s.rssMiB}MiB heap=${s.heapMiB}MiB buffers=${s.arrayBuffersMiB}MiB maps=${s.maps} L0=${s.l0Tables} debt=${s.debtMiB}MiB disk=${s.diskMiB}MiB levels=[${s.levelMiB.join(',')}] memtables=${s.memtables}+${s.freeArenas} cache=${s.cacheMiB}MiB threads=${s.threads}\n`,
    );
    return s;
  };
  const timer = setInterval(sample, args.sampleMs);
  timer.unref();
  const times: Record<string, number> = {};
  try {
    // Fill: batches of 1,000 in a random order (the key numbers are shuffled by the key scramble).
    let t = performance.now();
    const batchBuf = new Uint8Array(BATCH_ENTRIES * (KEY_BYTES + args.valueSize));
    await inBatches(db, args.num, (at, i) => {
      const base = i * (KEY_BYTES + args.valueSize);
      writeKey(batchBuf, base, at + i);
      writeValue(batchBuf, base + KEY_BYTES, at + i, args.valueSize);
      return { type: 'put', key: batchBuf.subarray(base, base + KEY_BYTES), value: batchBuf.subarray(base + KEY_BYTES, base + KEY_BYTES + args.valueSize) };
    }, (n) => (done = n));
    times.fillSeconds = (performance.now() - t) / 1000;
    phase = 'settle';
    sample();
    t = performance.now();
    await db.waitForBackgroundWork();
    times.settleSeconds = (performance.now() - t) / 1000;
    phase = 'read';
    done = 0;
    sample();
    t = performance.now();
    const key = new Uint8Array(KEY_BYTES);
    const expected = new Uint8Array(args.valueSize);
    let r = 12345;
    for (let i = 0; i < args.reads; i++) {
      r = mix32(r + i);
      const n = r % args.num;
      writeKey(key, 0, n);
      const got = db.getSync(key);
      writeValue(expected, 0, n, args.valueSize);
      if (got === undefined || Buffer.compare(got, expected) !== 0) {
        throw new Error(`read ${i}: key number ${n} ${got === undefined ? 'not found' : 'has the wrong value'}`);
      }
      done = i + 1;
      if (i % 10_000 === 9_999) await new Promise((res) => setImmediate(res));
    }
    times.readSeconds = (performance.now() - t) / 1000;
    if (args.deletes > 0) {
      phase = 'delete';
      done = 0;
      sample();
      t = performance.now();
      const count = Math.min(args.deletes, args.num);
      // Distinct keys in a scrambled order: i * stride mod num visits each number once when the
      // stride is coprime to num.
      let stride = 1_000_003;
      while (gcd(stride, args.num) !== 1) stride += 2;
      await inBatches(db, count, (at, i) => {
        const k = new Uint8Array(KEY_BYTES);
        writeKey(k, 0, ((at + i) * stride) % args.num);
        return { type: 'del', key: k };
      }, (n) => (done = n));
      times.deleteSeconds = (performance.now() - t) / 1000;
      phase = 'delete-settle';
      sample();
      await db.waitForBackgroundWork();
    }
    phase = 'end';
    const last = sample();
    const memoryBound = MEMTABLE_BYTES * NUM_MEMTABLES + BLOCK_CACHE_BYTES + MEMORY_SLACK_BYTES;
    const summary = {
      num: args.num,
      reads: args.reads,
      valueSize: args.valueSize,
      fillSeconds: round(times.fillSeconds),
      fillOpsPerSec: Math.round(args.num / times.fillSeconds),
      settleSeconds: round(times.settleSeconds),
      readSeconds: round(times.readSeconds),
      readOpsPerSec: Math.round(args.reads / times.readSeconds),
      ...(args.deletes > 0 ? { deleteSeconds: round(times.deleteSeconds), deleteOpsPerSec: Math.round(Math.min(args.deletes, args.num) / times.deleteSeconds!) } : {}),
      peakRssMiB: mib(peakRss),
      // The kernel's high-water mark catches a peak between two samples.
      vmHwmMiB: mib(vmHwmBytes()),
      memoryBoundMiB: mib(memoryBound),
      memoryWithinBound: Math.max(peakRss, vmHwmBytes()) <= memoryBound,
      mapsAtEnd: last.maps,
      maxMaps: Math.max(...samples.map((s) => s.maps)),
      spaceAmplification: round(dirBytes(dir) / liveBytes),
      maxDebtMiB: Math.max(...samples.map((s) => s.debtMiB)),
      maxL0Tables: Math.max(...samples.map((s) => s.l0Tables)),
      stallMs: last.stallMs,
      maxArrayBuffersMiB: Math.max(...samples.map((s) => s.arrayBuffersMiB)),
      memtableRotations: db.stats().counters.memtableRotations,
      arenasReused: db.stats().memtables.arenasReused,
      arenasDropped: db.stats().memtables.arenasDropped,
    };
    printReport(summary, samples);
    if (args.json !== undefined) writeFileSync(args.json, JSON.stringify({ summary, samples }, null, 2));
    if (!summary.memoryWithinBound) {
      process.stderr.write(`MISS: peak RSS ${summary.peakRssMiB} MiB over the bound ${summary.memoryBoundMiB} MiB\n`);
      process.exitCode = 1;
    }
  } finally {
    clearInterval(timer);
    await db.close();
    if (args.dir === undefined && !args.keep) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`database kept in ${dir}\n`);
  }
}

/**
 * Writes `count` operations in atomic batches of BATCH_ENTRIES: `make(at, i)` is entry i of the
 * batch starting at `at`; `progress` gets the count written after each batch.
 */
async function inBatches(db: DB, count: number, make: (at: number, i: number) => BatchOperation, progress: (written: number) => void): Promise<void> {
  for (let at = 0; at < count; at += BATCH_ENTRIES) {
    const n = Math.min(BATCH_ENTRIES, count - at);
    const ops = new Array<BatchOperation>(n);
    for (let i = 0; i < n; i++) ops[i] = make(at, i);
    await db.batch(ops);
    progress(at + n);
    // One event-loop turn every few batches, as a server would yield: lets the sampler run.
    if ((at / BATCH_ENTRIES) % 16 === 0) await new Promise((r) => setImmediate(r));
  }
}

/** VmHWM of /proc/self/status: the process's peak RSS so far (0 where there is no /proc). */
function vmHwmBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function round(x: number | undefined): number {
  return Math.round((x ?? 0) * 100) / 100;
}

function printReport(summary: Record<string, number | boolean>, samples: readonly Sample[]): void {
  const lines = ['| figure | value |', '|---|---:|'];
  for (const [k, v] of Object.entries(summary)) lines.push(`| ${k} | ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)} |`);
  lines.push('', '| s | phase | done | RSS MiB | heap MiB | buffers MiB | maps | L0 | debt MiB | disk MiB | levels MiB | memtables + free arenas | cache MiB | threads |', '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|');
  // At most ~40 rows: every k-th sample.
  const every = Math.max(1, Math.ceil(samples.length / 40));
  samples.forEach((s, i) => {
    if (i % every === 0 || i === samples.length - 1) {
      lines.push(`| ${s.seconds} | ${s.phase} | ${s.done.toLocaleString('en-US')} | ${s.rssMiB} | ${s.heapMiB} | ${s.arrayBuffersMiB} | ${s.maps} | ${s.l0Tables} | ${s.debtMiB} | ${s.diskMiB} | ${s.levelMiB.join(' / ')} | ${s.memtables} + ${s.freeArenas} | ${s.cacheMiB} | ${s.threads} |`);
    }
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
