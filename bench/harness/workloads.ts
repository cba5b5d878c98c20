// The workloads, in the order a run executes them, with what each one means. Pure data: the
// runner (runner.ts, ycsb.ts) does the work, the report and docs/performance.md describe it.
//
// Workloads share databases in groups: "main" is one database per engine that fillrandom fills
// (or an untimed load, when fillrandom is not selected) and every later workload in the group
// reads or changes, deleterandom last. The other groups each start from a fresh, empty database.

export const WORKLOAD_NAMES = [
  'fillseq',
  'fillrandom',
  'overwrite',
  'readrandom',
  'readmissing',
  'readseq',
  'readreverse',
  'seekrandom',
  'ycsb-a',
  'ycsb-b',
  'ycsb-c',
  'ycsb-f',
  'ycsb-d',
  'ycsb-e',
  'deleterandom',
  'fill4k',
  'fill64k',
  'syncwrite1',
  'syncwrite16',
  'syncwrite64',
] as const;

export type WorkloadName = (typeof WORKLOAD_NAMES)[number];
export type WorkloadGroup = 'fillseq' | 'main' | 'fill4k' | 'fill64k' | 'syncwrite1' | 'syncwrite16' | 'syncwrite64';

export interface WorkloadInfo {
  name: WorkloadName;
  group: WorkloadGroup;
  /** What one latency sample times. */
  op: string;
  /** One line for the report and the docs. */
  what: string;
}

export const WORKLOADS: Readonly<Record<WorkloadName, WorkloadInfo>> = {
  fillseq: { name: 'fillseq', group: 'fillseq', op: 'batch', what: 'num keys in ascending order into an empty database, in batches' },
  fillrandom: { name: 'fillrandom', group: 'main', op: 'batch', what: 'num keys in random order (every key once) into an empty database, in batches' },
  overwrite: { name: 'overwrite', group: 'main', op: 'batch', what: 'every key written again with a new value, in another random order, in batches' },
  readrandom: { name: 'readrandom', group: 'main', op: 'get', what: 'point reads of existing keys in random order, one at a time (sync where the engine has it)' },
  readmissing: { name: 'readmissing', group: 'main', op: 'get', what: 'point reads of absent keys that sort between existing ones (key + "."): the bloom filter path' },
  readseq: { name: 'readseq', group: 'main', op: 'scan', what: 'one full forward scan with an iterator (timed as a whole: no per-entry latency)' },
  readreverse: { name: 'readreverse', group: 'main', op: 'scan', what: 'one full reverse scan with an iterator (timed as a whole)' },
  seekrandom: { name: 'seekrandom', group: 'main', op: 'seek', what: 'a new iterator positioned at a random existing key, reading the entry there' },
  'ycsb-a': { name: 'ycsb-a', group: 'main', op: 'op', what: 'YCSB A, update heavy: 50% reads, 50% updates, zipfian keys' },
  'ycsb-b': { name: 'ycsb-b', group: 'main', op: 'op', what: 'YCSB B, read mostly: 95% reads, 5% updates, zipfian keys' },
  'ycsb-c': { name: 'ycsb-c', group: 'main', op: 'op', what: 'YCSB C, read only: 100% reads, zipfian keys' },
  'ycsb-f': { name: 'ycsb-f', group: 'main', op: 'op', what: 'YCSB F, read-modify-write: 50% reads, 50% read then write, zipfian keys' },
  'ycsb-d': { name: 'ycsb-d', group: 'main', op: 'op', what: 'YCSB D, read latest: 95% reads skewed to the newest keys, 5% inserts' },
  'ycsb-e': { name: 'ycsb-e', group: 'main', op: 'op', what: 'YCSB E, short ranges: 95% scans of 1-100 entries from zipfian keys, 5% inserts' },
  deleterandom: { name: 'deleterandom', group: 'main', op: 'batch', what: 'half the keys deleted in random order, in batches' },
  fill4k: { name: 'fill4k', group: 'fill4k', op: 'batch', what: 'fillrandom with 4 KiB values (past sett\'s 1 KiB valueThreshold: the value log)' },
  fill64k: { name: 'fill64k', group: 'fill64k', op: 'batch', what: 'fillrandom with 64 KiB values' },
  syncwrite1: { name: 'syncwrite1', group: 'syncwrite1', op: 'put', what: 'durable single puts (fsync before the promise resolves), 1 writer' },
  syncwrite16: { name: 'syncwrite16', group: 'syncwrite16', op: 'put', what: 'durable single puts, 16 concurrent writers (group commit shares the fsync)' },
  syncwrite64: { name: 'syncwrite64', group: 'syncwrite64', op: 'put', what: 'durable single puts, 64 concurrent writers' },
};

/** Names --workloads accepts for several workloads at once. */
export const WORKLOAD_ALIASES: Readonly<Record<string, readonly WorkloadName[]>> = {
  all: WORKLOAD_NAMES,
  ycsb: ['ycsb-a', 'ycsb-b', 'ycsb-c', 'ycsb-f', 'ycsb-d', 'ycsb-e'],
  syncwrite: ['syncwrite1', 'syncwrite16', 'syncwrite64'],
  fill: ['fillseq', 'fillrandom', 'fill4k', 'fill64k'],
  read: ['readrandom', 'readmissing', 'readseq', 'readreverse', 'seekrandom'],
};

/** Concurrent writers of the durable workloads. */
export function syncWriters(name: WorkloadName): number {
  return name === 'syncwrite64' ? 64 : name === 'syncwrite16' ? 16 : 1;
}

/** The selected workloads in execution order, whatever order they were asked for in. */
export function inRunOrder(selected: Iterable<WorkloadName>): WorkloadName[] {
  const set = new Set(selected);
  return WORKLOAD_NAMES.filter((w) => set.has(w));
}
