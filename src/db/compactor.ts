// The main-thread half of leveled compaction: picks plans (src/compaction/picker.ts), runs their
// merge jobs on the executor, records each compaction's additions and deletions in ONE MANIFEST
// record, installs the new version, and lets input files go once no reader holds them.
// Only this side edits the MANIFEST and the version; jobs only write new files.

import { copyBytes, userKeyOf, type InternalKey } from '../base/index.js';
import { levelTargets, overlapping, pickCompactions, spanOf, type CompactionOptions, type CompactionPlan, type TableMeta } from '../compaction/index.js';
import { COMPRESSION_CODE, Table } from '../sstable/index.js';
import type { ManifestChange } from '../manifest/index.js';
import { fileName, joinPath } from './file-names.js';
import type { Lsm, LsmConfig } from './lsm.js';
import { maxKeySizeBytes } from './options.js';

/** Discard bytes gathered before DISCARD is saved again. */
const discardSaveBytes = 4 * 1024 * 1024;

/** Output file ids reserved per compaction beyond its estimated need. */
const spareOutputIds = 8;

export interface CompactionCounters {
  compactions: number;
  compactionMoves: number;
  compactionBytesRead: number;
  compactionBytesWritten: number;
  compactionEntriesDropped: number;
}

export class Compactor {
  private readonly busy = new Set<number>();
  private readonly running = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  /** Discard bytes added since DISCARD was last saved. */
  private unsavedDiscardBytes = 0;

  constructor(
    private readonly lsm: Lsm,
    private readonly config: LsmConfig,
    private readonly discardVersion: () => number,
  ) {}

  get activeCompactions(): number {
    return this.running.size;
  }

  /** Between stop() and resume(): an exclusive operation (flatten, dropPrefix, dropAll) or close owns the levels. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Starts every compaction the tree needs, up to numCompactors at once. With numCompactors 0
   * (Badger's way to turn compaction off) it starts none; see Lsm.waitForL0Room for the stall.
   */
  maybeSchedule(): void {
    // A read-only open writes nothing: beside a live writer a table of its own would take a file
    // id the writer is about to use.
    if (this.stopped || this.lsm.error !== undefined || this.config.options.readOnly) return;
    const slots = this.config.options.numCompactors - this.running.size;
    if (slots <= 0) return;
    const plans = pickCompactions(this.levelMetas(), this.busy, this.compactionOptions(), slots);
    for (const plan of plans) this.start(plan, false);
  }

  /** Runs `plan` (already picked by the caller) and resolves when it is installed. */
  runPlan(plan: CompactionPlan, dropPrefixes: Uint8Array[] = []): Promise<void> {
    return this.start(plan, true, dropPrefixes);
  }

  /** Resolves when no compaction is running. */
  async waitIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Stops scheduling new compactions and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.waitIdle();
  }

  resume(): void {
    this.stopped = false;
  }

  /**
   * Compacts every table into one level: L0 into the shallowest non-empty level below it (or the
   * last level), then each non-empty level into the next non-empty one. The caller has stopped
   * scheduling and flushed the memtables.
   */
  async flatten(): Promise<void> {
    for (;;) {
      const levels = this.levelMetas();
      const nonEmpty = levels.map((t, l) => (t.length > 0 ? l : -1)).filter((l) => l >= 0);
      // Done when one level below L0 holds everything (L0 always goes down, even one table, so
      // that obsolete versions in it are dropped).
      if (nonEmpty.length === 0 || (nonEmpty.length === 1 && nonEmpty[0] !== 0)) return;
      const from = nonEmpty[0]!;
      const to = nonEmpty[1] ?? levels.length - 1;
      const top = levels[from]!;
      const bottom = overlapping(levels[to]!, spanOf(top));
      const targets = levelTargets(levels.map((t) => t.reduce((s, x) => s + x.size, 0)), this.compactionOptions());
      await this.runPlan({
        kind: from === 0 ? 'l0-to-base' : 'level',
        level: from,
        outputLevel: to,
        top,
        bottom,
        score: 0,
        targetTableBytes: targets.targetTableBytes[to] ?? this.config.options.baseTableSize,
      });
    }
  }

  /**
   * Rewrites every table holding keys with `prefix`, in place at its own level, without them.
   * The caller has paused writes, flushed the memtables and stopped scheduling.
   */
  async dropPrefix(prefix: Uint8Array): Promise<void> {
    const range = { smallest: prefix, largest: prefixEnd(prefix) };
    const levels = this.levelMetas();
    const targets = levelTargets(levels.map((t) => t.reduce((s, x) => s + x.size, 0)), this.compactionOptions());
    // Deepest level first, and L0 oldest first: a crash part-way then leaves, of each key, its
    // newest versions or none, never an older version that a dropped newer one was hiding.
    for (let level = levels.length - 1; level >= 0; level--) {
      const candidates = level === 0 ? levels[0]!.filter((t) => overlapping([t], range).length > 0).reverse() : overlapping(levels[level]!, range);
      for (const t of candidates) {
        await this.runPlan(
          {
            kind: level === 0 ? 'l0-to-l0' : 'level',
            level,
            outputLevel: level,
            top: [t],
            bottom: [],
            score: 0,
            targetTableBytes: level === 0 ? t.size + this.config.options.baseTableSize : (targets.targetTableBytes[level] ?? this.config.options.baseTableSize),
          },
          [prefix],
        );
      }
    }
  }

  /** L0 into the levels below until L0 is empty (compactL0OnClose). */
  async compactL0(): Promise<void> {
    for (let guard = 0; guard < 64 && this.lsm.version.levels[0]!.length > 0; guard++) {
      const levels = this.levelMetas();
      const below = levels.findIndex((t, l) => l > 0 && t.length > 0);
      const targets = levelTargets(levels.map((t) => t.reduce((s, x) => s + x.size, 0)), this.compactionOptions());
      const to = below > 0 ? below : targets.baseLevel;
      await this.runPlan({
        kind: 'l0-to-base',
        level: 0,
        outputLevel: to,
        top: levels[0]!,
        bottom: overlapping(levels[to]!, spanOf(levels[0]!)),
        score: 0,
        targetTableBytes: targets.targetTableBytes[to] ?? this.config.options.baseTableSize,
      });
    }
  }

  /**
   * For DB.compactL0 (and so idle compaction): all of L0 into the level below now, when
   * it holds at least `minTables` tables and no running compaction holds any of them (then a
   * merge of its older tables within L0). Resolves once that compaction is installed; false when
   * none started. Not while stopped, read-only, or with compaction turned off (numCompactors 0).
   */
  async compactAllL0(minTables: number): Promise<boolean> {
    const o = this.config.options;
    if (this.stopped || this.lsm.error !== undefined || o.readOnly || o.numCompactors === 0) return false;
    const levels = this.levelMetas();
    if (levels[0]!.length < minTables) return false;
    // Scored as if L0 were due: the picker then plans it as a flush-driven L0 compaction, with
    // every guarantee it gives those. Plans for other levels are only looked at, not started.
    const plans = pickCompactions(levels, this.busy, { ...this.compactionOptions(), numLevelZeroTables: 1 }, levels.length);
    const plan = plans.find((p) => p.level === 0);
    if (plan === undefined) return false;
    await this.start(plan, false);
    return true;
  }

  levelMetas(): TableMeta[][] {
    return this.lsm.version.levels.map((tables) => tables.map(tableMeta));
  }

  compactionOptions(): CompactionOptions {
    const o = this.config.options;
    return {
      baseLevelSize: o.baseLevelSize,
      levelSizeMultiplier: o.levelSizeMultiplier,
      baseTableSize: o.baseTableSize,
      maxLevels: o.maxLevels,
      numLevelZeroTables: o.numLevelZeroTables,
    };
  }

  private start(plan: CompactionPlan, force: boolean, dropPrefixes: Uint8Array[] = []): Promise<void> {
    for (const t of [...plan.top, ...plan.bottom]) this.busy.add(t.id);
    const p = this.execute(plan, dropPrefixes)
      .catch((err: unknown) => {
        this.lsm.fail(err, `compaction of L${plan.level} into L${plan.outputLevel}`);
        if (force) throw this.lsm.error;
      })
      .finally(() => {
        for (const t of [...plan.top, ...plan.bottom]) this.busy.delete(t.id);
        this.running.delete(p);
        this.lsm.onCompactionDone();
        if (!this.stopped) this.maybeSchedule();
        if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    this.running.add(p);
    return p;
  }

  private async execute(plan: CompactionPlan, dropPrefixes: Uint8Array[]): Promise<void> {
    const { fs, dir, manifest, executor, cache, counters } = this.config;
    const version = this.lsm.version;
    const byId = new Map<number, Table>();
    for (const t of version.tables()) byId.set(t.fileId, t);

    if (plan.kind === 'move' && dropPrefixes.length === 0) {
      const t = plan.top[0]!;
      const table = byId.get(t.id)!;
      await manifest?.apply([
        { type: 'delete', tableId: t.id },
        { type: 'add', tableId: t.id, level: plan.outputLevel, compression: COMPRESSION_CODE[table.properties.compression], keyId: table.properties.keyId },
      ]);
      this.lsm.version = this.lsm.version.withChanges(new Set([t.id]), [{ level: plan.outputLevel, table }]);
      counters.compactionMoves++;
      return;
    }

    const inputs = [...plan.top, ...plan.bottom].map((t) => ({ path: byId.get(t.id)!.path, fileId: t.id }));
    const inputBytes = [...plan.top, ...plan.bottom].reduce((s, t) => s + t.size, 0);
    const grandparentTables = plan.kind === 'l0-to-l0' ? [] : (version.levels[plan.outputLevel + 1] ?? []);
    // Outputs are cut by size and by grandparent overlap: each grandparent can add one cut.
    const outputCount = Math.ceil((4 * inputBytes) / Math.max(1, plan.targetTableBytes)) + grandparentTables.length + spareOutputIds;
    const outputs = Array.from({ length: outputCount }, () => {
      const id = this.lsm.allocateFileId();
      return { fileId: id, path: joinPath(dir, fileName('table', id)) };
    });
    const deeper = this.deeperRanges(plan);
    const grandparents = grandparentTables.map((t) => ({
      smallest: copyBytes(userKeyOf(t.properties.smallest)),
      largest: copyBytes(userKeyOf(t.properties.largest)),
      size: t.size,
    }));
    const o = this.config.options;
    const keys = this.config.keys;
    // A due data-key rotation happens when new tables are made; the job carries data keys only.
    if (keys !== undefined) await keys.maybeRotate();
    // In an inMemory database L0's tables hold the newest data, what reads hit most, and a miss
    // decodes a block its "file" holds in memory anyway: the outputs that replace them go to the
    // cache warm, as a flush's do, into free room only. Not on disk, where compaction outputs are
    // read through the cache (docs/design.md §Prepopulated blocks: memory at 10M).
    const warmBytes = plan.level === 0 && o.inMemory && o.prepopulateBlockCache && cache !== undefined ? cache.reservableBytes : 0;
    const result = await executor.run({
      kind: 'compact',
      inputs,
      bottomCount: plan.bottom.length,
      outputs,
      ...(warmBytes > 0 ? { warmBytes } : {}),
      table: keys === undefined ? this.lsm.tableOptions : { ...this.lsm.tableOptions, encryption: keys.current() },
      ...(keys === undefined ? {} : { keys: keys.jobKeys(inputs.map((i) => byId.get(i.fileId)!.properties.keyId)) }),
      targetTableBytes: plan.targetTableBytes,
      discardVersion: this.discardVersion(),
      numVersionsToKeep: o.numVersionsToKeep,
      nowMs: this.config.clock.nowMs(),
      bottommost: deeper.length === 0,
      deeperRanges: deeper,
      grandparents,
      maxGrandparentOverlapBytes: 10 * plan.targetTableBytes,
      dropPrefixes,
    });
    // New tables' directory entries are durable before the MANIFEST names them.
    await fs.syncDir(dir);
    const added: { level: number; table: Table }[] = [];
    try {
      for (const out of result.outputs) {
        const table = Table.open(fs, out.path, out.fileId, { cache, keys });
        added.push({ level: plan.outputLevel, table });
        if (out.warm === undefined) continue;
        // Only a speed-up: a handover that does not match its table must not fail the compaction.
        try {
          table.adoptWarmBlocks(out.warm);
        } catch (err) {
          this.config.log.warn(`sett: blocks of ${fileName('table', out.fileId)} not prepopulated: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } catch (err) {
      for (const a of added) a.table.close();
      throw err;
    }
    const changes: ManifestChange[] = [];
    for (const a of added) {
      changes.push({ type: 'add', tableId: a.table.fileId, level: plan.outputLevel, compression: COMPRESSION_CODE[a.table.properties.compression], keyId: a.table.properties.keyId });
    }
    for (const t of inputs) changes.push({ type: 'delete', tableId: t.fileId });
    await manifest?.apply(changes);

    const removed = new Set(inputs.map((t) => t.fileId));
    this.lsm.version = this.lsm.version.withChanges(removed, added);
    for (const id of removed) this.lsm.retireTable(byId.get(id)!);
    const discard = this.config.discard;
    if (discard !== undefined && result.discardBytes.length > 0) {
      for (const [fileId, bytes] of result.discardBytes) {
        discard.add(fileId, bytes);
        this.unsavedDiscardBytes += bytes;
      }
      // Discard statistics are advisory (a lost update only delays GC), so they are saved in
      // batches rather than on every compaction.
      if (this.unsavedDiscardBytes >= discardSaveBytes) {
        this.unsavedDiscardBytes = 0;
        await discard.save();
      }
    }
    counters.compactions++;
    counters.compactionBytesRead += result.bytesRead;
    counters.compactionBytesWritten += result.bytesWritten;
    counters.compactionEntriesDropped += result.entriesIn - result.entriesOut;
  }

  /** User-key ranges of every table below `level`, sorted: where else a key may live. */
  private deeperRanges(plan: CompactionPlan): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    const levels = this.lsm.version.levels;
    const level = plan.outputLevel;
    if (level === 0) {
      // An output that stays in L0 sits above the L0 tables older than its inputs, which may hold
      // versions its tombstones hide (dropPrefix rewrites any L0 table in place, not only the
      // oldest run as the picker's l0-to-l0 does).
      const inputs = new Set(plan.top.map((t) => t.id));
      const newest = Math.max(...plan.top.map((t) => t.maxVersion));
      for (const t of levels[0]!) {
        if (!inputs.has(t.fileId) && t.properties.maxVersion < newest) out.push([copyBytes(userKeyOf(t.properties.smallest)), copyBytes(userKeyOf(t.properties.largest))]);
      }
    }
    for (let l = level + 1; l < levels.length; l++) {
      for (const t of levels[l]!) out.push([copyBytes(userKeyOf(t.properties.smallest)), copyBytes(userKeyOf(t.properties.largest))]);
    }
    return out.sort((a, b) => Buffer.compare(a[0], b[0]));
  }
}

export function tableMeta(t: Table): TableMeta {
  const p = t.properties;
  return { id: t.fileId, size: t.size, smallest: p.smallest as InternalKey, largest: p.largest as InternalKey, maxVersion: p.maxVersion, count: p.count };
}

/** A user key at or above every valid key with `prefix`: the prefix padded with 0xff to the longest key. */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(prefix.length, maxKeySizeBytes) + 1).fill(0xff);
  out.set(prefix, 0);
  return out;
}
