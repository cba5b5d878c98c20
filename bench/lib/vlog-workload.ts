// The value-log bench's workloads on one engine, start to end on one database: fillrandom of
// large values, readrandom on what it left, then the space workload (four overwrites, half the
// keys deleted, compaction to completion, and for sett value-log GC at two discard ratios).
// Every phase records its time, the bytes this process passed to write(2) and the directory's
// size, as flat numbers named `<phase>.<figure>`.

import type { DB } from '../../src/db/index.js';
import type { Engine } from './engines.js';
import { LevelEngine, SettEngine } from './engines.js';
import { ioDelta, parseLevelDbStats, readIo, type IoCounters } from './probes.js';
import { settleLevelDb } from './settle.js';
import { nowMs } from './timing.js';
import { dirBytes } from './tmp.js';
import { bytesDeleted, vlogFileSizes, vlogFiles, type VlogFile } from './vlog-files.js';

export const BATCH_SIZE = 100;
export const OVERWRITE_PASSES = 4;
/** The discard ratios GC runs with, in this order, each until it finds nothing to collect. */
export const GC_RATIOS = [0.5, 0.3] as const;
const SYNC_READ_CHUNK = 10_000;
/** A GC loop that collects more files than this is rewriting its own output: stop and say so. */
const GC_RUNS_MAX = 10_000;
const MiB = 1048576;

export type Figures = Record<string, number>;

export interface WorkloadData {
  n: number;
  keys: Buffer[];
  /** Values of the fill and of each overwrite pass: passes[0] for the fill. */
  passes: Buffer[][];
  fillOrder: Uint32Array;
  overwriteOrders: Uint32Array[];
  readOrder: Uint32Array;
  /** The keys to delete (half of them), in the order they are deleted. */
  deleteOrder: Uint32Array;
}

/** One call of runValueLogGC. */
export interface GcRun {
  ratio: number;
  collected: boolean;
  ms: number;
  /** Value-log files gone from the directory after the call (normally the one it rewrote). */
  deletedFileIds: number[];
  deletedBytes: number;
  rewrittenBytes: number;
}

export interface EngineResult {
  engine: Engine['name'];
  figures: Figures;
  gcRuns: GcRun[];
  /** sett: the value-log files after each GC ratio's loop, keyed by ratio. */
  vlogFilesAfterGc: Record<string, VlogFile[]>;
  /** LevelDB's leveldb.stats at the end, or sett's stats() summary. */
  finalStats: unknown;
  problems: string[];
}

/** Runs every phase on a fresh database in `dir`; closes it at the end. */
export async function runWorkloads(e: Engine, dir: string, data: WorkloadData, log: (line: string) => void): Promise<EngineResult> {
  const result: EngineResult = { engine: e.name, figures: {}, gcRuns: [], vlogFilesAfterGc: {}, finalStats: undefined, problems: [] };
  const f = result.figures;
  const { n, keys } = data;
  await e.open(dir);
  try {
    const phase = async (name: string, body: () => Promise<void>, settle = true): Promise<void> => {
      const io0 = readIo();
      const b0 = engineBytes(e);
      let start = nowMs();
      await body();
      f[`${name}.ms`] = nowMs() - start;
      start = nowMs();
      if (settle) f[`${name}.settleMs`] = e instanceof LevelEngine ? await settleLevelDb(e) : (await e.settle(), nowMs() - start);
      recordIo(f, name, ioDelta(io0, readIo()));
      const b1 = engineBytes(e);
      for (const k of Object.keys(b1) as (keyof EngineBytes)[]) f[`${name}.${k}`] = b1[k] - b0[k];
      f[`${name}.disk`] = dirBytes(dir);
      if (e instanceof SettEngine) {
        const v = e.stats().valueLog;
        Object.assign(f, { [`${name}.vlogFiles`]: v.files, [`${name}.vlogBytes`]: v.bytes, [`${name}.discardable`]: v.discardableBytes });
      }
      log(`  ${e.name.padEnd(7)} ${name.padEnd(10)} ${(f[`${name}.ms`]! / 1000).toFixed(1)} s${settle ? ` + settle ${(f[`${name}.settleMs`]! / 1000).toFixed(1)} s` : ''}, disk ${(f[`${name}.disk`]! / MiB).toFixed(0)} MiB`);
    };

    // Settled before the reads, so they do not share the two cores with the fill's compactions.
    await phase('fill', () => e.fillBatches(keys, data.passes[0]!, data.fillOrder, BATCH_SIZE));

    let start = nowMs();
    let found = 0;
    for (let at = 0; at < n; at += SYNC_READ_CHUNK) {
      found += e.readSync(keys, data.readOrder.subarray(at, Math.min(n, at + SYNC_READ_CHUNK)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    f['readSync.ms'] = nowMs() - start;
    if (found !== n) result.problems.push(`${e.name} getSync found ${found} of ${n} keys`);
    start = nowMs();
    found = await e.readAsync(keys, data.readOrder);
    f['readAsync.ms'] = nowMs() - start;
    if (found !== n) result.problems.push(`${e.name} await get found ${found} of ${n} keys`);
    log(`  ${e.name.padEnd(7)} reads      getSync ${(f['readSync.ms'] / 1000).toFixed(1)} s, await get ${(f['readAsync.ms'] / 1000).toFixed(1)} s`);

    await phase('overwrite', async () => {
      for (let p = 1; p <= OVERWRITE_PASSES; p++) await e.fillBatches(keys, data.passes[p]!, data.overwriteOrders[p - 1]!, BATCH_SIZE);
    });
    await phase('delete', () => deleteBatches(e, keys, data.deleteOrder));
    await phase('compact', async () => {
      if (e instanceof SettEngine) {
        await e.handle().flatten();
        await e.handle().waitForBackgroundWork();
      } else if (e instanceof LevelEngine) {
        // Everything: every key sorts after one zero byte and before 0xff repeated past the key length.
        await e.handle().compactRange(Buffer.from([0]), Buffer.alloc(keys[0]!.length + 1, 0xff));
      }
    });

    if (e instanceof SettEngine) {
      for (const ratio of GC_RATIOS) {
        const name = `gc${Math.round(ratio * 100)}`;
        const runs: GcRun[] = [];
        await phase(name, () => gcLoop(e.handle(), dir, ratio, runs));
        result.gcRuns.push(...runs);
        const collected = runs.filter((r) => r.collected);
        f[`${name}.runs`] = collected.length;
        f[`${name}.gcMs`] = runs.reduce((s, r) => s + r.ms, 0);
        f[`${name}.filesCollected`] = runs.reduce((s, r) => s + r.deletedFileIds.length, 0);
        f[`${name}.bytesCollected`] = runs.reduce((s, r) => s + r.deletedBytes, 0);
        f[`${name}.bytesRewritten`] = runs.reduce((s, r) => s + r.rewrittenBytes, 0);
        result.vlogFilesAfterGc[String(ratio)] = vlogFiles(dir);
        if (runs.length > GC_RUNS_MAX) result.problems.push(`sett GC at ${ratio} still collecting after ${GC_RUNS_MAX} runs: stopped`);
      }
      const s = e.stats();
      result.finalStats = { levels: s.levels, files: s.files, valueLog: s.valueLog, counters: s.counters, writeAmplification: s.writeAmplification };
    } else if (e instanceof LevelEngine) {
      result.finalStats = e.property('leveldb.stats');
    }
    return result;
  } finally {
    await e.close();
  }
}

/** runValueLogGC(ratio) until it resolves false, recording what every call deleted and rewrote. */
async function gcLoop(db: DB, dir: string, ratio: number, runs: GcRun[]): Promise<void> {
  for (let i = 0; i <= GC_RUNS_MAX; i++) {
    const before = vlogFileSizes(dir);
    const rewritten0 = db.stats().counters.vlogGCBytesRewritten;
    const start = nowMs();
    const collected = await db.runValueLogGC(ratio);
    const ms = nowMs() - start;
    const after = vlogFileSizes(dir);
    const gone = [...before.keys()].filter((id) => !after.has(id));
    runs.push({ ratio, collected, ms, deletedFileIds: gone, deletedBytes: bytesDeleted(before, after).bytes, rewrittenBytes: db.stats().counters.vlogGCBytesRewritten - rewritten0 });
    if (!collected) return;
  }
}

async function deleteBatches(e: Engine, keys: readonly Buffer[], order: ArrayLike<number>): Promise<void> {
  for (let start = 0; start < order.length; start += BATCH_SIZE) {
    const end = Math.min(order.length, start + BATCH_SIZE);
    const ops = new Array<{ type: 'del'; key: Buffer }>(end - start);
    for (let i = start; i < end; i++) ops[i - start] = { type: 'del', key: keys[order[i]!]! };
    if (e instanceof SettEngine) await e.handle().batch(ops);
    else if (e instanceof LevelEngine) await e.handle().batch(ops);
  }
}

function recordIo(f: Figures, name: string, io: IoCounters | undefined): void {
  f[`${name}.wchar`] = io?.wchar ?? NaN;
  f[`${name}.dirtied`] = io === undefined ? NaN : io.writeBytes - io.cancelledWriteBytes;
}

/** Bytes each engine says it wrote, cumulative since open; NaN where it does not say. */
interface EngineBytes {
  vlog: number;
  wal: number;
  flush: number;
  compaction: number;
}

function engineBytes(e: Engine): EngineBytes {
  if (e instanceof SettEngine) {
    const c = e.stats().counters;
    return { vlog: c.vlogBytesWritten, wal: c.bytesWritten, flush: c.flushBytes, compaction: c.compactionBytesWritten };
  }
  if (e instanceof LevelEngine) {
    // leveldb.stats Write(MB): level 0's row is the memtable flushes, the others compactions.
    const levels = parseLevelDbStats(e.property('leveldb.stats'));
    const l0 = levels.find((l) => l.level === 0)?.writeMB ?? 0;
    const total = levels.reduce((s, l) => s + l.writeMB, 0);
    return { vlog: NaN, wal: NaN, flush: l0 * MiB, compaction: (total - l0) * MiB };
  }
  throw new Error(`unknown engine ${e.name}`);
}
