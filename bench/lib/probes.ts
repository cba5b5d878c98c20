// Process-level probes for the compaction benchmark: the bytes every thread of this process
// handed to write(2) (/proc/self/io, Linux only), event-loop delay (perf_hooks), and LevelDB's
// own per-level summary parsed out of `leveldb.stats`. Both engines write from threads of this
// one process (sett's workers, LevelDB's background thread and libuv's pool), so one counter
// measures both the same way.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

export interface IoCounters {
  /** Bytes passed to write/pwrite/writev by any thread (wchar): what the engines asked to write. */
  wchar: number;
  /** Bytes of page cache dirtied for storage (write_bytes). */
  writeBytes: number;
  /** Dirty bytes dropped before writeback, e.g. files deleted while still in the page cache. */
  cancelledWriteBytes: number;
}

const PROC_IO = '/proc/self/io';

/** The counters now, or undefined where /proc/self/io is missing (not Linux, or restricted). */
export function readIo(): IoCounters | undefined {
  let text: string;
  try {
    text = readFileSync(PROC_IO, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  return { wchar: field('wchar'), writeBytes: field('write_bytes'), cancelledWriteBytes: field('cancelled_write_bytes') };
}

export function ioDelta(before: IoCounters | undefined, after: IoCounters | undefined): IoCounters | undefined {
  if (before === undefined || after === undefined) return undefined;
  return {
    wchar: after.wchar - before.wchar,
    writeBytes: after.writeBytes - before.writeBytes,
    cancelledWriteBytes: after.cancelledWriteBytes - before.cancelledWriteBytes,
  };
}

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Timer samples per second of the phase: ~1000 on a free loop; a long block counts once. */
  ticksPerSec: number;
}

/**
 * Event-loop delay over one phase, sampled by a 1 ms timer: how long the main thread could not
 * run a callback. The sample is taken when the timer finally runs, so a phase that kept the
 * thread busy in microtasks (awaits that resolve without I/O) records nothing until it yields:
 * stop() lets one timer turn pass first, or a fully blocking phase would read as zero delay.
 * Node records the whole interval between ticks, so an idle loop reads about 1 ms, not 0.
 */
export class LoopDelayProbe {
  private histogram: IntervalHistogram | undefined;
  private startedMs = 0;

  /**
   * Starts sampling on a fresh histogram (reset() would also drop the timer's baseline); resolves
   * after the first ticks, since the first one only sets the baseline.
   */
  async start(): Promise<void> {
    this.histogram?.disable();
    this.histogram = monitorEventLoopDelay({ resolution: 1 });
    this.histogram.enable();
    this.startedMs = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3));
  }

  async stop(): Promise<LoopDelay> {
    const h = this.histogram;
    if (h === undefined) throw new Error('LoopDelayProbe.stop() before start()');
    await new Promise((resolve) => setTimeout(resolve, 2));
    h.disable();
    const windowMs = performance.now() - this.startedMs;
    if (h.count === 0) return { p99Ms: 0, maxMs: 0, meanMs: 0, ticksPerSec: 0 };
    return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, meanMs: h.mean / 1e6, ticksPerSec: (1000 * h.count) / windowMs };
  }
}

export interface LevelDbLevel {
  level: number;
  files: number;
  sizeMB: number;
  readMB: number;
  writeMB: number;
}

/**
 * Rows of `leveldb.stats`:
 *   Level  Files Size(MB) Time(sec) Read(MB) Write(MB)
 *     0        0        0         0        0         4
 * Write(MB) of level L counts what compactions into L wrote; level 0's row is the memtable
 * flushes. LevelDB prints whole MiB (bytes / 1048576, rounded: "%8.0f" in db_impl.cc), so small
 * workloads read coarse.
 */
export function parseLevelDbStats(text: string): LevelDbLevel[] {
  const out: LevelDbLevel[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m === null) continue;
    out.push({ level: Number(m[1]), files: Number(m[2]), sizeMB: Number(m[3]), readMB: Number(m[5]), writeMB: Number(m[6]) });
  }
  return out;
}

/** Total bytes LevelDB's flushes and compactions report writing (MiB resolution). */
export function levelDbTableBytesWritten(text: string): number {
  return parseLevelDbStats(text).reduce((s, l) => s + l.writeMB, 0) * 1048576;
}
