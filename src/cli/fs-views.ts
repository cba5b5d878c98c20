// FileSystem wrappers the CLI hands to the engine's readers (the engine's own seam, src/fs):
//
// - singleFileView: a read-only directory holding exactly one real file under a chosen name, so
//   readers that open a directory (Manifest.open, ValueLog.open) read one file wherever it lies
//   and whatever it is called (`sett dump /backups/MANIFEST.old`).
// - CountingFS: node's file system, counting the bytes read and written through it, which is how
//   backup and restore show progress without a callback of their own.

import { ReadOnlyError } from '../base/index.js';
import { nodeFS, type FileHandle, type FileSystem, type OpenFlags } from '../fs/index.js';

export const VIEW_DIR = '/sett-cli-view';

/** A directory VIEW_DIR holding `realPath` as `name`; every write is refused. */
export function singleFileView(realPath: string, name: string): FileSystem {
  const viewPath = `${VIEW_DIR}/${name}`;
  const real = (path: string): string | undefined => (path === viewPath ? realPath : undefined);
  const refuse = (what: string): never => {
    throw new ReadOnlyError(`sett CLI: ${what} in a read-only view of ${realPath}`);
  };
  return {
    open(path: string, flags: OpenFlags): FileHandle {
      const p = real(path);
      if (flags !== 'r') refuse(`open ${path} for writing`);
      if (p === undefined) {
        const err = new Error(`ENOENT: no such file, open '${path}'`) as Error & { code: string };
        err.code = 'ENOENT';
        throw err;
      }
      return nodeFS.open(p, 'r');
    },
    exists: (path) => path === VIEW_DIR || real(path) !== undefined,
    size: (path) => nodeFS.size(real(path) ?? path),
    rename: (from) => refuse(`rename ${from}`),
    unlink: (path) => refuse(`delete ${path}`),
    list: (dir) => (dir === VIEW_DIR ? [name] : []),
    mkdir: (dir) => refuse(`create ${dir}`),
    syncDir: async () => {},
  };
}

/**
 * nodeFS for reading only: opening for writing, renames, deletes and mkdir throw EROFS. The read
 * commands open the database through it, so that whatever the engine might try, they never
 * change a directory that a live process may be writing.
 */
export class ReadOnlyFS implements FileSystem {
  constructor(private readonly inner: FileSystem = nodeFS) {}

  private refuse(what: string, path: string): never {
    const err = new Error(`EROFS: the sett CLI reads this database without changing it, refused ${what} '${path}'`) as Error & { code: string };
    err.code = 'EROFS';
    throw err;
  }

  open(path: string, flags: OpenFlags): FileHandle {
    if (flags !== 'r') this.refuse(`open for writing`, path);
    return this.inner.open(path, 'r');
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  size(path: string): number {
    return this.inner.size(path);
  }
  rename(from: string): void {
    this.refuse('rename', from);
  }
  unlink(path: string): void {
    this.refuse('delete', path);
  }
  list(dir: string): string[] {
    return this.inner.list(dir);
  }
  mkdir(dir: string): void {
    this.refuse('mkdir', dir);
  }
  async syncDir(): Promise<void> {}
}

/** nodeFS with running totals of the bytes read and written through handles it opened. */
export class CountingFS implements FileSystem {
  bytesRead = 0;
  bytesWritten = 0;

  open(path: string, flags: OpenFlags): FileHandle {
    const inner = nodeFS.open(path, flags);
    const outer = this;
    return {
      path: inner.path,
      read(buf, offset, length, position) {
        const n = inner.read(buf, offset, length, position);
        outer.bytesRead += n;
        return n;
      },
      append(data) {
        inner.append(data);
        outer.bytesWritten += data.length;
      },
      write(data, position) {
        inner.write(data, position);
        outer.bytesWritten += data.length;
      },
      sync: () => inner.sync(),
      truncate: (size) => inner.truncate(size),
      size: () => inner.size(),
      close: () => inner.close(),
    };
  }

  exists(path: string): boolean {
    return nodeFS.exists(path);
  }
  size(path: string): number {
    return nodeFS.size(path);
  }
  rename(from: string, to: string): void {
    nodeFS.rename(from, to);
  }
  unlink(path: string): void {
    nodeFS.unlink(path);
  }
  list(dir: string): string[] {
    return nodeFS.list(dir);
  }
  mkdir(dir: string): void {
    nodeFS.mkdir(dir);
  }
  syncDir(dir: string): Promise<void> {
    return nodeFS.syncDir(dir);
  }
}
