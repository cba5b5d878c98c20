// Counters the engine keeps for stats(); plain numbers, bumped on the paths they describe.

export interface Counters {
  puts: number;
  deletes: number;
  batches: number;
  gets: number;
  getHits: number;
  /** Bytes of keys and values the application wrote. */
  userBytesWritten: number;
  /** Bytes appended to WALs. */
  bytesWritten: number;
  /** Bytes appended to the value log (entries with their headers). */
  vlogBytesWritten: number;
  vlogReads: number;
  vlogGCRuns: number;
  vlogGCRewrites: number;
  vlogGCBytesRewritten: number;
  vlogFilesDeleted: number;
  walWrites: number;
  walSyncs: number;
  groups: number;
  groupedRequests: number;
  maxGroupSize: number;
  flushes: number;
  flushBytes: number;
  memtableRotations: number;
  writeStalls: number;
  writeStallMs: number;
  /** Flushes that waited because L0 held numLevelZeroTablesStall tables. */
  l0Stalls: number;
  l0StallMs: number;
  compactions: number;
  compactionMoves: number;
  compactionBytesRead: number;
  compactionBytesWritten: number;
  compactionEntriesDropped: number;
  tornTailsTruncated: number;
  tornBytesTruncated: number;
  bloomNegatives: number;
  iterators: number;
  transactions: number;
  commits: number;
  /** Commits that failed with CONFLICT, for either reason below. */
  conflicts: number;
  /** Of those, transactions open so long that the conflict oracle forgot writes after their read version. */
  conflictsOpenTooLong: number;
  /** Writes refused because the write queue held maxPendingWriteBytes. */
  writeQueueRejections: number;
}

export function newCounters(): Counters {
  return {
    puts: 0,
    deletes: 0,
    batches: 0,
    gets: 0,
    getHits: 0,
    userBytesWritten: 0,
    bytesWritten: 0,
    vlogBytesWritten: 0,
    vlogReads: 0,
    vlogGCRuns: 0,
    vlogGCRewrites: 0,
    vlogGCBytesRewritten: 0,
    vlogFilesDeleted: 0,
    walWrites: 0,
    walSyncs: 0,
    groups: 0,
    groupedRequests: 0,
    maxGroupSize: 0,
    flushes: 0,
    flushBytes: 0,
    memtableRotations: 0,
    writeStalls: 0,
    writeStallMs: 0,
    l0Stalls: 0,
    l0StallMs: 0,
    compactions: 0,
    compactionMoves: 0,
    compactionBytesRead: 0,
    compactionBytesWritten: 0,
    compactionEntriesDropped: 0,
    tornTailsTruncated: 0,
    tornBytesTruncated: 0,
    bloomNegatives: 0,
    iterators: 0,
    transactions: 0,
    commits: 0,
    conflicts: 0,
    conflictsOpenTooLong: 0,
    writeQueueRejections: 0,
  };
}

export interface LevelStats {
  level: number;
  tables: number;
  bytes: number;
  entries: number;
}

export interface DBStats {
  counters: Counters;
  /** Average requests per group commit. */
  averageGroupSize: number;
  /**
   * arenasReused: memtables that took the arena of a flushed one (ArenaPool); arenasRecycled:
   * arenas taken back once nothing read them; arenasDropped: arenas left to the GC (the pool was
   * full); arenasFree: arenas in the pool now.
   */
  memtables: {
    active: number;
    immutable: number;
    activeBytes: number;
    capacityBytes: number;
    arenasReused: number;
    arenasRecycled: number;
    arenasDropped: number;
    arenasFree: number;
  };
  levels: LevelStats[];
  blockCache: { hits: number; misses: number; bytes: number; entries: number; evictions: number; capacityBytes: number };
  files: { tables: number; tableBytes: number; wals: number; walBytes: number; manifestBytes: number };
  valueLog: { files: number; bytes: number; discardableBytes: number; pendingDeletions: number };
  /** Writes queued or being committed (bounded by maxPendingWriteBytes). */
  writeQueue: { requests: number; bytes: number; capacityBytes: number };
  /** Keys the conflict oracle tracks: written since the oldest open read-write transaction began (bounded by maxConflictKeys). */
  conflictKeys: number;
  lastVersion: number;
  /** Worker threads of the background executor alive now (0 with the inline executor): idle ones retire. */
  backgroundThreads: number;
  /** Bytes written to disk (WALs, value log, flushed and compacted tables) per byte of keys and values written. */
  writeAmplification: number;
}
