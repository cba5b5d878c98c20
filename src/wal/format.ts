// Memtable write-ahead log: file header and record framing (docs/format.md §WAL).
//
//   file    := header record*
//
//   header (34 bytes, big-endian):
//   +-------------------+-------------+------------+----------------+----------------+
//   | magic "SETT.WAL"  | version u16 | keyId u32  | IV (16 bytes)  | headerCrc u32  |
//   | 8 bytes           | = 1         | 0 = plain  | zeros if plain | CRC-32 of 0..30|
//   +-------------------+-------------+------------+----------------+----------------+
//   0                   8             10           14               30               34
//
//   record := recordHeader payload
//   recordHeader (12 bytes, big-endian):
//   +----------------+----------------+-----------------------------------------------+
//   | length u32     | payloadCrc u32 | headerCrc u32 = CRC-32 of                      |
//   | payload bytes  | CRC-32 of the  |   recordOffset u64 ‖ length u32 ‖ payloadCrc   |
//   | (>= 1)         | payload        |   (recordOffset = this record's file offset)   |
//   +----------------+----------------+-----------------------------------------------+
//   payload := one whole batch (batch-codec.ts); with keyId != 0 the payload bytes are stored
//   AES-CTR encrypted at their file position (docs/format.md §Encryption), and payloadCrc covers
//   the stored (encrypted) bytes.
//
// The header CRC lets a reader reject a candidate record offset in O(1) (check `length`, then a
// 16-byte CRC) before paying for the payload CRC: that is what makes "is there any valid record
// after this bad one?" (torn tail vs. corruption in the middle) cheap. Folding the record's own
// offset into it means a record only validates where it was written: bytes of a WAL record stored
// inside a value, or a block the disk replayed at the wrong place, never pass for a real record.
// A length of 0 is never written (a payload holds at least its entry count), so a zero-filled tail
// reads as torn whatever its CRC fields hold.

import { crc32Range, copyBytes, crc32UpdateByte, crc32UpdateU32, writeU32 } from '../base/index.js';

// Part of the on-disk format: never change, add a version.
export const WAL_MAGIC: Uint8Array = new Uint8Array([0x53, 0x45, 0x54, 0x54, 0x2e, 0x57, 0x41, 0x4c]); // "SETT.WAL"
// Part of the on-disk format: never change, add a version.
export const WAL_FORMAT_VERSION = 1;
// Part of the on-disk format: never change, add a version.
export const WAL_HEADER_BYTES = 34;
export const WAL_IV_BYTES = 16;
export const WAL_KEY_ID_OFFSET = 10;
const HEADER_CRC_OFFSET = 30;
// Part of the on-disk format: never change, add a version.
export const RECORD_HEADER_BYTES = 12;
/**
 * Largest payload a writer writes. A reader treats a record header claiming more as a bad record
 * (garbage, or a torn header) without reading further.
 */
export const WAL_MAX_RECORD_PAYLOAD_BYTES = 1 << 30;

/**
 * The 34-byte header a WAL and a value-log file share but for the magic (docs/format.md §WAL.header,
 * §VLOG.header): magic (8) | version u16 | keyId u32 | IV (16) | CRC-32 of bytes 0..29.
 */
export interface LogFileHeader {
  version: number;
  /** Data key id (KEYREGISTRY); 0 = not encrypted. */
  keyId: number;
  iv: Uint8Array;
}

export type WalHeader = LogFileHeader;

export type HeaderCheck =
  | { kind: 'ok'; header: LogFileHeader }
  | { kind: 'zeros' } // never written: a crash right after the file grew
  | { kind: 'bad-magic' }
  | { kind: 'bad-crc'; stored: number; computed: number };

export function encodeLogFileHeader(magic: Uint8Array, header: LogFileHeader): Uint8Array {
  const out = new Uint8Array(WAL_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(magic, 0);
  view.setUint16(8, header.version);
  view.setUint32(10, header.keyId);
  out.set(header.iv, 14);
  view.setUint32(HEADER_CRC_OFFSET, crc32Range(out, 0, HEADER_CRC_OFFSET));
  return out;
}

/** Classifies the first WAL_HEADER_BYTES of a file with this magic; does not judge version or keyId. */
export function checkLogFileHeader(magic: Uint8Array, bytes: Uint8Array): HeaderCheck {
  let allZero = true;
  for (let i = 0; i < WAL_HEADER_BYTES; i++) {
    if (bytes[i] !== 0) {
      allZero = false;
      break;
    }
  }
  if (allZero) return { kind: 'zeros' };
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return { kind: 'bad-magic' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, WAL_HEADER_BYTES);
  const stored = view.getUint32(HEADER_CRC_OFFSET);
  const computed = crc32Range(bytes, 0, HEADER_CRC_OFFSET);
  if (stored !== computed) return { kind: 'bad-crc', stored, computed };
  return {
    kind: 'ok',
    header: { version: view.getUint16(8), keyId: view.getUint32(10), iv: copyBytes(bytes, 14, 14 + WAL_IV_BYTES) },
  };
}

export function encodeWalHeader(header: WalHeader): Uint8Array {
  return encodeLogFileHeader(WAL_MAGIC, header);
}

export function checkWalHeader(bytes: Uint8Array): HeaderCheck {
  return checkLogFileHeader(WAL_MAGIC, bytes);
}

const TWO_32 = 0x1_0000_0000;

/**
 * The record header CRC: CRC-32 of recordOffset (u64 BE) followed by the 8 bytes at buf[pos, pos+8)
 * (length and payload CRC).
 */
export function recordHeaderCrc(recordOffset: number, buf: Uint8Array, pos: number): number {
  const hi = Math.floor(recordOffset / TWO_32);
  const lo = recordOffset >>> 0;
  let c = -1;
  c = crc32UpdateU32(c, hi);
  c = crc32UpdateU32(c, lo);
  for (let i = 0; i < 8; i++) c = crc32UpdateByte(c, buf[pos + i]!);
  return ~c >>> 0;
}

export { readU32, writeU32 } from '../base/index.js';

/** Fills a record header at buf[pos, pos+12) for a record written at file offset `recordOffset`. */
export function putRecordHeader(buf: Uint8Array, pos: number, recordOffset: number, length: number, payloadCrc: number): void {
  writeU32(buf, pos, length);
  writeU32(buf, pos + 4, payloadCrc);
  writeU32(buf, pos + 8, recordHeaderCrc(recordOffset, buf, pos));
}

/** The file name part of a path, for error messages (errors name files relative to the db dir). */
export function fileNameOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}
