// db.backup(): a consistent snapshot of the database in the backup stream format
// (backup-format.ts, docs/format.md §Backup), written while writes go on.
//
// Consistency: everything is read from one snapshot (db.snapshot(), taken before the first await),
// so the backup holds exactly the state at its read version — the version it returns — whatever
// is written, flushed or compacted meanwhile. The snapshot pins the tables, memtables and value-log
// files it reads until the backup ends.
//
// Full backup: every live entry (newest visible version of each key: value, version, userMeta,
// absolute expiresAt). Deleted and already expired keys are not in it.
//
// Incremental backup (since = the version an earlier backup returned): for every key, in order,
//   - newest version > since and live    -> put (value, version, userMeta, expiresAt)
//   - newest version > since and deleted
//     or expired                          -> delete
//   - newest version <= since and live    -> unchanged (key and version only)
//   - otherwise                           -> nothing
// Deletes alone cannot make an incremental exact: compaction drops a tombstone once no reader
// needs it (and dropPrefix/dropAll write none), so a key deleted after `since` may have left no
// trace. Listing every live key ("unchanged") lets the loader delete, in the target, each key the
// incremental does not mention — keys gone without a tombstone included. The cost is the keys
// (not values) of the whole database per incremental; Badger's incremental scans the whole tree
// too, but loses such deletes.

import { InvalidArgumentError, assert, systemClock, type Clock } from '../base/index.js';
import { nodeFS, type FileSystem } from '../fs/index.js';
import { snappyCompress } from '../sstable/index.js';
import {
  CHUNK_END,
  CHUNK_RECORDS,
  CHUNK_TARGET_RAW_BYTES,
  CODEC_NONE,
  CODEC_SNAPPY,
  END_PAYLOAD_BYTES,
  RECORD_DELETE,
  RECORD_UNCHANGED,
  RecordBuffer,
  encodeChunk,
  encodeEndPayload,
  encodeHeader,
  type BackupKind,
} from './backup-format.js';
import { fileSink, streamSink, type BackupSink } from './backup-sink.js';
import type { DB } from './db.js';
import type { DBIterator, IteratorEntry } from './db-iterator.js';
import type { Snapshot } from './transaction.js';

/** Largest chunkBytes: chunks are framed with u32 lengths, and one is held in memory at a time. */
export const MAX_CHUNK_TARGET_BYTES = 64 * 1024 * 1024;

export interface BackupOptions {
  /**
   * Make an incremental backup of the changes after this version: the value an earlier backup
   * of this same database returned (0 included: that of an empty database). Absent: a full backup.
   */
  since?: number;
  /** File system for a path destination; default: the database's (options.fs), else the real one. */
  fs?: FileSystem;
  /** Raw bytes of records per chunk before compression (default 1 MiB); a larger record gets a chunk of its own. */
  chunkBytes?: number;
}

/**
 * Writes a backup of `db` to `dest` (a file path, or a writable stream the caller ends) and
 * resolves with the version it reached: the read version of its snapshot, to pass as `since` to
 * the next incremental backup.
 */
export async function backup(db: DB, dest: string | NodeJS.WritableStream, options: BackupOptions = {}): Promise<number> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('backup options must be an object');
  const since = options.since ?? 0;
  const kind: BackupKind = options.since === undefined ? 'full' : 'incremental';
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
    throw new InvalidArgumentError(`backup option since must be a non-negative integer (a version a previous backup returned), got ${String(since)}`);
  }
  const chunkBytes = options.chunkBytes ?? CHUNK_TARGET_RAW_BYTES;
  if (typeof chunkBytes !== 'number' || !Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_TARGET_BYTES) {
    throw new InvalidArgumentError(`backup option chunkBytes must be an integer from 1 to ${MAX_CHUNK_TARGET_BYTES}, got ${String(chunkBytes)}`);
  }
  const isPath = typeof dest === 'string';
  if (isPath ? dest.length === 0 : typeof dest !== 'object' || dest === null || typeof (dest as { write?: unknown }).write !== 'function') {
    throw new InvalidArgumentError('backup destination must be a non-empty file path or a writable stream');
  }
  // Taken before any await: the backup is the state when backup() was called.
  const snap = db.snapshot();
  let sink: BackupSink | undefined;
  try {
    if (since > snap.version) {
      throw new InvalidArgumentError(
        `backup option since ${since} is above this database's current version ${snap.version}: it must be a version a backup of this same database returned`,
      );
    }
    const clock: Clock = db.options.clock ?? systemClock;
    sink = isPath ? fileSink(options.fs ?? db.options.fs ?? nodeFS, dest) : streamSink(dest);
    const writer = new ChunkWriter(sink, chunkBytes);
    await writer.emit(encodeHeader({ kind, sinceVersion: since, reachedVersion: snap.version, createdAtMs: clock.nowMs() }));
    if (kind === 'full') await writeFull(snap, writer);
    else await writeIncremental(snap, since, writer);
    await writer.end(snap.version);
    await sink.finish();
    return snap.version;
  } catch (err) {
    sink?.abort();
    throw err;
  } finally {
    snap.release();
  }
}

/** Cuts records into chunks, compresses and frames them, and hands them to the sink one at a time. */
class ChunkWriter {
  readonly records = new RecordBuffer();
  private total = 0;

  constructor(
    private readonly sink: BackupSink,
    private readonly chunkBytes: number,
  ) {}

  get full(): boolean {
    return this.records.length >= this.chunkBytes;
  }

  async emit(bytes: Uint8Array): Promise<void> {
    await this.sink.write(bytes);
  }

  /** Writes the gathered records as one chunk, then lets other work (writes, the event loop) run. */
  async flush(): Promise<void> {
    if (this.records.count === 0) return;
    const raw = this.records.bytes();
    const compressed = snappyCompress(raw);
    // Snappy can grow incompressible data a little: store such a chunk as it is.
    const chunk =
      compressed.length < raw.length
        ? encodeChunk(CHUNK_RECORDS, CODEC_SNAPPY, this.records.count, raw.length, compressed)
        : encodeChunk(CHUNK_RECORDS, CODEC_NONE, this.records.count, raw.length, raw);
    this.total += this.records.count;
    this.records.clear();
    await this.sink.write(chunk);
    // A file sink writes synchronously: yield so that queued writes commit during a long backup.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async end(reachedVersion: number): Promise<void> {
    await this.flush();
    await this.sink.write(encodeChunk(CHUNK_END, CODEC_NONE, 0, END_PAYLOAD_BYTES, encodeEndPayload(this.total, reachedVersion)));
  }
}

async function writeFull(snap: Snapshot, writer: ChunkWriter): Promise<void> {
  const it = snap.iterator({ meta: true });
  try {
    for (let e = it.nextEntry(); e !== undefined; e = it.nextEntry()) {
      writer.records.put(e[0]!, e.version!, e.userMeta!, e.expiresAt!, e[1]!);
      if (writer.full) await writer.flush();
    }
  } finally {
    it.close();
  }
}

/**
 * Walks the newest version of every key (an allVersions iteration without values) and, beside it,
 * the live keys changed since `since` with their values; both at the snapshot's version, both in
 * key order, so one merge pass gives each key's record.
 */
async function writeIncremental(snap: Snapshot, since: number, writer: ChunkWriter): Promise<void> {
  const every = snap.iterator({ allVersions: true, values: false });
  const changed = snap.iterator({ meta: true, sinceVersion: since });
  try {
    let value: IteratorEntry | undefined = changed.nextEntry();
    let lastKey: Buffer | undefined;
    for (let e = every.nextEntry(); e !== undefined; e = every.nextEntry()) {
      const key = e[0]!;
      // allVersions yields older versions of a key after its newest: only the newest decides.
      if (lastKey !== undefined && lastKey.equals(key)) continue;
      lastKey = key;
      const version = e.version!;
      if (version <= since) {
        if (e.deleted !== true) writer.records.mark(RECORD_UNCHANGED, key, version);
      } else if (e.deleted === true) {
        writer.records.mark(RECORD_DELETE, key, version);
      } else {
        value = skipBefore(changed, value, key);
        // Both iterators judge expiry against the clock as they pass: an entry that expired
        // between the two looks is invisible, so a delete is right for it.
        if (value !== undefined && value[0]!.equals(key)) {
          assert(value.version === version, () => `backup: versions ${value!.version} and ${version} of one key at one snapshot`);
          writer.records.put(key, version, value.userMeta!, value.expiresAt!, value[1]!);
          value = changed.nextEntry();
        } else {
          writer.records.mark(RECORD_DELETE, key, version);
        }
      }
      if (writer.full) await writer.flush();
    }
  } finally {
    every.close();
    changed.close();
  }
}

/** Advances `it` (now at `current`) to its first entry whose key is not below `key`. */
function skipBefore(it: DBIterator, current: IteratorEntry | undefined, key: Buffer): IteratorEntry | undefined {
  while (current !== undefined && Buffer.compare(current[0]!, key) < 0) current = it.nextEntry();
  return current;
}
