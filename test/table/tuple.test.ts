import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareBytes, decodeTuple, encodeTuple, TUPLE_PREFIX_END } from '../../src/table/tuple.js';
import { compareTuples, compareValues } from '../../src/table/values.js';
import type { ColumnType } from '../../src/table/types.js';
import { INDEXABLE_TYPES, tupleArb } from './arbitraries.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const RUNS = { numRuns: 2000 };

const typesArb = fc.array(fc.constantFrom(...INDEXABLE_TYPES), { minLength: 1, maxLength: 4 });

/** Two tuples of `types` that often share a prefix, each cut to a random length. */
const pairArb = typesArb.chain((types) =>
  fc
    .tuple(tupleArb(types), tupleArb(types), fc.array(fc.boolean(), { minLength: types.length, maxLength: types.length }), fc.nat(types.length), fc.nat(types.length))
    .map(([a, fresh, same, la, lb]) => {
      const b = fresh.map((v, i) => (same[i] ? a[i] : v));
      return { types, a: a.slice(0, la), b: b.slice(0, lb) };
    }),
);

function expectSameValues(types: readonly ColumnType[], decoded: unknown[], original: unknown[]): void {
  expect(decoded.length).toBe(original.length);
  for (let i = 0; i < original.length; i++) {
    expect(compareValues(types[i]!, decoded[i], original[i])).toBe(0);
    const want = original[i];
    if (typeof want === 'string' || typeof want === 'bigint' || typeof want === 'boolean') expect(decoded[i]).toBe(want);
    else if (want instanceof Date) expect((decoded[i] as Date).getTime()).toBe(want.getTime());
    else if (want instanceof Uint8Array) expect(hex(decoded[i] as Uint8Array)).toBe(hex(want));
  }
}

describe('tuple encoding order', () => {
  for (const type of INDEXABLE_TYPES) {
    it(`orders ${type} values (NULL first) as compareValues does`, () => {
      fc.assert(
        fc.property(tupleArb([type]), tupleArb([type]), ([a], [b]) => {
          expect(Math.sign(compareBytes(encodeTuple([type], [a]), encodeTuple([type], [b])))).toBe(compareValues(type, a, b));
        }),
        RUNS,
      );
    });
  }

  it('orders composite tuples, prefixes first, as compareTuples does', () => {
    fc.assert(
      fc.property(pairArb, ({ types, a, b }) => {
        expect(Math.sign(compareBytes(encodeTuple(types, a), encodeTuple(types, b)))).toBe(compareTuples(types, a, b));
      }),
      { numRuns: 5000 },
    );
  });

  it('puts encode(prefix) ++ 0xFF above every tuple extending the prefix, and below none that sort after it', () => {
    fc.assert(
      fc.property(pairArb, fc.nat(4), ({ types, a, b }, cut) => {
        const prefix = a.slice(0, Math.min(cut, a.length));
        const bound = Buffer.concat([encodeTuple(types, prefix), Buffer.from([TUPLE_PREFIX_END])]);
        const extension = [...prefix, ...b.slice(prefix.length)];
        expect(compareBytes(bound, encodeTuple(types, extension))).toBe(1);
        // A tuple past the whole prefix range is past the bound too.
        if (compareTuples(types, b.slice(0, prefix.length), prefix) > 0) expect(compareBytes(bound, encodeTuple(types, b))).toBe(-1);
      }),
      RUNS,
    );
  });
});

describe('tuple decoding', () => {
  it('round-trips every tuple (Dates by time, bigints exactly, decimals canonical)', () => {
    fc.assert(
      fc.property(typesArb.chain((types) => fc.tuple(fc.constant(types), tupleArb(types))), ([types, values]) => {
        const bytes = encodeTuple(types, values);
        const { values: decoded, end } = decodeTuple(types, bytes);
        expect(end).toBe(bytes.length);
        expectSameValues(types, decoded, values);
      }),
      RUNS,
    );
  });

  it('decodes from an offset, a count, and stops at the end of a prefix key', () => {
    const types: ColumnType[] = ['VARCHAR', 'INT', 'BLOB'];
    const header = Uint8Array.from([0x02, 0x00, 0x07]);
    const bytes = encodeTuple(types, ['a\0b', -5, Buffer.from([0, 0xff])], header);
    expect(hex(bytes.subarray(0, 3))).toBe('020007');
    expect(decodeTuple(types, bytes, 3).values).toEqual(['a\0b', -5, Buffer.from([0, 0xff])]);
    const first = decodeTuple(types, bytes, 3, 1);
    expect(first.values).toEqual(['a\0b']);
    expect(decodeTuple(types.slice(1), bytes, first.end, 1).values).toEqual([-5]);
    expect(decodeTuple(types, encodeTuple(types, ['x'])).values).toEqual(['x']);
  });

  it('reports CORRUPTION for truncated bytes, a wrong tag and a bad escape', () => {
    const bytes = encodeTuple(['INT', 'VARCHAR'], [1, 'abc']);
    for (const cut of [2, 8, 11, bytes.length - 1]) expect(() => decodeTuple(['INT', 'VARCHAR'], bytes.subarray(0, cut))).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    expect(() => decodeTuple(['BIGINT'], encodeTuple(['INT'], [1]))).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    expect(() => decodeTuple(['TEXT'], Uint8Array.from([0x30, 0x61, 0x00, 0x05]))).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    expect(() => decodeTuple(['DECIMAL'], Uint8Array.from([0x22, 0x07, 0x00]))).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
  });

  it('refuses JSON columns and NaN as key values', () => {
    expect(() => encodeTuple(['JSON'], [{}])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => encodeTuple(['DOUBLE'], [Number.NaN])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('keeps encodings independent of the reused scratch buffer (long values grow it)', () => {
    const long = 'x'.repeat(10_000) + '\0' + '😀'.repeat(3000);
    const a = encodeTuple(['TEXT'], [long]);
    const b = encodeTuple(['TEXT'], ['short']);
    expect(decodeTuple(['TEXT'], a).values[0]).toBe(long);
    expect(decodeTuple(['TEXT'], b).values[0]).toBe('short');
  });
});

// The vectors docs/format.md §Table layer: tuples lists: keep the two in step.
export const TUPLE_VECTORS: Array<[ColumnType[], unknown[], string]> = [
  [['INT'], [null], '01'],
  [['INT'], [0], '208000000000000000'],
  [['INT'], [-0], '208000000000000000'],
  [['INT'], [1], '20bff0000000000000'],
  [['INT'], [-1], '20400fffffffffffff'],
  [['DOUBLE'], [-1.5], '204007ffffffffffff'],
  [['BIGINT'], [1n], '218000000000000001'],
  [['BIGINT'], [-1n], '217fffffffffffffff'],
  [['DECIMAL'], ['0.00'], '220202'],
  [['DECIMAL'], ['0.05'], '22037f330002'],
  [['DECIMAL'], ['100'], '2203830b0000'],
  [['DECIMAL'], ['123.45'], '2203830d23330002'],
  [['DECIMAL'], ['-123.45'], '22017cf2dcccff02'],
  [['VARCHAR'], [''], '300001'],
  [['VARCHAR'], ['a\0b'], '306100ff620001'],
  [['TEXT'], ['😀'], '30f09f98800001'],
  [['BLOB'], [Buffer.from([0x00, 0x01, 0xff])], '3100ff01ff0001'],
  [['BOOL'], [false], '1000'],
  [['BOOL', 'DATE'], [true, new Date(0)], '1001238000000000000000'],
  [['VARCHAR', 'INT'], ['ab', 7], '306162000120c01c000000000000'],
];

describe('tuple test vectors (docs/format.md)', () => {
  for (const [types, values, want] of TUPLE_VECTORS) {
    it(`${types.join(',')} ${String(values.map((v) => (v instanceof Uint8Array ? hex(v) : v)))} -> ${want}`, () => {
      expect(hex(encodeTuple(types, values))).toBe(want);
      expectSameValues(types, decodeTuple(types, Buffer.from(want, 'hex')).values, values.map((v) => (v === -0 ? 0 : v)));
    });
  }
});
