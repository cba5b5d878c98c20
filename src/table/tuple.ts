// The order-preserving tuple encoding of key columns (docs/format.md §Table layer: tuples).
// Bytewise order of encodings equals compareTuples order of the canonical values, so primary
// keys and index entries sort in the engine as the table layer compares them.
//
//   element := tag u8 [payload]
//   NULL     0x01                                       (the smallest tag: NULL sorts first)
//   BOOL     0x10  u8 0 | 1
//   number   0x20  8 bytes: float64 BE, sign-flipped    INT, FLOAT, DOUBLE
//   BIGINT   0x21  8 bytes: int64 BE, sign bit flipped
//   DECIMAL  0x22  class u8, [exponent u8, digit pairs, end u8], scale u8
//   date     0x23  8 bytes: float64 BE ms, sign-flipped DATE, DATETIME, TIMESTAMP
//   string   0x30  UTF-8, 0x00 as 00 FF, then 00 01      VARCHAR, TEXT
//   blob     0x31  bytes, 0x00 as 00 FF, then 00 01
//
// Every tag is below TUPLE_PREFIX_END (0xFF), so encode(prefix) ++ [0xFF] is greater than the
// encoding of every tuple extending the prefix: the exclusive upper bound of a prefix range.

import { CorruptionError, InvalidArgumentError } from '../index.js';
import type { ColumnType } from './types.js';

// Part of the on-disk format: never change, add a version.
export const TUPLE_TAG_NULL = 0x01;
export const TUPLE_TAG_BOOL = 0x10;
export const TUPLE_TAG_NUMBER = 0x20;
export const TUPLE_TAG_BIGINT = 0x21;
export const TUPLE_TAG_DECIMAL = 0x22;
export const TUPLE_TAG_DATE = 0x23;
export const TUPLE_TAG_STRING = 0x30;
export const TUPLE_TAG_BLOB = 0x31;
export const TUPLE_PREFIX_END = 0xff;
const DECIMAL_NEGATIVE = 0x01;
const DECIMAL_ZERO = 0x02;
const DECIMAL_POSITIVE = 0x03;
const DECIMAL_EXPONENT_BIAS = 128;
// Digit pairs are 1 + 10·d1 + d2 (1..100), so a 0x00 end sorts a shorter digit string first.
const DECIMAL_DIGITS_END = 0x00;
const SOURCE = 'tuple';

let scratch = Buffer.allocUnsafe(256);
const word = new DataView(new ArrayBuffer(8));
const wordBytes = new Uint8Array(word.buffer);

function ensure(at: number, more: number): void {
  if (at + more <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < at + more) size *= 2;
  const grown = Buffer.allocUnsafe(size);
  scratch.copy(grown, 0, 0, at);
  scratch = grown;
}

function tagOf(type: ColumnType): number {
  switch (type) {
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
      return TUPLE_TAG_NUMBER;
    case 'BIGINT':
      return TUPLE_TAG_BIGINT;
    case 'DECIMAL':
      return TUPLE_TAG_DECIMAL;
    case 'DATE':
    case 'DATETIME':
    case 'TIMESTAMP':
      return TUPLE_TAG_DATE;
    case 'VARCHAR':
    case 'TEXT':
      return TUPLE_TAG_STRING;
    case 'BOOL':
      return TUPLE_TAG_BOOL;
    case 'BLOB':
      return TUPLE_TAG_BLOB;
    case 'JSON':
      throw new InvalidArgumentError('a JSON column is not indexable: it cannot be part of a key');
  }
}

/**
 * Encodes canonical `values` (as coerceValue returns them) of `types`; fewer values than types
 * encode a prefix. `prefix` bytes, when given, are written first (the key's table/index header).
 */
export function encodeTuple(types: readonly ColumnType[], values: readonly unknown[], prefix?: Uint8Array): Uint8Array {
  if (values.length > types.length) throw new InvalidArgumentError(`tuple of ${values.length} values for ${types.length} columns`);
  let at = 0;
  if (prefix !== undefined) {
    ensure(0, prefix.length);
    scratch.set(prefix, 0);
    at = prefix.length;
  }
  for (let i = 0; i < values.length; i++) at = encodeElement(types[i]!, values[i], at);
  const out = new Uint8Array(at);
  out.set(scratch.subarray(0, at));
  return out;
}

function encodeElement(type: ColumnType, value: unknown, at: number): number {
  const tag = tagOf(type);
  if (value === null || value === undefined) {
    ensure(at, 1);
    scratch[at] = TUPLE_TAG_NULL;
    return at + 1;
  }
  switch (tag) {
    case TUPLE_TAG_NUMBER:
      return putFloat(tag, value as number, at);
    case TUPLE_TAG_DATE:
      return putFloat(tag, (value as Date).getTime(), at);
    case TUPLE_TAG_BIGINT:
      ensure(at, 9);
      scratch[at] = tag;
      word.setBigInt64(0, value as bigint);
      for (let i = 0; i < 8; i++) scratch[at + 1 + i] = wordBytes[i]!;
      scratch[at + 1] ^= 0x80;
      return at + 9;
    case TUPLE_TAG_BOOL:
      ensure(at, 2);
      scratch[at] = tag;
      scratch[at + 1] = value ? 1 : 0;
      return at + 2;
    case TUPLE_TAG_STRING:
      return putString(value as string, at);
    case TUPLE_TAG_BLOB:
      return putBlob(value as Uint8Array, at);
    default:
      return putDecimal(value as string, at);
  }
}

function putFloat(tag: number, value: number, at: number): number {
  if (Number.isNaN(value)) throw new InvalidArgumentError('NaN has no place in a key');
  ensure(at, 9);
  scratch[at] = tag;
  // -0 and 0 compare equal, so they must encode equal.
  word.setFloat64(0, value === 0 ? 0 : value);
  if (wordBytes[0]! & 0x80) {
    for (let i = 0; i < 8; i++) scratch[at + 1 + i] = ~wordBytes[i]! & 0xff;
  } else {
    for (let i = 0; i < 8; i++) scratch[at + 1 + i] = wordBytes[i]!;
    scratch[at + 1] |= 0x80;
  }
  return at + 9;
}

function putString(value: string, at: number): number {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; an escaped NUL takes 2.
  ensure(at, 3 * value.length + 3);
  scratch[at++] = TUPLE_TAG_STRING;
  if (value.indexOf('\0') < 0) {
    at += scratch.write(value, at, 'utf8');
  } else {
    const pieces = value.split('\0');
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) {
        scratch[at++] = 0x00;
        scratch[at++] = 0xff;
      }
      at += scratch.write(pieces[i]!, at, 'utf8');
    }
  }
  scratch[at] = 0x00;
  scratch[at + 1] = 0x01;
  return at + 2;
}

function putBlob(value: Uint8Array, at: number): number {
  ensure(at, 2 * value.length + 3);
  scratch[at++] = TUPLE_TAG_BLOB;
  let from = 0;
  for (let zero = value.indexOf(0); zero >= 0; zero = value.indexOf(0, from)) {
    scratch.set(value.subarray(from, zero), at);
    at += zero - from;
    scratch[at++] = 0x00;
    scratch[at++] = 0xff;
    from = zero + 1;
  }
  scratch.set(value.subarray(from), at);
  at += value.length - from;
  scratch[at] = 0x00;
  scratch[at + 1] = 0x01;
  return at + 2;
}

// A decimal is 0.D × 10^E with D its significant digits (no leading or trailing zeros): class,
// then E biased, then D in pairs, then the end byte — all inverted for a negative value, so a
// larger magnitude sorts lower. The scale follows, never inverted, so "1.5" < "1.50" as
// compareValues orders numerically equal decimals, and decoding restores the exact string.
function putDecimal(value: string, at: number): number {
  const negative = value.charCodeAt(0) === 45;
  const body = negative ? value.slice(1) : value;
  const dot = body.indexOf('.');
  const scale = dot < 0 ? 0 : body.length - dot - 1;
  const all = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
  let first = 0;
  while (first < all.length && all.charCodeAt(first) === 48) first++;
  let last = all.length;
  while (last > first && all.charCodeAt(last - 1) === 48) last--;
  ensure(at, 5 + ((last - first + 1) >> 1));
  scratch[at++] = TUPLE_TAG_DECIMAL;
  if (first === last) {
    scratch[at++] = DECIMAL_ZERO;
  } else {
    const flip = negative ? 0xff : 0x00;
    const exponent = (dot < 0 ? body.length : dot) - first;
    if (exponent + DECIMAL_EXPONENT_BIAS < 0 || exponent + DECIMAL_EXPONENT_BIAS > 0xff) throw new InvalidArgumentError(`decimal ${value} is too large for a key`);
    scratch[at++] = negative ? DECIMAL_NEGATIVE : DECIMAL_POSITIVE;
    scratch[at++] = (exponent + DECIMAL_EXPONENT_BIAS) ^ flip;
    for (let i = first; i < last; i += 2) {
      const hi = all.charCodeAt(i) - 48;
      const lo = i + 1 < last ? all.charCodeAt(i + 1) - 48 : 0;
      scratch[at++] = (1 + hi * 10 + lo) ^ flip;
    }
    scratch[at++] = DECIMAL_DIGITS_END ^ flip;
  }
  if (scale > 0xff) throw new InvalidArgumentError(`decimal ${value} has too many fraction digits for a key`);
  scratch[at++] = scale;
  return at;
}

/**
 * Decodes `count` elements from `offset` (fewer when the bytes end on an element boundary first,
 * as a prefix key does). Returns the values and the offset after the last one.
 */
export function decodeTuple(types: readonly ColumnType[], bytes: Uint8Array, offset = 0, count: number = types.length): { values: unknown[]; end: number } {
  const values: unknown[] = [];
  let at = offset;
  for (let i = 0; i < count && at < bytes.length; i++) {
    const type = types[i]!;
    const expected = tagOf(type);
    const tag = bytes[at]!;
    if (tag === TUPLE_TAG_NULL) {
      values.push(null);
      at++;
      continue;
    }
    if (tag !== expected) throw new CorruptionError(SOURCE, at, `tag 0x${hex(tag)} where ${type} (0x${hex(expected)}) or NULL (0x01) was expected`);
    at++;
    switch (tag) {
      case TUPLE_TAG_NUMBER:
        values.push(getFloat(bytes, at));
        at += 8;
        break;
      case TUPLE_TAG_DATE:
        values.push(new Date(getFloat(bytes, at)));
        at += 8;
        break;
      case TUPLE_TAG_BIGINT:
        need(bytes, at, 8);
        for (let j = 0; j < 8; j++) wordBytes[j] = bytes[at + j]!;
        wordBytes[0] ^= 0x80;
        values.push(word.getBigInt64(0));
        at += 8;
        break;
      case TUPLE_TAG_BOOL:
        need(bytes, at, 1);
        if (bytes[at]! > 1) throw new CorruptionError(SOURCE, at, `BOOL byte ${bytes[at]}`);
        values.push(bytes[at] === 1);
        at += 1;
        break;
      case TUPLE_TAG_STRING:
      case TUPLE_TAG_BLOB:
        at = getEscaped(bytes, at, tag === TUPLE_TAG_STRING, values);
        break;
      default:
        at = getDecimal(bytes, at, values);
    }
  }
  return { values, end: at };
}

function need(bytes: Uint8Array, at: number, n: number): void {
  if (at + n > bytes.length) throw new CorruptionError(SOURCE, at, `truncated: ${n} bytes needed, ${bytes.length - at} left`);
}

function getFloat(bytes: Uint8Array, at: number): number {
  need(bytes, at, 8);
  if (bytes[at]! & 0x80) {
    for (let j = 0; j < 8; j++) wordBytes[j] = bytes[at + j]!;
    wordBytes[0] &= 0x7f;
  } else {
    for (let j = 0; j < 8; j++) wordBytes[j] = ~bytes[at + j]! & 0xff;
  }
  return word.getFloat64(0);
}

function getEscaped(bytes: Uint8Array, at: number, text: boolean, values: unknown[]): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = at;
  let zero = view.indexOf(0, at);
  if (zero < 0 || zero + 1 >= bytes.length) throw new CorruptionError(SOURCE, start, 'unterminated string or blob');
  if (bytes[zero + 1] === 0x01) {
    values.push(text ? view.toString('utf8', start, zero) : Buffer.from(view.subarray(start, zero)));
    return zero + 2;
  }
  const pieces: Buffer[] = [];
  let from = start;
  for (;;) {
    if (zero < 0 || zero + 1 >= bytes.length) throw new CorruptionError(SOURCE, start, 'unterminated string or blob');
    const next = bytes[zero + 1];
    pieces.push(view.subarray(from, zero));
    if (next === 0x01) break;
    if (next !== 0xff) throw new CorruptionError(SOURCE, zero, `0x00 followed by 0x${hex(next!)} (0x01 ends, 0xFF escapes)`);
    pieces.push(NUL);
    from = zero + 2;
    zero = view.indexOf(0, from);
  }
  const joined = Buffer.concat(pieces);
  values.push(text ? joined.toString('utf8') : joined);
  return zero + 2;
}

const NUL = Buffer.from([0]);

function getDecimal(bytes: Uint8Array, at: number, values: unknown[]): number {
  need(bytes, at, 1);
  const cls = bytes[at++]!;
  let digits = '';
  let exponent = 0;
  let negative = false;
  if (cls === DECIMAL_NEGATIVE || cls === DECIMAL_POSITIVE) {
    negative = cls === DECIMAL_NEGATIVE;
    const flip = negative ? 0xff : 0x00;
    need(bytes, at, 1);
    exponent = (bytes[at++]! ^ flip) - DECIMAL_EXPONENT_BIAS;
    for (;;) {
      need(bytes, at, 1);
      const pair = bytes[at++]! ^ flip;
      if (pair === DECIMAL_DIGITS_END) break;
      if (pair > 100) throw new CorruptionError(SOURCE, at - 1, `decimal digit pair byte ${pair}`);
      const n = pair - 1;
      digits += String.fromCharCode(48 + ((n / 10) | 0), 48 + (n % 10));
    }
  } else if (cls !== DECIMAL_ZERO) {
    throw new CorruptionError(SOURCE, at - 1, `decimal class byte 0x${hex(cls)}`);
  }
  need(bytes, at, 1);
  const scale = bytes[at++]!;
  values.push(formatDecimal(negative, digits, exponent, scale));
  return at;
}

function formatDecimal(negative: boolean, digits: string, exponent: number, scale: number): string {
  let intPart: string;
  let fracPart: string;
  if (exponent <= 0) {
    intPart = '0';
    fracPart = '0'.repeat(-exponent) + digits;
  } else if (exponent >= digits.length) {
    intPart = digits + '0'.repeat(exponent - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, exponent);
    fracPart = digits.slice(exponent);
  }
  // A trailing pad digit (odd digit counts) or the stripped zeros: the scale settles the length.
  fracPart = fracPart.length > scale ? fracPart.slice(0, scale) : fracPart + '0'.repeat(scale - fracPart.length);
  const body = scale > 0 ? `${intPart}.${fracPart}` : intPart;
  return negative ? '-' + body : body;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** Bytewise order of two encodings: the order the engine keeps keys in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
