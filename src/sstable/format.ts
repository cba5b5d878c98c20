// SSTable file layout, wire constants, block trailer and footer (docs/format.md §SST.layout, §SST.block, §SST.footer).
//
//   offset 0
//   +------------------------------------------------------------+
//   | header: magic "sett.sst" (8) | format version u16          |  10 bytes
//   +------------------------------------------------------------+
//   | data block 0        | trailer (9)                           |
//   | ...                                                        |
//   | data block n-1      | trailer (9)                           |
//   +------------------------------------------------------------+  indexOffset
//   | index block         | trailer (9)                           |
//   | filter block        | trailer (9)                           |
//   | properties block    | trailer (9)                           |
//   +------------------------------------------------------------+  fileSize - 50
//   | footer (50)                                                |
//   +------------------------------------------------------------+
//
// Block trailer, after the stored (possibly compressed) bytes of every block:
//
//   +-------------------+---------------------+---------------------------------------------+
//   | compression u8    | rawLength u32 BE    | crc32 u32 BE of stored bytes + code + rawLength |
//   +-------------------+---------------------+---------------------------------------------+
//
// Footer:
//
//   +--------------------+-------------------+---------------------+--------------------+
//   | indexOffset u64    | indexSize u32     | filterOffset u64    | filterSize u32     |
//   +--------------------+-------------------+---------------------+--------------------+
//   | propsOffset u64    | propsSize u32     | formatVersion u16   | crc32 u32 of [0,38) |
//   +--------------------+-------------------+---------------------+--------------------+
//   | magic "sett.sst" (8)                                                             |
//   +----------------------------------------------------------------------------------+
//
// A block handle (offset, size) names the stored bytes of a block; its trailer follows at
// offset + size. Integers are big-endian; u64 values are safe integers (< 2^53).
//
// Format version 2 (an encrypted table, docs/format.md §Encryption) differs only in its header,
// which carries the data key and the table's own IV, and in the stored bytes of every block (data
// and meta), which are AES-CTR encrypted at their file position after compression:
//
//   +-------------------+-------------+------------+----------------+----------------+
//   | magic "sett.sst"  | version u16 | keyId u32  | IV (16 bytes)  | headerCrc u32  |
//   | 8 bytes           | = 2         | >= 1       | random         | CRC-32 of 0..30|
//   +-------------------+-------------+------------+----------------+----------------+
//   0                   8             10           14               30               34
//
// Trailers and the footer stay plaintext; a trailer's CRC covers the stored (encrypted) bytes.

import { CorruptionError, copyBytes, crc32Range, hex32 } from '../base/index.js';

// Part of the on-disk format: never change, add a version.
export const TABLE_MAGIC: Uint8Array = new Uint8Array([0x73, 0x65, 0x74, 0x74, 0x2e, 0x73, 0x73, 0x74]); // "sett.sst"
export const TABLE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 10;
// Part of the on-disk format: never change, add a version.
export const TABLE_FORMAT_VERSION_ENCRYPTED = 2;
export const ENCRYPTED_HEADER_BYTES = 34;
export const TABLE_KEY_ID_OFFSET = 10;
const TABLE_IV_BYTES = 16;
const ENCRYPTED_HEADER_CRC_OFFSET = 30;

/** Bytes of the header of a table of `formatVersion` (data block 0 starts there). */
export function headerBytesOf(formatVersion: number): number {
  return formatVersion === TABLE_FORMAT_VERSION_ENCRYPTED ? ENCRYPTED_HEADER_BYTES : HEADER_BYTES;
}

/** Writes a version-2 header (an encrypted table). */
export function writeEncryptedHeader(buf: Uint8Array, keyId: number, iv: Uint8Array): void {
  buf.set(TABLE_MAGIC, 0);
  buf[8] = TABLE_FORMAT_VERSION_ENCRYPTED >>> 8;
  buf[9] = TABLE_FORMAT_VERSION_ENCRYPTED & 0xff;
  putU32(buf, TABLE_KEY_ID_OFFSET, keyId);
  buf.set(iv, 14);
  putU32(buf, ENCRYPTED_HEADER_CRC_OFFSET, crc32Range(buf, 0, ENCRYPTED_HEADER_CRC_OFFSET));
}

/** What a reader learns from the header: where data starts and how the table is encrypted. */
export interface TableHeader {
  headerBytes: number;
  /** Data key id; 0 = not encrypted (version 1). */
  keyId: number;
  iv: Uint8Array | undefined;
}
export const BLOCK_TRAILER_BYTES = 9;
export const FOOTER_BYTES = 50;
const FOOTER_CRC_OFFSET = 38;
const FOOTER_MAGIC_OFFSET = 42;

/** Keys between two full (unshared) keys in a block; a binary search lands on a restart. */
export const RESTART_INTERVAL = 16;
/** A block is stored compressed only when that saves at least 1/8 of it (as LevelDB). */
export const MIN_COMPRESSION_SAVING_DIVISOR = 8;
/** Upper bound on what a table may declare for a meta block, so a damaged footer cannot make us allocate gigabytes. */
export const MAX_META_BLOCK_BYTES = 1 << 30;

const TWO_32 = 0x1_0000_0000;

export function putU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

export function getU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

export function putU64(buf: Uint8Array, offset: number, value: number): void {
  putU32(buf, offset, Math.floor(value / TWO_32));
  putU32(buf, offset + 4, value >>> 0);
}

export function getU64(buf: Uint8Array, offset: number): number {
  return getU32(buf, offset) * TWO_32 + getU32(buf, offset + 4);
}

export function writeHeader(buf: Uint8Array, offset: number): void {
  buf.set(TABLE_MAGIC, offset);
  buf[offset + 8] = TABLE_FORMAT_VERSION >>> 8;
  buf[offset + 9] = TABLE_FORMAT_VERSION & 0xff;
}

export function hasMagicAt(buf: Uint8Array, offset: number): boolean {
  if (offset < 0 || offset + TABLE_MAGIC.length > buf.length) return false;
  for (let i = 0; i < TABLE_MAGIC.length; i++) if (buf[offset + i] !== TABLE_MAGIC[i]) return false;
  return true;
}

/**
 * Writes the trailer of the block whose stored bytes are buf[start, start + storedSize) and
 * returns the offset after the trailer. The CRC covers the stored bytes and the first five
 * trailer bytes, so a flipped compression code or length is caught like a flipped data byte.
 */
export function writeBlockTrailer(buf: Uint8Array, start: number, storedSize: number, code: number, rawLength: number): number {
  const t = start + storedSize;
  buf[t] = code;
  putU32(buf, t + 1, rawLength);
  putU32(buf, t + 5, crc32Range(buf, start, t + 5));
  return t + BLOCK_TRAILER_BYTES;
}

/** Where a block lives: its stored bytes are [offset, offset + size); the trailer follows. */
export interface BlockHandle {
  offset: number;
  size: number;
}

export interface Footer {
  index: BlockHandle;
  filter: BlockHandle;
  properties: BlockHandle;
  formatVersion: number;
}

export interface DecodedFooter extends Footer {
  header: TableHeader;
}

export function encodeFooter(buf: Uint8Array, offset: number, footer: Footer): void {
  putU64(buf, offset, footer.index.offset);
  putU32(buf, offset + 8, footer.index.size);
  putU64(buf, offset + 12, footer.filter.offset);
  putU32(buf, offset + 20, footer.filter.size);
  putU64(buf, offset + 24, footer.properties.offset);
  putU32(buf, offset + 32, footer.properties.size);
  buf[offset + 36] = footer.formatVersion >>> 8;
  buf[offset + 37] = footer.formatVersion & 0xff;
  putU32(buf, offset + FOOTER_CRC_OFFSET, crc32Range(buf, offset, offset + FOOTER_CRC_OFFSET));
  buf.set(TABLE_MAGIC, offset + FOOTER_MAGIC_OFFSET);
}

/**
 * Decodes and validates the footer and header of a table of `fileSize` bytes. `footerBytes`
 * are the last FOOTER_BYTES of the file, `headerBytes` the first HEADER_BYTES.
 *
 * Every problem is CORRUPTION: a file named like a table in a sett directory is judged as one
 * (with both magics wrong, the message says it is not a sett table at all).
 */
export function decodeFooter(file: string, fileSize: number, headerBytes: Uint8Array, footerBytes: Uint8Array): DecodedFooter {
  const footerAt = fileSize - FOOTER_BYTES;
  const headerMagic = hasMagicAt(headerBytes, 0);
  const footerMagic = hasMagicAt(footerBytes, FOOTER_MAGIC_OFFSET);
  if (fileSize < HEADER_BYTES + FOOTER_BYTES) {
    if (!headerMagic && fileSize >= TABLE_MAGIC.length) throw new CorruptionError(file, 0, 'not a sett table (bad magic)');
    throw new CorruptionError(file, 0, `table of ${fileSize} bytes is shorter than header and footer (truncated)`);
  }
  if (!footerMagic) {
    if (!headerMagic) throw new CorruptionError(file, 0, 'not a sett table (bad magic)');
    throw new CorruptionError(file, footerAt + FOOTER_MAGIC_OFFSET, 'bad footer magic (truncated or damaged table)');
  }
  const expected = getU32(footerBytes, FOOTER_CRC_OFFSET);
  const found = crc32Range(footerBytes, 0, FOOTER_CRC_OFFSET);
  if (expected !== found) {
    throw new CorruptionError(file, footerAt, `footer checksum mismatch: expected ${hex32(expected)}, found ${hex32(found)}`);
  }
  const formatVersion = (footerBytes[36]! << 8) | footerBytes[37]!;
  if (formatVersion !== TABLE_FORMAT_VERSION && formatVersion !== TABLE_FORMAT_VERSION_ENCRYPTED) {
    throw new CorruptionError(file, footerAt + 36, `unsupported table format version ${formatVersion} (this build reads ${TABLE_FORMAT_VERSION} and ${TABLE_FORMAT_VERSION_ENCRYPTED})`);
  }
  if (!headerMagic) throw new CorruptionError(file, 0, 'bad header magic');
  const headerVersion = (headerBytes[8]! << 8) | headerBytes[9]!;
  if (headerVersion !== formatVersion) {
    throw new CorruptionError(file, 8, `header format version ${headerVersion} != footer format version ${formatVersion}`);
  }
  const header = decodeHeader(file, fileSize, headerBytes, formatVersion);
  const footer: DecodedFooter = {
    index: { offset: getU64(footerBytes, 0), size: getU32(footerBytes, 8) },
    filter: { offset: getU64(footerBytes, 12), size: getU32(footerBytes, 20) },
    properties: { offset: getU64(footerBytes, 24), size: getU32(footerBytes, 32) },
    formatVersion,
    header,
  };
  // The meta blocks sit back to back between the data blocks and the footer.
  const ok =
    footer.index.offset >= header.headerBytes &&
    footer.filter.offset === footer.index.offset + footer.index.size + BLOCK_TRAILER_BYTES &&
    footer.properties.offset === footer.filter.offset + footer.filter.size + BLOCK_TRAILER_BYTES &&
    footer.properties.offset + footer.properties.size + BLOCK_TRAILER_BYTES === footerAt &&
    footerAt - footer.index.offset <= MAX_META_BLOCK_BYTES;
  if (!ok) throw new CorruptionError(file, footerAt, 'footer block handles do not describe the file layout');
  return footer;
}

function decodeHeader(file: string, fileSize: number, bytes: Uint8Array, formatVersion: number): TableHeader {
  if (formatVersion === TABLE_FORMAT_VERSION) return { headerBytes: HEADER_BYTES, keyId: 0, iv: undefined };
  if (fileSize < ENCRYPTED_HEADER_BYTES + FOOTER_BYTES || bytes.length < ENCRYPTED_HEADER_BYTES) {
    throw new CorruptionError(file, 0, `encrypted table of ${fileSize} bytes is shorter than its header and footer (truncated)`);
  }
  const stored = getU32(bytes, ENCRYPTED_HEADER_CRC_OFFSET);
  const computed = crc32Range(bytes, 0, ENCRYPTED_HEADER_CRC_OFFSET);
  if (stored !== computed) throw new CorruptionError(file, ENCRYPTED_HEADER_CRC_OFFSET, `header checksum mismatch: expected ${hex32(stored)}, found ${hex32(computed)}`);
  const keyId = getU32(bytes, TABLE_KEY_ID_OFFSET);
  if (keyId === 0) throw new CorruptionError(file, TABLE_KEY_ID_OFFSET, 'an encrypted (version 2) table names data key 0');
  return { headerBytes: ENCRYPTED_HEADER_BYTES, keyId, iv: copyBytes(bytes, 14, 14 + TABLE_IV_BYTES) };
}

export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}
