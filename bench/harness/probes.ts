// What the child process measures around each workload besides time: bytes written to storage,
// peak RSS, and the database directory's size on disk. Linux /proc where available; elsewhere the
// figures degrade (NaN write amplification, peak RSS since the process started) and say so.
//
// The harness reads directories with node:fs directly, as bench/lib/tmp.ts does: the engines
// under test do all their own I/O.

import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIo } from '../lib/probes.js';

/** Bytes this process (every thread: engine workers and native background threads too) dirtied for storage. */
export function storageBytesWritten(): number {
  return readIo()?.writeBytes ?? NaN;
}

/**
 * Starts a new peak-RSS window: writing 5 to /proc/self/clear_refs resets the kernel's high-water
 * mark (VmHWM, which getrusage's maxrss reads too). Returns false where that is not allowed, and
 * the peak then covers everything since the process started.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size in bytes since the last reset (or since the process started). */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Bytes the files under `dir` occupy on disk (allocated blocks, so sparse files count what they
 * use). An engine's background compaction may delete a file between the listing and its stat:
 * such a file counts as gone (at 10M entries LevelDB did, and the ENOENT failed its workload).
 */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(path);
    else if (entry.isFile()) {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined) continue;
      total += st.blocks > 0 || st.size === 0 ? st.blocks * 512 : st.size;
    }
  }
  return total;
}
