// Recovers a memtable WAL: replays every valid record in order, tells a torn tail (the expected
// outcome of a crash: discarded, counted) from corruption in the middle (reported), and says where
// the valid part ends so the writer can truncate there. Layout: format.ts, docs/format.md §WAL.
//
// A bad record at offset X is a torn tail when no valid record starts anywhere after X, and
// corruption when one does: a crash only damages bytes after the last synced ones, so anything
// valid after the damage proves the damage is not a crash's. Deciding that costs one pass over the
// rest of the file with an O(1) check per byte offset (length bounds, then a 16-byte header CRC;
// the payload CRC only for a candidate whose header CRC matches).

import { CorruptionError, IoError, crc32Range, hex32, type Entry } from '../base/index.js';
import { FileCipher, type DataKeySource } from '../crypto/index.js';
import { ReadWindow, type FileHandle, type FileSystem } from '../fs/index.js';
import { decodeBatch } from './batch-codec.js';
import {
  RECORD_HEADER_BYTES,
  WAL_FORMAT_VERSION,
  WAL_HEADER_BYTES,
  WAL_KEY_ID_OFFSET,
  WAL_MAX_RECORD_PAYLOAD_BYTES,
  checkWalHeader,
  fileNameOf,
  readU32,
  recordHeaderCrc,
} from './format.js';

/** Replay reads the file through a window of this many bytes (more when one record is larger). */
export const WAL_READ_CHUNK_BYTES = 4 << 20;

export interface WalReplayResult {
  /** Offset just after the last accepted record (0 when even the header is torn). */
  validEnd: number;
  /** Records accepted. */
  batches: number;
  /** Bytes after validEnd that were a torn tail or rejected by the caller (0 if clean). */
  tornBytes: number;
  /** onBatch returned false: validEnd is the start of the record it rejected. */
  stoppedByCaller: boolean;
}

/**
 * Called for each valid record in file order. Keys and values are views into a read buffer that is
 * never reused, so they stay valid; copy them only to drop the (up to WAL_READ_CHUNK_BYTES) buffer.
 * Return false to reject this record and end the replay at its start.
 */
export type OnWalBatch = (entries: Entry[], recordOffset: number) => boolean | void;

export interface WalReplayOptions {
  /** Data keys of an encrypted WAL (an encrypted WAL without them is WRONG_KEY, unless checksumsOnly). */
  keys?: DataKeySource;
  /**
   * Verify without the key: an encrypted WAL's records are checked (their CRCs cover the stored,
   * encrypted bytes) but not decoded, and onBatch receives an empty list for each.
   */
  checksumsOnly?: boolean;
}

export function replayWal(fs: FileSystem, path: string, onBatch: OnWalBatch, options: WalReplayOptions = {}): WalReplayResult {
  const name = fileNameOf(path);
  let file: FileHandle;
  try {
    file = fs.open(path, 'r');
  } catch (err) {
    throw IoError.from(err, 'open WAL', name);
  }
  try {
    const size = file.size();
    const w = new ReadWindow(file, name, size, {
      chunkBytes: WAL_READ_CHUNK_BYTES,
      what: 'read WAL',
      shortRead: (at) => new IoError(`read WAL: ${name} ended at ${at}, expected ${size} bytes`, undefined, { file: name }),
    });
    return replayOpen(w, name, onBatch, options);
  } finally {
    file.close();
  }
}

function replayOpen(w: ReadWindow, name: string, onBatch: OnWalBatch, options: WalReplayOptions): WalReplayResult {
  const size = w.size;
  // Shorter than its header: the crash came right after create, and no record can be in it.
  if (size < WAL_HEADER_BYTES) return { validEnd: 0, batches: 0, tornBytes: size, stoppedByCaller: false };
  w.ensure(0, WAL_HEADER_BYTES);
  const check = checkWalHeader(w.buf.subarray(0, WAL_HEADER_BYTES));
  switch (check.kind) {
    case 'bad-magic':
    case 'zeros':
    case 'bad-crc': {
      // A header is torn like any unsynced bytes (garbage included); only records after it make it
      // corruption. A file named like a WAL in a sett directory is judged as one, never as foreign.
      const what =
        check.kind === 'zeros'
          ? 'WAL header is all zeros'
          : check.kind === 'bad-magic'
            ? 'WAL header does not start with the magic'
            : `WAL header checksum ${hex32(check.stored)} != ${hex32(check.computed)}`;
      const next = findValidRecord(w, WAL_HEADER_BYTES);
      if (next >= 0) throw new CorruptionError(name, 0, `${what}, yet a valid record follows at offset ${next}`);
      return { validEnd: 0, batches: 0, tornBytes: size, stoppedByCaller: false };
    }
    case 'ok':
      break;
  }
  const { version, keyId, iv } = check.header;
  if (version !== WAL_FORMAT_VERSION) {
    throw new CorruptionError(name, 8, `unknown WAL format version ${version} (this build reads ${WAL_FORMAT_VERSION})`);
  }
  // Checked before any record is read: a missing key is WRONG_KEY, an unknown key id CORRUPTION.
  const skipDecode = keyId !== 0 && options.checksumsOnly === true && options.keys === undefined;
  const cipher = skipDecode ? undefined : FileCipher.forFile(name, WAL_KEY_ID_OFFSET, keyId, iv, options.keys);

  let offset = WAL_HEADER_BYTES;
  let batches = 0;
  while (offset < size) {
    const length = probeRecord(w, offset);
    if (length < 0) {
      const next = findValidRecord(w, offset + 1);
      if (next >= 0) {
        throw new CorruptionError(name, offset, `${describeBadRecord(w, offset, length)}; a valid record follows at offset ${next}`);
      }
      return { validEnd: offset, batches, tornBytes: size - offset, stoppedByCaller: false };
    }
    // probeRecord left the whole record in the window.
    const payloadStart = offset + RECORD_HEADER_BYTES;
    const p = payloadStart - w.start;
    const stored = w.buf.subarray(p, p + length);
    // Decrypted into a new buffer: the window's bytes stay as stored (the CRCs cover them).
    const entries = skipDecode ? [] : decodeBatch(cipher === undefined ? stored : cipher.transform(payloadStart, stored), name, payloadStart);
    if (onBatch(entries, offset) === false) {
      return { validEnd: offset, batches, tornBytes: size - offset, stoppedByCaller: true };
    }
    batches++;
    offset = payloadStart + length;
  }
  return { validEnd: offset, batches, tornBytes: 0, stoppedByCaller: false };
}

// Why a record is not valid (negative, so that probeRecord can return a length otherwise).
const BAD_SHORT_HEADER = -1;
const BAD_ZERO_LENGTH = -2;
const BAD_LENGTH = -3;
const BAD_HEADER_CRC = -4;
const BAD_PAYLOAD_CRC = -5;

/**
 * Returns the payload length of the valid record at `offset`, or a BAD_* code. Cheap rejections
 * first: the forward scan calls this at every byte offset.
 */
function probeRecord(w: ReadWindow, offset: number): number {
  const remaining = w.size - offset - RECORD_HEADER_BYTES;
  if (remaining < 0) return BAD_SHORT_HEADER;
  w.ensure(offset, RECORD_HEADER_BYTES);
  let buf = w.buf;
  let p = offset - w.start;
  const length = readU32(buf, p);
  if (length === 0) return BAD_ZERO_LENGTH;
  if (length > remaining || length > WAL_MAX_RECORD_PAYLOAD_BYTES) return BAD_LENGTH;
  if (readU32(buf, p + 8) !== recordHeaderCrc(offset, buf, p)) return BAD_HEADER_CRC;
  w.ensure(offset, RECORD_HEADER_BYTES + length);
  buf = w.buf;
  p = offset - w.start;
  if (crc32Range(buf, p + RECORD_HEADER_BYTES, p + RECORD_HEADER_BYTES + length) !== readU32(buf, p + 4)) return BAD_PAYLOAD_CRC;
  return length;
}

/** The first offset at or after `from` where a valid record starts, or -1. */
function findValidRecord(w: ReadWindow, from: number): number {
  const size = w.size;
  const last = size - RECORD_HEADER_BYTES - 1; // a record has at least 1 payload byte
  // The length bounds reject almost every offset of garbage or zeros; they are checked here on the
  // window's bytes directly, so that a 64 MiB torn tail costs a tight loop and not a call per byte.
  let offset = from;
  while (offset <= last) {
    w.ensure(offset, RECORD_HEADER_BYTES);
    const buf = w.buf;
    const start = w.start;
    const windowLast = Math.min(last, start + buf.length - RECORD_HEADER_BYTES);
    for (; offset <= windowLast; offset++) {
      const p = offset - start;
      const length = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      if (length === 0 || length > size - offset - RECORD_HEADER_BYTES || length > WAL_MAX_RECORD_PAYLOAD_BYTES) continue;
      if (probeRecord(w, offset) > 0) return offset;
      if (w.buf !== buf) break; // probeRecord moved the window: re-read it
    }
  }
  return -1;
}

/** Words for a CorruptionError; only called on the way to throwing one. */
function describeBadRecord(w: ReadWindow, offset: number, code: number): string {
  if (code === BAD_SHORT_HEADER) return `record header cut short (${w.size - offset} bytes left)`;
  w.ensure(offset, RECORD_HEADER_BYTES);
  const p = offset - w.start;
  const length = readU32(w.buf, p);
  const storedHeaderCrc = readU32(w.buf, p + 8);
  const headerCrc = recordHeaderCrc(offset, w.buf, p);
  const headerCrcText = `header checksum ${hex32(storedHeaderCrc)} ${storedHeaderCrc === headerCrc ? '==' : '!='} ${hex32(headerCrc)}`;
  switch (code) {
    case BAD_ZERO_LENGTH:
      return `record of length 0 (${headerCrcText})`;
    case BAD_LENGTH:
      return `record length ${length} runs past the end of the file at ${w.size} (${headerCrcText})`;
    case BAD_HEADER_CRC:
      return `record ${headerCrcText}`;
    default: {
      w.ensure(offset, RECORD_HEADER_BYTES + length);
      const q = offset - w.start;
      const computed = crc32Range(w.buf, q + RECORD_HEADER_BYTES, q + RECORD_HEADER_BYTES + length);
      return `record payload checksum ${hex32(readU32(w.buf, q + 4))} != ${hex32(computed)}`;
    }
  }
}
