// The backup stream format (docs/format.md §Backup): what db.backup() writes and db.load() reads.
//
//   stream  +-----------------+---------+---------+-----+-----------+
//           | header (40 B)   | chunk 0 | chunk 1 | ... | end chunk |   then nothing
//           +-----------------+---------+---------+-----+-----------+
//
//   header  +-------------+------------+---------+----------+--------------+----------------+--------------+------------+
//           | magic (8 B) | version u16| kind u8 | flags u8 | since u64    | reached u64    | createdAt u64| CRC u32    |
//           | "SETTBKUP"  | = 1        | 1 full  | = 0      | 0 for a full | read version   | ms, info only| bytes 0..35|
//           |             |            | 2 incr. |          |              | of the backup  |              |            |
//           +-------------+------------+---------+----------+--------------+----------------+--------------+------------+
//
//   chunk   +---------+----------+-----------+------------+-------------+-----------------+----------------+==========+
//           | type u8 | codec u8 | count u32 | raw len u32| stored u32  | payload CRC u32 | header CRC u32 | payload  |
//           | 1 recs  | 0 none   | records   | after      | bytes that  | over the stored | over bytes     | (stored  |
//           | 2 end   | 1 snappy | in it     | decompress | follow      | payload bytes   | 0..17          |  bytes)  |
//           +---------+----------+-----------+------------+-------------+-----------------+----------------+==========+
//
//   record  +---------+---------------+-----+----------------+  put only: +-------------+-------------------+---------------+-------+
//  (in the  | kind u8 | varint keyLen | key | varint version |            | userMeta u8 | varint expiresAt  | varint valLen | value |
//  raw      | 1 put   |               |     |                |            |             | ms, 0 = never     |               |       |
//  payload) | 2 delete|               |     |                |            +-------------+-------------------+---------------+-------+
//           | 3 same  |               |     |                |
//           +---------+---------------+-----+----------------+
//
//   end     payload (codec 0, count 0, 16 bytes): record count u64 | reached version u64
//
// Integers big-endian, varints unsigned LEB128, CRCs CRC-32 (IEEE). The header CRC of a chunk covers
// its lengths, so a damaged length is reported where it is instead of making the reader allocate or
// skip garbage. Records are in strictly ascending key order over the whole stream, one per key.

import {
  CorruptionError,
  InternalError,
  NotADatabaseError,
  compareBytes,
  crc32,
  crc32Range,
  getVarint,
  hex32,
  putVarint,
  varintLength,
} from '../base/index.js';

// --- Part of the on-disk format: never change, add a version. ---
/** "SETTBKUP". */
export const BACKUP_MAGIC: Uint8Array = new Uint8Array([0x53, 0x45, 0x54, 0x54, 0x42, 0x4b, 0x55, 0x50]);
export const BACKUP_FORMAT_VERSION = 1;
export const BACKUP_HEADER_BYTES = 40;
export const CHUNK_HEADER_BYTES = 22;
export const KIND_FULL = 1;
export const KIND_INCREMENTAL = 2;
export const CHUNK_RECORDS = 1;
export const CHUNK_END = 2;
export const CODEC_NONE = 0;
export const CODEC_SNAPPY = 1;
export const RECORD_PUT = 1;
export const RECORD_DELETE = 2;
/** Incremental only: the key is live and unchanged since `since`; its value is the one the target has. */
export const RECORD_UNCHANGED = 3;
export const END_PAYLOAD_BYTES = 16;
// --- end of wire constants ---

/** Raw bytes of records a writer gathers before it closes a chunk (a bigger record gets a chunk of its own). */
export const CHUNK_TARGET_RAW_BYTES = 1024 * 1024;
/** Largest length a u32 field holds: a checked length above what the reader can allocate is corruption. */
export const MAX_CHUNK_BYTES = 0xffff_ffff;
const TWO_POW_32 = 0x1_0000_0000;

export type BackupKind = 'full' | 'incremental';

export interface BackupHeader {
  kind: BackupKind;
  /** Versions above it are in the backup; 0 for a full backup. */
  sinceVersion: number;
  /** The read version the backup was taken at: pass it as `since` to the next incremental. */
  reachedVersion: number;
  /** Clock time when the backup started (informational). */
  createdAtMs: number;
}

export type RecordKind = typeof RECORD_PUT | typeof RECORD_DELETE | typeof RECORD_UNCHANGED;

/** One decoded record. `key` and `value` are views into the chunk they were decoded from. */
export interface BackupRecord {
  kind: RecordKind;
  key: Uint8Array;
  version: number;
  userMeta: number;
  /** Absolute expiry in ms since the Unix epoch; 0 = never. */
  expiresAt: number;
  value: Uint8Array;
}

// ---- u64 as two u32 halves (every value is a safe integer) ----------------------------------

function setU64(view: DataView, at: number, n: number): void {
  view.setUint32(at, Math.floor(n / TWO_POW_32));
  view.setUint32(at + 4, n >>> 0);
}

/** The u64 at `at`, or -1 when it is above 2^53 - 1 (never written by sett). */
function getU64(view: DataView, at: number): number {
  const hi = view.getUint32(at);
  if (hi > 0x1f_ffff) return -1;
  return hi * TWO_POW_32 + view.getUint32(at + 4);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- header ---------------------------------------------------------------------------------

export function encodeHeader(h: BackupHeader): Uint8Array {
  const out = new Uint8Array(BACKUP_HEADER_BYTES);
  const view = viewOf(out);
  out.set(BACKUP_MAGIC, 0);
  view.setUint16(8, BACKUP_FORMAT_VERSION);
  out[10] = h.kind === 'full' ? KIND_FULL : KIND_INCREMENTAL;
  out[11] = 0;
  setU64(view, 12, h.sinceVersion);
  setU64(view, 20, h.reachedVersion);
  setU64(view, 28, h.createdAtMs);
  view.setUint32(36, crc32Range(out, 0, 36));
  return out;
}

/**
 * Decodes the first bytes of a stream (`bytes` may be shorter than a header when the stream is).
 * Not a backup at all (wrong magic, too short to tell, a version this build does not read) is
 * NOT_A_DATABASE; a backup whose header is damaged is CORRUPTION.
 */
export function decodeHeader(bytes: Uint8Array, name: string): BackupHeader {
  if (bytes.length < BACKUP_MAGIC.length || !BACKUP_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new NotADatabaseError(name, 'not a sett backup (it does not start with the magic "SETTBKUP")');
  }
  if (bytes.length < BACKUP_HEADER_BYTES) {
    throw new CorruptionError(name, bytes.length, `backup header cut short: ${bytes.length} of ${BACKUP_HEADER_BYTES} bytes`);
  }
  const view = viewOf(bytes);
  const version = view.getUint16(8);
  if (version !== BACKUP_FORMAT_VERSION) {
    throw new NotADatabaseError(name, `backup format version ${version} is not one this build of sett reads (${BACKUP_FORMAT_VERSION})`);
  }
  const stored = view.getUint32(36);
  const actual = crc32Range(bytes, 0, 36);
  if (stored !== actual) throw new CorruptionError(name, 0, `backup header checksum ${hex32(actual)} != ${hex32(stored)}`);
  const kindCode = bytes[10]!;
  if (kindCode !== KIND_FULL && kindCode !== KIND_INCREMENTAL) throw new CorruptionError(name, 10, `unknown backup kind ${kindCode}`);
  if (bytes[11] !== 0) throw new CorruptionError(name, 11, `unknown header flags 0x${bytes[11]!.toString(16)}`);
  const sinceVersion = getU64(view, 12);
  const reachedVersion = getU64(view, 20);
  const createdAtMs = getU64(view, 28);
  if (sinceVersion < 0 || reachedVersion < 0 || createdAtMs < 0) throw new CorruptionError(name, 12, 'a header field is above 2^53 - 1');
  const kind: BackupKind = kindCode === KIND_FULL ? 'full' : 'incremental';
  if (kind === 'full' ? sinceVersion !== 0 : sinceVersion > reachedVersion) {
    throw new CorruptionError(name, 12, `${kind} backup with since version ${sinceVersion} and reached version ${reachedVersion}`);
  }
  return { kind, sinceVersion, reachedVersion, createdAtMs };
}

// ---- chunk framing --------------------------------------------------------------------------

export interface ChunkHeader {
  type: number;
  codec: number;
  count: number;
  rawLength: number;
  storedLength: number;
  payloadCrc: number;
}

/** A whole chunk (header and payload) in one fresh buffer: the caller's sink may keep it. */
export function encodeChunk(type: number, codec: number, count: number, rawLength: number, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_CHUNK_BYTES || rawLength > MAX_CHUNK_BYTES) throw new InternalError(`backup chunk of ${rawLength} bytes is too large`);
  const out = new Uint8Array(CHUNK_HEADER_BYTES + payload.length);
  const view = viewOf(out);
  out[0] = type;
  out[1] = codec;
  view.setUint32(2, count);
  view.setUint32(6, rawLength);
  view.setUint32(10, payload.length);
  view.setUint32(14, crc32(payload));
  view.setUint32(18, crc32Range(out, 0, 18));
  out.set(payload, CHUNK_HEADER_BYTES);
  return out;
}

/** Decodes a chunk header found at stream offset `offset`; a checksum mismatch or unknown type is CORRUPTION. */
export function decodeChunkHeader(bytes: Uint8Array, name: string, offset: number): ChunkHeader {
  const view = viewOf(bytes);
  const stored = view.getUint32(18);
  const actual = crc32Range(bytes, 0, 18);
  if (stored !== actual) throw new CorruptionError(name, offset, `chunk header checksum ${hex32(actual)} != ${hex32(stored)}`);
  const h: ChunkHeader = {
    type: bytes[0]!,
    codec: bytes[1]!,
    count: view.getUint32(2),
    rawLength: view.getUint32(6),
    storedLength: view.getUint32(10),
    payloadCrc: view.getUint32(14),
  };
  if (h.type !== CHUNK_RECORDS && h.type !== CHUNK_END) throw new CorruptionError(name, offset, `unknown chunk type ${h.type}`);
  if (h.codec !== CODEC_NONE && h.codec !== CODEC_SNAPPY) throw new CorruptionError(name, offset + 1, `unknown chunk codec ${h.codec}`);
  if (h.codec === CODEC_NONE && h.rawLength !== h.storedLength) {
    throw new CorruptionError(name, offset + 6, `uncompressed chunk with raw length ${h.rawLength} != stored length ${h.storedLength}`);
  }
  if (h.type === CHUNK_END && (h.codec !== CODEC_NONE || h.count !== 0 || h.rawLength !== END_PAYLOAD_BYTES)) {
    throw new CorruptionError(name, offset, `end chunk with codec ${h.codec}, count ${h.count}, length ${h.rawLength}`);
  }
  if (h.type === CHUNK_RECORDS && h.count === 0) throw new CorruptionError(name, offset + 2, 'records chunk holds no records');
  return h;
}

export function checkPayload(h: ChunkHeader, payload: Uint8Array, name: string, payloadOffset: number): void {
  const actual = crc32(payload);
  if (actual !== h.payloadCrc) throw new CorruptionError(name, payloadOffset, `chunk payload checksum ${hex32(actual)} != ${hex32(h.payloadCrc)}`);
}

export function encodeEndPayload(recordCount: number, reachedVersion: number): Uint8Array {
  const out = new Uint8Array(END_PAYLOAD_BYTES);
  const view = viewOf(out);
  setU64(view, 0, recordCount);
  setU64(view, 8, reachedVersion);
  return out;
}

export function decodeEndPayload(payload: Uint8Array, name: string, offset: number): { recordCount: number; reachedVersion: number } {
  const view = viewOf(payload);
  const recordCount = getU64(view, 0);
  const reachedVersion = getU64(view, 8);
  if (recordCount < 0 || reachedVersion < 0) throw new CorruptionError(name, offset, 'an end record field is above 2^53 - 1');
  return { recordCount, reachedVersion };
}

// ---- records --------------------------------------------------------------------------------

/** Gathers records into one growing buffer, reused from chunk to chunk. */
export class RecordBuffer {
  private buf = new Uint8Array(CHUNK_TARGET_RAW_BYTES + 4096);
  length = 0;
  count = 0;

  put(key: Uint8Array, version: number, userMeta: number, expiresAt: number, value: Uint8Array): void {
    const p = this.reserve(1 + varintLength(key.length) + key.length + varintLength(version) + 1 + varintLength(expiresAt) + varintLength(value.length) + value.length);
    this.buf[p] = RECORD_PUT;
    let at = this.putKey(p + 1, key, version);
    this.buf[at++] = userMeta;
    at = putVarint(this.buf, at, expiresAt);
    at = putVarint(this.buf, at, value.length);
    this.buf.set(value, at);
    this.length = at + value.length;
    this.count++;
  }

  /** A delete (kind 2) or an unchanged key (kind 3): key and version only. */
  mark(kind: typeof RECORD_DELETE | typeof RECORD_UNCHANGED, key: Uint8Array, version: number): void {
    const p = this.reserve(1 + varintLength(key.length) + key.length + varintLength(version));
    this.buf[p] = kind;
    this.length = this.putKey(p + 1, key, version);
    this.count++;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
    this.count = 0;
  }

  private putKey(at: number, key: Uint8Array, version: number): number {
    at = putVarint(this.buf, at, key.length);
    this.buf.set(key, at);
    return putVarint(this.buf, at + key.length, version);
  }

  /** Makes room for `n` more bytes; returns where they start. */
  private reserve(n: number): number {
    const need = this.length + n;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    return this.length;
  }
}

/** What the records of a stream must satisfy, beyond parsing: the kind's record kinds and version ranges. */
export interface RecordRules {
  header: BackupHeader;
  /** The last key of the previous chunk (records ascend over the whole stream). */
  previousKey: Uint8Array | undefined;
}

/**
 * Decodes the `count` records of a raw chunk payload whose checksum matched. `offset` is where the
 * chunk starts in the stream: a record that does not parse is reported there (the raw bytes are
 * decompressed, so there is no stream offset inside them to give).
 */
export function decodeRecords(raw: Uint8Array, count: number, rules: RecordRules, name: string, offset: number): BackupRecord[] {
  const { kind: backupKind, sinceVersion, reachedVersion } = rules.header;
  const out: BackupRecord[] = [];
  const next = [0];
  let p = 0;
  let start = 0;
  let previous = rules.previousKey;
  const bad = (i: number, what: string): never => {
    throw new CorruptionError(name, offset, `record ${i} of the chunk (at raw byte ${start}): ${what}`);
  };
  for (let i = 0; i < count; i++) {
    start = p;
    if (p >= raw.length) bad(i, 'chunk ends before its record count');
    const kind = raw[p]!;
    if (kind !== RECORD_PUT && kind !== RECORD_DELETE && kind !== RECORD_UNCHANGED) bad(i, `unknown record kind ${kind}`);
    if (backupKind === 'full' && kind !== RECORD_PUT) bad(i, `record kind ${kind} in a full backup`);
    const keyLength = getVarint(raw, p + 1, raw.length, next);
    if (keyLength < 1 || next[0]! + keyLength > raw.length) bad(i, `bad key length ${keyLength}`);
    const key = raw.subarray(next[0]!, next[0]! + keyLength);
    if (previous !== undefined && compareBytes(previous, key) >= 0) bad(i, 'keys out of order');
    previous = key;
    const version = getVarint(raw, next[0]! + keyLength, raw.length, next);
    if (version < 1 || version > reachedVersion) bad(i, `version ${version} outside 1..${reachedVersion}`);
    if (backupKind === 'incremental' && (kind === RECORD_UNCHANGED ? version > sinceVersion : version <= sinceVersion)) {
      bad(i, `record kind ${kind} at version ${version} in an incremental since ${sinceVersion}`);
    }
    p = next[0]!;
    let userMeta = 0;
    let expiresAt = 0;
    let value: Uint8Array = EMPTY;
    if (kind === RECORD_PUT) {
      if (p >= raw.length) bad(i, 'cut short before its user meta');
      userMeta = raw[p]!;
      expiresAt = getVarint(raw, p + 1, raw.length, next);
      if (expiresAt < 0) bad(i, 'bad expiry varint');
      const valueLength = getVarint(raw, next[0]!, raw.length, next);
      if (valueLength < 0 || next[0]! + valueLength > raw.length) bad(i, `bad value length ${valueLength}`);
      value = raw.subarray(next[0]!, next[0]! + valueLength);
      p = next[0]! + valueLength;
    }
    out.push({ kind: kind as RecordKind, key, version, userMeta, expiresAt, value });
  }
  start = p;
  if (p !== raw.length) bad(count, `${raw.length - p} bytes after the last record`);
  return out;
}

const EMPTY: Uint8Array = new Uint8Array(0);
