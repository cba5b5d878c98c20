// How many operations each workload runs, derived from --num / --quick / --value-size. One plan is
// computed in the parent and handed to every engine's child, so all engines run the same counts.

import type { HarnessArgs } from './cli.js';

export const KEY_BYTES = 16;
export const DEFAULT_NUM = 1_000_000;
export const QUICK_NUM = 100_000;
export const DEFAULT_VALUE_BYTES = 100;
/** A fill batch holds at most this many entries... */
export const BATCH_ENTRIES_MAX = 1000;
/** ...and at most about this many bytes (so 64 KiB values go 16 to a batch). */
export const BATCH_BYTES_MAX = 1024 * 1024;
/** YCSB E's scans read a uniform 1..this many entries (YCSB's workloade: maxscanlength=100). */
export const YCSB_SCAN_MAX = 100;
/**
 * Caps that keep the default run within 10 minutes on 2 cores: RocksDB's binding has no sync get
 * (an async get costs tens of µs in the thread pool), and awaited single writes on LMDB cost a
 * commit each. db_bench likewise lets --reads differ from --num.
 */
const READS_MAX = 250_000;
const SEEKS_MAX = 25_000;
/** Native engines count as settled after this long without background activity. */
const QUIET_MS = 500;
const QUICK_QUIET_MS = 200;

export interface Plan {
  quick: boolean;
  seed: number;
  /** Entries of the main workloads (fillseq, fillrandom, overwrite, the reads, YCSB's records). */
  num: number;
  valueBytes: number;
  /** readrandom and readmissing gets. */
  reads: number;
  seeks: number;
  deletes: number;
  fill4kEntries: number;
  fill64kEntries: number;
  /** Puts per durable workload, whatever the number of writers. */
  syncOps: number;
  /** Operations per YCSB workload. */
  ycsbOps: number;
  quietMs: number;
}

export function makePlan(args: Pick<HarnessArgs, 'quick' | 'num' | 'valueSize' | 'seed'>): Plan {
  const num = args.num ?? (args.quick ? QUICK_NUM : DEFAULT_NUM);
  const largeBytes = clamp(num * 128, 32 << 20, 256 << 20);
  return {
    quick: args.quick,
    seed: args.seed,
    num,
    valueBytes: args.valueSize ?? DEFAULT_VALUE_BYTES,
    reads: Math.min(num, READS_MAX),
    seeks: Math.max(1, Math.min(Math.floor(num / 10), SEEKS_MAX)),
    deletes: Math.floor(num / 2),
    fill4kEntries: Math.ceil(largeBytes / 4096),
    fill64kEntries: Math.ceil(largeBytes / 65536),
    syncOps: clamp(Math.floor(num / 250), 2_000, 4_000),
    ycsbOps: clamp(Math.floor(num / 50), 2_000, 20_000),
    quietMs: args.quick ? QUICK_QUIET_MS : QUIET_MS,
  };
}

/** Entries per fill batch for values of `valueBytes`. */
export function batchEntries(valueBytes: number): number {
  return clamp(Math.floor(BATCH_BYTES_MAX / (KEY_BYTES + valueBytes)), 1, BATCH_ENTRIES_MAX);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
