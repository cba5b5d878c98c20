// Where a backup's bytes come from when loading: a file through the FileSystem seam, or a
// readable stream. Both are read front to back in exact sizes, with the stream offset kept for
// error messages.

import { InvalidArgumentError, IoError } from '../base/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';

export interface ByteSource {
  /** The file or stream, for error messages. */
  readonly name: string;
  /** Offset of the next byte to be read. */
  readonly offset: number;
  /** The next `n` bytes, or fewer only where the source ends. The caller may keep the result. */
  read(n: number): Promise<Uint8Array>;
  /** Releases the file, or stops reading the stream. Idempotent, never throws. */
  close(): void;
}

export function fileSource(fs: FileSystem, path: string): ByteSource {
  let file: FileHandle | undefined;
  try {
    file = fs.open(path, 'r');
  } catch (err) {
    throw IoError.from(err, 'open the backup file', path);
  }
  let offset = 0;
  return {
    name: path,
    get offset() {
      return offset;
    },
    async read(n) {
      const buf = new Uint8Array(n);
      let got = 0;
      try {
        while (got < n) {
          const r = file!.read(buf, got, n - got, offset + got);
          if (r === 0) break;
          got += r;
        }
      } catch (err) {
        throw IoError.from(err, 'read the backup file', path);
      }
      offset += got;
      return got === n ? buf : buf.subarray(0, got);
    },
    close() {
      const f = file;
      file = undefined;
      try {
        f?.close();
      } catch {
        // Closing a file we only read: nothing was lost.
      }
    },
  };
}

/** A readable stream (or any async iterable of byte chunks, e.g. a Readable without an encoding). */
export function streamSource(stream: AsyncIterable<unknown>, name = 'backup stream'): ByteSource {
  const it = stream[Symbol.asyncIterator]();
  const pending: Uint8Array[] = [];
  let buffered = 0;
  let ended = false;
  let offset = 0;
  const pull = async (): Promise<void> => {
    let r: IteratorResult<unknown>;
    try {
      r = await it.next();
    } catch (err) {
      throw IoError.from(err, 'read the backup stream');
    }
    if (r.done === true) {
      ended = true;
      return;
    }
    if (!(r.value instanceof Uint8Array)) {
      throw new InvalidArgumentError(`the backup stream must yield bytes (a Readable without an encoding), got ${typeof r.value}`);
    }
    if (r.value.length > 0) {
      pending.push(r.value);
      buffered += r.value.length;
    }
  };
  return {
    name,
    get offset() {
      return offset;
    },
    async read(n) {
      while (buffered < n && !ended) await pull();
      const take = Math.min(n, buffered);
      let out: Uint8Array;
      const first = pending[0];
      if (first !== undefined && first.length >= take) {
        // The common case (a chunk header, or a payload inside one stream chunk): no copy.
        out = first.subarray(0, take);
        if (first.length === take) pending.shift();
        else pending[0] = first.subarray(take);
      } else {
        out = new Uint8Array(take);
        let at = 0;
        while (at < take) {
          const head = pending[0]!;
          const part = Math.min(head.length, take - at);
          out.set(head.subarray(0, part), at);
          at += part;
          if (part === head.length) pending.shift();
          else pending[0] = head.subarray(part);
        }
      }
      buffered -= take;
      offset += take;
      return out;
    },
    close() {
      if (ended) return;
      ended = true;
      // Ends a Readable's iteration (node destroys the stream): nothing more is read from it.
      const stopped = it.return?.();
      if (stopped !== undefined) stopped.catch(() => undefined);
    },
  };
}
