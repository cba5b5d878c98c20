// What `sett serve` writes that mysql2's server side does not write right (TABLES.md §7): error
// packets with their SQLSTATE (mysql2's Error.toPacket writes '#_____'), the COM_STMT_PREPARE
// reply (mysql2 has none), result sets with MySQL column types, text rows of any value (bytes
// included) and binary rows with their NULL bitmap (mysql2's BinaryRow.toPacket writes text values
// and a bitmap without the 2-bit offset), and the parameters of COM_STMT_EXECUTE read with the
// statement's parameter count and NULL bitmap (mysql2's Execute.fromPacket guesses both). Framing,
// sequence ids and the socket stay mysql2's: every packet here is a mysql2 Packet handed to
// `connection.writePacket`.

import { createRequire } from 'node:module';
import type { SqlField } from '../types.js';

const require = createRequire(import.meta.url);
// mysql2's packet classes: not in its `exports`, so loaded from inside the package.
const inside = createRequire(require.resolve('mysql2'));
/* eslint-disable @typescript-eslint/no-explicit-any */
export const Packets: any = inside('./lib/packets/index.js');
const Packet: any = Packets.Packet;

/** MySQL column types (include/field_types.h). */
export const T = {
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  VARCHAR: 0x0f,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
} as const;

const UTF8MB4 = 45;
const BINARY = 63;
const BINARY_FLAG = 128;

/** A growable byte buffer with MySQL's integer and string encodings. */
export class Bytes {
  private parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  u8(n: number): this {
    return this.push(Buffer.from([n & 0xff]));
  }
  u16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return this.push(b);
  }
  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return this.push(b);
  }
  i64(n: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt.asIntN(64, n));
    return this.push(b);
  }
  f64(n: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    return this.push(b);
  }
  raw(b: Uint8Array | string): this {
    return this.push(typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  lenenc(n: number): this {
    if (n < 251) return this.u8(n);
    if (n < 0x10000) return this.u8(0xfc).u16(n);
    if (n < 0x1000000) return this.u8(0xfd).u8(n).u8(n >> 8).u8(n >> 16);
    return this.u8(0xfe).i64(BigInt(n));
  }
  lenencBytes(b: Uint8Array | string): this {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    return this.lenenc(buf.length).raw(buf);
  }
  /** A mysql2 Packet of these bytes (room for the 4-byte header that writePacket fills in). */
  packet(): unknown {
    const buffer = Buffer.concat([Buffer.alloc(4), ...this.parts], 4 + this.size);
    return new Packet(0, buffer, 0, buffer.length);
  }
}

/** ERR packet: errno, SQLSTATE, message. */
export function errorPacket(errno: number, sqlState: string, message: string): unknown {
  return new Bytes().u8(0xff).u16(errno).raw('#').raw(sqlState.padEnd(5, '0').slice(0, 5)).raw(message).packet();
}

/** COM_STMT_PREPARE's first reply packet (result columns are described by each execute's reply). */
export function prepareOkPacket(statementId: number, columns: number, params: number): unknown {
  return new Bytes().u8(0).u32(statementId).u16(columns).u16(params).u8(0).u16(0).packet();
}

export function resultHeaderPacket(columns: number): unknown {
  return new Bytes().lenenc(columns).packet();
}

export interface Column {
  name: string;
  /** sett's type name (SqlField.type). */
  settType: string;
  mysqlType: number;
}

/** The MySQL type a result column of sett's `type` is sent as; `binary`: for a binary (prepared statement) result. */
export function mysqlTypeOf(settType: string): number {
  switch (settType) {
    case 'INT':
      return T.LONG;
    case 'BIGINT':
      return T.LONGLONG;
    case 'FLOAT':
      return T.FLOAT;
    case 'DOUBLE':
      return T.DOUBLE;
    case 'DECIMAL':
      return T.NEWDECIMAL;
    case 'BOOL':
      return T.TINY;
    case 'TEXT':
    case 'BLOB':
      return T.BLOB;
    case 'JSON':
      return T.JSON;
    case 'DATE':
      return T.DATE;
    case 'DATETIME':
      return T.DATETIME;
    case 'TIMESTAMP':
      return T.TIMESTAMP;
    default:
      return T.VAR_STRING;
  }
}

/**
 * The result columns of `fields` over `rows`: each column's MySQL type from sett's, downgraded to
 * VAR_STRING when a value does not fit it (an expression column typed from its first value, say),
 * so a binary row never holds a value its declared type cannot carry.
 */
export function columnsOf(fields: readonly SqlField[], rows: readonly Record<string, unknown>[]): Column[] {
  return fields.map((f) => {
    let mysqlType = mysqlTypeOf(f.type);
    for (const row of rows) {
      const v = row[f.name];
      if (v === null || v === undefined) continue;
      if (!fits(mysqlType, v)) {
        mysqlType = mysqlType === T.LONG && (typeof v === 'bigint' || Number.isSafeInteger(v)) ? T.LONGLONG : T.VAR_STRING;
        if (!fits(mysqlType, v)) mysqlType = T.VAR_STRING;
      }
    }
    return { name: f.name, settType: f.type, mysqlType };
  });
}

function fits(type: number, v: unknown): boolean {
  switch (type) {
    case T.LONG:
      return typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
    case T.LONGLONG:
      return (typeof v === 'bigint' && BigInt.asIntN(64, v) === v) || (typeof v === 'number' && Number.isSafeInteger(v));
    case T.FLOAT:
    case T.DOUBLE:
      return typeof v === 'number';
    case T.TINY:
      return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v) && v >= -128 && v <= 127);
    case T.DATE:
    case T.DATETIME:
    case T.TIMESTAMP:
      return v instanceof Date && !Number.isNaN(v.getTime());
    default:
      return true;
  }
}

export function columnDefinitionPacket(c: Column, schema: string): unknown {
  const binary = c.settType === 'BLOB';
  const charset = binary || c.mysqlType === T.JSON || isNumeric(c.mysqlType) ? (c.mysqlType === T.JSON ? UTF8MB4 : BINARY) : UTF8MB4;
  return Packets.ColumnDefinition.toPacket({
    catalog: 'def',
    schema,
    table: '',
    orgTable: '',
    name: c.name,
    orgName: c.name,
    characterSet: charset,
    columnLength: columnLength(c.mysqlType),
    columnType: c.mysqlType,
    flags: binary ? BINARY_FLAG : 0,
    decimals: c.mysqlType === T.FLOAT || c.mysqlType === T.DOUBLE || c.mysqlType === T.VAR_STRING || c.mysqlType === T.BLOB ? 31 : 0,
  });
}

/** A parameter's description in the prepare reply (MySQL sends type VAR_STRING, name '?'). */
export function parameterDefinitionPacket(): unknown {
  return Packets.ColumnDefinition.toPacket({ catalog: 'def', schema: '', table: '', orgTable: '', name: '?', orgName: '', characterSet: BINARY, columnLength: 0, columnType: T.VAR_STRING, flags: 0, decimals: 0 });
}

function isNumeric(t: number): boolean {
  return t === T.TINY || t === T.LONG || t === T.LONGLONG || t === T.FLOAT || t === T.DOUBLE || t === T.NEWDECIMAL || t === T.DATE || t === T.DATETIME || t === T.TIMESTAMP;
}

function columnLength(t: number): number {
  switch (t) {
    case T.TINY:
      return 4;
    case T.LONG:
      return 11;
    case T.LONGLONG:
      return 20;
    case T.FLOAT:
      return 12;
    case T.DOUBLE:
      return 22;
    case T.DATE:
      return 10;
    case T.DATETIME:
    case T.TIMESTAMP:
      return 26;
    default:
      return 0xffffffff;
  }
}

export function eofPacket(status: number): unknown {
  return new Bytes().u8(0xfe).u16(0).u16(status).packet();
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A value as MySQL's text protocol writes it (undefined: NULL). */
export function textValue(v: unknown, c: Column): Buffer | string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return undefined;
    if (c.settType === 'DATE') return `${pad(v.getUTCFullYear(), 4)}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())}`;
    const ms = v.getMilliseconds();
    return `${pad(v.getFullYear(), 4)}-${pad(v.getMonth() + 1)}-${pad(v.getDate())} ${pad(v.getHours())}:${pad(v.getMinutes())}:${pad(v.getSeconds())}${ms === 0 ? '' : `.${pad(ms, 3)}`}`;
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (c.mysqlType === T.JSON || (typeof v === 'object' && v !== null)) return JSON.stringify(v);
  return String(v);
}

export function textRowPacket(row: Record<string, unknown>, columns: readonly Column[]): unknown {
  const b = new Bytes();
  for (const c of columns) {
    const t = textValue(row[c.name], c);
    if (t === undefined) b.u8(0xfb);
    else b.lenencBytes(t);
  }
  return b.packet();
}

/** A binary-protocol row: 0x00, the NULL bitmap (offset 2), then each non-NULL value in its column's encoding. */
export function binaryRowPacket(row: Record<string, unknown>, columns: readonly Column[]): unknown {
  const bitmap = Buffer.alloc((columns.length + 7 + 2) >> 3);
  const values = new Bytes();
  columns.forEach((c, i) => {
    const v = row[c.name];
    if (v === null || v === undefined || (v instanceof Date && Number.isNaN(v.getTime()))) {
      bitmap[(i + 2) >> 3]! |= 1 << ((i + 2) & 7);
      return;
    }
    switch (c.mysqlType) {
      case T.TINY:
        values.u8(typeof v === 'boolean' ? (v ? 1 : 0) : Number(v));
        break;
      case T.LONG:
        values.u32(Number(v));
        break;
      case T.LONGLONG:
        values.i64(BigInt(v as number | bigint));
        break;
      case T.FLOAT:
      case T.DOUBLE:
        // FLOAT is sent as MySQL sends FLOAT (4 bytes) only in declared type; the value keeps its double.
        values.f64(Number(v));
        break;
      case T.DATE: {
        const d = v as Date;
        values.u8(4).u16(d.getUTCFullYear()).u8(d.getUTCMonth() + 1).u8(d.getUTCDate());
        break;
      }
      case T.DATETIME:
      case T.TIMESTAMP: {
        const d = v as Date;
        const ms = d.getMilliseconds();
        values.u8(ms === 0 ? 7 : 11).u16(d.getFullYear()).u8(d.getMonth() + 1).u8(d.getDate()).u8(d.getHours()).u8(d.getMinutes()).u8(d.getSeconds());
        if (ms !== 0) values.u32(ms * 1000);
        break;
      }
      default:
        values.lenencBytes(textValue(v, c)!);
    }
  });
  return new Bytes().u8(0).raw(bitmap).raw((values.packet() as { buffer: Buffer }).buffer.subarray(4)).packet();
}

/** The parameter values of a COM_STMT_EXECUTE payload (after its command byte). */
export function readExecute(payload: Buffer, paramCount: number, previousTypes: number[] | undefined): { statementId: number; values: unknown[]; types: number[] | undefined } {
  const framed = Buffer.concat([Buffer.alloc(4), payload]); // a Packet's reads start after its 4-byte header
  const p = new Packet(0, framed, 0, framed.length);
  const statementId: number = p.readInt32();
  p.readInt8(); // cursor flags
  p.readInt32(); // iteration count
  if (paramCount === 0) return { statementId, values: [], types: previousTypes };
  const bitmap: Buffer = p.readBuffer((paramCount + 7) >> 3);
  const bound: number = p.readInt8();
  let types = previousTypes;
  if (bound === 1) {
    types = [];
    for (let i = 0; i < paramCount; i++) {
      const type = p.readInt8();
      const unsignedFlag = p.readInt8();
      types.push(type | ((unsignedFlag & 0x80) << 1)); // bit 8: unsigned
    }
  }
  if (types === undefined) throw new Error('COM_STMT_EXECUTE without parameter types');
  const values: unknown[] = [];
  for (let i = 0; i < paramCount; i++) {
    if (bitmap[i >> 3]! & (1 << (i & 7))) {
      values.push(null);
      continue;
    }
    const full = types[i]!;
    const unsigned = (full & 0x100) !== 0;
    const type = full & 0xff;
    switch (type) {
      case T.NULL:
        values.push(null);
        break;
      case T.TINY:
        values.push(unsigned ? p.readInt8() : p.readSInt8());
        break;
      case T.SHORT:
      case T.YEAR:
        values.push(unsigned ? p.readInt16() : p.readSInt16());
        break;
      case T.LONG:
      case T.INT24:
        values.push(unsigned ? p.readInt32() : p.readSInt32());
        break;
      case T.LONGLONG: {
        const b: Buffer = p.readBuffer(8);
        const n = unsigned ? b.readBigUInt64LE() : b.readBigInt64LE();
        values.push(Number.isSafeInteger(Number(n)) ? Number(n) : n);
        break;
      }
      case T.FLOAT:
        values.push(p.readFloat());
        break;
      case T.DOUBLE:
        values.push(p.readDouble());
        break;
      case T.DATE:
      case T.DATETIME:
      case T.TIMESTAMP: {
        const len: number = p.readInt8();
        const f = [0, 1, 1, 0, 0, 0, 0];
        if (len >= 4) {
          f[0] = p.readInt16();
          f[1] = p.readInt8();
          f[2] = p.readInt8();
        }
        if (len >= 7) {
          f[3] = p.readInt8();
          f[4] = p.readInt8();
          f[5] = p.readInt8();
        }
        if (len >= 11) f[6] = Math.floor(p.readInt32() / 1000);
        values.push(type === T.DATE ? new Date(Date.UTC(f[0]!, f[1]! - 1, f[2]!)) : new Date(f[0]!, f[1]! - 1, f[2]!, f[3]!, f[4]!, f[5]!, f[6]!));
        break;
      }
      case T.TIME: {
        const len: number = p.readInt8();
        let text = '00:00:00';
        if (len >= 8) {
          const neg = p.readInt8();
          const days = p.readInt32();
          const h = p.readInt8() + days * 24;
          const m = p.readInt8();
          const s = p.readInt8();
          if (len >= 12) p.readInt32();
          text = `${neg ? '-' : ''}${pad(h)}:${pad(m)}:${pad(s)}`;
        }
        values.push(text);
        break;
      }
      case T.BLOB:
      case 0xf9:
      case 0xfa:
      case 0xfb:
        values.push(Buffer.from(p.readLengthCodedBuffer() as Buffer));
        break;
      case T.JSON: {
        const text = (p.readLengthCodedBuffer() as Buffer).toString('utf8');
        values.push(JSON.parse(text));
        break;
      }
      default:
        // VAR_STRING, STRING, VARCHAR, DECIMAL, NEWDECIMAL, ENUM, SET, BIT: text.
        values.push((p.readLengthCodedBuffer() as Buffer).toString('utf8'));
    }
  }
  return { statementId, values, types };
}
