// The file-system seam: every byte the engine reads or writes goes through this interface,
// so tests can swap in FaultFS, which forgets what was not synced and injects I/O errors.
//
// Reads, writes and metadata calls are synchronous: on the hot path a syscall is cheaper than
// a promise, and positional reads serve getSync. fdatasync and directory syncs are async,
// because they can block for milliseconds and the next write group gathers meanwhile.

/** Flags as node's fs.open takes them. */
export type OpenFlags =
  | 'r' // read an existing file
  | 'r+' // read and write an existing file
  | 'w' // create or truncate, read and write
  | 'wx'; // create, failing with EEXIST if it exists; read and write

export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at file `position` into `buf` at `offset`; returns bytes read (0 at end). */
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all of `data` at the current end of the file. */
  append(data: Uint8Array): void;
  /**
   * append() off the calling thread, where the file system can (node:fs: libuv's thread pool).
   * The bytes are placed at once (size() includes them); reads of them must wait for the promise.
   * Optional: callers fall back to append().
   */
  appendAsync?(data: Uint8Array): Promise<void>;
  /** Writes all of `data` at `position`. */
  write(data: Uint8Array, position: number): void;
  /** fdatasync: the file's bytes are durable when it resolves. */
  sync(): Promise<void>;
  truncate(size: number): void;
  size(): number;
  close(): void;
}

export interface FileSystem {
  open(path: string, flags: OpenFlags): FileHandle;
  exists(path: string): boolean;
  /** Size in bytes of the file at `path`. */
  size(path: string): number;
  /** Atomically replaces `to` with `from` (durable once the directory is synced). */
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Names (not paths) of the entries of `dir`, sorted. */
  list(dir: string): string[];
  mkdir(dir: string): void; // recursive; no error if it exists
  /** Makes creates, renames and unlinks in `dir` durable. */
  syncDir(dir: string): Promise<void>;
}
