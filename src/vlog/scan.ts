// Walking a value-log file in order (docs/format.md §VLOG.recovery): finding the valid end of the
// newest file on open (a torn tail is the expected outcome of a crash; damage followed by a valid
// entry is corruption), and iterating every entry of a file for GC. Layout: format.ts.
//
// As in the WAL reader, a bad entry at X is a torn tail only when no valid entry starts anywhere
// after X: a crash damages only bytes after the last synced ones, so anything valid after the
// damage proves it is not a crash's. The check per candidate offset is O(1) (length bounds, then
// the 16-byte header CRC); the body CRC is computed only for a candidate whose header CRC matches.

import { CorruptionError, ValuePointer, crc32Range, hex32 } from '../base/index.js';
import type { FileCipher } from '../crypto/index.js';
import { ReadWindow, type FileHandle } from '../fs/index.js';
import {
  ENTRY_BYTES_MIN,
  ENTRY_HEADER_BYTES,
  EntryFields,
  entryFromFields,
  entryHeaderCrc,
  parseEntryBody,
  readU32,
  type VlogEntry,
} from './format.js';

/** Sequential reads go through a window of this many bytes (more when one entry is larger). */
export const VLOG_READ_CHUNK_BYTES = 4 << 20;

// Why an entry is not valid (negative, so that probeEntry can return a length otherwise).
const BAD_SHORT_HEADER = -1;
const BAD_LENGTH = -2;
const BAD_HEADER_CRC = -3;
const BAD_BODY_CRC = -4;

/** A window over a value-log file (see src/fs ReadWindow); a file shorter than expected is CORRUPTION. */
export function vlogWindow(file: FileHandle, name: string, size: number): ReadWindow {
  return new ReadWindow(file, name, size, {
    chunkBytes: VLOG_READ_CHUNK_BYTES,
    what: 'read value log',
    shortRead: (at) => new CorruptionError(name, at, `file ended at ${at}, expected ${size} bytes`),
  });
}

/**
 * The length of the valid entry at `offset` (its header and body CRCs match, it lies inside the
 * window's size), or a BAD_* code. Cheap rejections first: the forward scan calls this at every
 * byte offset. A valid entry is left whole in the window.
 */
function probeEntry(w: ReadWindow, fileId: number, offset: number): number {
  const remaining = w.size - offset;
  if (remaining < ENTRY_HEADER_BYTES) return BAD_SHORT_HEADER;
  w.ensure(offset, ENTRY_HEADER_BYTES);
  let buf = w.buf;
  let p = offset - w.start;
  const length = readU32(buf, p);
  if (length < ENTRY_BYTES_MIN || length > remaining) return BAD_LENGTH;
  if (readU32(buf, p + 8) !== entryHeaderCrc(fileId, offset, buf, p)) return BAD_HEADER_CRC;
  w.ensure(offset, length);
  buf = w.buf;
  p = offset - w.start;
  if (crc32Range(buf, p + ENTRY_HEADER_BYTES, p + length) !== readU32(buf, p + 4)) return BAD_BODY_CRC;
  return length;
}

/** The first offset in [from, size) where a valid entry starts, or -1. */
export function findValidEntry(w: ReadWindow, fileId: number, from: number): number {
  const size = w.size;
  const last = size - ENTRY_BYTES_MIN;
  let offset = from;
  while (offset <= last) {
    w.ensure(offset, ENTRY_HEADER_BYTES);
    const buf = w.buf;
    const start = w.start;
    const windowLast = Math.min(last, start + buf.length - ENTRY_HEADER_BYTES);
    // The length bounds reject almost every offset of garbage or zeros: checked inline on the
    // window's bytes, so that a long torn tail costs a tight loop, not a call per byte. A length
    // that fits in the rest of the file has a small top byte: one compare rejects most offsets.
    const topByteMax = Math.floor((size - offset) / 0x100_0000);
    for (; offset <= windowLast; offset++) {
      const p = offset - start;
      if (buf[p]! > topByteMax) continue;
      const length = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      if (length < ENTRY_BYTES_MIN || length > size - offset) continue;
      if (probeEntry(w, fileId, offset) > 0) return offset;
      if (w.buf !== buf) break; // probeEntry moved the window: re-read it
    }
  }
  return -1;
}

/** Words for a CorruptionError; only called on the way to throwing one. */
export function describeBadEntry(w: ReadWindow, fileId: number, offset: number): string {
  const code = probeEntry(w, fileId, offset);
  if (code === BAD_SHORT_HEADER) return `entry header cut short (${w.size - offset} bytes left)`;
  w.ensure(offset, ENTRY_HEADER_BYTES);
  const p = offset - w.start;
  const length = readU32(w.buf, p);
  const stored = readU32(w.buf, p + 8);
  const computed = entryHeaderCrc(fileId, offset, w.buf, p);
  const headerCrcText = `header checksum ${hex32(stored)} ${stored === computed ? '==' : '!='} ${hex32(computed)}`;
  switch (code) {
    case BAD_LENGTH:
      return `entry length ${length} is below ${ENTRY_BYTES_MIN} or runs past the end at ${w.size} (${headerCrcText})`;
    case BAD_HEADER_CRC:
      return `entry ${headerCrcText}`;
    case BAD_BODY_CRC: {
      w.ensure(offset, length);
      const q = offset - w.start;
      return `entry checksum ${hex32(readU32(w.buf, q + 4))} != ${hex32(crc32Range(w.buf, q + ENTRY_HEADER_BYTES, q + length))}`;
    }
    default:
      return 'entry is valid';
  }
}

export interface ScanResult {
  /** Offset just after the last valid entry. */
  validEnd: number;
  /** Entries found valid. */
  entries: number;
}

/**
 * Walks the entries of a file from `from` (just after its header) to find where the valid ones end.
 * Throws CorruptionError when a bad entry (or one whose checksums match but whose fields do not
 * parse) has a valid entry anywhere after it.
 */
export function scanValidEnd(w: ReadWindow, fileId: number, name: string, from: number, cipher?: FileCipher, checksumsOnly = false): ScanResult {
  const fields = new EntryFields();
  let offset = from;
  let entries = 0;
  while (offset < w.size) {
    const length = probeEntry(w, fileId, offset);
    if (length < 0) {
      const next = findValidEntry(w, fileId, offset + 1);
      if (next >= 0) throw new CorruptionError(name, offset, `${describeBadEntry(w, fileId, offset)}; a valid entry follows at offset ${next}`);
      break;
    }
    if (!checksumsOnly) {
      const plain = plainEntry(w, offset, length, cipher);
      const problem = parseEntryBody(plain.buf, plain.pos, length, fields);
      if (problem !== undefined) throw new CorruptionError(name, offset, `${problem} (the entry's checksums match)`);
    }
    entries++;
    offset += length;
  }
  return { validEnd: offset, entries };
}

/**
 * Every entry in [from, w.size), in order, CRC-checked; any bad entry is CorruptionError (the caller
 * bounds the window at the file's valid end). Keys and values are views into the window's chunk
 * buffers, which are never reused: they stay valid, and keep their chunk alive.
 */
export function* iterateEntries(
  w: ReadWindow,
  fileId: number,
  name: string,
  from: number,
  cipher?: FileCipher,
  checksumsOnly = false,
): Generator<{ entry: VlogEntry; pointer: ValuePointer }> {
  const fields = new EntryFields();
  let offset = from;
  while (offset < w.size) {
    const length = probeEntry(w, fileId, offset);
    if (length < 0) throw new CorruptionError(name, offset, describeBadEntry(w, fileId, offset));
    if (checksumsOnly) {
      // An encrypted file verified without its key: the CRCs matched; the fields cannot be read.
      const pointer = new ValuePointer(fileId, offset, length);
      offset += length;
      yield { entry: UNREADABLE_ENTRY, pointer };
      continue;
    }
    const plain = plainEntry(w, offset, length, cipher);
    const problem = parseEntryBody(plain.buf, plain.pos, length, fields);
    if (problem !== undefined) throw new CorruptionError(name, offset, `${problem} (the entry's checksums match)`);
    const entry = entryFromFields(plain.buf, fields);
    const pointer = new ValuePointer(fileId, offset, length);
    offset += length;
    yield { entry, pointer };
  }
}

/** What iterateEntries yields for an encrypted entry checked without its key. */
const UNREADABLE_ENTRY: VlogEntry = { key: new Uint8Array(0), version: 0, meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };

/**
 * The entry at `offset` (whole in the window) with a plaintext body: the window's bytes themselves
 * for a plain file; for an encrypted one a new buffer (header copied, body decrypted), so that the
 * window keeps the stored bytes its CRC checks read.
 */
function plainEntry(w: ReadWindow, offset: number, length: number, cipher: FileCipher | undefined): { buf: Uint8Array; pos: number } {
  const p = offset - w.start;
  if (cipher === undefined) return { buf: w.buf, pos: p };
  const out = new Uint8Array(length);
  out.set(w.buf.subarray(p, p + ENTRY_HEADER_BYTES), 0);
  out.set(cipher.transform(offset + ENTRY_HEADER_BYTES, w.buf.subarray(p + ENTRY_HEADER_BYTES, p + length)), ENTRY_HEADER_BYTES);
  return { buf: out, pos: 0 };
}
