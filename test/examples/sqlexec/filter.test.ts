// sqlexec's Filter mapped onto the table layer's where: each operator, the group rules, the typed
// errors, and a property test comparing both data sources with a plain JS evaluation of the same
// filter over the same rows.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filtersToWhere, FilterError, UnsupportedOperatorError, type Filter } from '../../../examples/sqlexec/index.js';
import { SOURCES, type AnySource } from './helpers.js';

describe('filtersToWhere', () => {
  it('maps every operator spelling, in any case, onto the where ops', () => {
    const cases: [string, unknown, object][] = [
      ['=', 1, { column: 'a', op: '=', value: 1 }],
      ['==', 1, { column: 'a', op: '=', value: 1 }],
      ['!=', 1, { column: 'a', op: '!=', value: 1 }],
      ['<>', 1, { column: 'a', op: '!=', value: 1 }],
      ['>', 1, { column: 'a', op: '>', value: 1 }],
      ['>=', 1, { column: 'a', op: '>=', value: 1 }],
      ['<', 1, { column: 'a', op: '<', value: 1 }],
      ['<=', 1, { column: 'a', op: '<=', value: 1 }],
      ['like', 'x%', { column: 'a', op: 'like', value: 'x%' }],
      ['Not  Like', 'x%', { column: 'a', op: 'not-like', value: 'x%' }],
      ['IN', [1, 2], { column: 'a', op: 'in', value: [1, 2] }],
      ['not in', [1], { column: 'a', op: 'not-in', value: [1] }],
      ['BETWEEN', [1, 3], { column: 'a', op: 'between', value: [1, 3] }],
      ['IS NULL', undefined, { column: 'a', op: 'is-null' }],
      ['is not null', null, { column: 'a', op: 'is-not-null' }],
      ['IS', null, { column: 'a', op: 'is-null' }],
      ['IS NOT', null, { column: 'a', op: 'is-not-null' }],
      ['=', null, { column: 'a', op: 'is-null' }],
      ['!=', null, { column: 'a', op: 'is-not-null' }],
    ];
    for (const [operator, value, where] of cases) expect(filtersToWhere([{ field: 'a', operator, value }]), operator).toEqual(where);
  });

  it('ANDs a list, nests groups, and treats an empty group as true', () => {
    expect(filtersToWhere(undefined)).toBeUndefined();
    expect(filtersToWhere([])).toBeUndefined();
    const f: Filter[] = [
      { field: 'a', operator: '>', value: 1, logicOp: 'AND' },
      { logicOp: 'or', subFilters: [{ field: 'b', operator: '=', value: 2 }, { logicOp: 'AND', subFilters: [{ field: 'c', operator: 'IS NULL' }] }] },
    ];
    expect(filtersToWhere(f)).toEqual({
      and: [{ column: 'a', op: '>', value: 1 }, { or: [{ column: 'b', op: '=', value: 2 }, { and: [{ column: 'c', op: 'is-null' }] }] }],
    });
    expect(filtersToWhere([{ logicOp: 'OR', subFilters: [] }])).toEqual({ and: [] }); // the seed's empty OR holds too
  });

  it('refuses unknown operators and malformed filters with typed errors', () => {
    const bad = (f: unknown): unknown => {
      try {
        filtersToWhere([f as Filter]);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const unknown = bad({ field: 'a', operator: '~', value: 1 });
    expect(unknown).toBeInstanceOf(UnsupportedOperatorError);
    expect(unknown).toMatchObject({ code: 'INVALID_ARGUMENT', operator: '~', field: 'a' });
    expect((unknown as Error).message).toMatch(/unsupported filter operator "~" on field 'a'; one of =, ==/);
    expect(bad({ field: 'a', operator: 3, value: 1 })).toBeInstanceOf(UnsupportedOperatorError);
    expect(bad({ field: 'a' })).toBeInstanceOf(UnsupportedOperatorError);
    for (const f of [
      { operator: '=', value: 1 }, // no field
      { field: '', operator: '=', value: 1 },
      { field: 'a', operator: '=', value: 1, logicOp: 'XOR' },
      { subFilters: [{ field: 'a', operator: '=', value: 1 }] }, // group without logicOp
      { field: 'a', operator: '=', value: 1, logicOp: 'OR', subFilters: [{ field: 'b', operator: '=', value: 1 }] },
      { field: 'a', operator: 'IN', value: 1 },
      { field: 'a', operator: 'BETWEEN', value: [1] },
      { field: 'a', operator: '>', value: null },
      { field: 'a', operator: 'IS NULL', value: 3 },
      { logicOp: 'AND', subFilters: 'x' },
      null,
    ]) {
      expect(bad(f), JSON.stringify(f)).toBeInstanceOf(FilterError);
    }
    expect(() => filtersToWhere({} as never)).toThrow(FilterError);
    let deep: Filter = { field: 'a', operator: '=', value: 1 };
    for (let i = 0; i < 70; i++) deep = { logicOp: 'AND', subFilters: [deep] };
    expect(bad(deep)).toBeInstanceOf(FilterError);
  });
});

// ---- the property: data source == plain JS over the same rows -----------------------------

interface TRow {
  id: number;
  a: number | null;
  s: string | null;
}

const intOrNull = fc.option(fc.integer({ min: -3, max: 3 }), { nil: null, freq: 5 });
const str = fc.string({ unit: fc.constantFrom('a', 'b', 'B', '-'), maxLength: 3 });
const strOrNull = fc.option(str, { nil: null, freq: 5 });
const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '%', '_', '-', '1'), maxLength: 4 });

const spell: Record<string, string[]> = {
  '=': ['=', '=='],
  '!=': ['!=', '<>'],
  '>': ['>'],
  '>=': ['>='],
  '<': ['<'],
  '<=': ['<='],
  LIKE: ['LIKE', 'like'],
  'NOT LIKE': ['NOT LIKE', 'not like'],
  IN: ['IN', 'in'],
  'NOT IN': ['NOT IN'],
  BETWEEN: ['BETWEEN', 'between'],
  'IS NULL': ['IS NULL', 'is null'],
  'IS NOT NULL': ['IS NOT NULL'],
};

const idOrNull = fc.option(fc.integer({ min: 0, max: 26 }), { nil: null, freq: 8 });

function leafArb(): fc.Arbitrary<Filter> {
  // id is the primary key: `=` on it alone is the data sources' get() path.
  const field = fc.constantFrom('a', 's', 'id');
  return fc.tuple(field, fc.constantFrom(...Object.keys(spell)), fc.nat(1)).chain(([f, op, v]) => {
    const operator = spell[op]![v % spell[op]!.length]!;
    const scalar = f === 'a' ? intOrNull : f === 'id' ? idOrNull : strOrNull;
    const nonNull = f === 'a' ? fc.integer({ min: -3, max: 3 }) : f === 'id' ? fc.integer({ min: 0, max: 26 }) : str;
    switch (op) {
      case 'IS NULL':
      case 'IS NOT NULL':
        return fc.constant({ field: f, operator });
      case 'LIKE':
      case 'NOT LIKE':
        return pattern.map((value) => ({ field: f, operator, value }));
      case 'IN':
      case 'NOT IN':
        return fc.array(scalar, { maxLength: 3 }).map((value) => ({ field: f, operator, value }));
      case 'BETWEEN':
        return fc.tuple(scalar, scalar).map((value) => ({ field: f, operator, value }));
      case '=':
      case '!=':
        return scalar.map((value) => ({ field: f, operator, value }));
      default:
        return nonNull.map((value) => ({ field: f, operator, value }));
    }
  });
}

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb(),
    fc.record({ logicOp: fc.constantFrom('AND' as const, 'OR' as const, 'or' as const), subFilters: fc.array(tie('f'), { maxLength: 3 }) }),
  ),
})).f;

function likeRegExp(p: string): RegExp {
  return new RegExp('^' + [...p].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[-\\^$.*+?()[\]{}|/]/g, '\\$&'))).join('') + '$', 's');
}

/** Plain JS: a comparison with a NULL never holds; `= null` / `!= null` test for NULL. */
function holds(row: TRow, f: Filter): boolean {
  if (f.logicOp !== undefined) {
    const subs = f.subFilters ?? [];
    return f.logicOp.toUpperCase() === 'AND' ? subs.every((s) => holds(row, s)) : subs.length === 0 || subs.some((s) => holds(row, s));
  }
  const x = row[f.field as 'a' | 's' | 'id'];
  const v = f.value as number | string | null;
  const op = f.operator!.toUpperCase();
  if (op === 'IS NULL' || ((op === '=' || op === '==') && v === null)) return x === null;
  if (op === 'IS NOT NULL' || ((op === '!=' || op === '<>') && v === null)) return x !== null;
  if (x === null) return false;
  switch (op) {
    case '=':
    case '==':
      return x === v;
    case '!=':
    case '<>':
      return x !== v;
    case '>':
      return x > v!;
    case '>=':
      return x >= v!;
    case '<':
      return x < v!;
    case '<=':
      return x <= v!;
    case 'LIKE':
      return likeRegExp(v as string).test(String(x));
    case 'NOT LIKE':
      return !likeRegExp(v as string).test(String(x));
    case 'IN':
      return (f.value as unknown[]).some((e) => e !== null && e === x);
    case 'NOT IN':
      return (f.value as unknown[]).every((e) => e !== null && e !== x);
    case 'BETWEEN': {
      const [lo, hi] = f.value as [number | string | null, number | string | null];
      return lo !== null && hi !== null && x >= lo && x <= hi;
    }
  }
  throw new Error(`model has no operator ${op}`);
}

const rowsArb = fc.array(fc.record({ a: intOrNull, s: strOrNull }), { maxLength: 25 });

describe.each(SOURCES)('filters on the $kind data source match plain JS', ({ make }) => {
  let ds: AnySource;
  let n = 0;
  beforeAll(async () => {
    ds = make();
    await ds.connect();
  });
  afterAll(async () => {
    await ds.close();
  });

  it('query and delete select exactly the rows the JS evaluation selects', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.array(filterArb, { maxLength: 3 }), async (input, filters) => {
        const table = `t${++n}`;
        await ds.createTable({ name: table, columns: [{ name: 'id', type: 'INT', primary: true, autoIncrement: true }, { name: 'a', type: 'INT' }, { name: 's', type: 'VARCHAR' }] });
        try {
          if (input.length > 0) await ds.insert(table, input);
          const rows: TRow[] = input.map((r, i) => ({ id: i + 1, ...r }));
          const expected = rows.filter((r) => filters.every((f) => holds(r, f)));
          const got = await ds.query(table, { filters });
          expect(got.rows).toEqual(expected);
          expect(await ds.delete(table, filters)).toBe(expected.length);
          expect((await ds.query(table)).rows).toEqual(rows.filter((r) => !expected.includes(r)));
        } finally {
          await ds.dropTable(table);
        }
      }),
      { numRuns: process.env.SETT_LONG_TESTS === '1' ? 1500 : 150 },
    );
  });
});
