import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeRow, encodeRow, fieldBytesEqual, rowSchemaVersion, type RowColumn, type RowSchema } from '../../src/table/row-codec.js';
import { compareValues } from '../../src/table/values.js';
import type { ColumnType } from '../../src/table/types.js';
import { ALL_TYPES, nullableArb } from './arbitraries.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const CORRUPTION = expect.objectContaining({ code: 'CORRUPTION' });

function column(id: number, type: ColumnType, extra: Partial<RowColumn> = {}): RowColumn {
  return { id, name: `c${id}`, type, addedInVersion: 1, ...extra };
}

function expectSame(type: ColumnType, got: unknown, want: unknown): void {
  if (type === 'JSON') expect(got).toEqual(want);
  else expect(compareValues(type, got, want)).toBe(0);
  if (typeof want === 'number') expect(Object.is(got, want)).toBe(true);
  if (typeof want === 'bigint' || typeof want === 'string') expect(got).toBe(want);
}

/** A schema of random types under distinct random ids, with a row of values for it. */
const schemaAndRowArb = fc
  .uniqueArray(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 10 })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.constantFrom(...ALL_TYPES), { minLength: ids.length, maxLength: ids.length }), fc.nat({ max: 2 ** 40 })))
  .chain(([ids, types, version]) => {
    const schema: RowSchema = { version, columns: ids.map((id, i) => column(id, types[i]!)) };
    return fc.tuple(fc.constant(schema), fc.tuple(...types.map((t) => nullableArb(t))));
  });

describe('row codec round trip', () => {
  it('decodes every row to the values encoded (NULLs absent, bigints exact, decimals verbatim)', () => {
    fc.assert(
      fc.property(schemaAndRowArb, ([schema, values]) => {
        const bytes = encodeRow(schema, values);
        expect(rowSchemaVersion(bytes)).toBe(schema.version);
        const decoded = decodeRow(schema, bytes);
        schema.columns.forEach((c, i) => expectSame(c.type, decoded[i], values[i]));
      }),
      { numRuns: 2000 },
    );
  });

  it('skips the columns `wanted` leaves out, and they read undefined', () => {
    fc.assert(
      fc.property(schemaAndRowArb, fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), ([schema, values], wanted) => {
        const decoded = decodeRow(schema, encodeRow(schema, values), wanted);
        schema.columns.forEach((c, i) => (wanted[i] ? expectSame(c.type, decoded[i], values[i]) : expect(decoded[i]).toBeUndefined()));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps integers exact at every size: VARINT below 2^52, FIXED8 above', () => {
    const schema: RowSchema = { version: 1, columns: [column(1, 'INT'), column(2, 'BIGINT')] };
    for (const [n, big] of [
      [0, 0n], [-1, -1n], [2 ** 52 - 1, (1n << 52n) - 1n], [-(2 ** 52) + 1, -(1n << 52n) + 1n], [2 ** 52, 1n << 52n],
      [Number.MAX_SAFE_INTEGER, (1n << 63n) - 1n], [Number.MIN_SAFE_INTEGER, -(1n << 63n)],
    ] as Array<[number, bigint]>) {
      expect(decodeRow(schema, encodeRow(schema, [n, big]))).toEqual([n, big]);
    }
  });

  it('keeps strings of every length (the length varint grows past one byte)', () => {
    const schema: RowSchema = { version: 1, columns: [column(1, 'TEXT'), column(2, 'BLOB')] };
    for (const n of [0, 1, 42, 43, 127, 128, 5000, 300_000]) {
      const text = [...'é😀x'.repeat(n)].slice(0, n).join('');
      const blob = Buffer.alloc(n, 7);
      expect(decodeRow(schema, encodeRow(schema, [text, blob]))).toEqual([text, blob]);
    }
  });
});

describe('row codec across schema versions', () => {
  const v1: RowSchema = { version: 1, columns: [column(1, 'INT'), column(2, 'TEXT'), column(3, 'DOUBLE')] };
  // v2 drops c2 and adds c4 with a default, c5 without one.
  const v2: RowSchema = {
    version: 2,
    columns: [column(1, 'INT'), column(3, 'DOUBLE'), column(4, 'VARCHAR', { addedInVersion: 2, default: 'fresh' }), column(5, 'DATE', { addedInVersion: 2 })],
  };

  it('reads a v1 row under v2: the dropped column ignored, the added one its default (or NULL)', () => {
    const old = encodeRow(v1, [7, 'gone', 1.5]);
    expect(decodeRow(v2, old)).toEqual([7, 1.5, 'fresh', null]);
  });

  it('reads a v2 row without the added column as NULL, not the default', () => {
    expect(decodeRow(v2, encodeRow(v2, [8, null, null, null]))).toEqual([8, null, null, null]);
    expect(decodeRow(v2, encodeRow(v2, [8, null, 'set', new Date(0)]))).toEqual([8, null, 'set', new Date(0)]);
  });

  it('hands out a fresh copy of a Date or BLOB default each time', () => {
    const schema: RowSchema = { version: 3, columns: [column(1, 'INT'), column(9, 'DATE', { addedInVersion: 3, default: new Date(86_400_000) })] };
    const row = encodeRow({ version: 1, columns: [column(1, 'INT')] }, [1]);
    const a = decodeRow(schema, row)[1] as Date;
    a.setTime(0);
    expect((decodeRow(schema, row)[1] as Date).getTime()).toBe(86_400_000);
  });
});

describe('row codec corruption', () => {
  const schema: RowSchema = { version: 1, columns: [column(1, 'INT'), column(2, 'TEXT'), column(3, 'DOUBLE')] };
  const good = encodeRow(schema, [300, 'hello', 2.5]);

  it('reports every truncation of a row as CORRUPTION', () => {
    for (let cut = 0; cut < good.length; cut++) {
      const prefix = good.subarray(0, cut);
      // A cut between fields is a shorter row, not a damaged one.
      if ([2, 5, 12].includes(cut)) continue;
      expect(() => decodeRow(schema, prefix)).toThrow(CORRUPTION);
    }
  });

  it('reports a bad format byte, an unknown wire type, a wire type the column cannot hold, a repeated column, a bad BOOL', () => {
    expect(() => decodeRow(schema, Uint8Array.from([2, 1]))).toThrow(/row at offset 0: row format 2/);
    expect(() => decodeRow(schema, Uint8Array.from([1, 1, 1 * 8 + 5, 0]))).toThrow(/offset 2: unknown wire type 5/);
    expect(() => decodeRow(schema, Uint8Array.from([1, 1, 9 * 8 + 7, 0]))).toThrow(/offset 2: unknown wire type 7/);
    expect(() => decodeRow(schema, Uint8Array.from([1, 1, 1 * 8 + 2, 0]))).toThrow(/wire type 2 cannot hold INT/);
    expect(() => decodeRow(schema, Uint8Array.from([1, 1, 8, 2, 8, 4]))).toThrow(/offset 4: column id 1 appears twice/);
    const b: RowSchema = { version: 1, columns: [column(1, 'BOOL')] };
    expect(() => decodeRow(b, Uint8Array.from([1, 1, 8, 2]))).toThrow(CORRUPTION);
    const j: RowSchema = { version: 1, columns: [column(1, 'JSON')] };
    expect(() => decodeRow(j, Uint8Array.from([1, 1, 10, 1, 0x7b]))).toThrow(CORRUPTION);
    expect(() => decodeRow(schema, Uint8Array.from([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]))).toThrow(CORRUPTION);
    expect(() => decodeRow(schema, new Uint8Array(0))).toThrow(CORRUPTION);
  });

  it('skips a damaged field of a column it does not know only as far as the wire type allows', () => {
    expect(() => decodeRow(schema, Uint8Array.from([1, 1, 9 * 8 + 2, 5, 0x61]))).toThrow(/truncated bytes value/);
    expect(decodeRow(schema, Uint8Array.from([1, 1, 9 * 8 + 2, 1, 0x61, 8, 4]))).toEqual([2, null, null]);
  });
});

// The vectors docs/format.md §Table layer: rows lists: keep the two in step.
describe('row codec test vectors (docs/format.md)', () => {
  const schema: RowSchema = {
    version: 3,
    columns: [
      column(1, 'INT'), column(2, 'VARCHAR'), column(3, 'DOUBLE'), column(4, 'BOOL'), column(5, 'BIGINT'),
      column(6, 'DECIMAL'), column(7, 'BLOB'), column(8, 'DATE'), column(9, 'JSON'), column(20, 'INT'),
    ],
  };
  const vectors: Array<[unknown[], string]> = [
    [[], '0103'],
    [[-3], '01030805'],
    [[150, 'hé', null, true], '010308ac02120368c3a92001'],
    [[null, null, 1.5, null, -(2n ** 62n)], '0103193ff8000000000000' + '29c000000000000000'],
    [[null, null, null, null, null, '-1.50', Buffer.from([0, 0xff]), new Date(86_400_000), { a: [1] }, 1], '01033205' + '2d312e3530' + '3a0200ff' + '414194997000000000' + '4a09' + Buffer.from('{"a":[1]}').toString('hex') + 'a00102'],
  ];
  for (const [values, want] of vectors) {
    it(`${hex(Buffer.from(want, 'hex'))}`, () => {
      expect(hex(encodeRow(schema, values))).toBe(want);
      const decoded = decodeRow(schema, Buffer.from(want, 'hex'));
      schema.columns.forEach((c, i) => expectSame(c.type, decoded[i], values[i] ?? null));
    });
  }

  it('fieldBytesEqual agrees with decodeRow on text fields, or defers (undefined) when the field is absent', () => {
    const schema: RowSchema = { version: 1, columns: [column(1, 'INT'), column(3, 'VARCHAR'), column(2, 'DOUBLE'), column(7, 'TEXT')] };
    const text = fc.oneof(fc.constantFrom('', 'Paris', 'é', '😀', 'a\u0000'), fc.string({ unit: 'grapheme', maxLength: 6 }));
    fc.assert(
      fc.property(fc.option(fc.integer(), { nil: null }), fc.option(text, { nil: null }), fc.option(fc.double({ noNaN: true }), { nil: null }), fc.option(text, { nil: null }), text, (a, b, c, d, probe) => {
        const row = encodeRow(schema, [a, b, c, d]);
        for (const [position, value] of [[1, b], [3, d]] as const) {
          for (const candidate of [probe, value ?? probe]) {
            const got = fieldBytesEqual(row, schema.columns[position]!.id, Buffer.from(candidate, 'utf8'));
            if (value === null) expect(got).toBeUndefined();
            else expect(got).toBe(decodeRow(schema, row)[position] === candidate);
          }
        }
        expect(fieldBytesEqual(row, 9, Buffer.from(probe))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
