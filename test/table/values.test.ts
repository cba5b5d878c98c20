import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { coerceValue, compareStrings, compareTuples, compareValues, isIndexable, normalizeType, valuesEqual } from '../../src/table/values.js';
import type { ColumnInfo, ColumnType } from '../../src/table/types.js';
import { ALL_TYPES, nullableArb } from './arbitraries.js';

function col(type: ColumnType, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name: 'c', type, nullable: true, primary: false, autoIncrement: false, unique: false, ...extra };
}
const coerce = (type: ColumnType, value: unknown, extra: Partial<ColumnInfo> = {}) => coerceValue(col(type, extra), value, 't');
const CONSTRAINT = expect.objectContaining({ code: 'CONSTRAINT' });

describe('normalizeType', () => {
  it('maps aliases case-insensitively and refuses unknown names', () => {
    expect(['integer', 'SmallInt', 'TINYINT', 'mediumint', 'int'].map(normalizeType)).toEqual(['INT', 'INT', 'INT', 'INT', 'INT']);
    expect(['boolean', 'real', 'numeric', 'char', 'string', 'binary', 'varbinary', 'bytes', 'json', 'timestamp'].map(normalizeType)).toEqual([
      'BOOL', 'DOUBLE', 'DECIMAL', 'VARCHAR', 'VARCHAR', 'BLOB', 'BLOB', 'BLOB', 'JSON', 'TIMESTAMP',
    ]);
    expect(() => normalizeType('money')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(isIndexable('JSON')).toBe(false);
    expect(isIndexable('BLOB')).toBe(true);
  });
});

describe('coerceValue', () => {
  it('turns undefined and null into NULL, and refuses NULL in a NOT NULL column naming table and column', () => {
    expect(coerce('INT', undefined)).toBe(null);
    expect(coerce('TEXT', null)).toBe(null);
    expect(() => coerce('INT', null, { nullable: false })).toThrow(/column 'c' of table 't' cannot be null/);
    expect(() => coerce('INT', null, { nullable: false })).toThrow(CONSTRAINT);
  });

  it('INT: safe integers, integer bigints and integer strings; nothing else', () => {
    expect(coerce('INT', 5)).toBe(5);
    expect(Object.is(coerce('INT', -0), 0)).toBe(true);
    expect(coerce('INT', 7n)).toBe(7);
    expect(coerce('INT', '-42')).toBe(-42);
    expect(() => coerce('INT', 1.5)).toThrow(/expected INT.*found number 1.5/);
    expect(() => coerce('INT', 2 ** 53)).toThrow(/out of range/);
    expect(() => coerce('INT', 2n ** 60n)).toThrow(/out of range/);
    expect(() => coerce('INT', '9007199254740993')).toThrow(/out of range/);
    for (const bad of ['1.0', ' 1', 'x', true, {}, []]) expect(() => coerce('INT', bad)).toThrow(CONSTRAINT);
  });

  it('BIGINT: bigint in the signed 64-bit range from bigint, safe number or integer string', () => {
    expect(coerce('BIGINT', 5)).toBe(5n);
    expect(coerce('BIGINT', '-9223372036854775808')).toBe(-(2n ** 63n));
    expect(coerce('BIGINT', 2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(() => coerce('BIGINT', 2n ** 63n)).toThrow(/out of range/);
    expect(() => coerce('BIGINT', 2 ** 60)).toThrow(/out of range/);
    expect(() => coerce('BIGINT', 0.5)).toThrow(CONSTRAINT);
  });

  it('FLOAT/DOUBLE: finite numbers and numeric strings; -0 becomes 0', () => {
    expect(coerce('DOUBLE', 1.25)).toBe(1.25);
    expect(coerce('FLOAT', ' -2.5e3 ')).toBe(-2500);
    expect(Object.is(coerce('DOUBLE', -0), 0)).toBe(true);
    for (const bad of [Number.NaN, Infinity, -Infinity, '1e999']) expect(() => coerce('DOUBLE', bad)).toThrow(/out of range/);
    for (const bad of ['abc', '', true, {}]) expect(() => coerce('DOUBLE', bad)).toThrow(CONSTRAINT);
  });

  it('DECIMAL: canonical strings, rounded half away from zero, range by precision', () => {
    const d = (v: unknown, precision?: number, scale?: number) => coerce('DECIMAL', v, { precision, scale });
    expect(d('12.345', 10, 2)).toBe('12.35');
    expect(d('-12.345', 10, 2)).toBe('-12.35');
    expect(d('12.344', 10, 2)).toBe('12.34');
    expect(d('-0.001', 10, 2)).toBe('0.00');
    expect(d('007.5')).toBe('8');
    expect(d(1.005, 10, 2)).toBe('1.01');
    expect(d(123n, 5, 2)).toBe('123.00');
    expect(d('1.5e2', 6, 1)).toBe('150.0');
    expect(d('.5', 3, 3)).toBe('0.500');
    expect(d('99.995', 5, 2)).toBe('100.00');
    expect(() => d('99.995', 4, 2)).toThrow(/out of range/);
    expect(() => d('12345678901')).toThrow(/out of range.*DECIMAL\(10, 0\)/);
    expect(() => d('1e999999')).toThrow(/out of range/);
    for (const bad of ['abc', '1..2', '', '-', Number.NaN, true]) expect(() => d(bad)).toThrow(CONSTRAINT);
    expect(() => d('1', 66, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('VARCHAR/TEXT: strings only, length in code points, no unpaired surrogates', () => {
    expect(coerce('VARCHAR', 'héllo', { length: 5 })).toBe('héllo');
    expect(coerce('VARCHAR', '😀😀', { length: 2 })).toBe('😀😀');
    expect(() => coerce('VARCHAR', 'abc', { length: 2 })).toThrow(/too long/);
    expect(() => coerce('VARCHAR', '😀😀😀', { length: 2 })).toThrow(/too long/);
    expect(coerce('VARCHAR', 'x'.repeat(100_000))).toHaveLength(100_000);
    expect(() => coerce('VARCHAR', 42)).toThrow(/expected VARCHAR.*found number 42/);
    expect(() => coerce('TEXT', '\ud800x')).toThrow(CONSTRAINT);
  });

  it('BOOL, BLOB, JSON', () => {
    expect(coerce('BOOL', 1)).toBe(true);
    expect(coerce('BOOL', 0)).toBe(false);
    expect(() => coerce('BOOL', 2)).toThrow(CONSTRAINT);
    expect(() => coerce('BOOL', 'true')).toThrow(CONSTRAINT);
    const bytes = new Uint8Array([1, 2]);
    const blob = coerce('BLOB', bytes) as Buffer;
    expect(Buffer.isBuffer(blob)).toBe(true);
    bytes[0] = 9;
    expect([...blob]).toEqual([1, 2]);
    expect(() => coerce('BLOB', 'ab')).toThrow(CONSTRAINT);
    const doc = { a: [1, 'x', null, { b: true }] };
    expect(coerce('JSON', doc)).toBe(doc);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [{ a: undefined }, [() => 1], { n: 1n }, Number.NaN, new Date(0), cyclic]) expect(() => coerce('JSON', bad)).toThrow(CONSTRAINT);
  });

  it('DATE/DATETIME/TIMESTAMP: Date, ms or ISO string, DATE at UTC midnight, always a new Date', () => {
    const when = new Date('2024-03-05T17:45:12.345Z');
    const copy = coerce('DATETIME', when) as Date;
    expect(copy).not.toBe(when);
    expect(copy.getTime()).toBe(when.getTime());
    expect((coerce('TIMESTAMP', when.getTime()) as Date).toISOString()).toBe('2024-03-05T17:45:12.345Z');
    expect((coerce('DATE', '2024-03-05T17:45:12Z') as Date).toISOString()).toBe('2024-03-05T00:00:00.000Z');
    expect((coerce('DATE', -1) as Date).toISOString()).toBe('1969-12-31T00:00:00.000Z');
    for (const bad of ['not a date', new Date(Number.NaN), Number.NaN, true]) expect(() => coerce('DATE', bad)).toThrow(CONSTRAINT);
  });

  it('names the column on the error', () => {
    expect(() => coerce('INT', 'x')).toThrow(expect.objectContaining({ code: 'CONSTRAINT', column: 'c' }));
  });
});

describe('compareValues', () => {
  it('compares typed, not as strings: 9 < 10, NULL first, code points not UTF-16 units', () => {
    expect(compareValues('INT', 9, 10)).toBe(-1);
    expect(compareValues('DECIMAL', '9.00', '10.00')).toBe(-1);
    expect(compareValues('DECIMAL', '-10', '-9')).toBe(-1);
    expect(compareValues('DECIMAL', '0.10', '0.09')).toBe(1);
    expect(compareValues('BIGINT', 2n ** 62n, 2n ** 62n + 1n)).toBe(-1);
    expect(compareValues('INT', null, -1e15)).toBe(-1);
    expect(compareValues('TEXT', 'a', null)).toBe(1);
    expect(compareValues('TEXT', null, null)).toBe(0);
    expect('\uffff' < '😀').toBe(false);
    expect(compareValues('VARCHAR', '\uffff', '😀')).toBe(-1);
    expect(compareValues('BOOL', false, true)).toBe(-1);
    expect(compareValues('BLOB', Buffer.from([1]), Buffer.from([1, 0]))).toBe(-1);
    expect(compareValues('DATE', new Date(1), new Date(0))).toBe(1);
    expect(valuesEqual('DOUBLE', -0, 0)).toBe(true);
  });

  it('orders strings as their UTF-8 bytes do', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(compareStrings(a, b)).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 3000 },
    );
  });

  for (const type of ALL_TYPES) {
    it(`is a total order on ${type}: antisymmetric, reflexive, and sorting agrees pairwise`, () => {
      fc.assert(
        fc.property(fc.array(nullableArb(type), { maxLength: 12 }), (values) => {
          for (const a of values) {
            expect(compareValues(type, a, a)).toBe(0);
            for (const b of values) expect(compareValues(type, a, b)).toBe(-compareValues(type, b, a) || 0);
          }
          // Transitivity: a sorted array is ordered between every pair, not only neighbours.
          const sorted = [...values].sort((a, b) => compareValues(type, a, b));
          for (let i = 0; i < sorted.length; i++) for (let j = i + 1; j < sorted.length; j++) expect(compareValues(type, sorted[i], sorted[j])).toBeLessThanOrEqual(0);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('compareTuples is lexicographic with prefixes first', () => {
    const types: ColumnType[] = ['INT', 'TEXT'];
    expect(compareTuples(types, [1], [1, 'a'])).toBe(-1);
    expect(compareTuples(types, [1, 'b'], [2, 'a'])).toBe(-1);
    expect(compareTuples(types, [1, null], [1, ''])).toBe(-1);
    expect(compareTuples(types, [1, 'a'], [1, 'a'])).toBe(0);
  });
});
