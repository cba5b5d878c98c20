// src/sstable/table-writer.ts — a table builder bound to its file: the built bytes go out in
// pieces of TABLE_WRITE_CHUNK_BYTES while entries are added, so building a table costs a bounded
// buffer whatever the table's size (SPEC §4.4: memory within memtables + block cache + a small
// fixed overhead). Before this, a flush held its whole table, and an L0->L0 compaction (one
// output of every L0 table's size) held hundreds of MiB in its worker.

import { IoError } from '../base/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import type { TableProperties } from './properties.js';
import { TABLE_WRITE_CHUNK_BYTES, type TableBuilder } from './table-builder.js';

export class TableWriter {
  private file: FileHandle | undefined;
  private done = false;

  /** `path` is created ('wx': never over an existing file) with the first piece written. */
  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    readonly builder: TableBuilder,
  ) {}

  add(key: Uint8Array, value: Uint8Array): void {
    this.builder.add(key, value);
    if (this.builder.bufferedBytes >= TABLE_WRITE_CHUNK_BYTES) this.spill();
  }

  /**
   * Finishes the table, writes the rest, fdatasyncs and closes the file. Syncing the directory is
   * the caller's job. On failure the partial file is removed (best effort) and the error is an
   * IoError.
   */
  async finish(): Promise<TableProperties> {
    const tail = this.builder.finish();
    try {
      const file = this.open();
      for (let at = 0; at < tail.length; at += TABLE_WRITE_CHUNK_BYTES) {
        file.append(tail.subarray(at, Math.min(tail.length, at + TABLE_WRITE_CHUNK_BYTES)));
      }
      // Every byte is in the file: the builder's buffer can serve the next table of this thread.
      this.builder.release();
      await file.sync();
      file.close();
      this.file = undefined;
      this.done = true;
    } catch (err) {
      this.abort();
      throw IoError.from(err, 'write table', this.path);
    }
    return this.builder.properties;
  }

  /** Closes and removes a table that will not be finished (best effort: open removes strays). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    const file = this.file;
    this.file = undefined;
    if (file === undefined) return;
    try {
      file.close();
    } catch {
      // already failing; the original error is the one to report
    }
    try {
      this.fs.unlink(this.path);
    } catch {
      // the file may be gone or the fs failing; an unreferenced table is cleaned up on open
    }
  }

  private spill(): void {
    try {
      const file = this.open();
      this.builder.drain((bytes) => file.append(bytes));
    } catch (err) {
      this.abort();
      throw IoError.from(err, 'write table', this.path);
    }
  }

  private open(): FileHandle {
    if (this.file !== undefined) return this.file;
    try {
      this.file = this.fs.open(this.path, 'wx');
    } catch (err) {
      throw IoError.from(err, 'create table', this.path);
    }
    return this.file;
  }
}

/**
 * Finishes `builder` and writes the table to a new file at `path` in large writes, fdatasyncs and
 * closes it (for a builder filled without a writer: the whole table is in memory).
 */
export function writeTable(fs: FileSystem, path: string, builder: TableBuilder): Promise<TableProperties> {
  return new TableWriter(fs, path, builder).finish();
}
