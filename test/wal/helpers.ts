// Shared helpers for the WAL tests: a tiny in-memory file system whose bytes a test can edit,
// arbitrary entries and batches, and a comparable form of an entry.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach } from 'vitest';
import { META_DELETE, META_DISCARD_EARLIER_VERSIONS, META_VALUE_POINTER, Rng, type Entry } from '../../src/base/index.js';
import type { FileHandle, FileSystem, OpenFlags } from '../../src/fs/index.js';
import { WalWriter, replayWal, type WalReplayResult } from '../../src/wal/index.js';

/**
 * Files as byte arrays in a Map. No crash model (FaultFS has that): the WAL tests use it to edit
 * bytes directly — flip, truncate, zero-fill — and to count appends.
 */
export class MemFS implements FileSystem {
  readonly files = new Map<string, Uint8Array>();
  appends = 0;
  /** When set, the next append throws this error (an injected EIO/ENOSPC). */
  failNextAppend: Error | undefined;

  open(p: string, flags: OpenFlags): FileHandle {
    const exists = this.files.has(p);
    if (flags === 'wx' && exists) throw Object.assign(new Error(`EEXIST: ${p}`), { code: 'EEXIST' });
    if ((flags === 'r' || flags === 'r+') && !exists) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    if (flags === 'w' || flags === 'wx') this.files.set(p, new Uint8Array(0));
    return new MemHandle(this, p);
  }
  exists(p: string): boolean {
    return this.files.has(p);
  }
  size(p: string): number {
    return this.get(p).length;
  }
  rename(from: string, to: string): void {
    this.files.set(to, this.get(from));
    this.files.delete(from);
  }
  unlink(p: string): void {
    this.files.delete(p);
  }
  list(): string[] {
    return [...this.files.keys()].sort();
  }
  mkdir(): void {}
  async syncDir(): Promise<void> {}

  get(p: string): Uint8Array {
    const f = this.files.get(p);
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return f;
  }
  set(p: string, bytes: Uint8Array): void {
    this.files.set(p, bytes);
  }
}

const owned = new WeakSet<ArrayBufferLike>();

class MemHandle implements FileHandle {
  constructor(
    private readonly fs: MemFS,
    readonly path: string,
  ) {}
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    const f = this.fs.get(this.path);
    const n = Math.max(0, Math.min(length, f.length - position));
    buf.set(f.subarray(position, position + n), offset);
    return n;
  }
  append(data: Uint8Array): void {
    this.write(data, this.fs.get(this.path).length);
  }
  write(data: Uint8Array, position: number): void {
    this.fs.appends++;
    const err = this.fs.failNextAppend;
    if (err !== undefined) {
      this.fs.failNextAppend = undefined;
      throw err;
    }
    const f = this.fs.get(this.path);
    const end = Math.max(f.length, position + data.length);
    // Grow geometrically inside the backing buffer so that appending many records stays linear.
    // Only buffers this handle allocated are grown in place: a test may have set() a view of its own.
    let backing = owned.has(f.buffer) ? new Uint8Array(f.buffer, f.byteOffset, f.buffer.byteLength - f.byteOffset) : f;
    if (end > backing.length) {
      backing = new Uint8Array(Math.max(end, backing.length * 2, 4096));
      owned.add(backing.buffer);
      backing.set(f);
    }
    backing.set(data, position); // copies: the writer reuses its encode buffer
    this.fs.set(this.path, backing.subarray(0, end));
  }
  async sync(): Promise<void> {}
  truncate(size: number): void {
    const f = this.fs.get(this.path);
    const out = new Uint8Array(size);
    out.set(f.subarray(0, Math.min(size, f.length)));
    this.fs.set(this.path, out);
  }
  size(): number {
    return this.fs.get(this.path).length;
  }
  close(): void {}
}

const dirs: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sett-wal-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Any entry the WAL must carry: value pointers are 12 bytes, other values any bytes. */
export const entryArb: fc.Arbitrary<Entry> = fc
  .record({
    key: fc.uint8Array({ maxLength: 40 }),
    version: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
    deleted: fc.boolean(),
    pointer: fc.boolean(),
    discardEarlier: fc.boolean(),
    userMeta: fc.nat({ max: 255 }),
    expiresAt: fc.oneof(fc.constant(0), fc.maxSafeNat()),
    value: fc.uint8Array({ maxLength: 80 }),
    pointerBytes: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  })
  .map((r) => ({
    key: r.key,
    version: r.version,
    meta: (r.deleted ? META_DELETE : 0) | (r.pointer ? META_VALUE_POINTER : 0) | (r.discardEarlier ? META_DISCARD_EARLIER_VERSIONS : 0),
    userMeta: r.userMeta,
    expiresAt: r.expiresAt,
    value: r.pointer ? r.pointerBytes : r.value,
  }));

export const batchArb: fc.Arbitrary<Entry[]> = fc.array(entryArb, { maxLength: 8 });
export const batchesArb: fc.Arbitrary<Entry[][]> = fc.array(batchArb, { maxLength: 12 });

/** A seeded batch of `n` entries with values of up to `valueBytesMax` bytes. */
export function randomBatch(rng: Rng, n: number, valueBytesMax = 64): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: rng.bytes(1 + rng.int(24)),
      version: 1 + rng.int(1_000_000),
      meta: rng.bool(0.1) ? META_DELETE : 0,
      userMeta: rng.int(256),
      expiresAt: rng.bool(0.2) ? 1_700_000_000_000 + rng.int(1_000_000) : 0,
      value: rng.bytes(rng.int(valueBytesMax + 1)),
    });
  }
  return out;
}

/** An entry as plain data, so that equality ignores which buffer a view points into. */
export function plain(e: Entry): { key: string; version: number; meta: number; userMeta: number; expiresAt: number; value: string } {
  return {
    key: Buffer.from(e.key).toString('hex'),
    version: e.version,
    meta: e.meta,
    userMeta: e.userMeta,
    expiresAt: e.expiresAt,
    value: Buffer.from(e.value).toString('hex'),
  };
}

export function plainBatches(batches: readonly (readonly Entry[])[]): ReturnType<typeof plain>[][] {
  return batches.map((b) => b.map(plain));
}

/** Writes `batches` to a new WAL at `p`; returns the record offsets and the file size. */
export function writeWal(fsys: FileSystem, p: string, batches: readonly (readonly Entry[])[]): { offsets: number[]; size: number } {
  const w = WalWriter.create(fsys, p);
  const offsets: number[] = [];
  for (const b of batches) {
    offsets.push(w.size());
    w.append(b);
  }
  const size = w.size();
  w.close();
  return { offsets, size };
}

/** Replays `p`, collecting batches (as plain data) and record offsets. */
export function replayAll(fsys: FileSystem, p: string): { result: WalReplayResult; batches: ReturnType<typeof plain>[][]; offsets: number[] } {
  const batches: ReturnType<typeof plain>[][] = [];
  const offsets: number[] = [];
  const result = replayWal(fsys, p, (entries, offset) => {
    batches.push(entries.map(plain));
    offsets.push(offset);
  });
  return { result, batches, offsets };
}

/** The error `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but the call returned');
}
