// Column values (TABLES.md §2 "Types"): type names, input coercion to the one canonical form
// each type stores, and the total order every index, sort and comparison uses.
//
// Canonical forms: INT/FLOAT/DOUBLE number (never -0, never NaN or ±Infinity), BIGINT bigint,
// DECIMAL string with exactly `scale` fraction digits, VARCHAR/TEXT well-formed string, BOOL
// boolean, BLOB Buffer, JSON the value itself, DATE/DATETIME/TIMESTAMP Date. The tuple and row
// codecs (tuple.ts, row-codec.ts) accept only canonical values.

import { InvalidArgumentError } from '../index.js';
import { ConstraintError, formatValue } from './errors.js';
import type { ColumnInfo, ColumnType } from './types.js';

const TYPE_NAMES: Record<string, ColumnType> = {
  INT: 'INT',
  INTEGER: 'INT',
  SMALLINT: 'INT',
  TINYINT: 'INT',
  MEDIUMINT: 'INT',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  REAL: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  STRING: 'VARCHAR',
  TEXT: 'TEXT',
  BOOL: 'BOOL',
  BOOLEAN: 'BOOL',
  BLOB: 'BLOB',
  BINARY: 'BLOB',
  VARBINARY: 'BLOB',
  BYTES: 'BLOB',
  JSON: 'JSON',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'TIMESTAMP',
};

/** DECIMAL's limits and defaults, as MySQL's. */
export const DECIMAL_PRECISION_MAX = 65;
export const DECIMAL_SCALE_MAX = 30;
export const DECIMAL_PRECISION_DEFAULT = 10;
export const DECIMAL_SCALE_DEFAULT = 0;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MIN_BIG = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MS_PER_DAY = 86_400_000;
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
// With the u flag a surrogate range matches only unpaired surrogates: UTF-8 cannot hold them,
// so they would not survive the codecs (Buffer writes U+FFFD) nor sort consistently.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function normalizeType(type: string): ColumnType {
  const found = TYPE_NAMES[type.trim().toUpperCase()];
  if (found === undefined) throw new InvalidArgumentError(`unknown column type '${type}'`);
  return found;
}

/** Every type but JSON has an order, so may be a key or index column. */
export function isIndexable(type: ColumnType): boolean {
  return type !== 'JSON';
}

/** Validates `value` for `column` and returns its canonical stored form; null for NULL. */
export function coerceValue(column: ColumnInfo, value: unknown, table: string): unknown {
  if (value === undefined || value === null) {
    if (column.nullable === false) throw new ConstraintError(`column '${column.name}' of table '${table}' cannot be null`, column.name);
    return null;
  }
  switch (column.type) {
    case 'INT':
      return coerceInt(column, value, table);
    case 'BIGINT':
      return coerceBigint(column, value, table);
    case 'FLOAT':
    case 'DOUBLE':
      return coerceDouble(column, value, table);
    case 'DECIMAL':
      return coerceDecimal(column, value, table);
    case 'VARCHAR':
    case 'TEXT':
      return coerceString(column, value, table);
    case 'BOOL':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      throw wrongType(column, value, table);
    case 'BLOB':
      if (value instanceof Uint8Array) return Buffer.from(value);
      throw wrongType(column, value, table);
    case 'JSON':
      if (!isJsonValue(value, 0)) throw wrongType(column, value, table, 'a JSON value');
      return value;
    case 'DATE':
    case 'DATETIME':
    case 'TIMESTAMP':
      return coerceDate(column, value, table);
  }
}

function coerceInt(column: ColumnInfo, value: unknown, table: string): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw wrongType(column, value, table, 'an integer');
    if (!Number.isSafeInteger(value)) throw outOfRange(column, value, table);
    return value === 0 ? 0 : value;
  }
  if (typeof value === 'bigint') {
    if (value < SAFE_MIN_BIG || value > SAFE_MAX_BIG) throw outOfRange(column, value, table);
    return Number(value);
  }
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw outOfRange(column, value, table);
    return n === 0 ? 0 : n;
  }
  throw wrongType(column, value, table, 'an integer');
}

function coerceBigint(column: ColumnInfo, value: unknown, table: string): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw wrongType(column, value, table, 'an integer');
    // A number beyond 2^53 is already rounded: accepting it would store a value nobody wrote.
    if (!Number.isSafeInteger(value)) throw outOfRange(column, value, table);
    big = BigInt(value);
  } else if (typeof value === 'string' && INTEGER_TEXT.test(value)) big = BigInt(value);
  else throw wrongType(column, value, table, 'an integer');
  if (big < INT64_MIN || big > INT64_MAX) throw outOfRange(column, value, table);
  return big;
}

function coerceDouble(column: ColumnInfo, value: unknown, table: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && NUMBER_TEXT.test(value)) n = Number(value);
  else if (typeof value === 'bigint' && value >= SAFE_MIN_BIG && value <= SAFE_MAX_BIG) n = Number(value);
  else throw wrongType(column, value, table, 'a number');
  if (!Number.isFinite(n)) throw outOfRange(column, value, table);
  return n === 0 ? 0 : n;
}

function coerceString(column: ColumnInfo, value: unknown, table: string): string {
  if (typeof value !== 'string') throw wrongType(column, value, table, 'a string');
  if (LONE_SURROGATE.test(value)) throw wrongType(column, value, table, 'well-formed Unicode (no unpaired surrogate)');
  const max = column.type === 'VARCHAR' ? column.length : undefined;
  // Code points never outnumber UTF-16 units, so only a long string needs counting.
  if (max !== undefined && value.length > max && codePointCount(value) > max) {
    throw new ConstraintError(`data too long for column '${column.name}' of table '${table}': VARCHAR(${max}) holds ${max} characters, found ${codePointCount(value)}`, column.name);
  }
  return value;
}

function codePointCount(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) count++;
  }
  return count;
}

function coerceDate(column: ColumnInfo, value: unknown, table: string): Date {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = new Date(value).getTime();
  else if (typeof value === 'string') ms = Date.parse(value);
  else throw wrongType(column, value, table, 'a Date, milliseconds or an ISO date string');
  if (!Number.isFinite(ms)) throw wrongType(column, value, table, 'a valid date');
  if (column.type === 'DATE') ms -= ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  return new Date(ms === 0 ? 0 : ms);
}

function isJsonValue(value: unknown, depth: number): boolean {
  // The depth bound turns a cycle (which JSON.stringify cannot write) into a refusal.
  if (depth > 512) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isJsonValue(item, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  // Dates, Buffers and Maps would come back from JSON as something else.
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) if (!isJsonValue((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

// DECIMAL ------------------------------------------------------------------------------------

function coerceDecimal(column: ColumnInfo, value: unknown, table: string): string {
  const precision = column.precision ?? DECIMAL_PRECISION_DEFAULT;
  const scale = column.scale ?? DECIMAL_SCALE_DEFAULT;
  if (precision < 1 || precision > DECIMAL_PRECISION_MAX || scale < 0 || scale > DECIMAL_SCALE_MAX || scale > precision) {
    throw new InvalidArgumentError(`column '${column.name}' of table '${table}': DECIMAL(${precision}, ${scale}) is outside DECIMAL(1..65, 0..30) with scale <= precision`);
  }
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw wrongType(column, value, table, 'a decimal number');
  const result = decimalFromText(text, precision, scale);
  if (result === undefined) throw wrongType(column, value, table, 'a decimal number');
  if (result === null) throw outOfRange(column, value, table);
  return result;
}

/**
 * `text` rounded half away from zero to `scale` fraction digits, as the canonical string;
 * undefined when it is no number, null when more than precision - scale integer digits remain.
 */
export function decimalFromText(text: string, precision: number, scale: number): string | null | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return undefined;
  const intText = m[2] ?? '';
  const fracText = m[3] ?? '';
  if (intText.length + fracText.length === 0) return undefined;
  // value = 0.digits × 10^point once leading zeros are gone.
  let digits = intText + fracText;
  let point = intText.length + (m[4] === undefined ? 0 : Number(m[4]));
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  point -= lead;
  // Rounding never lowers `point`, so this refuses 1e999999 before building its digits.
  if (digits.length > 0 && point > precision - scale) return null;
  const keep = point + scale;
  if (keep < digits.length) {
    const roundUp = keep >= 0 && digits.charCodeAt(keep) >= 53;
    digits = keep > 0 ? digits.slice(0, keep) : '';
    if (roundUp) {
      const carried = incrementDigits(digits);
      if (carried.length > digits.length) point++;
      digits = carried;
    }
  }
  while (digits.length > 0 && digits.charCodeAt(digits.length - 1) === 48) digits = digits.slice(0, -1);
  if (digits.length === 0) return scale > 0 ? '0.' + '0'.repeat(scale) : '0';
  if (point > precision - scale) return null;
  let intPart: string;
  let fracPart: string;
  if (point <= 0) {
    intPart = '0';
    fracPart = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    intPart = digits + '0'.repeat(point - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, point);
    fracPart = digits.slice(point);
  }
  fracPart += '0'.repeat(scale - fracPart.length);
  const body = scale > 0 ? `${intPart}.${fracPart}` : intPart;
  return m[1] === '-' ? '-' + body : body;
}

function incrementDigits(digits: string): string {
  const out = digits.split('');
  let i = out.length - 1;
  while (i >= 0 && out[i] === '9') out[i--] = '0';
  if (i < 0) return '1' + out.join('');
  out[i] = String.fromCharCode(out[i]!.charCodeAt(0) + 1);
  return out.join('');
}

function compareDecimals(a: string, b: string): number {
  const aNeg = a.charCodeAt(0) === 45 && !isZeroDecimal(a);
  const bNeg = b.charCodeAt(0) === 45 && !isZeroDecimal(b);
  if (aNeg !== bNeg) return aNeg ? -1 : 1;
  const aBody = a.charCodeAt(0) === 45 ? a.slice(1) : a;
  const bBody = b.charCodeAt(0) === 45 ? b.slice(1) : b;
  const aDot = aBody.indexOf('.');
  const bDot = bBody.indexOf('.');
  const aInt = stripLeadingZeros(aDot < 0 ? aBody : aBody.slice(0, aDot));
  const bInt = stripLeadingZeros(bDot < 0 ? bBody : bBody.slice(0, bDot));
  const aFrac = aDot < 0 ? '' : aBody.slice(aDot + 1);
  const bFrac = bDot < 0 ? '' : bBody.slice(bDot + 1);
  let magnitude = aInt.length !== bInt.length ? (aInt.length < bInt.length ? -1 : 1) : aInt < bInt ? -1 : aInt > bInt ? 1 : 0;
  if (magnitude === 0) {
    const n = Math.max(aFrac.length, bFrac.length);
    for (let i = 0; i < n && magnitude === 0; i++) {
      const ca = i < aFrac.length ? aFrac.charCodeAt(i) : 48;
      const cb = i < bFrac.length ? bFrac.charCodeAt(i) : 48;
      if (ca !== cb) magnitude = ca < cb ? -1 : 1;
    }
  }
  if (magnitude !== 0) return aNeg ? -magnitude : magnitude;
  // Numerically equal values of different scales ("1.5", "1.50") still need an order to be a
  // total order over canonical strings, and the tuple encoding keeps the scale: fewer digits first.
  return aFrac.length === bFrac.length ? 0 : aFrac.length < bFrac.length ? -1 : 1;
}

function isZeroDecimal(s: string): boolean {
  return !/[1-9]/.test(s);
}

function stripLeadingZeros(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

// Order ---------------------------------------------------------------------------------------

/** Code-point order, which is UTF-8 byte order; JS `<` compares UTF-16 units and puts U+FFFF above U+1F600. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Both at or above the surrogates: move U+E000..U+FFFF below the surrogate pairs they precede in UTF-16.
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
      cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** A total order over canonical values of one type: NULL first, then the type's own order. Returns -1, 0 or 1. */
export function compareValues(type: ColumnType, a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  switch (type) {
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'BIGINT':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'DECIMAL':
      return compareDecimals(a as string, b as string);
    case 'VARCHAR':
    case 'TEXT':
      return compareStrings(a as string, b as string);
    case 'BOOL':
      return a === b ? 0 : a ? 1 : -1;
    case 'BLOB':
      return Buffer.compare(a as Uint8Array, b as Uint8Array);
    case 'DATE':
    case 'DATETIME':
    case 'TIMESTAMP': {
      const ta = (a as Date).getTime();
      const tb = (b as Date).getTime();
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    }
    case 'JSON':
      // Not indexable; an order still lets ORDER BY on a JSON column be deterministic.
      return compareStrings(JSON.stringify(a), JSON.stringify(b));
  }
}

/** Lexicographic over compareValues; a tuple that is a prefix of the other sorts first. */
export function compareTuples(types: readonly ColumnType[], a: readonly unknown[], b: readonly unknown[]): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const c = compareValues(types[i]!, a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function valuesEqual(type: ColumnType, a: unknown, b: unknown): boolean {
  return compareValues(type, a, b) === 0;
}

// Errors --------------------------------------------------------------------------------------

function describeFound(value: unknown): string {
  if (typeof value === 'string') return `string ${formatValue(value)}`;
  if (value instanceof Uint8Array) return `bytes ${formatValue(value)}`;
  if (value instanceof Date) return `Date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : formatValue(value)}`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'bigint') return `bigint ${value}`;
  return `${typeof value} ${String(value)}`;
}

function typeName(column: ColumnInfo): string {
  if (column.type === 'VARCHAR' && column.length !== undefined) return `VARCHAR(${column.length})`;
  if (column.type === 'DECIMAL') return `DECIMAL(${column.precision ?? DECIMAL_PRECISION_DEFAULT}, ${column.scale ?? DECIMAL_SCALE_DEFAULT})`;
  return column.type;
}

function wrongType(column: ColumnInfo, value: unknown, table: string, expected?: string): ConstraintError {
  const want = expected === undefined ? typeName(column) : `${typeName(column)} (${expected})`;
  return new ConstraintError(`wrong type for column '${column.name}' of table '${table}': expected ${want}, found ${describeFound(value)}`, column.name);
}

function outOfRange(column: ColumnInfo, value: unknown, table: string): ConstraintError {
  return new ConstraintError(`value out of range for column '${column.name}' of table '${table}': expected ${typeName(column)}, found ${describeFound(value)}`, column.name);
}
