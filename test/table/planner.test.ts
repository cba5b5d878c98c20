// The planner's rules, one access path at a time (TABLES.md §2 "Planner", planner.ts): what
// explain() says for hand-written queries — the access path, the index, the key ranges, the
// residual filter, whether it sorts, whether LIMIT is pushed down, covering and reverse reads —
// and the rank rules (pk point > unique point > pk IN > index IN > range > ordered > full scan).
// That every plan returns the right rows is planner-model.test.ts's property.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../src/index.js';
import { openTables, type Tables } from '../../src/table/index.js';
import { planQuery } from '../../src/table/planner.js';
import { uniquePointQuery } from '../../src/table/statements.js';
import type { Plan, QueryOptions, Where } from '../../src/table/types.js';

let t: Tables;

beforeAll(async () => {
  t = await openTables({ db: await open({ inMemory: true }) });
  await t.createTable({
    name: 'orders',
    columns: [
      { name: 'id', type: 'INT', primary: true, autoIncrement: true },
      { name: 'customer', type: 'INT' },
      { name: 'status', type: 'VARCHAR', length: 16 },
      { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2 },
      { name: 'email', type: 'VARCHAR', unique: true },
      { name: 'note', type: 'TEXT' },
    ],
    indexes: [
      { name: 'by_customer', columns: ['customer'] },
      { name: 'by_status_amount', columns: ['status', 'amount'] },
    ],
  });
  await t.createTable({
    name: 'lines',
    columns: [
      { name: 'order_id', type: 'INT' },
      { name: 'line', type: 'INT' },
      { name: 'sku', type: 'VARCHAR' },
    ],
    primaryKey: ['order_id', 'line'],
  });
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ customer: i % 7, status: ['new', 'paid', 'sent'][i % 3], amount: `${i}.5`, email: `u${i}@x`, note: null });
  await t.insert('orders', rows);
  // No primary key (a hidden row id), two unique indexes on one column, a composite unique index.
  await t.createTable({
    name: 'keyless',
    columns: [
      { name: 'code', type: 'VARCHAR', unique: true },
      { name: 'n', type: 'INT' },
      { name: 'm', type: 'INT' },
    ],
    indexes: [
      { name: 'code_again', columns: ['code'], unique: true },
      { name: 'n_m', columns: ['n', 'm'], unique: true },
      { name: 'by_m', columns: ['m'] },
    ],
  });
  const lines = [];
  for (let o = 1; o <= 5; o++) for (let l = 1; l <= 4; l++) lines.push({ order_id: o, line: l, sku: `s${(o * l) % 3}` });
  await t.insert('lines', lines);
});

afterAll(async () => {
  await t.close();
  await t.db.close();
});

const explain = (q: QueryOptions, table = 'orders'): Plan => t.explain(table, q);
const point = (...v: unknown[]) => ({ low: v, lowInclusive: true, high: v, highInclusive: true });
const ids = (q: QueryOptions, table = 'orders'): unknown[] => t.querySync(table, q).rows.map((r) => (table === 'orders' ? r.id : [r.order_id, r.line]));

describe('planner: access paths', () => {
  it('pk-point: equality on the whole primary key; other conjuncts are the residual', () => {
    expect(explain({ where: { column: 'id', op: '=', value: 5 } })).toEqual({
      table: 'orders',
      access: 'pk-point',
      index: 'PRIMARY',
      ranges: [point(5)],
      sort: false,
      limitPushedDown: false,
      covering: false,
      reverse: false,
    });
    const residual: Where = { column: 'status', op: '=', value: 'paid' };
    const p = explain({ where: { and: [{ column: 'id', op: '=', value: 5 }, residual] }, limit: 1 });
    expect(p).toMatchObject({ access: 'pk-point', ranges: [point(5)], residual, sort: false, limitPushedDown: true });
    expect(ids({ where: { and: [{ column: 'id', op: '=', value: 5 }, residual] } })).toEqual([5]);
    // The whole composite key.
    expect(explain({ where: { and: [{ column: 'line', op: '=', value: 2 }, { column: 'order_id', op: '=', value: 3 }] } }, 'lines')).toMatchObject({ access: 'pk-point', ranges: [point(3, 2)] });
    expect(explain({ where: { and: [{ column: 'line', op: '=', value: 2 }, { column: 'order_id', op: '=', value: 3 }] } }, 'lines').residual).toBeUndefined();
  });

  it('unique-point: equality on a unique index', () => {
    const p = explain({ where: { column: 'email', op: '=', value: 'u7@x' } });
    expect(p).toEqual({ table: 'orders', access: 'unique-point', index: 'email', ranges: [point('u7@x')], sort: false, limitPushedDown: false, covering: false, reverse: false });
    expect(ids({ where: { column: 'email', op: '=', value: 'u7@x' } })).toEqual([8]);
    // A NULL operand matches nothing and plans no point: it stays a residual on a full scan.
    expect(explain({ where: { column: 'email', op: '=', value: null } })).toMatchObject({ access: 'full-scan', residual: { column: 'email', op: '=', value: null } });
  });

  it('pk-in: IN on the primary key, one sorted, de-duplicated point per value (NULLs dropped)', () => {
    const where: Where = { column: 'id', op: 'in', value: [9, 3, null, 9, 1] };
    const p = explain({ where });
    expect(p).toMatchObject({ access: 'pk-in', index: 'PRIMARY', ranges: [point(1), point(3), point(9)], sort: false, reverse: false });
    expect(p.residual).toBeUndefined();
    expect(ids({ where })).toEqual([1, 3, 9]);
    expect(ids({ where, orderBy: [{ column: 'id', desc: true }], limit: 2 })).toEqual([9, 3]);
    expect(explain({ where, orderBy: [{ column: 'id', desc: true }], limit: 2 })).toMatchObject({ access: 'pk-in', sort: false, reverse: true, limitPushedDown: true });
    // IN after an equality prefix of a composite key.
    const lines: Where = { and: [{ column: 'order_id', op: '=', value: 2 }, { column: 'line', op: 'in', value: [3, 1] }] };
    expect(explain({ where: lines }, 'lines')).toMatchObject({ access: 'pk-in', ranges: [point(2, 1), point(2, 3)] });
    expect(ids({ where: lines }, 'lines')).toEqual([
      [2, 1],
      [2, 3],
    ]);
  });

  it('index-in: IN on a secondary index', () => {
    const where: Where = { column: 'customer', op: 'in', value: [3, 1] };
    const p = explain({ where });
    expect(p).toMatchObject({ access: 'index-in', index: 'by_customer', ranges: [point(1), point(3)], sort: true, covering: false, reverse: false });
    expect(p.residual).toBeUndefined();
    expect(ids({ where })).toEqual([2, 4, 9, 11, 16, 18, 23, 25, 30, 32, 37, 39]);
  });

  it('pk-range: bounds on the primary key, or an equality prefix of a composite one', () => {
    const where: Where = { and: [{ column: 'id', op: '>', value: 3 }, { column: 'id', op: '<=', value: 9 }] };
    const p = explain({ where, limit: 2 });
    expect(p).toMatchObject({ access: 'pk-range', index: 'PRIMARY', ranges: [{ low: [3], lowInclusive: false, high: [9], highInclusive: true }], sort: false, limitPushedDown: true, reverse: false });
    expect(p.residual).toBeUndefined();
    expect(ids({ where, limit: 2 })).toEqual([4, 5]);
    expect(explain({ where: { column: 'order_id', op: '=', value: 4 } }, 'lines')).toMatchObject({ access: 'pk-range', ranges: [point(4)], sort: false });
    expect(explain({ where: { and: [{ column: 'order_id', op: '=', value: 4 }, { column: 'line', op: 'between', value: [2, 3] }] } }, 'lines')).toMatchObject({
      access: 'pk-range',
      ranges: [{ low: [4, 2], lowInclusive: true, high: [4, 3], highInclusive: true }],
    });
  });

  it('index-range: bounds on an index column after its equality prefix', () => {
    const where: Where = { and: [{ column: 'status', op: '=', value: 'paid' }, { column: 'amount', op: '>=', value: '30' }] };
    const p = explain({ where });
    expect(p).toMatchObject({ access: 'index-range', index: 'by_status_amount', ranges: [{ low: ['paid', '30.00'], lowInclusive: true, high: ['paid'], highInclusive: true }], sort: true });
    expect(p.residual).toBeUndefined();
    expect(ids({ where })).toEqual([32, 35, 38]);
    const only = explain({ where: { column: 'customer', op: 'between', value: [2, 3] } });
    expect(only).toMatchObject({ access: 'index-range', index: 'by_customer', ranges: [{ low: [2], lowInclusive: true, high: [3], highInclusive: true }] });
  });

  it('index-eq: indexed equality + ORDER BY id LIMIT 10 reads the index in order and stops', () => {
    const q: QueryOptions = { where: { column: 'customer', op: '=', value: 3 }, orderBy: [{ column: 'id' }], limit: 10 };
    const p = explain(q);
    expect(p).toEqual({ table: 'orders', access: 'index-eq', index: 'by_customer', ranges: [point(3)], sort: false, limitPushedDown: true, covering: false, reverse: false });
    expect(ids(q)).toEqual([4, 11, 18, 25, 32, 39]);
    // With total the read cannot stop early.
    expect(explain({ ...q, total: true })).toMatchObject({ access: 'index-eq', sort: false, limitPushedDown: false });
    // An equality prefix of a composite index is index-eq too.
    expect(explain({ where: { column: 'status', op: '=', value: 'new' } })).toMatchObject({ access: 'index-eq', index: 'by_status_amount', ranges: [point('new')] });
  });

  it('ordered: with no usable condition, ORDER BY <index> LIMIT reads that index in order (backwards for DESC)', () => {
    const q: QueryOptions = { orderBy: [{ column: 'customer' }], limit: 3 };
    expect(explain(q)).toEqual({ table: 'orders', access: 'ordered', index: 'by_customer', ranges: [{ lowInclusive: true, highInclusive: true }], sort: false, limitPushedDown: true, covering: false, reverse: false });
    expect(ids(q)).toEqual([1, 8, 15]);
    const desc: QueryOptions = { orderBy: [{ column: 'customer', desc: true }], limit: 3, where: { column: 'note', op: 'is-null' } };
    expect(explain(desc)).toMatchObject({ access: 'ordered', index: 'by_customer', sort: false, limitPushedDown: true, reverse: true, residual: { column: 'note', op: 'is-null' } });
    // Ties on customer come in primary-key order in the direction of the last ORDER BY key.
    expect(ids(desc)).toEqual([35, 28, 21]);
    // Without LIMIT nothing stops early: read the primary key and sort.
    expect(explain({ orderBy: [{ column: 'customer' }] })).toMatchObject({ access: 'full-scan', index: 'PRIMARY', sort: true, limitPushedDown: false });
    // Mixed directions are not an index order.
    expect(explain({ orderBy: [{ column: 'status' }, { column: 'amount', desc: true }], limit: 3 })).toMatchObject({ access: 'full-scan', sort: true });
    expect(explain({ orderBy: [{ column: 'status', desc: true }, { column: 'amount', desc: true }], limit: 3 })).toMatchObject({ access: 'ordered', index: 'by_status_amount', reverse: true, sort: false });
  });

  it('full-scan: the primary key in order, the whole condition as residual', () => {
    const where: Where = { or: [{ column: 'id', op: '=', value: 1 }, { column: 'customer', op: '=', value: 2 }] };
    const p = explain({ where, limit: 2 });
    expect(p).toEqual({ table: 'orders', access: 'full-scan', index: 'PRIMARY', ranges: [{ lowInclusive: true, highInclusive: true }], residual: where, sort: false, limitPushedDown: true, covering: false, reverse: false });
    expect(ids({ where, limit: 2 })).toEqual([1, 3]);
    expect(explain({ orderBy: [{ column: 'id', desc: true }], limit: 1 })).toMatchObject({ access: 'full-scan', sort: false, reverse: true, limitPushedDown: true });
    expect(ids({ orderBy: [{ column: 'id', desc: true }], limit: 1 })).toEqual([40]);
    expect(explain({ where: { column: 'note', op: 'like', value: '%' } })).toMatchObject({ access: 'full-scan', residual: { column: 'note', op: 'like', value: '%' } });
  });

  it('covering: an index read that needs only indexed and primary-key columns reads no rows', () => {
    const q: QueryOptions = { where: { column: 'customer', op: '=', value: 5 }, columns: ['id', 'customer'] };
    expect(explain(q)).toMatchObject({ access: 'index-eq', index: 'by_customer', covering: true });
    expect(t.querySync('orders', q).rows).toEqual([6, 13, 20, 27, 34].map((id) => ({ id, customer: 5 })));
    const composite: QueryOptions = { where: { column: 'status', op: '=', value: 'sent' }, columns: ['amount'], orderBy: [{ column: 'amount', desc: true }], limit: 2 };
    expect(explain(composite)).toMatchObject({ access: 'index-eq', index: 'by_status_amount', covering: true, sort: false, reverse: true, limitPushedDown: true });
    expect(t.querySync('orders', composite).rows).toEqual([{ amount: '38.50' }, { amount: '35.50' }]);
    // A unique index's entry holds the primary key as its value.
    expect(explain({ where: { column: 'email', op: '=', value: 'u1@x' }, columns: ['id'] })).toMatchObject({ access: 'unique-point', covering: true });
    expect(t.querySync('orders', { where: { column: 'email', op: '=', value: 'u1@x' }, columns: ['id'] }).rows).toEqual([{ id: 2 }]);
    // A column outside the index, asked for or filtered on, needs the row.
    expect(explain({ ...q, columns: ['id', 'status'] })).toMatchObject({ access: 'index-eq', covering: false });
    expect(explain({ ...q, where: { and: [q.where!, { column: 'note', op: 'is-null' }] } })).toMatchObject({ access: 'index-eq', covering: false });
    // The primary key is never "covering": it is the rows.
    expect(explain({ where: { column: 'id', op: '=', value: 1 }, columns: ['id'] })).toMatchObject({ access: 'pk-point', covering: false });
  });
});

describe('planner: rank rules', () => {
  const id1: Where = { column: 'id', op: '=', value: 1 };
  const email: Where = { column: 'email', op: '=', value: 'u0@x' };
  const idIn: Where = { column: 'id', op: 'in', value: [1, 2] };
  const customerIn: Where = { column: 'customer', op: 'in', value: [0, 1] };
  const idRange: Where = { column: 'id', op: '>', value: 3 };
  const customerRange: Where = { column: 'customer', op: '<', value: 3 };

  it('pk point beats unique point', () => {
    expect(explain({ where: { and: [email, id1] } })).toMatchObject({ access: 'pk-point', residual: email });
  });

  it('unique point beats pk IN and index IN', () => {
    expect(explain({ where: { and: [idIn, customerIn, email] } })).toMatchObject({ access: 'unique-point', index: 'email', residual: { and: [idIn, customerIn] } });
  });

  it('pk IN beats index IN', () => {
    expect(explain({ where: { and: [customerIn, idIn] } })).toMatchObject({ access: 'pk-in', residual: customerIn });
  });

  it('IN beats range', () => {
    expect(explain({ where: { and: [idRange, customerIn] } })).toMatchObject({ access: 'index-in', index: 'by_customer', residual: idRange });
    expect(explain({ where: { and: [customerRange, idIn] } })).toMatchObject({ access: 'pk-in', residual: customerRange });
  });

  it('among ranges: more equality columns first, then the primary key', () => {
    const statusEq: Where = { column: 'status', op: '=', value: 'new' };
    expect(explain({ where: { and: [idRange, statusEq] } })).toMatchObject({ access: 'index-eq', index: 'by_status_amount', residual: idRange });
    expect(explain({ where: { and: [customerRange, idRange] } })).toMatchObject({ access: 'pk-range', residual: customerRange });
  });

  it('range beats ordered, ordered beats full scan', () => {
    expect(explain({ where: customerRange, orderBy: [{ column: 'status' }], limit: 2 })).toMatchObject({ access: 'index-range', index: 'by_customer', sort: true, limitPushedDown: false });
    expect(explain({ where: { column: 'note', op: 'is-null' }, orderBy: [{ column: 'status' }, { column: 'amount' }], limit: 2 })).toMatchObject({ access: 'ordered', index: 'by_status_amount' });
    // ORDER BY status alone means status, then id: not the order of (status, amount, id).
    expect(explain({ where: { column: 'note', op: 'is-null' }, orderBy: [{ column: 'status' }], limit: 2 })).toMatchObject({ access: 'full-scan', sort: true });
    expect(explain({ where: { column: 'note', op: 'is-null' }, orderBy: [{ column: 'note' }], limit: 2 })).toMatchObject({ access: 'full-scan', sort: true });
  });
});

describe('planner: the lone-equality shortcut (pointCandidate)', () => {
  // planQuery answers `column = value` on a one-column primary key or unique index without
  // ranking every key; the plan must be the one the full ranking makes, on every column of
  // tables with a composite key, a hidden row id, two unique indexes on one column and a
  // composite unique index.
  it('makes exactly the plan the full ranking makes', async () => {
    const samples: Record<string, unknown[]> = {
      orders: [
        ['id', 3],
        ['customer', 2],
        ['status', 'new'],
        ['amount', '1.5'],
        ['email', 'u1@x'],
        ['note', 'x'],
      ],
      lines: [
        ['order_id', 1],
        ['line', 2],
        ['sku', 's1'],
      ],
      keyless: [
        ['code', 'c'],
        ['n', 1],
        ['m', 2],
      ],
    };
    let shortcuts = 0;
    for (const [table, columns] of Object.entries(samples)) {
      const meta = t.meta(table);
      const names = meta.columns.map((c) => c.name);
      for (const [column, value] of columns as [string, unknown][]) {
        const variants: QueryOptions[] = [
          { where: { column, op: '=', value } },
          { where: { and: [{ column, op: '=', value }] } },
          { where: { column, op: '=', value }, orderBy: [{ column: names[names.length - 1]!, desc: true }], limit: 3 },
          { where: { column, op: '=', value }, columns: [column], offset: 1, total: true },
          { where: { column, op: '=', value: null } },
          { where: { column, op: '!=', value } },
        ];
        for (const q of variants) {
          const quick = planQuery(meta, q);
          expect(quick).toEqual(planQuery(meta, q, false, true));
          expect(planQuery(meta, q, true)).toEqual(planQuery(meta, q, true, true));
          if (quick.pointLookups) shortcuts++;
        }
      }
    }
    // id, email, code: three columns, four variants each take the shortcut.
    expect(shortcuts).toBe(12);
  });
});

describe('the unique-point read (uniquePointQuery): a lone equality on a one-column unique index, unplanned', () => {
  const outcome = (run: () => unknown): unknown => {
    try {
      return { rows: run() };
    } catch (e) {
      return { error: (e as { code?: string }).code ?? String(e) };
    }
  };

  it('returns what the planned path returns, for every column and operands that convert, do not, are NULL or match nothing', async () => {
    const tables: Record<string, string[]> = { orders: ['id', 'customer', 'status', 'amount', 'email', 'note'], lines: ['order_id', 'line', 'sku'], keyless: ['code', 'n', 'm'] };
    await t.insert('keyless', [{ code: 'c', n: 1, m: 2 }, { code: 'd', n: 1, m: 3 }, { code: null, n: 2, m: 2 }]);
    const operands: unknown[] = ['u1@x', 'u39@x', 'nobody@x', 'c', 'd', 3, '3', 1.5, '1.5', null, undefined, true, { x: 1 }, ['u1@x'], ''];
    let unplanned = 0;
    for (const [table, columns] of Object.entries(tables)) {
      const meta = t.meta(table);
      for (const column of columns) {
        for (const value of operands) {
          const where: Where = { column, op: '=', value } as Where;
          const planned = outcome(() => t.querySync(table, { where, offset: 0 }).rows);
          expect(outcome(() => t.querySync(table, { where }).rows), `${table}.${column} = ${JSON.stringify(value)}`).toEqual(planned);
          expect(await t.query(table, { where }).then((r) => ({ rows: r.rows }), (e: { code?: string }) => ({ error: e.code ?? String(e) }))).toEqual(planned);
          if (uniquePointQuery(meta, { where }, t.db) !== undefined) unplanned++;
        }
      }
    }
    // email and code, for the operands that convert and are not NULL: the rest went the planned way.
    expect(unplanned).toBeGreaterThan(10);
    expect(uniquePointQuery(t.meta('orders'), { where: { column: 'email', op: '=', value: 'u1@x' } }, t.db)?.rows.map((r) => r.id)).toEqual([2]);
    expect(uniquePointQuery(t.meta('orders'), { where: { column: 'id', op: '=', value: 2 } }, t.db)).toBeUndefined();
    expect(uniquePointQuery(t.meta('orders'), { where: { column: 'email', op: '=', value: 'u1@x' }, limit: 1 }, t.db)).toBeUndefined();
  });
});
