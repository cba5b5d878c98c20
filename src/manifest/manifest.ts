// The MANIFEST: the durable list of live tables per level (SPEC §3 "MANIFEST", docs/format.md
// §MANIFEST). Only the main thread edits it. Every group of changes is one record, appended and
// fdatasync'd before the in-memory state moves, so the state never runs ahead of the disk.
//
// Fail-stop: once an append, fsync, rename or directory sync fails, the file's contents are
// unknown, so every later apply() and rewrite() throws IoError. An fsync is never retried (after a
// failed fsync Linux may have dropped the dirty pages and report success the second time).

import { join } from 'node:path';
import { ClosedError, InvalidArgumentError, IoError, NotADatabaseError, ReadOnlyError, SettError, assert } from '../base/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { SEAL_RECORD, encodeFileHeader, encodeRecord } from './format.js';
import { replay } from './replay.js';
import { ManifestState, type ManifestChange } from './state.js';

export const MANIFEST_FILE = 'MANIFEST';
export const MANIFEST_REWRITE_FILE = 'MANIFEST-REWRITE';

/** Adds per record in a rewritten MANIFEST, so no record grows with the number of tables. */
export const SNAPSHOT_CHANGES_PER_RECORD = 4096;

export interface ManifestOptions {
  /** Rewrite once the file holds more deletions than this... (default 10_000, as Badger) */
  deletionsRewriteThreshold?: number;
  /** ...and more than this many times the live tables (default 10, as Badger). */
  deletionsRatio?: number;
  /** Open without changing anything: no truncation, no cleanup, apply() and rewrite() refuse. */
  readOnly?: boolean;
}

export interface ManifestStats {
  fileBytes: number;
  /** Records in the current file. */
  records: number;
  /** Delete changes in the current file (reset by a rewrite). */
  deletions: number;
  /** Rewrites this Manifest has done since it was opened. */
  rewrites: number;
}

interface ResolvedOptions {
  deletionsRewriteThreshold: number;
  deletionsRatio: number;
  readOnly: boolean;
}

function resolveOptions(options: ManifestOptions = {}): ResolvedOptions {
  const threshold = options.deletionsRewriteThreshold ?? 10_000;
  const ratio = options.deletionsRatio ?? 10;
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new InvalidArgumentError(`deletionsRewriteThreshold must be a non-negative integer, got ${threshold}`);
  }
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0) {
    throw new InvalidArgumentError(`deletionsRatio must be a non-negative finite number, got ${ratio}`);
  }
  return { deletionsRewriteThreshold: threshold, deletionsRatio: ratio, readOnly: options.readOnly ?? false };
}

/** Runs a file-system call, turning whatever it throws into an IoError naming the file. */
function io<T>(what: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof SettError ? err : IoError.from(err, what, file);
  }
}

async function ioAsync(what: string, file: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw err instanceof SettError ? err : IoError.from(err, what, file);
  }
}

/** Writes `bytes` as a new file at `path` and fdatasyncs it. */
async function writeSynced(fs: FileSystem, path: string, file: string, bytes: Uint8Array): Promise<void> {
  const handle = io('create', file, () => fs.open(path, 'w'));
  try {
    io('write', file, () => handle.append(bytes));
    await ioAsync('fdatasync', file, () => handle.sync());
  } finally {
    io('close', file, () => handle.close());
  }
}

export class Manifest {
  private handle: FileHandle | undefined;
  private current: ManifestState;
  private fileBytes: number;
  private records: number;
  private deletions: number;
  private rewrites = 0;
  private closed = false;
  /** apply()/rewrite() calls queued or running. */
  private pending = 0;
  private failure: IoError | undefined;
  /** Settles when every apply()/rewrite() called so far has finished; the next one waits on it. */
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly options: ResolvedOptions,
    handle: FileHandle | undefined,
    state: ManifestState,
    counts: { fileBytes: number; records: number; deletions: number },
  ) {
    this.handle = handle;
    this.current = state;
    this.fileBytes = counts.fileBytes;
    this.records = counts.records;
    this.deletions = counts.deletions;
  }

  static exists(fs: FileSystem, dir: string): boolean {
    return fs.exists(join(dir, MANIFEST_FILE));
  }

  /**
   * Creates an empty MANIFEST. It is written under the temporary name and renamed into place, so a
   * crash leaves either no MANIFEST or a whole one, never an empty file that looks like no database.
   */
  static async create(fs: FileSystem, dir: string, options?: ManifestOptions): Promise<Manifest> {
    const resolved = resolveOptions(options);
    if (resolved.readOnly) throw new InvalidArgumentError('cannot create a MANIFEST read-only');
    if (Manifest.exists(fs, dir)) throw new InvalidArgumentError(`${join(dir, MANIFEST_FILE)} already exists`);
    const header = encodeFileHeader();
    await writeSynced(fs, join(dir, MANIFEST_REWRITE_FILE), MANIFEST_REWRITE_FILE, header);
    io('rename', MANIFEST_FILE, () => fs.rename(join(dir, MANIFEST_REWRITE_FILE), join(dir, MANIFEST_FILE)));
    await ioAsync('directory sync', dir, () => fs.syncDir(dir));
    const handle = io('open', MANIFEST_FILE, () => fs.open(join(dir, MANIFEST_FILE), 'r+'));
    return new Manifest(fs, dir, resolved, handle, new ManifestState(), { fileBytes: header.length, records: 0, deletions: 0 });
  }

  /**
   * Replays the MANIFEST of `dir`. Checks everything before changing anything: a file that is not a
   * MANIFEST or is corrupt throws and leaves the directory as it was. Then a leftover
   * MANIFEST-REWRITE (a rewrite cut by a crash before its rename) is deleted and a torn tail is
   * truncated and synced, so appends continue after the last whole record.
   */
  static async open(
    fs: FileSystem,
    dir: string,
    options?: ManifestOptions,
  ): Promise<{ manifest: Manifest; state: ManifestState; tornBytes: number }> {
    const resolved = resolveOptions(options);
    const path = join(dir, MANIFEST_FILE);
    if (!fs.exists(path)) throw new NotADatabaseError(MANIFEST_FILE, `no MANIFEST in ${dir}`);
    const handle = io('open', MANIFEST_FILE, () => fs.open(path, resolved.readOnly ? 'r' : 'r+'));
    try {
      const size = io('stat', MANIFEST_FILE, () => handle.size());
      const bytes = new Uint8Array(size);
      const read = io('read', MANIFEST_FILE, () => handle.read(bytes, 0, size, 0));
      assert(read === size, `MANIFEST read ${read} of ${size} bytes`);
      const result = replay(bytes, MANIFEST_FILE);

      let keep: FileHandle | undefined = handle;
      if (resolved.readOnly) {
        handle.close();
        keep = undefined;
      } else {
        const leftover = join(dir, MANIFEST_REWRITE_FILE);
        if (fs.exists(leftover)) {
          io('unlink', MANIFEST_REWRITE_FILE, () => fs.unlink(leftover));
          await ioAsync('directory sync', dir, () => fs.syncDir(dir));
        }
        if (result.tornBytes > 0) {
          io('truncate', MANIFEST_FILE, () => handle.truncate(result.validEnd));
          await ioAsync('fdatasync', MANIFEST_FILE, () => handle.sync());
        }
      }
      const manifest = new Manifest(fs, dir, resolved, keep, result.state, {
        fileBytes: result.validEnd,
        records: result.records,
        deletions: result.deletions,
      });
      return { manifest, state: result.state.clone(), tornBytes: result.tornBytes };
    } catch (err) {
      try {
        handle.close();
      } catch {
        // The error that got us here is the one to report.
      }
      throw err;
    }
  }

  /** The current state: every group whose apply() resolved, in order. Do not mutate it. */
  get state(): ManifestState {
    return this.current;
  }

  /** The error that put this Manifest into its fail-stop state, if one did. */
  get failed(): IoError | undefined {
    return this.failure;
  }

  /**
   * Appends `changes` as one atomic record, fdatasyncs it, then applies it to `state`. Calls may
   * overlap; they land in call order. Resolves once the record is durable. Rejects with IoError
   * when the append, the fsync or an automatic rewrite failed: the record may or may not be durable,
   * so the caller must go read-only and delete no file that either outcome would still name.
   * A group that does not fit the state (adding a live id, deleting a missing one) asserts.
   */
  apply(changes: readonly ManifestChange[]): Promise<void> {
    let record: Uint8Array | undefined;
    let group: ManifestChange[];
    try {
      this.checkWritable();
      // Copied and encoded now: the caller may reuse its array, and a bad field throws at the call.
      group = changes.map((c) => ({ ...c }));
      if (group.length > 0) record = encodeRecord(group);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(() => (record === undefined ? Promise.resolve() : this.applyNow(group, record)));
  }

  /** Rewrites the MANIFEST as a snapshot of the live tables (queued behind pending applies). */
  rewrite(): Promise<void> {
    try {
      this.checkWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(() => this.rewriteNow());
  }

  stats(): ManifestStats {
    return { fileBytes: this.fileBytes, records: this.records, deletions: this.deletions, rewrites: this.rewrites };
  }

  /**
   * Closes the file. apply() and rewrite() calls made before close() still run to the end (the file
   * closes after them); calls made after it reject with CLOSED.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pending === 0) this.closeHandle();
    else void this.tail.then(() => this.closeHandle());
  }

  private closeHandle(): void {
    const handle = this.handle;
    this.handle = undefined;
    try {
      handle?.close();
    } catch {
      // Nothing was left to write: every record was synced or its apply() already rejected.
    }
  }

  private checkWritable(): void {
    if (this.closed) throw new ClosedError('MANIFEST');
    if (this.options.readOnly) throw new ReadOnlyError('the MANIFEST was opened read-only');
    this.checkNotFailed();
  }

  private checkNotFailed(): void {
    if (this.failure !== undefined) {
      throw new IoError(`MANIFEST refuses writes after an earlier I/O error: ${this.failure.message}`, this.failure.errno, {
        file: MANIFEST_FILE,
        cause: this.failure,
      });
    }
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.pending++;
    const run = this.tail.then(() => {
      // A call queued behind one that failed must not write after it.
      this.checkNotFailed();
      return step();
    });
    this.tail = run.then(
      () => {
        this.pending--;
      },
      () => {
        this.pending--;
      },
    );
    return run;
  }

  /** Records the failure that stops all further writes, and returns it for throwing. */
  private fail(err: unknown, what: string, file: string): IoError {
    const error = err instanceof IoError ? err : IoError.from(err, `MANIFEST ${what}`, file);
    this.failure ??= error;
    return error;
  }

  private async applyNow(group: ManifestChange[], record: Uint8Array): Promise<void> {
    const problem = this.current.check(group);
    assert(problem === undefined, () => `invalid MANIFEST change group: ${problem}`);
    const handle = this.handle;
    assert(handle !== undefined, 'MANIFEST has no open file');
    try {
      handle.append(concat([record, SEAL_RECORD]));
    } catch (err) {
      throw this.fail(err, 'append', MANIFEST_FILE);
    }
    try {
      await handle.sync();
    } catch (err) {
      throw this.fail(err, 'fdatasync', MANIFEST_FILE);
    }
    this.current.apply(group);
    this.fileBytes += record.length + SEAL_RECORD.length;
    this.records++;
    for (const change of group) if (change.type === 'delete') this.deletions++;
    if (this.shouldRewrite()) await this.rewriteNow();
  }

  /** Badger's rule: deletions dominate once they pass an absolute floor and outnumber live tables. */
  private shouldRewrite(): boolean {
    const { deletionsRewriteThreshold, deletionsRatio } = this.options;
    return this.deletions > deletionsRewriteThreshold && this.deletions > deletionsRatio * this.current.tables.size;
  }

  /**
   * Snapshot to MANIFEST-REWRITE, fdatasync, rename over MANIFEST, sync the directory, then append to
   * the new file. A crash before the rename leaves the old MANIFEST (and a leftover open() deletes);
   * after it, either file holds the whole state, so the directory sync only decides which one.
   */
  private async rewriteNow(): Promise<void> {
    const snapshot = this.current.snapshot();
    const parts: Uint8Array[] = [encodeFileHeader()];
    for (let i = 0; i < snapshot.length; i += SNAPSHOT_CHANGES_PER_RECORD) {
      parts.push(encodeRecord(snapshot.slice(i, i + SNAPSHOT_CHANGES_PER_RECORD)));
    }
    parts.push(SEAL_RECORD);
    const bytes = concat(parts);
    const tmp = join(this.dir, MANIFEST_REWRITE_FILE);
    const path = join(this.dir, MANIFEST_FILE);
    try {
      await writeSynced(this.fs, tmp, MANIFEST_REWRITE_FILE, bytes);
      // Closed before the rename: Windows refuses to rename over an open file.
      const old = this.handle;
      this.handle = undefined;
      old?.close();
      this.fs.rename(tmp, path);
      await this.fs.syncDir(this.dir);
      this.handle = this.fs.open(path, 'r+');
    } catch (err) {
      throw this.fail(err, 'rewrite', MANIFEST_REWRITE_FILE);
    }
    this.fileBytes = bytes.length;
    this.records = parts.length - 2;
    this.deletions = 0;
    this.rewrites++;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const part of parts) n += part.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
