// Waiting for LevelDB's background compactions, which classic-level offers no call for.

import type { LevelEngine } from './engines.js';
import { readIo } from './probes.js';
import { nowMs } from './timing.js';

const QUIET_MS = 1000;
const POLL_MS = 100;
const SETTLE_MAX_MS = 30 * 60_000;

/**
 * Waits until LevelDB's background thread has gone quiet: neither this process's write(2) bytes
 * nor leveldb.stats changed for QUIET_MS. Returns the ms to the last change seen (a compaction
 * writes its output as it goes, so a long one still moves wchar). The same rule as
 * compaction-bench's settle, so the two benches time LevelDB's background work alike.
 */
export async function settleLevelDb(e: LevelEngine): Promise<number> {
  const start = nowMs();
  let lastChange = start;
  let last = `${readIo()?.wchar ?? 0}|${e.property('leveldb.stats')}`;
  while (nowMs() - lastChange < QUIET_MS && nowMs() - start < SETTLE_MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const now = `${readIo()?.wchar ?? 0}|${e.property('leveldb.stats')}`;
    if (now !== last) {
      last = now;
      lastChange = nowMs();
    }
  }
  return lastChange - start;
}
