// db.load(): restores a backup (backup.ts; docs/format.md §Backup) into a database, fresh or not,
// through bulk writes (db.writeBatch(), in windows so memory stays bounded however large the
// backup), never one transaction per key.
//
// - put       -> written with its value, userMeta and absolute expiry; one already expired when it
//                is loaded is written as a delete (invisible either way, and it must hide an older
//                value an earlier load left).
// - delete    -> a delete.
// - unchanged -> nothing: the target holds the value from the earlier backups of the chain.
// Incremental backups list every live key, so loading one also deletes each target key the backup
// does not mention (gone in the source, maybe without a tombstone): after a full backup and its
// incrementals are loaded in order, the target holds exactly the source's state at the last one's
// version. A full backup only overwrites: target keys it does not hold stay.
//
// Versions in the target are its own (each write batch commits at the target's next version);
// the backup's versions only order the chain. Every chunk is verified (checksum, lengths, order)
// before any of its records is written, and a header that is not a sett backup writes nothing.
// Loading is not atomic, like writeBatch: a damaged or cut backup fails with CORRUPTION after
// the chunks before the damage are written.

import { InvalidArgumentError, compareBytes, systemClock, type Clock } from '../base/index.js';
import { nodeFS, type FileSystem } from '../fs/index.js';
import { RECORD_DELETE, RECORD_PUT, type BackupKind, type BackupRecord } from './backup-format.js';
import { BackupReader } from './backup-reader.js';
import { fileSource, streamSource, type ByteSource } from './restore-source.js';
import type { DB } from './db.js';
import type { DBIterator } from './db-iterator.js';
import type { WriteBatch } from './write-batch.js';

export interface LoadOptions {
  /** File system for a path source; default: the database's (options.fs), else the real one. */
  fs?: FileSystem;
  /** Bytes of keys and values per write batch (default 8 MiB); at most two are committing at once. */
  windowBytes?: number;
}

export interface LoadResult {
  kind: BackupKind;
  sinceVersion: number;
  /** The version of the source database the backup reached. */
  reachedVersion: number;
  /** Records in the backup. */
  records: number;
  /** Keys written with a value. */
  puts: number;
  /** Keys deleted: delete records and puts already expired when loaded. */
  deletes: number;
  /** Unchanged keys of an incremental (left as they are). */
  unchanged: number;
  /** Target keys an incremental did not mention, deleted. */
  removed: number;
}

/** Default bytes of keys and values per write batch; at most two batches are in flight. */
export const LOAD_WINDOW_BYTES = 8 * 1024 * 1024;

/** Loads the backup at `src` (a file path, or a readable stream of bytes) into `db`. */
export async function load(db: DB, src: string | NodeJS.ReadableStream, options: LoadOptions = {}): Promise<LoadResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('load options must be an object');
  const windowBytes = options.windowBytes ?? LOAD_WINDOW_BYTES;
  if (typeof windowBytes !== 'number' || !Number.isSafeInteger(windowBytes) || windowBytes < 1) {
    throw new InvalidArgumentError(`load option windowBytes must be a positive integer, got ${String(windowBytes)}`);
  }
  const isPath = typeof src === 'string';
  if (isPath ? src.length === 0 : typeof src !== 'object' || src === null || typeof (src as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function') {
    throw new InvalidArgumentError('load source must be a non-empty file path or a readable stream');
  }
  // First: a closed or read-only database fails before the source is touched. An unused batch
  // writes nothing, so a source that is not a backup leaves the database as it was.
  const writer = new BulkWriter(db, windowBytes);
  const source: ByteSource = isPath ? fileSource(options.fs ?? db.options.fs ?? nodeFS, src) : streamSource(src as AsyncIterable<unknown>);
  let target: DBIterator | undefined;
  try {
    const reader = await BackupReader.open(source);
    const { header } = reader;
    const result: LoadResult = { kind: header.kind, sinceVersion: header.sinceVersion, reachedVersion: header.reachedVersion, records: 0, puts: 0, deletes: 0, unchanged: 0, removed: 0 };
    // The target's keys before the load, in order, beside the backup's: what an incremental does
    // not mention goes.
    target = header.kind === 'incremental' ? db.iterator({ values: false }) : undefined;
    let targetKey = target?.nextEntry()?.[0];
    for (let records = await reader.nextChunk(); records !== undefined; records = await reader.nextChunk()) {
      for (const r of records) {
        if (target !== undefined) {
          while (targetKey !== undefined && compareBytes(targetKey, r.key) < 0) {
            writer.delete(targetKey);
            result.removed++;
            targetKey = target.nextEntry()?.[0];
          }
          if (targetKey !== undefined && compareBytes(targetKey, r.key) === 0) targetKey = target.nextEntry()?.[0];
        }
        apply(writer, r, result);
      }
      await writer.maybeRotate();
    }
    // The end chunk matched: target keys after the backup's last one go too.
    while (target !== undefined && targetKey !== undefined) {
      writer.delete(targetKey);
      result.removed++;
      targetKey = target.nextEntry()?.[0];
    }
    result.records = reader.recordCount;
    await writer.finish();
    return result;
  } catch (err) {
    await writer.settle();
    throw err;
  } finally {
    target?.close();
    source.close();
  }
}

function apply(writer: BulkWriter, r: BackupRecord, result: LoadResult): void {
  if (r.kind === RECORD_PUT) {
    if (writer.put(r)) result.puts++;
    else result.deletes++;
  } else if (r.kind === RECORD_DELETE) {
    writer.delete(r.key);
    result.deletes++;
  } else {
    result.unchanged++;
  }
}

/**
 * db.writeBatch() in windows: when a window holds windowBytes it is flushed, and the load
 * waits for the window before it, so reading the backup never runs ahead of committing by more
 * than two windows.
 */
class BulkWriter {
  private batch: WriteBatch;
  private bytes = 0;
  private previous: Promise<void> | undefined;
  private readonly flushing = new Set<Promise<void>>();
  private readonly clock: Clock;

  constructor(
    private readonly db: DB,
    private readonly windowBytes: number,
  ) {
    this.batch = db.writeBatch();
    this.clock = db.options.clock ?? systemClock;
  }

  /** Writes a put record; returns false when it was already expired and became a delete. */
  put(r: BackupRecord): boolean {
    const now = this.clock.nowMs();
    if (r.expiresAt !== 0 && r.expiresAt <= now) {
      this.delete(r.key);
      return false;
    }
    this.batch.putExpiringAt(r.key, r.value, r.expiresAt, r.userMeta);
    this.bytes += r.key.length + r.value.length;
    return true;
  }

  delete(key: Uint8Array): void {
    this.batch.delete(key);
    this.bytes += key.length;
  }

  async maybeRotate(): Promise<void> {
    if (this.bytes < this.windowBytes) return;
    const flushed = this.track(this.batch.flush());
    this.batch = this.db.writeBatch();
    this.bytes = 0;
    const before = this.previous;
    this.previous = flushed;
    if (before !== undefined) await before;
  }

  async finish(): Promise<void> {
    const last = this.track(this.batch.flush());
    if (this.previous !== undefined) await this.previous;
    await last;
  }

  /** After a failure: waits until nothing this load started is still writing. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.flushing);
  }

  private track(p: Promise<void>): Promise<void> {
    // Handled here, so a window failing while the load awaits another is not an unhandled rejection.
    this.flushing.add(p);
    p.then(
      () => this.flushing.delete(p),
      () => this.flushing.delete(p),
    );
    return p;
  }
}
