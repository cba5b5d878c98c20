// Entries and their values (docs/format.md §Entry meta, §Value struct).
//
// Value struct, as stored in memtables and SSTables:
//
//   +---------+-------------+--------------------+------------------------------+
//   | meta u8 | userMeta u8 | expiresAt varint   | value (rest) or value pointer |
//   +---------+-------------+--------------------+------------------------------+

import { getVarint, putVarint, varintLength } from './varint.js';
import { CorruptionError } from './errors.js';

// Part of the on-disk format: never change a bit, add a new one.
export const META_DELETE = 0x01;
export const META_VALUE_POINTER = 0x02;
export const META_DISCARD_EARLIER_VERSIONS = 0x04;
export const META_KNOWN_BITS = META_DELETE | META_VALUE_POINTER | META_DISCARD_EARLIER_VERSIONS;

/** One versioned write, as a batch carries it. */
export interface Entry {
  key: Uint8Array; // user key
  version: number;
  meta: number;
  userMeta: number;
  /** Absolute expiry in milliseconds since the Unix epoch; 0 = never. */
  expiresAt: number;
  /** The value, or an encoded ValuePointer when meta has META_VALUE_POINTER; empty for deletes. */
  value: Uint8Array;
}

/** A decoded value struct. `value` may be a view into the buffer it was decoded from. */
export interface ValueStruct {
  meta: number;
  userMeta: number;
  expiresAt: number;
  value: Uint8Array;
}

export function valueStructLength(v: { expiresAt: number; value: Uint8Array }): number {
  return 2 + varintLength(v.expiresAt) + v.value.length;
}

/** Writes the value struct at `offset`; returns the offset after it. */
export function putValueStruct(buf: Uint8Array, offset: number, v: ValueStruct): number {
  buf[offset] = v.meta;
  buf[offset + 1] = v.userMeta;
  offset = putVarint(buf, offset + 2, v.expiresAt);
  buf.set(v.value, offset);
  return offset + v.value.length;
}

export function encodeValueStruct(v: ValueStruct): Uint8Array {
  const out = new Uint8Array(valueStructLength(v));
  putValueStruct(out, 0, v);
  return out;
}

const scratch = [0];

/** Decodes a value struct; `value` is a view into `bytes` (copy it to keep it). */
export function decodeValueStruct(bytes: Uint8Array, where = 'value struct'): ValueStruct {
  if (bytes.length < 3) throw new CorruptionError(where, 0, `value struct of ${bytes.length} bytes is too short`);
  const expiresAt = getVarint(bytes, 2, bytes.length, scratch);
  if (expiresAt < 0) throw new CorruptionError(where, 2, 'bad expiry varint in value struct');
  return { meta: bytes[0]!, userMeta: bytes[1]!, expiresAt, value: bytes.subarray(scratch[0]!) };
}

export function isDeleted(meta: number): boolean {
  return (meta & META_DELETE) !== 0;
}

export function isExpired(expiresAt: number, nowMs: number): boolean {
  return expiresAt !== 0 && expiresAt <= nowMs;
}
