// Discard statistics (docs/format.md §DISCARD): per value-log file, the bytes of entries that no
// longer back any live key (compaction adds the pointer lengths of the values it drops). Value-log
// GC picks the file with the most; the file persists the counts across restarts.
//
//   DISCARD (written whole, replaced by rename; big-endian, varints are unsigned LEB128):
//   +----------------------+-------------+--------------+----------------------------------------+---------+
//   | magic "SETTDISC" 8 B | version u16 | count varint | (fileId varint, bytes varint) × count  | crc u32 |
//   +----------------------+-------------+--------------+----------------------------------------+---------+
//   crc = CRC-32 of every byte before it; fileIds strictly ascending; bytes >= 1.
//
// The counts are advisory: they steer which file GC looks at, and GC checks every entry against the
// LSM tree before it drops anything. So a DISCARD that is missing starts empty, and one that is
// damaged (or of an unknown version) also starts empty, reported by `recovered: false` and
// `problem`, instead of failing the open. Losing counts only delays GC of some files; compaction
// adds new counts as it drops more values.

import { InvalidArgumentError, IoError, crc32Range, getVarint, hex32, putVarint, varintLength } from '../base/index.js';
import { readAll, writeAllSynced, type FileSystem } from '../fs/index.js';
import { readU32, writeU32 } from './format.js';

export const DISCARD_FILE = 'DISCARD';
/** Written, synced, then renamed over DISCARD; a leftover one (a crash before the rename) is overwritten by the next save. */
export const DISCARD_TMP_FILE = 'DISCARD-TMP';
// Part of the on-disk format: never change, add a version.
export const DISCARD_MAGIC: Uint8Array = new Uint8Array([0x53, 0x45, 0x54, 0x54, 0x44, 0x49, 0x53, 0x43]); // "SETTDISC"
// Part of the on-disk format: never change, add a version.
export const DISCARD_FORMAT_VERSION = 1;
const PREFIX_BYTES = 10; // magic + version
const CRC_BYTES = 4;

export class DiscardStats {
  private readonly counts: Map<number, number>;
  private changes: number;
  private savedChanges = 0;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    counts: Map<number, number>,
    /** False when DISCARD existed but could not be used (see `problem`): the stats started empty. */
    readonly recovered: boolean,
    /** Why DISCARD was not used, when `recovered` is false. */
    readonly problem: string | undefined,
  ) {
    this.counts = counts;
    // A damaged file is replaced by the next save.
    this.changes = recovered ? 0 : 1;
  }

  /**
   * Loads `dir`/DISCARD. Missing: empty, recovered. Damaged or of another version: empty,
   * `recovered: false` (advisory data never fails an open). Only an I/O error throws (IO_ERROR).
   */
  static load(fs: FileSystem, dir: string): DiscardStats {
    const path = joinPath(dir, DISCARD_FILE);
    let bytes: Uint8Array;
    try {
      if (!fs.exists(path)) return new DiscardStats(fs, dir, new Map(), true, undefined);
      bytes = readAll(fs, path);
    } catch (err) {
      throw IoError.from(err, 'read discard stats', DISCARD_FILE);
    }
    const decoded = decodeDiscard(bytes);
    if (typeof decoded === 'string') return new DiscardStats(fs, dir, new Map(), false, decoded);
    return new DiscardStats(fs, dir, decoded, true, undefined);
  }

  /** Adds `bytes` of discardable entries to `fileId`'s count. */
  add(fileId: number, bytes: number): void {
    checkId(fileId);
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidArgumentError(`discard bytes must be a non-negative safe integer, got ${bytes}`);
    if (bytes === 0) return;
    this.counts.set(fileId, Math.min(Number.MAX_SAFE_INTEGER, (this.counts.get(fileId) ?? 0) + bytes));
    this.changes++;
  }

  get(fileId: number): number {
    return this.counts.get(fileId) ?? 0;
  }

  /** Forgets `fileId` (its file was deleted). */
  remove(fileId: number): void {
    if (this.counts.delete(fileId)) this.changes++;
  }

  /** [fileId, bytes] for every file with a count, by file id ascending. */
  entries(): [number, number][] {
    return [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Changed since the last save (or loaded from a damaged file). */
  get dirty(): boolean {
    return this.changes !== this.savedChanges;
  }

  /**
   * Writes DISCARD-TMP, fdatasyncs it, renames it over DISCARD and syncs the directory: a crash
   * leaves the old file or the new one, never a mix. Saves run one at a time, in call order; each
   * writes the counts as they are when it starts.
   */
  save(): Promise<void> {
    const run = this.saving.then(
      () => this.saveNow(),
      () => this.saveNow(),
    );
    this.saving = run.catch(() => undefined);
    return run;
  }

  private async saveNow(): Promise<void> {
    const changes = this.changes;
    const bytes = encodeDiscard(this.entries());
    const tmp = joinPath(this.dir, DISCARD_TMP_FILE);
    try {
      await writeAllSynced(this.fs, tmp, bytes);
      this.fs.rename(tmp, joinPath(this.dir, DISCARD_FILE));
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw IoError.from(err, 'save discard stats', DISCARD_FILE);
    }
    this.savedChanges = changes;
  }
}

/** The DISCARD bytes for `entries` ([fileId, bytes], fileId strictly ascending, bytes >= 1). */
export function encodeDiscard(entries: readonly (readonly [number, number])[]): Uint8Array {
  let size = PREFIX_BYTES + varintLength(entries.length) + CRC_BYTES;
  for (const [id, bytes] of entries) size += varintLength(id) + varintLength(bytes);
  const out = new Uint8Array(size);
  out.set(DISCARD_MAGIC, 0);
  out[8] = DISCARD_FORMAT_VERSION >>> 8;
  out[9] = DISCARD_FORMAT_VERSION & 0xff;
  let p = putVarint(out, PREFIX_BYTES, entries.length);
  let previous = -1;
  for (const [id, bytes] of entries) {
    checkId(id);
    if (id <= previous) throw new InvalidArgumentError(`discard entries must have ascending file ids (${id} after ${previous})`);
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidArgumentError(`discard bytes must be a positive safe integer, got ${bytes}`);
    previous = id;
    p = putVarint(out, p, id);
    p = putVarint(out, p, bytes);
  }
  writeU32(out, p, crc32Range(out, 0, p));
  return out;
}

const scratch = [0];

/** The counts in a DISCARD file, or what is wrong with it. */
export function decodeDiscard(bytes: Uint8Array): Map<number, number> | string {
  if (bytes.length < PREFIX_BYTES + 1 + CRC_BYTES) return `file of ${bytes.length} bytes is too short`;
  for (let i = 0; i < DISCARD_MAGIC.length; i++) if (bytes[i] !== DISCARD_MAGIC[i]) return 'bad magic';
  const end = bytes.length - CRC_BYTES;
  const stored = readU32(bytes, end);
  const computed = crc32Range(bytes, 0, end);
  if (stored !== computed) return `checksum ${hex32(stored)} != ${hex32(computed)}`;
  const version = (bytes[8]! << 8) | bytes[9]!;
  if (version !== DISCARD_FORMAT_VERSION) return `unknown format version ${version}`;
  const count = getVarint(bytes, PREFIX_BYTES, end, scratch);
  if (count < 0) return 'bad count varint';
  let p = scratch[0]!;
  if (count > (end - p) / 2) return `count ${count} cannot fit in ${end - p} bytes`;
  const out = new Map<number, number>();
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const id = getVarint(bytes, p, end, scratch);
    if (id < 0) return `entry ${i}: bad file id varint`;
    const n = getVarint(bytes, scratch[0]!, end, scratch);
    if (n < 1 || !Number.isSafeInteger(n)) return `entry ${i}: bad byte count`;
    if (id <= previous) return `entry ${i}: file id ${id} not above ${previous}`;
    previous = id;
    p = scratch[0]!;
    out.set(id, n);
  }
  if (p !== end) return `${end - p} bytes left after ${count} entries`;
  return out;
}

function checkId(fileId: number): void {
  if (!Number.isSafeInteger(fileId) || fileId < 0 || fileId > 0xffff_ffff) throw new InvalidArgumentError(`value log file id must be a u32, got ${fileId}`);
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
