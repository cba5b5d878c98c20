// Record payload: one whole batch of entries (docs/format.md §WAL.payload). Also used by the
// value log and backups, which frame it their own way.
//
//   payload := count varint, entry × count
//   entry   :=
//   +---------+-------------+----------------+------------------+-----------------+-------------------+-----+-------+
//   | meta u8 | userMeta u8 | keyLen varint  | valueLen varint  | version varint  | expiresAt varint  | key | value |
//   +---------+-------------+----------------+------------------+-----------------+-------------------+-----+-------+
//
// Varints are unsigned LEB128 (src/base/varint.ts). The version is a varint rather than a fixed u64:
// versions are commit timestamps counting up from 1, so they take 1-4 bytes for the life of most
// databases instead of 8. expiresAt is absolute milliseconds (0 = never). `value` is an encoded
// ValuePointer (12 bytes) when meta has META_VALUE_POINTER. The payload must be consumed exactly.

import {
  CorruptionError,
  InternalError,
  META_KNOWN_BITS,
  META_VALUE_POINTER,
  VALUE_POINTER_BYTES,
  assert,
  getVarint,
  putVarint,
  varintLength,
  type Entry,
} from '../base/index.js';

/** varintLength with the one-byte case inline: lengths and small versions are almost always < 128. */
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

/** Bytes encodeBatch(batch) produces. */
export function batchPayloadLength(batch: readonly Entry[]): number {
  let n = varLen(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    const k = e.key.length;
    const v = e.value.length;
    n += 2 + varLen(k) + varLen(v) + varLen(e.version) + varLen(e.expiresAt) + k + v;
  }
  return n;
}

/**
 * Checks what the decoder would refuse, so that a writer never writes a record it cannot read back.
 * Plain ifs, not assert(cond, () => msg): this runs per entry on the write path.
 */
function checkEntry(e: Entry): void {
  const { version, expiresAt, meta, userMeta } = e;
  if (!Number.isSafeInteger(version) || version < 0) invalidEntry(`entry version ${version} is not a non-negative safe integer`);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) invalidEntry(`entry expiresAt ${expiresAt} is not a non-negative safe integer`);
  if (!Number.isInteger(meta) || meta < 0 || (meta & ~META_KNOWN_BITS) !== 0) invalidEntry(`entry meta ${meta} has unknown bits`);
  if (!Number.isInteger(userMeta) || userMeta < 0 || userMeta > 0xff) invalidEntry(`entry userMeta ${userMeta} is not a byte`);
  if ((meta & META_VALUE_POINTER) !== 0 && e.value.length !== VALUE_POINTER_BYTES) {
    invalidEntry(`value pointer entry carries ${e.value.length} bytes, expected ${VALUE_POINTER_BYTES}`);
  }
}

function invalidEntry(message: string): never {
  throw new InternalError(message);
}

/** Copies short arrays by hand: for keys of a few bytes, TypedArray.set costs more than the copy. */
function putBytes(buf: Uint8Array, offset: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 32) {
    for (let i = 0; i < n; i++) buf[offset + i] = bytes[i]!;
  } else {
    buf.set(bytes, offset);
  }
  return offset + n;
}

/**
 * Writes the payload of `batch` at `offset` (the caller sized `buf` with batchPayloadLength);
 * returns the offset after it.
 */
export function putBatch(buf: Uint8Array, offset: number, batch: readonly Entry[]): number {
  offset = putVarint(buf, offset, batch.length);
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    checkEntry(e);
    buf[offset] = e.meta;
    buf[offset + 1] = e.userMeta;
    offset = putVar(buf, offset + 2, e.key.length);
    offset = putVar(buf, offset, e.value.length);
    offset = putVar(buf, offset, e.version);
    offset = putVar(buf, offset, e.expiresAt);
    offset = putBytes(buf, offset, e.key);
    offset = putBytes(buf, offset, e.value);
  }
  return offset;
}

export function encodeBatch(batch: readonly Entry[]): Uint8Array {
  const out = new Uint8Array(batchPayloadLength(batch));
  const end = putBatch(out, 0, batch);
  assert(end === out.length, () => `batch encoded to ${end} bytes, sized ${out.length}`);
  return out;
}

const scratch = [0];

/**
 * Decodes a payload. Keys and values are views into `payload` (copy them to keep them past the
 * buffer's life). `file` and `fileOffset` (where the payload starts in that file) locate errors.
 */
export function decodeBatch(payload: Uint8Array, file = 'batch', fileOffset = 0): Entry[] {
  const end = payload.length;
  const corrupt = (at: number, what: string): CorruptionError => new CorruptionError(file, fileOffset + at, what);
  const count = getVarint(payload, 0, end, scratch);
  if (count < 0) throw corrupt(0, 'bad entry count varint in batch');
  let pos = scratch[0]!;
  // Every entry takes at least 6 bytes, so a count that cannot fit is corruption, not an allocation.
  if (count > (end - pos) / 6) throw corrupt(0, `batch claims ${count} entries in ${end} bytes`);
  const entries: Entry[] = new Array<Entry>(count);
  for (let i = 0; i < count; i++) {
    const start = pos;
    if (end - pos < 6) throw corrupt(start, `entry ${i} of ${count} is cut short`);
    const meta = payload[pos]!;
    const userMeta = payload[pos + 1]!;
    const keyLength = getVarint(payload, pos + 2, end, scratch);
    if (keyLength < 0) throw corrupt(start, `entry ${i}: bad key length varint`);
    const valueLength = getVarint(payload, scratch[0]!, end, scratch);
    if (valueLength < 0) throw corrupt(start, `entry ${i}: bad value length varint`);
    const version = getVarint(payload, scratch[0]!, end, scratch);
    if (version < 0 || !Number.isSafeInteger(version)) throw corrupt(start, `entry ${i}: bad version varint`);
    const expiresAt = getVarint(payload, scratch[0]!, end, scratch);
    if (expiresAt < 0 || !Number.isSafeInteger(expiresAt)) throw corrupt(start, `entry ${i}: bad expiresAt varint`);
    pos = scratch[0]!;
    if (keyLength > end - pos || valueLength > end - pos - keyLength) {
      throw corrupt(start, `entry ${i}: key of ${keyLength} and value of ${valueLength} bytes overrun the batch`);
    }
    if ((meta & ~META_KNOWN_BITS) !== 0) throw corrupt(start, `entry ${i}: unknown meta bits 0x${meta.toString(16)}`);
    if ((meta & META_VALUE_POINTER) !== 0 && valueLength !== VALUE_POINTER_BYTES) {
      throw corrupt(start, `entry ${i}: value pointer of ${valueLength} bytes, expected ${VALUE_POINTER_BYTES}`);
    }
    const key = payload.subarray(pos, pos + keyLength);
    pos += keyLength;
    const value = payload.subarray(pos, pos + valueLength);
    pos += valueLength;
    entries[i] = { key, version, meta, userMeta, expiresAt, value };
  }
  if (pos !== end) throw corrupt(pos, `${end - pos} bytes left after ${count} entries`);
  return entries;
}
