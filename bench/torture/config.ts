// What the parent and the child agree on: the engine options (small, so a few seconds of writes
// flush memtables, compact, rotate value-log files and give GC something to collect) and the
// child's start-up configuration, passed as one JSON argument.

import type { OpenOptions } from '../../src/index.js';

const KiB = 1024;

/** Values longer than this go to the value log (SPEC §6 default). */
export const VALUE_THRESHOLD_BYTES = 1024;

/** The engine options of every open, child and parent (syncWrites is set per cycle). */
export const TORTURE_DB_OPTIONS: OpenOptions = Object.freeze({
  memTableSize: 256 * KiB,
  numMemtables: 3,
  valueThreshold: VALUE_THRESHOLD_BYTES,
  valueLogFileSize: 1024 * KiB,
  baseTableSize: 64 * KiB,
  baseLevelSize: 256 * KiB,
  levelSizeMultiplier: 4,
  numLevelZeroTables: 3,
  blockCacheSize: 2048 * KiB,
});

export interface ChildConfig {
  dir: string;
  /** The ack log this child appends to (one per cycle). */
  log: string;
  syncWrites: boolean;
  seed: number;
  /** First generation to issue: above every generation issued so far. */
  startGen: number;
  /** First counter value to issue: above every value issued so far. */
  startCounter: number;
  singleKeys: number;
  batchKeys: number;
  /** Writes kept in flight at once (so group commit batches them). */
  lanes: number;
  /** Milliseconds between background runValueLogGC calls. */
  gcIntervalMs: number;
}

export const DEFAULT_SINGLE_KEYS = 1500;
export const DEFAULT_BATCH_KEYS = 600;
export const DEFAULT_LANES = 12;
export const DEFAULT_GC_INTERVAL_MS = 250;

/** A line the child prints on stdout just before open() (early kills are timed from it). */
export const OPENING_LINE = 'opening';
/** A line the child prints on stdout once the database is open. */
export const READY_LINE = 'ready';
/** The prefix of the child's periodic stats line (JSON after it). */
export const STATS_PREFIX = 'stats ';
/** The child's exit code when its open() threw (a database that does not reopen after a kill). */
export const CHILD_EXIT_OPEN_FAILED = 5;
/** The prefix of a broken promise the child saw itself (read-your-writes, counter). */
export const VIOLATION_PREFIX = 'VIOLATION ';

/** The engine counters the child reports, so the summary shows what happened under the kills. */
export interface ChildStats {
  acked: number;
  flushes: number;
  compactions: number;
  vlogGCRewrites: number;
  vlogFilesDeleted: number;
  vlogBytesWritten: number;
  walSyncs: number;
  maxGroupSize: number;
  liveChecks: number;
}

export function parseChildConfig(json: string): ChildConfig {
  const c = JSON.parse(json) as Partial<ChildConfig>;
  for (const [name, type] of Object.entries({
    dir: 'string',
    log: 'string',
    syncWrites: 'boolean',
    seed: 'number',
    startGen: 'number',
    startCounter: 'number',
    singleKeys: 'number',
    batchKeys: 'number',
    lanes: 'number',
    gcIntervalMs: 'number',
  })) {
    if (typeof (c as Record<string, unknown>)[name] !== type) throw new Error(`child config: ${name} must be a ${type}`);
  }
  return c as ChildConfig;
}
