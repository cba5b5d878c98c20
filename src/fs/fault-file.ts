// FaultFS's file contents: an inode that knows which of its bytes a power loss could lose.
//
// Durability model (one inode):
//   synced state   the bytes at the last sync() (empty for a new file)
//   log            every write/truncate since, in order; contiguous appends coalesce into one record
//   current state  synced state + log, what reads see
// A power loss leaves the synced state plus a prefix of the log, where the last record kept may be
// cut at an arbitrary byte (a torn write) and, in garbage mode, followed by bytes that never were
// written (the file's size reached the disk, its data did not). Truncates are atomic.
//
// The synced state and the log's bytes are kept lazily, as ranges of the current bytes, until a
// later write or truncate would change those bytes: then (only then) they are copied. Appending and
// syncing a large file therefore costs no copies at all.

import type { Rng } from '../base/index.js';

/** A byte array that grows by doubling. Bytes past `length` are always zero. */
export class GrowableBytes {
  private buf: Uint8Array;
  private len: number;

  /**
   * `shared`: every buffer it allocates is a SharedArrayBuffer, so a view of the bytes can be
   * handed to a worker thread without a copy. `adopt`: `initial` becomes the storage as it is
   * (not copied); it must not be written through anywhere else.
   */
  constructor(
    initial?: Uint8Array,
    private readonly shared = false,
    adopt = false,
  ) {
    this.len = initial === undefined ? 0 : initial.length;
    if (adopt && initial !== undefined) {
      this.buf = initial;
    } else {
      this.buf = this.allocate(Math.max(64, this.len));
      if (initial !== undefined) this.buf.set(initial);
    }
  }

  get length(): number {
    return this.len;
  }

  /** Bytes allocated (length plus room to grow). */
  get capacity(): number {
    return this.buf.length;
  }

  /** A live view of the bytes; invalid after the next write or truncate. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  copy(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  read(dst: Uint8Array, offset: number, length: number, position: number): number {
    if (position >= this.len) return 0;
    const n = Math.min(length, this.len - position);
    dst.set(this.buf.subarray(position, position + n), offset);
    return n;
  }

  /** Writes `src` at `position`; a gap past the end reads as zeros. */
  write(src: Uint8Array, position: number): void {
    const end = position + src.length;
    this.reserve(end);
    this.buf.set(src, position);
    if (end > this.len) this.len = end;
  }

  truncate(size: number): void {
    if (size < this.len) {
      this.buf.fill(0, size, this.len); // keeps "past length is zero", so a later extension reads zeros
    } else {
      this.reserve(size);
    }
    this.len = size;
  }

  /** Gives back the room to grow: the storage becomes exactly `length` bytes (one copy). */
  fit(): void {
    if (this.buf.length === this.len) return;
    const next = this.allocate(this.len);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private reserve(size: number): void {
    if (size <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < size) cap *= 2;
    const next = this.allocate(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private allocate(bytes: number): Uint8Array {
    return this.shared ? new Uint8Array(new SharedArrayBuffer(bytes)) : new Uint8Array(bytes);
  }
}

/** One unsynced change. A write's `bytes` is null while they still sit unchanged in the current state. */
type Mutation =
  | { kind: 'write'; pos: number; len: number; bytes: Uint8Array | null }
  | { kind: 'truncate'; size: number };

/** What a power loss does to one file's unsynced changes. */
export type FileCrashMode = 'random' | 'drop' | 'keep' | 'torn';

export class Inode {
  readonly kind = 'file';
  private data: GrowableBytes;
  private syncedLength: number;
  /** A copy of the synced state, made once an unsynced change touched it; else it is data[0, syncedLength). */
  private syncedCopy: Uint8Array | null = null;
  private log: Mutation[] = [];

  /**
   * `durable` is the file's initial content, already synced (used by crash and writeFileDirect);
   * `storage` says whether it is kept in SharedArrayBuffers and whether `durable` is adopted
   * rather than copied (FaultFS.adoptFile).
   */
  constructor(
    readonly id: number,
    durable?: Uint8Array,
    private readonly storage: { shared?: boolean; adopt?: boolean } = {},
  ) {
    this.data = new GrowableBytes(durable, storage.shared === true, storage.adopt === true);
    this.syncedLength = this.data.length;
  }

  get size(): number {
    return this.data.length;
  }

  get hasUnsynced(): boolean {
    return this.log.length > 0;
  }

  read(dst: Uint8Array, offset: number, length: number, position: number): number {
    return this.data.read(dst, offset, length, position);
  }

  write(src: Uint8Array, position: number): void {
    if (src.length === 0) return;
    this.preserve(position, position + src.length);
    const last = this.log.length === 0 ? undefined : this.log[this.log.length - 1];
    if (last !== undefined && last.kind === 'write' && last.bytes === null && last.pos + last.len === position) {
      last.len += src.length; // an append right after the previous one: one record, tearable at any byte
    } else {
      this.log.push({ kind: 'write', pos: position, len: src.length, bytes: null });
    }
    this.data.write(src, position);
  }

  truncate(size: number): void {
    if (size === this.data.length) return;
    this.preserve(size, Number.POSITIVE_INFINITY);
    this.log.push({ kind: 'truncate', size });
    this.data.truncate(size);
  }

  sync(): void {
    this.log = [];
    this.syncedCopy = null;
    this.syncedLength = this.data.length;
  }

  /** Replaces the content and makes it durable at once (corruption tests, bypassing the model). */
  replaceDurably(bytes: Uint8Array): void {
    this.data = new GrowableBytes(bytes, this.storage.shared === true);
    this.sync();
  }

  current(): Uint8Array {
    return this.data.copy();
  }

  /**
   * A live view of the current bytes, not a copy; with `fit`, the storage is first cut to exactly
   * those bytes. Valid until the next write or truncate.
   */
  view(fit = false): Uint8Array {
    if (fit) this.data.fit();
    return this.data.view();
  }

  /** The content a power loss leaves, decided by `rng` (consumed only when there are unsynced changes). */
  crashed(rng: Rng, mode: FileCrashMode, tornGarbage: boolean): Uint8Array {
    if (this.log.length === 0) return this.data.copy();
    const outcome = mode === 'random' ? (['drop', 'keep', 'torn'] as const)[rng.int(3)]! : mode;
    if (outcome === 'keep') return this.data.copy();
    const out = new GrowableBytes(this.syncedCopy ?? this.data.view().subarray(0, this.syncedLength));
    if (outcome === 'drop') return out.copy();
    // Torn: the log reaches the disk in order up to some byte of some record.
    const cut = rng.int(this.log.length);
    for (let i = 0; i < cut; i++) this.apply(out, this.log[i]!);
    const torn = this.log[cut]!;
    if (torn.kind === 'write') {
      const kept = rng.int(torn.len); // strictly less than the whole record
      out.write(this.bytesOf(torn).subarray(0, kept), torn.pos);
      if (tornGarbage) out.write(rng.bytes(1 + rng.int(torn.len - kept)), torn.pos + kept);
    }
    return out.copy();
  }

  private apply(out: GrowableBytes, m: Mutation): void {
    if (m.kind === 'write') out.write(this.bytesOf(m), m.pos);
    else out.truncate(m.size);
  }

  private bytesOf(m: Mutation & { kind: 'write' }): Uint8Array {
    return m.bytes ?? this.data.view().subarray(m.pos, m.pos + m.len);
  }

  /** Copies whatever the synced state or the log still reads from current bytes in [start, end). */
  private preserve(start: number, end: number): void {
    if (this.syncedCopy === null && start < this.syncedLength) {
      this.syncedCopy = this.data.view().slice(0, this.syncedLength);
    }
    for (const m of this.log) {
      if (m.kind === 'write' && m.bytes === null && m.pos < end && m.pos + m.len > start) {
        m.bytes = this.data.view().slice(m.pos, m.pos + m.len);
      }
    }
  }
}
