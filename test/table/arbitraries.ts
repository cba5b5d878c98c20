// Random canonical column values for the table-layer codec tests.
import fc from 'fast-check';
import type { ColumnType } from '../../src/table/types.js';
import { decimalFromText } from '../../src/table/values.js';

export const INDEXABLE_TYPES: ColumnType[] = ['INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL', 'VARCHAR', 'TEXT', 'BOOL', 'BLOB', 'DATE', 'DATETIME', 'TIMESTAMP'];
export const ALL_TYPES: ColumnType[] = [...INDEXABLE_TYPES, 'JSON'];

const MS_PER_DAY = 86_400_000;

/** A canonical DECIMAL of any scale 0..30 (so values of differing scales meet). */
export const decimalArb = fc
  .tuple(fc.boolean(), fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,20}$/)), fc.stringMatching(/^[0-9]{0,12}$/), fc.nat({ max: 30 }), fc.boolean())
  .map(([neg, int, frac, scale, small]) => {
    const s = small ? Math.min(scale, 3) : scale;
    return decimalFromText(`${neg ? '-' : ''}${int || '0'}.${frac}`, 65, s) as string;
  });

const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('\0', '\x01', 'a', 'b', '\u00ff', '\uffff', '\ud7ff', '\ue000', '😀', '\u{10ffff}'), maxLength: 5 }),
  fc.constantFrom('', '\0', 'a\0', 'a', 'ab', '\uffff', '😀'),
);

const blobArb = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.array(fc.constantFrom(0, 1, 0xfe, 0xff), { maxLength: 5 }).map((a) => new Uint8Array(a)),
).map((a) => Buffer.from(a));

const doubleArb = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE),
  fc.integer({ min: -3, max: 3 }),
);

const intArb = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer(), fc.maxSafeInteger());

const dateMsArb = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: -3, max: 3 }));

/** A non-null canonical value of `type`. */
export function valueArb(type: ColumnType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'INT':
      return intArb;
    case 'BIGINT':
      return fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: -3n, max: 3n }));
    case 'FLOAT':
    case 'DOUBLE':
      return doubleArb;
    case 'DECIMAL':
      return decimalArb;
    case 'VARCHAR':
    case 'TEXT':
      return stringArb;
    case 'BOOL':
      return fc.boolean();
    case 'BLOB':
      return blobArb;
    case 'DATE':
      return dateMsArb.map((ms) => new Date(ms - (((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) || 0));
    case 'DATETIME':
    case 'TIMESTAMP':
      return dateMsArb.map((ms) => new Date(ms));
    case 'JSON':
      return fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  }
}

/** A canonical value of `type`, NULL one time in five. */
export function nullableArb(type: ColumnType): fc.Arbitrary<unknown> {
  return fc.option(valueArb(type), { nil: null, freq: 5 });
}

export function tupleArb(types: readonly ColumnType[]): fc.Arbitrary<unknown[]> {
  return fc.tuple(...types.map(nullableArb));
}
