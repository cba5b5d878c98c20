// Value log files: file header and entry framing (docs/format.md §VLOG).
//
//   file    := header entry*
//
//   header (34 bytes, big-endian; the WAL's header with another magic):
//   +-------------------+-------------+------------+----------------+----------------+
//   | magic "SETTVLOG"  | version u16 | keyId u32  | IV (16 bytes)  | headerCrc u32  |
//   | 8 bytes           | = 1         | 0 = plain  | zeros if plain | CRC-32 of 0..30|
//   +-------------------+-------------+------------+----------------+----------------+
//   0                   8             10           14               30               34
//
//   entry at file offset X (the value pointer (fileId, X, length) names it):
//   +------------+-------------+---------------+----------------------------------------+
//   | length u32 | bodyCrc u32 | headerCrc u32 | body (length - 12 bytes)               |
//   +------------+-------------+---------------+----------------------------------------+
//   0            4             8               12                                 length
//
//   length    = bytes of the whole entry, these 12 included (= the pointer's length)
//   bodyCrc   = CRC-32(body)
//   headerCrc = CRC-32(fileId u32 ‖ X u32 ‖ length u32 ‖ bodyCrc u32)
//               i.e. of the encoded value pointer that names this entry, then bodyCrc
//
//   body (the WAL's entry encoding, docs/format.md §WAL.payload); with keyId != 0 it is stored
//   AES-CTR encrypted at its file position, and bodyCrc covers the stored (encrypted) bytes:
//   +---------+-------------+---------------+-----------------+----------------+------------------+-----+-------+
//   | meta u8 | userMeta u8 | keyLen varint | valueLen varint | version varint | expiresAt varint | key | value |
//   +---------+-------------+---------------+-----------------+----------------+------------------+-----+-------+
//
// Why this framing:
// - A pointer read is one positional read of `length` bytes; the stored length must equal the
//   pointer's, and the 16-byte header CRC (cheap, fixed size) must match: a pointer that lands
//   anywhere but on the start of the entry it was made for — another offset, another file —
//   fails it, because the file id and offset are folded in. Stale bytes of a deleted value-log
//   file that a disk hands back at the same offset, or entry bytes stored inside a value, never
//   pass for an entry either.
// - The body CRC is the expensive part (it covers the value); readers without verifyChecksums
//   skip it but still compare the key with the one the LSM tree expects and require the body's
//   lengths to add up exactly to `length`.
// - The header CRC lets the torn-tail scan reject a candidate offset in O(1) before paying for
//   the body CRC, as in the WAL (docs/format.md §WAL.record).

import type { FileCipher } from '../crypto/index.js';
import { checkLogFileHeader, encodeLogFileHeader, type LogFileHeader, type LogFileHeaderCheck as HeaderCheck } from '../wal/index.js';
import { assert, CorruptionError, crc32Range, getVarint, hex32, InternalError, META_KNOWN_BITS, putVarint, varintLength, crc32UpdateU32, readU32, writeU32 } from '../base/index.js';

// Part of the on-disk format: never change, add a version.
export const VLOG_MAGIC: Uint8Array = new Uint8Array([0x53, 0x45, 0x54, 0x54, 0x56, 0x4c, 0x4f, 0x47]); // "SETTVLOG"
// Part of the on-disk format: never change, add a version.
export const VLOG_FORMAT_VERSION = 1;
// Part of the on-disk format: never change, add a version.
export const VLOG_HEADER_BYTES = 34;
export const VLOG_IV_BYTES = 16;
export const VLOG_KEY_ID_OFFSET = 10;
// Part of the on-disk format: never change, add a version.
export const ENTRY_HEADER_BYTES = 12;
/** The smallest body: meta, userMeta and four one-byte varints (empty key and value). */
export const ENTRY_BODY_BYTES_MIN = 6;
export const ENTRY_BYTES_MIN = ENTRY_HEADER_BYTES + ENTRY_BODY_BYTES_MIN;
/** Pointer fields (file id, offset, length) are u32: no offset or entry end may pass this. */
export const VLOG_OFFSET_MAX = 0xffff_ffff;

/** One value-log entry. Decoded keys and values may be views into a read buffer (see each reader). */
export interface VlogEntry {
  key: Uint8Array;
  version: number;
  meta: number;
  userMeta: number;
  /** Absolute expiry in ms since the Unix epoch; 0 = never. */
  expiresAt: number;
  value: Uint8Array;
}

/** The header a value-log file shares with a WAL but for its magic (see src/wal LogFileHeader). */
export type VlogHeader = LogFileHeader;

/** `NNNNNN.vlog`: the id in decimal, zero-padded to at least 6 digits (docs/format.md §Conventions). */
export function vlogFileName(fileId: number): string {
  return String(fileId).padStart(6, '0') + '.vlog';
}

const NAME_PATTERN = /^(\d{6,})\.vlog$/;

/** The id a value-log file name stands for; undefined for any other name, or a non-canonical one (extra zeros). */
export function parseVlogFileName(name: string): number | undefined {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return undefined;
  const id = Number(m[1]);
  return id <= VLOG_OFFSET_MAX && vlogFileName(id) === name ? id : undefined;
}

export function encodeVlogHeader(header: VlogHeader): Uint8Array {
  return encodeLogFileHeader(VLOG_MAGIC, header);
}

/** A plain header of this version (the caller sets keyId and iv for an encrypted file). */
export function newVlogHeader(): VlogHeader {
  return { version: VLOG_FORMAT_VERSION, keyId: 0, iv: new Uint8Array(VLOG_IV_BYTES) };
}

export type VlogHeaderCheck = HeaderCheck;

/** Classifies the first VLOG_HEADER_BYTES of a file; does not judge version or keyId. */
export function checkVlogHeader(bytes: Uint8Array): VlogHeaderCheck {
  assert(bytes.length >= VLOG_HEADER_BYTES, 'checkVlogHeader: short buffer');
  return checkLogFileHeader(VLOG_MAGIC, bytes);
}

// ---- entries ------------------------------------------------------------------------------------

function varLen(n: number): number {
  return n < 0x80 ? 1 : varintLength(n);
}

function putVar(buf: Uint8Array, offset: number, n: number): number {
  if (n < 0x80) {
    buf[offset] = n;
    return offset + 1;
  }
  return putVarint(buf, offset, n);
}

/** Bytes putVlogEntry writes for `e`, header included (the length its pointer will carry). */
export function vlogEntryLength(e: VlogEntry): number {
  const k = e.key.length;
  const v = e.value.length;
  return ENTRY_HEADER_BYTES + 2 + varLen(k) + varLen(v) + varLen(e.version) + varLen(e.expiresAt) + k + v;
}

/** What a reader would refuse: a writer never writes an entry it cannot read back (a db bug, not bad input). */
function checkEntry(e: VlogEntry): void {
  const { version, expiresAt, meta, userMeta } = e;
  if (!Number.isSafeInteger(version) || version < 0) invalidEntry(`entry version ${version} is not a non-negative safe integer`);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) invalidEntry(`entry expiresAt ${expiresAt} is not a non-negative safe integer`);
  if (!Number.isInteger(meta) || meta < 0 || (meta & ~META_KNOWN_BITS) !== 0) invalidEntry(`entry meta ${meta} has unknown bits`);
  if (!Number.isInteger(userMeta) || userMeta < 0 || userMeta > 0xff) invalidEntry(`entry userMeta ${userMeta} is not a byte`);
}

function invalidEntry(message: string): never {
  throw new InternalError(message);
}

/**
 * Writes `e` at buf[pos] as the entry at `fileOffset` of file `fileId` (both go into its header
 * CRC); returns the position after it. The caller sized `buf` with vlogEntryLength.
 */
export function putVlogEntry(buf: Uint8Array, pos: number, e: VlogEntry, fileId: number, fileOffset: number, cipher?: FileCipher): number {
  checkEntry(e);
  const bodyStart = pos + ENTRY_HEADER_BYTES;
  buf[bodyStart] = e.meta;
  buf[bodyStart + 1] = e.userMeta;
  let p = putVar(buf, bodyStart + 2, e.key.length);
  p = putVar(buf, p, e.value.length);
  p = putVar(buf, p, e.version);
  p = putVar(buf, p, e.expiresAt);
  buf.set(e.key, p);
  p += e.key.length;
  buf.set(e.value, p);
  p += e.value.length;
  const length = p - pos;
  // The body is stored encrypted at its file position; bodyCrc covers what is stored.
  if (cipher !== undefined) cipher.transformInPlace(buf, bodyStart, p, fileOffset + ENTRY_HEADER_BYTES);
  writeU32(buf, pos, length);
  writeU32(buf, pos + 4, crc32Range(buf, bodyStart, p));
  writeU32(buf, pos + 8, entryHeaderCrc(fileId, fileOffset, buf, pos));
  return p;
}

/** One entry as the bytes it would have at `fileOffset` of file `fileId` (tests, tools). */
export function encodeVlogEntry(e: VlogEntry, fileId: number, fileOffset: number): Uint8Array {
  const out = new Uint8Array(vlogEntryLength(e));
  const end = putVlogEntry(out, 0, e, fileId, fileOffset);
  assert(end === out.length, () => `entry encoded to ${end} bytes, sized ${out.length}`);
  return out;
}

/**
 * The fields of a parsed body, as positions in the buffer it was parsed from. One object is
 * reused per reader, so that a pointer read allocates nothing but its read buffer.
 */
export class EntryFields {
  meta = 0;
  userMeta = 0;
  version = 0;
  expiresAt = 0;
  keyStart = 0;
  keyLength = 0;
  valueStart = 0;
  valueLength = 0;
}

const scratch = [0];

/**
 * Parses the body of the entry at buf[pos, pos + length) into `out`. Returns undefined, or what is
 * wrong (the fields must use up the body exactly; a varint must not run off it).
 */
export function parseEntryBody(buf: Uint8Array, pos: number, length: number, out: EntryFields): string | undefined {
  const end = pos + length;
  let p = pos + ENTRY_HEADER_BYTES;
  if (end - p < ENTRY_BODY_BYTES_MIN) return `entry of ${length} bytes is too short for its fields`;
  const meta = buf[p]!;
  out.meta = meta;
  out.userMeta = buf[p + 1]!;
  const keyLength = getVarint(buf, p + 2, end, scratch);
  if (keyLength < 0) return 'bad key length varint';
  const valueLength = getVarint(buf, scratch[0]!, end, scratch);
  if (valueLength < 0) return 'bad value length varint';
  const version = getVarint(buf, scratch[0]!, end, scratch);
  if (version < 0 || !Number.isSafeInteger(version)) return 'bad version varint';
  const expiresAt = getVarint(buf, scratch[0]!, end, scratch);
  if (expiresAt < 0 || !Number.isSafeInteger(expiresAt)) return 'bad expiresAt varint';
  p = scratch[0]!;
  if (keyLength + valueLength !== end - p) {
    return `key of ${keyLength} and value of ${valueLength} bytes do not fill the ${end - p} bytes left in the entry`;
  }
  if ((meta & ~META_KNOWN_BITS) !== 0) return `unknown meta bits 0x${meta.toString(16)}`;
  out.version = version;
  out.expiresAt = expiresAt;
  out.keyStart = p;
  out.keyLength = keyLength;
  out.valueStart = p + keyLength;
  out.valueLength = valueLength;
  return undefined;
}

/** The entry whose fields `parseEntryBody` found; key and value are views into `buf`. */
export function entryFromFields(buf: Uint8Array, f: EntryFields): VlogEntry {
  return {
    key: buf.subarray(f.keyStart, f.keyStart + f.keyLength),
    version: f.version,
    meta: f.meta,
    userMeta: f.userMeta,
    expiresAt: f.expiresAt,
    value: buf.subarray(f.valueStart, f.valueStart + f.valueLength),
  };
}

/**
 * Decodes the one entry that `bytes` holds whole, as the entry at `fileOffset` of file `fileId`,
 * checking everything (length, both CRCs, fields). Key and value are views into `bytes`.
 */
export function decodeVlogEntry(bytes: Uint8Array, fileId: number, fileOffset: number, file = vlogFileName(fileId)): VlogEntry {
  if (bytes.length < ENTRY_BYTES_MIN) throw new CorruptionError(file, fileOffset, `entry of ${bytes.length} bytes is too short`);
  const length = readU32(bytes, 0);
  if (length !== bytes.length) throw new CorruptionError(file, fileOffset, `entry length ${length} != ${bytes.length}`);
  const headerCrc = entryHeaderCrc(fileId, fileOffset, bytes, 0);
  if (readU32(bytes, 8) !== headerCrc) throw new CorruptionError(file, fileOffset, `entry header checksum ${hex32(readU32(bytes, 8))} != ${hex32(headerCrc)}`);
  const bodyCrc = crc32Range(bytes, ENTRY_HEADER_BYTES, length);
  if (readU32(bytes, 4) !== bodyCrc) throw new CorruptionError(file, fileOffset, `entry checksum ${hex32(readU32(bytes, 4))} != ${hex32(bodyCrc)}`);
  const fields = new EntryFields();
  const problem = parseEntryBody(bytes, 0, length, fields);
  if (problem !== undefined) throw new CorruptionError(file, fileOffset, problem);
  return entryFromFields(bytes, fields);
}

/** The entry header CRC: CRC-32 of fileId u32 ‖ fileOffset u32 ‖ buf[pos, pos + 8) (length, bodyCrc). */
export function entryHeaderCrc(fileId: number, fileOffset: number, buf: Uint8Array, pos: number): number {
  let c = -1;
  c = crc32UpdateU32(c, fileId);
  c = crc32UpdateU32(c, fileOffset);
  c = crc32UpdateU32(c, readU32(buf, pos));
  c = crc32UpdateU32(c, readU32(buf, pos + 4));
  return ~c >>> 0;
}

export { readU32, writeU32 } from '../base/index.js';
