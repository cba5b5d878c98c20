// The row codec (docs/format.md §Table layer: rows): a row's non-NULL columns keyed by column
// id, behind the schema version it was written at, so adding or dropping a column rewrites no row.
//
//   row   := format u8 (= 1) | schemaVersion varint | field*
//   field := key varint (= columnId × 8 + wire) | value
//   wire 0 VARINT  varint            INT (zigzag), BIGINT (zigzag), BOOL (0 | 1)
//   wire 1 FIXED8  8 bytes, BE       FLOAT, DOUBLE, dates (float64 ms); INT, BIGINT too large for VARINT
//   wire 2 BYTES   varint n, n bytes DECIMAL (ASCII), VARCHAR, TEXT (UTF-8), JSON (JSON.stringify), BLOB
//
// The wire type alone says how long a value is, so a reader skips a column it does not know
// (dropped) or does not want without knowing its type.

import { CorruptionError, InvalidArgumentError } from '../index.js';
import type { ColumnType } from './types.js';

// Part of the on-disk format: never change, add a version.
export const ROW_FORMAT_VERSION = 1;
export const WIRE_VARINT = 0;
export const WIRE_FIXED8 = 1;
export const WIRE_BYTES = 2;
const WIRE_BITS = 8;
const SOURCE = 'row';
// Zigzag doubles a magnitude; below 2^52 the result stays a safe integer (a varint of ≤ 8 bytes).
const ZIGZAG_LIMIT = 2 ** 52;
const ZIGZAG_LIMIT_BIG = 1n << 52n;

export interface RowColumn {
  id: number;
  name: string;
  type: ColumnType;
  addedInVersion: number;
  /** Canonical value a row written before `addedInVersion` reads for this column. */
  default?: unknown;
}

/** The table's live columns at `version`. Treated as immutable: a changed schema is a new object. */
export interface RowSchema {
  version: number;
  columns: RowColumn[];
}

interface SchemaIndex {
  /** Schema position of each column id, -1 for ids the schema does not hold. */
  positionById: Int32Array;
}

const indexes = new WeakMap<RowSchema, SchemaIndex>();

function indexOf(schema: RowSchema): SchemaIndex {
  let index = indexes.get(schema);
  if (index !== undefined) return index;
  let maxId = 0;
  for (const c of schema.columns) {
    if (!Number.isSafeInteger(c.id) || c.id < 0) throw new InvalidArgumentError(`column '${c.name}' has id ${c.id}: ids are non-negative integers`);
    if (c.id > maxId) maxId = c.id;
  }
  const positionById = new Int32Array(maxId + 1).fill(-1);
  schema.columns.forEach((c, i) => {
    if (positionById[c.id] !== -1) throw new InvalidArgumentError(`column id ${c.id} appears twice in the schema`);
    positionById[c.id] = i;
  });
  index = { positionById };
  indexes.set(schema, index);
  return index;
}

// Encoding ------------------------------------------------------------------------------------

let out = Buffer.allocUnsafe(1024);

function ensure(at: number, more: number): void {
  if (at + more <= out.length) return;
  let size = out.length * 2;
  while (size < at + more) size *= 2;
  const grown = Buffer.allocUnsafe(size);
  out.copy(grown, 0, 0, at);
  out = grown;
}

function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Unsigned LEB128 by arithmetic: values reach 2^53, past the 32 bits bitwise operators keep. */
function putVarint(v: number, at: number): number {
  while (v >= 128) {
    out[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

function putBytesField(key: number, text: string | null, bytes: Uint8Array | null, encoding: 'utf8' | 'latin1', at: number): number {
  if (bytes !== null) {
    ensure(at, 16 + bytes.length);
    at = putVarint(bytes.length, putVarint(key, at));
    out.set(bytes, at);
    return at + bytes.length;
  }
  const s = text!;
  const most = encoding === 'utf8' ? 3 * s.length : s.length;
  ensure(at, 16 + most);
  at = putVarint(key, at);
  // Write after room for the longest length varint, then close the gap once the length is known.
  const room = varintLength(most);
  const n = out.write(s, at + room, encoding);
  const used = varintLength(n);
  if (used < room) out.copyWithin(at + used, at + room, at + room + n);
  putVarint(n, at);
  return at + used + n;
}

/** Encodes canonical `values` (index-aligned with `schema.columns`; null or undefined = absent). */
export function encodeRow(schema: RowSchema, values: readonly unknown[]): Uint8Array {
  const columns = schema.columns;
  if (values.length > columns.length) throw new InvalidArgumentError(`row of ${values.length} values for ${columns.length} columns`);
  indexOf(schema);
  ensure(0, 16);
  out[0] = ROW_FORMAT_VERSION;
  let at = putVarint(schema.version, 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const column = columns[i]!;
    const base = column.id * WIRE_BITS;
    switch (column.type) {
      case 'INT':
        at = putNumber(base, v as number, at);
        break;
      case 'BIGINT': {
        const big = v as bigint;
        ensure(at, 20);
        if (big > -ZIGZAG_LIMIT_BIG && big < ZIGZAG_LIMIT_BIG) {
          at = putVarint(zigzag(Number(big)), putVarint(base + WIRE_VARINT, at));
        } else {
          at = putVarint(base + WIRE_FIXED8, at);
          out.writeBigInt64BE(big, at);
          at += 8;
        }
        break;
      }
      case 'FLOAT':
      case 'DOUBLE':
        at = putDouble(base, v as number, at);
        break;
      case 'DATE':
      case 'DATETIME':
      case 'TIMESTAMP':
        at = putDouble(base, (v as Date).getTime(), at);
        break;
      case 'BOOL':
        ensure(at, 12);
        at = putVarint(base + WIRE_VARINT, at);
        out[at++] = v ? 1 : 0;
        break;
      case 'DECIMAL':
        at = putBytesField(base + WIRE_BYTES, v as string, null, 'latin1', at);
        break;
      case 'VARCHAR':
      case 'TEXT':
        at = putBytesField(base + WIRE_BYTES, v as string, null, 'utf8', at);
        break;
      case 'JSON':
        at = putBytesField(base + WIRE_BYTES, JSON.stringify(v), null, 'utf8', at);
        break;
      case 'BLOB':
        at = putBytesField(base + WIRE_BYTES, null, v as Uint8Array, 'utf8', at);
        break;
    }
  }
  // allocUnsafe: every byte is written. A row under 4 KiB is a slice of Node's shared pool, not
  // a zeroed allocation outside the V8 heap of its own (the engine copies it into its memtable
  // at commit, so nothing keeps the pool alive past the statement).
  const row = Buffer.allocUnsafe(at);
  row.set(new Uint8Array(out.buffer, out.byteOffset, at));
  return row;
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function putNumber(base: number, n: number, at: number): number {
  if (n > -ZIGZAG_LIMIT && n < ZIGZAG_LIMIT) {
    ensure(at, 20);
    return putVarint(zigzag(n), putVarint(base + WIRE_VARINT, at));
  }
  return putDouble(base, n, at);
}

function putDouble(base: number, n: number, at: number): number {
  ensure(at, 20);
  at = putVarint(base + WIRE_FIXED8, at);
  out.writeDoubleBE(n, at);
  return at + 8;
}

// Decoding ------------------------------------------------------------------------------------

const ABSENT = Symbol('absent');

/** The schema version a row was written at. */
export function rowSchemaVersion(bytes: Uint8Array): number {
  const reader = new RowReader(bytes);
  reader.header();
  return reader.version;
}

/**
 * Decodes a row into values index-aligned with `schema.columns`. With `wanted`, columns it
 * marks false are skipped undecoded and read as undefined. A column the row lacks is NULL, or
 * its default when it was added after the row's schema version; ids the schema lacks are skipped.
 */
export function decodeRow(schema: RowSchema, bytes: Uint8Array, wanted?: readonly boolean[]): unknown[] {
  const { positionById } = indexOf(schema);
  const columns = schema.columns;
  const values: unknown[] = new Array(columns.length).fill(ABSENT);
  const reader = new RowReader(bytes);
  reader.header();
  while (reader.at < bytes.length) {
    const fieldAt = reader.at;
    const key = reader.varint();
    const wire = key % WIRE_BITS;
    const id = (key - wire) / WIRE_BITS;
    const position = id < positionById.length ? positionById[id]! : -1;
    if (position < 0 || (wanted !== undefined && !wanted[position])) {
      reader.skip(wire, fieldAt);
      if (position >= 0) values[position] = undefined;
      continue;
    }
    if (values[position] !== ABSENT) throw new CorruptionError(SOURCE, fieldAt, `column id ${id} appears twice`);
    values[position] = reader.value(columns[position]!, wire, fieldAt);
  }
  for (let i = 0; i < columns.length; i++) {
    if (values[i] !== ABSENT) continue;
    if (wanted !== undefined && !wanted[i]) values[i] = undefined;
    else {
      const c = columns[i]!;
      values[i] = c.addedInVersion > reader.version && c.default !== undefined ? copyDefault(c.default) : null;
    }
  }
  return values;
}

/**
 * Whether the row's field of column `columnId` is exactly the bytes `expected`, read in place
 * without decoding the row: true or false when the row holds the field as bytes (a VARCHAR, TEXT
 * or BLOB), undefined when it cannot say (the field is absent or of another wire type, or the
 * row is malformed; decodeRow then gives the answer, or the error). A filtered scan rejects most
 * rows with this alone.
 */
export function fieldBytesEqual(bytes: Uint8Array, columnId: number, expected: Uint8Array): boolean | undefined {
  const end = bytes.length;
  if (end === 0 || bytes[0] !== ROW_FORMAT_VERSION) return undefined;
  if (readVarint(bytes, 1, end) < 0) return undefined; // the schema version
  let at = varintEnd;
  while (at < end) {
    const key = readVarint(bytes, at, end);
    if (key < 0) return undefined;
    at = varintEnd;
    const wire = key % WIRE_BITS;
    if (wire === WIRE_VARINT) {
      if (readVarint(bytes, at, end) < 0) return undefined;
      at = varintEnd;
    } else if (wire === WIRE_FIXED8) at += 8;
    else if (wire === WIRE_BYTES) {
      const n = readVarint(bytes, at, end);
      if (n < 0 || varintEnd + n > end) return undefined;
      at = varintEnd;
      if ((key - wire) / WIRE_BITS === columnId) {
        if (n !== expected.length) return false;
        for (let i = 0; i < n; i++) if (bytes[at + i] !== expected[i]) return false;
        return true;
      }
      at += n;
    } else return undefined;
    if ((key - wire) / WIRE_BITS === columnId) return undefined;
  }
  return undefined;
}

/** Where the last readVarint ended. */
let varintEnd = 0;

/** The varint at `at` (at most 8 bytes, <= 2^53), or -1 if there is none; sets varintEnd. */
function readVarint(bytes: Uint8Array, at: number, end: number): number {
  let result = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 8; i++) {
    const b = bytes[i]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (result > Number.MAX_SAFE_INTEGER) return -1;
      varintEnd = i + 1;
      return result;
    }
    scale *= 128;
  }
  return -1;
}

function copyDefault(value: unknown): unknown {
  // Callers own the rows they get: never hand out the schema's own Date or Buffer.
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return Buffer.from(value);
  return value;
}

class RowReader {
  readonly bytes: Uint8Array;
  private buffer: Buffer | undefined;
  at = 0;
  version = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** `bytes` as a Buffer, made when first needed: most rows are read without one. */
  get buf(): Buffer {
    const bytes = this.bytes;
    return (this.buffer ??= Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  header(): void {
    if (this.bytes.length === 0) throw new CorruptionError(SOURCE, 0, 'empty row');
    const format = this.bytes[0]!;
    if (format !== ROW_FORMAT_VERSION) throw new CorruptionError(SOURCE, 0, `row format ${format}, expected ${ROW_FORMAT_VERSION}`);
    this.at = 1;
    this.version = this.varint();
  }

  varint(): number {
    const bytes = this.bytes;
    const start = this.at;
    let result = 0;
    let scale = 1;
    for (let i = start; i < bytes.length && i < start + 8; i++) {
      const b = bytes[i]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) break;
        this.at = i + 1;
        return result;
      }
      scale *= 128;
    }
    throw new CorruptionError(SOURCE, start, start + 8 <= bytes.length ? 'varint longer than 8 bytes or above 2^53' : 'truncated varint');
  }

  need(n: number, what: string): void {
    if (this.at + n > this.bytes.length) throw new CorruptionError(SOURCE, this.at, `truncated ${what}: ${n} bytes needed, ${this.bytes.length - this.at} left`);
  }

  skip(wire: number, fieldAt: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED8) {
      this.need(8, 'fixed8 value');
      this.at += 8;
    } else if (wire === WIRE_BYTES) {
      const n = this.varint();
      this.need(n, 'bytes value');
      this.at += n;
    } else throw new CorruptionError(SOURCE, fieldAt, `unknown wire type ${wire}`);
  }

  value(column: RowColumn, wire: number, fieldAt: number): unknown {
    switch (column.type) {
      case 'INT':
        if (wire === WIRE_VARINT) return unzigzag(this.varint());
        if (wire === WIRE_FIXED8) return this.double();
        break;
      case 'BIGINT':
        if (wire === WIRE_VARINT) return BigInt(unzigzag(this.varint()));
        if (wire === WIRE_FIXED8) {
          this.need(8, 'BIGINT');
          const v = this.buf.readBigInt64BE(this.at);
          this.at += 8;
          return v;
        }
        break;
      case 'FLOAT':
      case 'DOUBLE':
        if (wire === WIRE_FIXED8) return this.double();
        break;
      case 'DATE':
      case 'DATETIME':
      case 'TIMESTAMP':
        if (wire === WIRE_FIXED8) return new Date(this.double());
        break;
      case 'BOOL':
        if (wire === WIRE_VARINT) {
          const b = this.varint();
          if (b > 1) throw new CorruptionError(SOURCE, fieldAt, `BOOL column '${column.name}' holds ${b}`);
          return b === 1;
        }
        break;
      case 'DECIMAL':
        if (wire === WIRE_BYTES) return this.text('latin1');
        break;
      case 'VARCHAR':
      case 'TEXT':
        if (wire === WIRE_BYTES) return this.text('utf8');
        break;
      case 'JSON':
        if (wire === WIRE_BYTES) {
          const s = this.text('utf8');
          try {
            return JSON.parse(s) as unknown;
          } catch {
            throw new CorruptionError(SOURCE, fieldAt, `JSON column '${column.name}' holds text that is not JSON`);
          }
        }
        break;
      case 'BLOB':
        if (wire === WIRE_BYTES) {
          const n = this.varint();
          this.need(n, 'BLOB');
          const v = Buffer.from(this.buf.subarray(this.at, this.at + n));
          this.at += n;
          return v;
        }
        break;
    }
    if (wire > WIRE_BYTES) throw new CorruptionError(SOURCE, fieldAt, `unknown wire type ${wire}`);
    throw new CorruptionError(SOURCE, fieldAt, `wire type ${wire} cannot hold ${column.type} column '${column.name}'`);
  }

  double(): number {
    this.need(8, 'fixed8 value');
    const v = this.buf.readDoubleBE(this.at);
    this.at += 8;
    return v;
  }

  text(encoding: 'utf8' | 'latin1'): string {
    const n = this.varint();
    this.need(n, 'bytes value');
    const start = this.at;
    this.at += n;
    return encoding === 'utf8' ? utf8Slice(this.bytes, start, start + n) : this.buf.toString(encoding, start, start + n);
  }
}

// Buffer's native UTF-8 decoder reads any Uint8Array (bounds checked): a row that is a view of a
// memtable or block then needs no Buffer made around it. Undocumented, hence the fallback.
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;

function utf8Slice(bytes: Uint8Array, start: number, end: number): string {
  if (nativeUtf8Slice !== undefined) return nativeUtf8Slice.call(bytes, start, end);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}
