// A window of a file, read in large chunks, for the sequential scans of recovery (WAL replay,
// value-log scans). Each refill reads into a new buffer (copying the unread part of the old one)
// rather than reusing one, so views handed out of an earlier window stay valid: one allocation
// per chunk, not one copy per key and value.

import { IoError } from '../base/index.js';
import type { FileHandle } from './file-system.js';

export interface ReadWindowOptions {
  chunkBytes: number;
  /** What the reads are, for I/O error messages ("read WAL"). */
  what: string;
  /** The error when the file holds fewer bytes than `size` said: `at` is where it ended. */
  shortRead: (at: number) => Error;
}

export class ReadWindow {
  buf = new Uint8Array(0);
  /** File offset of buf[0]. */
  start = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly name: string,
    /** Bytes of the file this window may read: [0, size). */
    readonly size: number,
    private readonly options: ReadWindowOptions,
  ) {}

  /** Makes file bytes [offset, offset + n) available at buf[offset - start]; they must lie in [0, size). */
  ensure(offset: number, n: number): void {
    if (offset >= this.start && offset + n <= this.start + this.buf.length) return;
    const next = new Uint8Array(Math.min(Math.max(this.options.chunkBytes, n), this.size - offset));
    let have = 0;
    const oldEnd = this.start + this.buf.length;
    if (offset >= this.start && offset < oldEnd) {
      next.set(this.buf.subarray(offset - this.start));
      have = oldEnd - offset;
    }
    let read: number;
    try {
      read = this.file.read(next, have, next.length - have, offset + have);
    } catch (err) {
      throw IoError.from(err, this.options.what, this.name);
    }
    if (have + read < n) throw this.options.shortRead(offset + have + read);
    this.buf = have + read === next.length ? next : next.subarray(0, have + read);
    this.start = offset;
  }
}
