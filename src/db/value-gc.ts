// Value-log garbage collection (SPEC §3 "Value log"): pick the file with the most discardable
// bytes, rewrite the entries the tree still points at through the write path, and delete the
// file once nothing can read it.
//
// How a rewrite keeps the tree correct (docs/design.md §Value-log GC):
// - An entry is rewritten only if the NEWEST version of its key is exactly that entry (same
//   version, pointer to this file and offset), checked again inside the writer when its group
//   commits. A key deleted or overwritten meanwhile is skipped, so GC never brings one back.
// - The rewrite is committed with a NEW version, like any write, so it is the newest version of
//   its key and lands in the memtable, the top of the tree: "newest above" holds as for any
//   write. (Keeping the old version, as Badger does, would put an old version into a new L0
//   table and break L0's order by max version; Badger gets away with it only because it
//   searches every level.) The old versions pointing into the collected file are older than
//   the rewrite, so compaction drops them like any overwritten value.
// - The old file is deleted only after the rewrites are durable (WAL and value log synced) and
//   after every iterator opened before them is closed.

import { InvalidArgumentError, copyBytes, isExpired, type Entry, type ValuePointer } from '../base/index.js';
import type { DiscardStats, ValueLog } from '../vlog/index.js';
import type { Counters } from './stats.js';

/**
 * Entries per rewrite request, and bytes: a rewrite request stays an ordinary-sized group. It
 * also stays within GCHost.maxRewriteTreeBytes, the limit of any write (with small memtables and
 * long keys that is the tighter one: a request that cannot fit an empty memtable never commits).
 */
const rewriteBatchEntries = 256;
const rewriteBatchBytes = 1 << 20;
/** Entries scanned between yields to the event loop. */
const scanSliceEntries = 512;

export interface GCHost {
  vlog: ValueLog;
  discard: DiscardStats;
  counters: Counters;
  nowMs(): number;
  /** Whether the newest version of `key` is `version` with its value at `pointer`. */
  stillPointsAt(key: Uint8Array, version: number, pointer: ValuePointer): boolean;
  /** Submits GC rewrites through the write path (checked again at commit). */
  rewrite(entries: Entry[], from: ValuePointer[]): Promise<void>;
  /** The memtable bytes an entry takes once written (EntryMaker.treeBytes). */
  treeBytes(entry: Entry): number;
  /** The most memtable bytes one rewrite request may take (the TXN_TOO_BIG limit of any write). */
  readonly maxRewriteTreeBytes: number;
  /** Makes every committed write durable (WAL and value log). */
  syncAll(): Promise<void>;
  /** A new read epoch: iterators opened from now on cannot see the rewritten file. */
  nextEpoch(): number;
  /** The oldest epoch of an open iterator, or Infinity. */
  oldestLiveEpoch(): number;
}

export class ValueLogGC {
  private running = false;
  /** Files whose live entries are rewritten, waiting for older iterators to close. */
  private readonly pending: { fileId: number; epoch: number }[] = [];

  constructor(private readonly host: GCHost) {}

  /** Resolves true if it rewrote a file, false if none qualified or a GC is already running. */
  async run(discardRatio: number): Promise<boolean> {
    if (typeof discardRatio !== 'number' || !(discardRatio > 0 && discardRatio < 1)) {
      throw new InvalidArgumentError(`discardRatio must be a number between 0 and 1 (exclusive), got ${String(discardRatio)}`);
    }
    if (this.running) return false;
    this.running = true;
    try {
      await this.deleteReleased();
      const fileId = this.pick(discardRatio);
      if (fileId === undefined) return false;
      await this.rewriteLive(fileId);
      return true;
    } finally {
      this.running = false;
    }
  }

  /** Deletes rewritten files no open iterator can still read. */
  async deleteReleased(): Promise<void> {
    const oldest = this.host.oldestLiveEpoch();
    for (let i = 0; i < this.pending.length; ) {
      const p = this.pending[i]!;
      if (p.epoch > oldest) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      await this.host.vlog.deleteFile(p.fileId);
      this.host.discard.remove(p.fileId);
      this.host.counters.vlogFilesDeleted++;
    }
  }

  get pendingDeletions(): number {
    return this.pending.length;
  }

  /** The non-active file with the most discardable bytes, if at least ratio × its size. */
  private pick(ratio: number): number | undefined {
    const { vlog, discard } = this.host;
    let best: number | undefined;
    let bestBytes = 0;
    for (const id of vlog.fileIds()) {
      if (id === vlog.activeFileId || this.pending.some((p) => p.fileId === id)) continue;
      const bytes = discard.get(id);
      if (bytes >= ratio * vlog.fileSize(id) && bytes > bestBytes) {
        best = id;
        bestBytes = bytes;
      }
    }
    return best;
  }

  private async rewriteLive(fileId: number): Promise<void> {
    const host = this.host;
    host.counters.vlogGCRuns++;
    let entries: Entry[] = [];
    let from: ValuePointer[] = [];
    let bytes = 0;
    let treeBytes = 0;
    let scanned = 0;
    const submit = async () => {
      if (entries.length === 0) return;
      const batch = entries;
      const pointers = from;
      entries = [];
      from = [];
      bytes = 0;
      treeBytes = 0;
      await host.rewrite(batch, pointers);
    };
    for (const { entry, pointer } of host.vlog.entries(fileId)) {
      if (++scanned % scanSliceEntries === 0) await new Promise((resolve) => setImmediate(resolve));
      if (isExpired(entry.expiresAt, host.nowMs())) continue;
      if (!host.stillPointsAt(entry.key, entry.version, pointer)) continue;
      // Copies: entries() yields views into a read chunk.
      const rewrite: Entry = { key: copyBytes(entry.key), version: entry.version, meta: entry.meta, userMeta: entry.userMeta, expiresAt: entry.expiresAt, value: copyBytes(entry.value) };
      const entryTreeBytes = host.treeBytes(rewrite);
      if (treeBytes + entryTreeBytes > host.maxRewriteTreeBytes) await submit();
      entries.push(rewrite);
      from.push(pointer);
      bytes += entry.key.length + entry.value.length;
      treeBytes += entryTreeBytes;
      host.counters.vlogGCRewrites++;
      host.counters.vlogGCBytesRewritten += entry.value.length;
      if (entries.length >= rewriteBatchEntries || bytes >= rewriteBatchBytes) await submit();
    }
    await submit();
    await host.syncAll();
    // Everything in the file is now garbage: if the deletion below is lost in a crash, the next
    // GC finds nothing live in it and deletes it then.
    host.discard.add(fileId, Math.max(0, host.vlog.fileSize(fileId) - host.discard.get(fileId)));
    await host.discard.save();
    this.pending.push({ fileId, epoch: host.nextEpoch() });
    await this.deleteReleased();
  }
}
