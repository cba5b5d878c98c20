// MANIFEST file format: the file header and the framed change records (docs/format.md §MANIFEST).
//
//   file   +----------------+---------------+------------------+------------+------------+-----
//          | magic (8 B)    | version u16   | header CRC u32   | record 0   | record 1   | ...
//          | "SETTMANF"     | = 1           | over bytes 0..9  |            |            |
//          +----------------+---------------+------------------+------------+------------+-----
//
//   record +----------------+-----------------+-----------------+=========================+
//          | length u32     | payload CRC u32 | header CRC u32  | payload (length bytes)  |
//          |                | over payload    | over bytes 0..7 |                         |
//          +----------------+-----------------+-----------------+=========================+
//
//   payload  varint count (>= 1), then `count` changes, each led by a change-type byte:
//            0x01 add     varint tableId | u8 level | u8 compression | u32 keyId (0 = none)
//            0x02 delete  varint tableId
//
// Integers are big-endian, varints unsigned LEB128, CRCs CRC-32 (IEEE). The header CRC covers the
// length, so a length is trusted only when it checks: a record cut by a crash is then told from a
// damaged one without guessing (see replay.ts for the rules).

import { CorruptionError, assert, crc32, crc32Range, getVarint, hex32, putVarint, varintLength } from '../base/index.js';
import type { ManifestChange } from './state.js';

// --- Part of the on-disk format: never change, add a version. ---
/** "SETTMANF". */
export const MANIFEST_MAGIC: Uint8Array = new Uint8Array([0x53, 0x45, 0x54, 0x54, 0x4d, 0x41, 0x4e, 0x46]);
export const MANIFEST_FORMAT_VERSION = 1;
export const FILE_HEADER_BYTES = 14; // magic 8 + version 2 + CRC 4
export const RECORD_HEADER_BYTES = 12; // length 4 + payload CRC 4 + header CRC 4
export const CHANGE_ADD = 0x01;
export const CHANGE_DELETE = 0x02;
export const CHANGE_WAL = 0x03;
// --- end of wire constants ---

/** Largest record payload a writer produces; a reader treats a checked length above it as corruption. */
export const MAX_RECORD_PAYLOAD_BYTES = 64 * 1024 * 1024;
/** Largest table id: ids are varints decoded into JS numbers, exact up to 2^53 - 1. */
export const MAX_TABLE_ID = Number.MAX_SAFE_INTEGER;
export const MAX_KEY_ID = 0xffffffff;

/** The 14-byte file header of a MANIFEST of the current format version. */
export function encodeFileHeader(): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_BYTES);
  out.set(MANIFEST_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint16(8, MANIFEST_FORMAT_VERSION);
  view.setUint32(10, crc32Range(out, 0, 10));
  return out;
}

export function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MANIFEST_MAGIC.length) return false;
  for (let i = 0; i < MANIFEST_MAGIC.length; i++) if (bytes[i] !== MANIFEST_MAGIC[i]) return false;
  return true;
}

/** Checks a change's fields fit their wire widths; returns what is wrong, or undefined. */
export function changeFieldProblem(change: ManifestChange): string | undefined {
  if (change.type === 'wal') {
    if (!Number.isSafeInteger(change.walId) || change.walId < 1) return `WAL id ${change.walId} is not a positive safe integer`;
    return Number.isSafeInteger(change.lastVersion) && change.lastVersion >= 0 ? undefined : `last version ${change.lastVersion} is not a non-negative safe integer`;
  }
  if (!Number.isSafeInteger(change.tableId) || change.tableId < 0) return `table id ${change.tableId} is not a non-negative safe integer`;
  if (change.type === 'delete') return undefined;
  if (change.type !== 'add') return `unknown change type ${String((change as { type: unknown }).type)}`;
  if (!Number.isInteger(change.level) || change.level < 0 || change.level > 0xff) return `level ${change.level} is not a u8`;
  if (!Number.isInteger(change.compression) || change.compression < 0 || change.compression > 0xff) {
    return `compression code ${change.compression} is not a u8`;
  }
  if (!Number.isInteger(change.keyId) || change.keyId < 0 || change.keyId > MAX_KEY_ID) return `key id ${change.keyId} is not a u32`;
  return undefined;
}

function changeLength(change: ManifestChange): number {
  if (change.type === 'wal') return 1 + varintLength(change.walId) + varintLength(change.lastVersion);
  const id = varintLength(change.tableId);
  return change.type === 'add' ? 1 + id + 1 + 1 + 4 : 1 + id;
}

/**
 * A record of no changes: the seal written after every group in the same append. A damaged record
 * with a valid one after it is corruption, so the seal makes damage to the newest group detectable
 * instead of passing for a torn tail (which would silently drop a flush whose WAL is gone).
 */
export const SEAL_RECORD: Uint8Array = encodeRecordBody([]);

/** Encodes one atomic group of changes as a framed record (header and payload). */
export function encodeRecord(changes: readonly ManifestChange[]): Uint8Array {
  assert(changes.length > 0, 'a MANIFEST record holds at least one change');
  return encodeRecordBody(changes);
}

function encodeRecordBody(changes: readonly ManifestChange[]): Uint8Array {
  let payloadBytes = varintLength(changes.length);
  for (const change of changes) {
    const problem = changeFieldProblem(change);
    assert(problem === undefined, () => `MANIFEST change ${JSON.stringify(change)}: ${problem}`);
    payloadBytes += changeLength(change);
  }
  assert(payloadBytes <= MAX_RECORD_PAYLOAD_BYTES, () => `MANIFEST record of ${payloadBytes} bytes exceeds ${MAX_RECORD_PAYLOAD_BYTES}`);

  const out = new Uint8Array(RECORD_HEADER_BYTES + payloadBytes);
  const view = new DataView(out.buffer);
  let p = putVarint(out, RECORD_HEADER_BYTES, changes.length);
  for (const change of changes) {
    if (change.type === 'add') {
      out[p++] = CHANGE_ADD;
      p = putVarint(out, p, change.tableId);
      out[p++] = change.level;
      out[p++] = change.compression;
      view.setUint32(p, change.keyId);
      p += 4;
    } else if (change.type === 'wal') {
      out[p++] = CHANGE_WAL;
      p = putVarint(out, p, change.walId);
      p = putVarint(out, p, change.lastVersion);
    } else {
      out[p++] = CHANGE_DELETE;
      p = putVarint(out, p, change.tableId);
    }
  }
  assert(p === out.length, 'MANIFEST record length miscounted');
  view.setUint32(0, payloadBytes);
  view.setUint32(4, crc32Range(out, RECORD_HEADER_BYTES, out.length));
  view.setUint32(8, crc32Range(out, 0, 8));
  return out;
}

/**
 * Decodes the payload bytes[start, end) of a record whose checksums matched. `fileOffset` is where
 * the payload starts in `file`, for error messages. A payload that passed its CRC yet does not parse
 * was written by something else (or a newer format that forgot to bump the version): corruption.
 */
export function decodePayload(bytes: Uint8Array, start: number, end: number, file: string, fileOffset: number): ManifestChange[] {
  const next = [0];
  const at = (p: number): number => fileOffset + (p - start);
  const count = getVarint(bytes, start, end, next);
  if (count < 0) throw new CorruptionError(file, fileOffset, 'bad change count varint');
  let p = next[0]!;
  const changes: ManifestChange[] = [];
  for (let i = 0; i < count; i++) {
    if (p >= end) throw new CorruptionError(file, at(p), `record ends after ${i} of ${count} changes`);
    const type = bytes[p]!;
    if (type === CHANGE_WAL) {
      const walId = getVarint(bytes, p + 1, end, next);
      if (walId < 1) throw new CorruptionError(file, at(p + 1), 'bad WAL id varint');
      p = next[0]!;
      const lastVersion = getVarint(bytes, p, end, next);
      if (lastVersion < 0) throw new CorruptionError(file, at(p), 'bad last version varint');
      p = next[0]!;
      changes.push({ type: 'wal', walId, lastVersion });
      continue;
    }
    if (type !== CHANGE_ADD && type !== CHANGE_DELETE) {
      throw new CorruptionError(file, at(p), `unknown change type 0x${type.toString(16).padStart(2, '0')}`);
    }
    const tableId = getVarint(bytes, p + 1, end, next);
    if (tableId < 0 || tableId > MAX_TABLE_ID) throw new CorruptionError(file, at(p + 1), 'bad table id varint');
    p = next[0]!;
    if (type === CHANGE_DELETE) {
      changes.push({ type: 'delete', tableId });
      continue;
    }
    if (end - p < 6) throw new CorruptionError(file, at(p), 'add change truncated');
    const level = bytes[p]!;
    const compression = bytes[p + 1]!;
    const keyId = ((bytes[p + 2]! << 24) | (bytes[p + 3]! << 16) | (bytes[p + 4]! << 8) | bytes[p + 5]!) >>> 0;
    p += 6;
    changes.push({ type: 'add', tableId, level, compression, keyId });
  }
  if (p !== end) throw new CorruptionError(file, at(p), `${end - p} bytes left over after ${count} changes`);
  return changes;
}

/** What sits at a record offset: see replay.ts for how each outcome is judged. */
export type RecordProbe =
  | { kind: 'ok'; payloadStart: number; end: number }
  /** The header checks but the record runs past the end of the file. */
  | { kind: 'cut'; end: number }
  /** Fewer bytes than a record header remain. */
  | { kind: 'short' }
  /** The header CRC does not match: the length cannot be trusted. */
  | { kind: 'badHeader'; expected: number; found: number }
  /** The header checks but claims an impossible length. */
  | { kind: 'badLength'; length: number }
  /** The header checks, the record fits, the payload CRC does not match. */
  | { kind: 'badPayload'; end: number; expected: number; found: number };

export function probeRecord(bytes: Uint8Array, offset: number, size: number): RecordProbe {
  if (size - offset < RECORD_HEADER_BYTES) return { kind: 'short' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, RECORD_HEADER_BYTES);
  const headerCrc = view.getUint32(8);
  const actualHeaderCrc = crc32Range(bytes, offset, offset + 8);
  if (headerCrc !== actualHeaderCrc) return { kind: 'badHeader', expected: headerCrc, found: actualHeaderCrc };
  const length = view.getUint32(0);
  if (length === 0 || length > MAX_RECORD_PAYLOAD_BYTES) return { kind: 'badLength', length };
  const payloadStart = offset + RECORD_HEADER_BYTES;
  const end = payloadStart + length;
  if (end > size) return { kind: 'cut', end };
  const payloadCrc = view.getUint32(4);
  const actualPayloadCrc = crc32(bytes.subarray(payloadStart, end));
  if (payloadCrc !== actualPayloadCrc) return { kind: 'badPayload', end, expected: payloadCrc, found: actualPayloadCrc };
  return { kind: 'ok', payloadStart, end };
}

export function describeProbe(probe: RecordProbe): string {
  switch (probe.kind) {
    case 'ok':
      return 'valid record';
    case 'cut':
      return `record runs to offset ${probe.end}, past the end of the file`;
    case 'short':
      return 'fewer bytes than a record header';
    case 'badHeader':
      return `record header checksum ${hex32(probe.expected)} != ${hex32(probe.found)}`;
    case 'badLength':
      return `record length ${probe.length} is outside 1..${MAX_RECORD_PAYLOAD_BYTES}`;
    case 'badPayload':
      return `record payload checksum ${hex32(probe.expected)} != ${hex32(probe.found)}`;
  }
}
