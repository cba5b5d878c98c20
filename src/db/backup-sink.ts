// Where a backup's bytes go: a file through the FileSystem seam (durable and atomic), or a
// writable stream the caller owns.

import { dirname } from 'node:path';
import { IoError } from '../base/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';

export interface BackupSink {
  /** The file or stream, for error messages. */
  readonly name: string;
  /** Resolves when the bytes are handed over; the sink keeps (does not copy) `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the backup complete (durable and under its final name for a file). */
  finish(): Promise<void>;
  /** After a failure: drops what was written (a file) and releases what the sink holds. Never throws. */
  abort(): void;
}

/** Suffix of the file a backup is written to before it is renamed to the path given. */
export const PARTIAL_SUFFIX = '.partial';

/**
 * A backup file: written under `<path>.partial`, fdatasync'd, renamed over `path`, and the
 * directory synced, so a crash at any point leaves either the previous file at `path` (or none)
 * or the whole new backup — never a truncated one under the final name. Two backups to the same
 * path at once are not supported (they share the partial name).
 */
export function fileSink(fs: FileSystem, path: string): BackupSink {
  const partial = path + PARTIAL_SUFFIX;
  let file: FileHandle | undefined;
  try {
    file = fs.open(partial, 'w');
  } catch (err) {
    throw IoError.from(err, 'create the backup file', partial);
  }
  const close = (): void => {
    const f = file;
    file = undefined;
    f?.close();
  };
  return {
    name: path,
    async write(bytes) {
      try {
        file!.append(bytes);
      } catch (err) {
        throw IoError.from(err, 'write the backup file', partial);
      }
    },
    async finish() {
      try {
        await file!.sync();
        close();
        fs.rename(partial, path);
        await fs.syncDir(dirname(path));
      } catch (err) {
        throw IoError.from(err, 'complete the backup file', path);
      }
    },
    abort() {
      try {
        close();
      } catch {
        // Already failing: the first error is the one to report.
      }
      try {
        if (fs.exists(partial)) fs.unlink(partial);
      } catch {
        // A leftover .partial file is harmless: the next backup to this path truncates it.
      }
    },
  };
}

/**
 * A writable stream: each chunk is written and its callback awaited (backpressure: memory stays
 * at one chunk). The stream is left open — the caller ends it — and its 'error' events are turned
 * into the backup's rejection instead of an unhandled 'error' for the time of the backup.
 */
export function streamSink(stream: NodeJS.WritableStream, name = 'backup stream'): BackupSink {
  let failure: unknown;
  const onError = (err: unknown): void => {
    if (failure === undefined) failure = err;
  };
  stream.on('error', onError);
  const detach = (): void => void stream.removeListener('error', onError);
  return {
    name,
    write(bytes) {
      if (failure !== undefined) return Promise.reject(IoError.from(failure, 'write the backup stream'));
      return new Promise<void>((resolve, reject) => {
        stream.write(bytes, (err) => {
          if (err !== undefined && err !== null) reject(IoError.from(err, 'write the backup stream'));
          else if (failure !== undefined) reject(IoError.from(failure, 'write the backup stream'));
          else resolve();
        });
      });
    },
    async finish() {
      detach();
      if (failure !== undefined) throw IoError.from(failure, 'write the backup stream');
    },
    abort() {
      detach();
    },
  };
}
