// The compaction job: merges input tables into new tables, dropping the versions no reader can
// see any more (Badger's compactBuildTables / LevelDB's DoCompactionWork). Runs on a worker
// thread or inline; reads and writes files only, and reports what it wrote to the main thread,
// which records it in the MANIFEST.
//
// Version dropping, per user key, newest version first (discardVersion = the oldest read version
// still in use; a reader at r sees the newest version <= r, hidden when a tombstone or expired):
//   - versions > discardVersion: kept, whatever they are (some reader may see each of them);
//   - the newest version <= discardVersion is what every reader at or above discardVersion sees
//     when nothing newer shadows it. A tombstone or expired entry there, where no deeper level can
//     hold the key, is dropped with everything older: the key then simply does not exist, as the
//     tombstone said. Otherwise it is kept as the first of numVersionsToKeep kept versions;
//   - older versions are kept until numVersionsToKeep are kept, or until a kept tombstone,
//     expired entry or META_DISCARD_EARLIER_VERSIONS entry, after which all are dropped (only
//     allVersions iteration at old versions could tell). A later tombstone or expired entry that
//     no deeper level can hold is dropped with everything older (Badger does the same).
// Equal internal keys in two inputs (a table rewritten twice) are one entry: the first, from the
// newer source, is the one considered; the rest are skipped without counting as dropped.

import {
  CorruptionError,
  InternalError,
  META_DELETE,
  META_DISCARD_EARLIER_VERSIONS,
  META_VALUE_POINTER,
  VERSION_BYTES,
  ValuePointer,
  assert,
  compareInternalKeys,
  compareRanges,
  compareUserKeys,
  getVarint,
  readVersion,
  type InternalIterator,
} from '../base/index.js';
import type { FileSystem } from '../fs/index.js';
import {
  ConcatIterator,
  Table,
  TableBuilder,
  ensureCompressionReady,
  TableWriter,
  type TableBuilderOptions,
  type TableProperties,
  type WarmBlocks,
} from '../sstable/index.js';
import { dataKeySource, type DataKey } from '../crypto/index.js';
import { MergeIterator } from './merge-iterator.js';
import { yieldToEventLoop, type JobSlicing } from './slicing.js';

export interface CompactJob {
  kind: 'compact';
  /** Newest source first: the top tables (L0: newest first), then the bottom tables. */
  inputs: { path: string; fileId: number }[];
  /**
   * How many of the last inputs are the bottom level's tables (disjoint, one level below L0):
   * they are read as one source (ConcatIterator), so the merge compares top + 1 keys per entry,
   * not top + bottom. Absent: every input is its own source.
   */
  bottomCount?: number;
  /** Pre-allocated names, used in order; unused ones are not created. */
  outputs: { path: string; fileId: number }[];
  table: TableBuilderOptions;
  /**
   * Bytes of the outputs' data blocks, uncompressed, to keep for the reader's cache across all
   * outputs (as a flush does with TableBuilderOptions.warmBytes); absent or 0: none.
   */
  warmBytes?: number;
  /** An output is cut (at a user-key boundary) once its estimated size reaches this. */
  targetTableBytes: number;
  /** Versions above this are visible to some reader: all of them are kept. */
  discardVersion: number;
  numVersionsToKeep: number;
  /** Milliseconds since the epoch: entries with 0 < expiresAt <= nowMs are expired. */
  nowMs: number;
  /** No level below the output level holds any of these keys: tombstones can always go. */
  bottommost: boolean;
  /** Inclusive user-key ranges of the tables below the output level, sorted by start (used when !bottommost). */
  deeperRanges: [Uint8Array, Uint8Array][];
  /** Inclusive user-key ranges of the tables at outputLevel+1, sorted. */
  grandparents: { smallest: Uint8Array; largest: Uint8Array; size: number }[];
  /** An output is cut when it would overlap more than this many grandparent bytes (LevelDB: 10 × target). */
  maxGrandparentOverlapBytes: number;
  /** User keys starting with any of these are dropped, every version. */
  dropPrefixes: Uint8Array[];
  /**
   * Data keys of encrypted inputs (plain data: it crosses to a worker; never the master key).
   * Outputs are encrypted with `table.encryption`.
   */
  keys?: DataKey[];
}

export interface CompactResult {
  /** In key order; sorted, non-overlapping, each user key in one table. Empty if all was dropped. */
  outputs: { fileId: number; path: string; properties: TableProperties; warm?: WarmBlocks }[];
  /** [vlog fileId, bytes] of the values of dropped entries that pointed into the value log. */
  discardBytes: [number, number][];
  entriesIn: number;
  entriesOut: number;
  bytesRead: number;
  bytesWritten: number;
}

export async function runCompact(fs: FileSystem, job: CompactJob, slicing: JobSlicing = {}): Promise<CompactResult> {
  assert(job.inputs.length > 0, 'compaction without inputs');
  assert(job.targetTableBytes > 0, () => `targetTableBytes ${job.targetTableBytes} must be positive`);
  assert(Number.isInteger(job.numVersionsToKeep) && job.numVersionsToKeep >= 1, () => `numVersionsToKeep ${job.numVersionsToKeep} must be >= 1`);
  if (job.table.compression === 'zstd') await ensureCompressionReady();

  // No block cache: each input block is read once, in order, and must not evict the readers' blocks.
  // Each input iterator decodes its blocks into one array it reuses (reuseBlockBuffers): the loop
  // below copies what it keeps (the output builder copies keys and values; `previous` the key)
  // before it steps, so no view of an input block is held past the next step.
  const tables: Table[] = [];
  const iterators: InternalIterator[] = [];
  const output = new OutputWriter(fs, job);
  try {
    const keys = job.keys === undefined ? undefined : dataKeySource(job.keys);
    for (const input of job.inputs) tables.push(Table.open(fs, input.path, input.fileId, { keys, reuseBlockBuffers: true }));
    output.maxWalId = tables.reduce((m, t) => Math.max(m, t.properties.maxWalId), 0);
    const bottomCount = job.bottomCount ?? 0;
    assert(Number.isInteger(bottomCount) && bottomCount >= 0 && bottomCount <= tables.length, () => `bottomCount ${bottomCount} of ${tables.length} inputs`);
    const topCount = tables.length - bottomCount;
    for (const t of tables.slice(0, topCount)) iterators.push(t.iterator());
    if (bottomCount > 0) {
      const bottom = tables.slice(topCount).sort((a, b) => compareInternalKeys(a.properties.smallest, b.properties.smallest));
      iterators.push(new ConcatIterator(bottom));
    }
    const merge = new MergeIterator(iterators);
    const filter = new VersionFilter(job);
    const where = job.inputs.map((i) => i.path).join(', ');
    const scratch = [0];
    const discard = new Map<number, number>();
    let entriesIn = 0;
    let previous = new Uint8Array(64);
    let previousLength = -1;
    let keyInOutput = false;
    const yieldEvery = slicing.yieldEvery ?? Infinity;
    let sinceYield = 0;
    for (merge.seekToFirst(); merge.valid(); merge.next()) {
      // Before this step's views are taken: the input files are not deleted while the job runs,
      // and nothing from the last step is held (`previous` is a copy).
      if (++sinceYield >= yieldEvery) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
      const key = merge.key();
      const value = merge.value();
      entriesIn++;
      const userLength = key.length - VERSION_BYTES;
      const sameUser =
        previousLength - VERSION_BYTES === userLength && compareRanges(previous, 0, userLength, key, 0, userLength) === 0;
      if (sameUser && compareRanges(previous, userLength, previousLength, key, userLength, key.length) === 0) continue;
      if (key.length > previous.length) previous = new Uint8Array(key.length * 2);
      previous.set(key);
      previousLength = key.length;

      if (value.length < 3) throw new CorruptionError(where, 0, `compaction input: value of ${value.length} bytes is too short`);
      const meta = value[0]!;
      const expiresAt = getVarint(value, 2, value.length, scratch);
      if (expiresAt < 0) throw new CorruptionError(where, 0, 'compaction input: bad expiry varint in a value');
      if (!sameUser) {
        // `previous` keeps the user key's bytes for as long as its versions last (the key view does not).
        filter.startKey(previous.subarray(0, userLength));
        keyInOutput = false;
      }
      if (filter.keep(readVersion(key, userLength), meta, expiresAt)) {
        // Outputs are cut only before a user key's first kept version: all its versions share a table.
        if (!keyInOutput) {
          keyInOutput = true;
          if (output.shouldCutBefore(previous.subarray(0, userLength))) await output.finish();
        }
        output.add(key, value);
      } else if ((meta & META_VALUE_POINTER) !== 0) {
        const vp = ValuePointer.decode(value.subarray(scratch[0]!));
        discard.set(vp.fileId, (discard.get(vp.fileId) ?? 0) + vp.length);
      }
    }
    await output.finish();
    let bytesRead = 0;
    for (const t of tables) bytesRead += t.size;
    let bytesWritten = 0;
    for (const o of output.written) bytesWritten += o.properties.fileBytes;
    return {
      outputs: output.written,
      discardBytes: [...discard.entries()].sort((a, b) => a[0] - b[0]),
      entriesIn,
      entriesOut: output.entriesOut,
      bytesRead,
      bytesWritten,
    };
  } catch (err) {
    // The outputs are in no MANIFEST yet: remove them so a failed job leaves nothing behind.
    output.removeWritten();
    throw err;
  } finally {
    for (const it of iterators) it.close();
    for (const t of tables) t.unref();
  }
}

/** The per-user-key dropping rules (see the top of this file), one entry at a time, newest first. */
export class VersionFilter {
  private readonly deeper: RangeCover;
  private readonly dropPrefixes: Uint8Array[];
  private userKey: Uint8Array = new Uint8Array(0);
  /** Versions <= discardVersion kept so far for the current user key. */
  private keptOld = 0;
  private dropRest = false;

  constructor(private readonly job: Pick<CompactJob, 'discardVersion' | 'numVersionsToKeep' | 'nowMs' | 'bottommost' | 'deeperRanges' | 'dropPrefixes'>) {
    this.deeper = new RangeCover(job.bottommost ? [] : job.deeperRanges);
    this.dropPrefixes = job.dropPrefixes;
  }

  /** Starts a new user key; keys come in ascending order. `userKey` must stay unchanged until the next startKey. */
  startKey(userKey: Uint8Array): void {
    this.userKey = userKey;
    this.keptOld = 0;
    this.dropRest = false;
    for (const p of this.dropPrefixes) {
      if (p.length <= userKey.length && compareRanges(userKey, 0, p.length, p, 0, p.length) === 0) {
        this.dropRest = true;
        break;
      }
    }
  }

  /** Whether the next (older) version of the current user key stays. */
  keep(version: number, meta: number, expiresAt: number): boolean {
    if (this.dropRest) return false;
    if (version > this.job.discardVersion) return true;
    const dead = (meta & META_DELETE) !== 0 || (expiresAt !== 0 && expiresAt <= this.job.nowMs);
    if (dead) {
      this.dropRest = true;
      // A deeper level may hold older versions that the tombstone must keep hidden.
      return !this.job.bottommost && this.deeper.covers(this.userKey);
    }
    this.keptOld++;
    if ((meta & META_DISCARD_EARLIER_VERSIONS) !== 0 || this.keptOld >= this.job.numVersionsToKeep) this.dropRest = true;
    return true;
  }
}

/**
 * Answers "does any of these inclusive ranges hold this key?" for ascending keys in O(1)
 * amortized. Ranges may overlap (they come from several levels): sorted by start, a key is
 * covered exactly when the largest end among ranges starting at or before it reaches it.
 */
class RangeCover {
  private readonly ranges: [Uint8Array, Uint8Array][];
  private next = 0;
  private maxEnd: Uint8Array | undefined;

  constructor(ranges: readonly [Uint8Array, Uint8Array][]) {
    this.ranges = ranges.slice().sort((a, b) => compareUserKeys(a[0], b[0]));
  }

  covers(key: Uint8Array): boolean {
    while (this.next < this.ranges.length && compareUserKeys(this.ranges[this.next]![0], key) <= 0) {
      const end = this.ranges[this.next++]![1];
      if (this.maxEnd === undefined || compareUserKeys(end, this.maxEnd) > 0) this.maxEnd = end;
    }
    return this.maxEnd !== undefined && compareUserKeys(this.maxEnd, key) >= 0;
  }
}

/** An output's budget for kept blocks, in multiples of the job's targetTableBytes. */
const WARM_OUTPUT_FACTOR = 4;

/** Bytes of block contents `warm` kept. */
function keptBytes(warm: WarmBlocks): number {
  let n = 0;
  for (let i = 0; i < warm.chunkOf.length; i++) if (warm.chunkOf[i]! >= 0) n += warm.lengths[i]!;
  return n;
}

/** Writes the kept entries into output tables, cut at user-key boundaries. */
class OutputWriter {
  readonly written: CompactResult['outputs'] = [];
  entriesOut = 0;
  /** The largest maxWalId among the inputs: outputs hold their data. */
  maxWalId = 0;
  private writer: TableWriter | undefined;
  private readonly grandparents: CompactJob['grandparents'];
  private grandparent = 0;
  private overlappedBytes = 0;
  private seenKey = false;
  /** What is left of job.warmBytes for the outputs still to come. */
  private warmLeft: number;

  constructor(
    private readonly fs: FileSystem,
    private readonly job: CompactJob,
  ) {
    this.grandparents = job.grandparents;
    this.warmLeft = job.warmBytes ?? 0;
  }

  /** Whether to finish the current output before the next user key (which it advances the grandparents to). */
  shouldCutBefore(userKey: Uint8Array): boolean {
    const overlapTooLarge = this.advanceGrandparents(userKey);
    return this.writer !== undefined && (overlapTooLarge || this.writer.builder.estimatedSize() >= this.job.targetTableBytes);
  }

  add(key: Uint8Array, value: Uint8Array): void {
    if (this.writer === undefined) {
      const target = this.job.outputs[this.written.length];
      if (target === undefined) {
        throw new InternalError(`compaction needs more than the ${this.job.outputs.length} output names it was given`);
      }
      // An output's blocks take a few times its compressed target uncompressed; a budget of
      // that much per output keeps each one's chunk near what it fills.
      const warmBytes = Math.min(this.warmLeft, WARM_OUTPUT_FACTOR * this.job.targetTableBytes);
      this.writer = new TableWriter(this.fs, target.path, new TableBuilder({ ...this.job.table, maxWalId: this.maxWalId, ...(warmBytes > 0 ? { warmBytes } : {}) }));
    }
    this.writer.add(key, value);
    this.entriesOut++;
  }

  /** Writes the current output, if it holds anything. */
  async finish(): Promise<void> {
    const writer = this.writer;
    if (writer === undefined || writer.builder.isEmpty()) return;
    this.writer = undefined;
    const target = this.job.outputs[this.written.length]!;
    const properties = await writer.finish();
    const warm = writer.builder.takeWarmBlocks();
    if (warm !== undefined) this.warmLeft = Math.max(0, this.warmLeft - keptBytes(warm));
    this.written.push(warm === undefined ? { fileId: target.fileId, path: target.path, properties } : { fileId: target.fileId, path: target.path, properties, warm });
    this.overlappedBytes = 0;
  }

  /** Removes the finished outputs and the one being written. */
  removeWritten(): void {
    this.writer?.abort();
    this.writer = undefined;
    for (const { path } of this.written) {
      try {
        if (this.fs.exists(path)) this.fs.unlink(path);
      } catch {
        // best effort: the job is already failing with the error that matters, and an
        // unreferenced table is removed when the database next opens
      }
    }
  }

  /**
   * LevelDB's Compaction::ShouldStopBefore on user keys: counts the grandparent bytes the current
   * output has passed over, so no output overlaps so much of the next level that compacting it
   * later rewrites too much.
   */
  private advanceGrandparents(userKey: Uint8Array): boolean {
    const gps = this.grandparents;
    while (this.grandparent < gps.length && compareUserKeys(userKey, gps[this.grandparent]!.largest) > 0) {
      if (this.seenKey) this.overlappedBytes += gps[this.grandparent]!.size;
      this.grandparent++;
    }
    this.seenKey = true;
    return this.overlappedBytes > this.job.maxGrandparentOverlapBytes; // finish() starts the next output at 0
  }
}
