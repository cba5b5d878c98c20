// Where a queue's partitions live (seed 002, "Multiple Storage Locations"): each partition is its
// own database directory, `<storage dir>/<queue>-<NNNNNN>-partition`, and partitions are shared out
// among the storage directories in proportion to their affinities (7 and 3: 70% and 30%).

import { InvalidArgumentError } from 'sett';

export interface StorageDir {
  /** A label for stats and errors (the seed's `name: badger-ssd`); defaults to the directory. */
  name?: string;
  dir: string;
  /** Relative weight; any positive number (7 and 3 mean the same as 0.7 and 0.3). */
  affinity: number;
}

/** Partitions per queue at most: the directory name carries six digits. */
export const MAX_PARTITIONS = 1_000_000;

/**
 * How many of `count` partitions each storage directory gets: its exact share rounded down, then
 * the partitions left over go one each to the largest remainders (Hamilton's method), so the
 * counts always add up to `count` — 10 over 0.7/0.3 is 7/3, 3 is 2/1, 1 is 1/0. Ties in
 * remainder go to the earlier directory.
 */
export function shareOut(count: number, affinities: readonly number[]): number[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidArgumentError(`partition count must be a non-negative integer, got ${String(count)}`);
  if (affinities.length === 0) throw new InvalidArgumentError('at least one storage directory is needed');
  for (const a of affinities) {
    if (typeof a !== 'number' || !Number.isFinite(a) || a <= 0) throw new InvalidArgumentError(`affinity must be a positive number, got ${String(a)}`);
  }
  const sum = affinities.reduce((s, a) => s + a, 0);
  const exact = affinities.map((a) => (count * a) / sum);
  const counts = exact.map((e) => Math.floor(e));
  let left = count - counts.reduce((s, c) => s + c, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    counts[i]!++;
    left--;
  }
  return counts;
}

/**
 * The storage directory (an index into `affinities`) of each partition 0..count-1: shareOut's
 * counts, interleaved so that every run of consecutive partitions is spread close to the
 * affinities too (the k-th of a directory's c partitions sits at (k + 0.5) / c of the way along).
 */
export function placePartitions(count: number, affinities: readonly number[]): number[] {
  const counts = shareOut(count, affinities);
  const slots: { at: number; storage: number }[] = [];
  counts.forEach((c, storage) => {
    for (let k = 0; k < c; k++) slots.push({ at: (k + 0.5) / c, storage });
  });
  slots.sort((a, b) => a.at - b.at || a.storage - b.storage);
  return slots.map((s) => s.storage);
}

/** The directory name of partition `index` of queue `queue` (the seed's layout). */
export function partitionDirName(queue: string, index: number): string {
  return `${queue}-${String(index).padStart(6, '0')}-partition`;
}

/** The partition index a directory name holds for `queue`, or undefined when it is not one of its partitions. */
export function parsePartitionDirName(queue: string, name: string): number | undefined {
  if (!name.startsWith(`${queue}-`) || !name.endsWith('-partition')) return undefined;
  const digits = name.slice(queue.length + 1, name.length - '-partition'.length);
  return /^\d{6}$/.test(digits) ? Number(digits) : undefined;
}
