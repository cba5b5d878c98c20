// Runs a plan (planner.ts) over a reader — a snapshot, a transaction or the database — and yields
// the matching rows as value arrays aligned with the table's columns.

import type { DBIterator, IteratorOptions } from '../index.js';
import type { PlanDetail, SortKey } from './planner.js';
import { decodeRow, fieldBytesEqual } from './row-codec.js';
import type { TableMeta } from './schema.js';
import { decodeTuple, encodeTuple, TUPLE_PREFIX_END } from './tuple.js';
import type { PlanRange, Row } from './types.js';
import { compareValues } from './values.js';
import { conditionColumns, conjuncts, evaluate, type Condition } from './where.js';

/** What the executor reads through: `Snapshot`, `Transaction` and `DB` all are one. */
export interface Reader {
  getSync(key: Uint8Array): Buffer | undefined;
  iterator(options: IteratorOptions): DBIterator;
}

const END = Uint8Array.of(TUPLE_PREFIX_END);

/** Rows matching the plan's conditions, in read order (before sorting, offset and limit). */
export function* matchingRows(meta: TableMeta, d: PlanDetail, reader: Reader, at?: { pk: Uint8Array }): Generator<unknown[]> {
  const wanted = d.needed.size === meta.columns.length ? undefined : meta.columns.map((_, i) => d.needed.has(i));
  // Rows read from the table are first decoded only as far as the filter needs: most rows of a
  // filtered scan fail it, and decoding their other columns (strings above all) would be waste.
  const filterColumns = conditionColumns(d.residual);
  const filterWanted = d.residual !== undefined && filterColumns.size < d.needed.size ? meta.columns.map((_, i) => filterColumns.has(i)) : undefined;
  // Cheaper still, `column = 'text'` conjuncts reject a row by comparing its field's bytes.
  const probes = d.view === undefined ? textProbes(meta, d.residual) : undefined;
  const ranges = d.plan.reverse ? [...d.ranges].reverse() : d.ranges;
  const prefix = d.view === undefined ? meta.rowsPrefix : d.view.prefix;
  for (const range of ranges) {
    if (d.pointLookups) {
      const tuple = encodeTuple(d.keyTypes, range.low!);
      const found = reader.getSync(concat(prefix, tuple));
      if (found === undefined) continue;
      const values = d.view === undefined ? decodeRow(meta.rowSchema, found, wanted) : fetchRow(meta, reader, found, wanted);
      if (at !== undefined) at.pk = d.view === undefined ? tuple : found;
      if (values !== undefined && passes(d, values)) yield values;
      continue;
    }
    const { gte, lt } = bounds(d, prefix, range);
    // Row reads need the key only to report the primary key (writes): skip copying it otherwise.
    const keys = d.view !== undefined || at !== undefined;
    const it = reader.iterator({ gte, lt, reverse: d.plan.reverse, keys });
    try {
      // Views, not copies: each entry is decoded (or copied, for `at`) before the next is asked for.
      for (let e = it.nextView(); e !== undefined; e = it.nextView()) {
        const key = e[0]!;
        const value = e[1]!;
        let values: unknown[] | undefined;
        if (d.view === undefined) {
          if (probes !== undefined && rejects(value, probes)) continue;
          if (filterWanted !== undefined && !passes(d, decodeRow(meta.rowSchema, value, filterWanted))) continue;
          values = decodeRow(meta.rowSchema, value, wanted);
          if (at !== undefined) at.pk = copyFrom(key, prefix.length);
        } else {
          const view = d.view;
          const decoded = decodeTuple(view.types, key, prefix.length);
          const pkBytes = decoded.end < key.length ? key.subarray(decoded.end) : value;
          if (at !== undefined) at.pk = copyFrom(pkBytes, 0);
          if (d.plan.covering) {
            values = new Array<unknown>(meta.columns.length).fill(null);
            view.positions.forEach((p, i) => (values![p] = decoded.values[i]));
            const pk = decodeTuple(meta.pkTypes, pkBytes, 0).values;
            meta.pkPositions.forEach((p, i) => (values![p] = pk[i]));
          } else values = fetchRow(meta, reader, pkBytes, wanted);
        }
        if (values !== undefined && passes(d, values)) yield values;
      }
    } finally {
      it.close();
    }
  }
}

/** A copy of bytes[start..] (Buffer#slice would be a view). */
function copyFrom(bytes: Uint8Array, start: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start);
}

/** A conjunct `column = 'text'` as the bytes its field (column id `id`) must hold. */
interface TextProbe {
  id: number;
  expected: Uint8Array;
}

function textProbes(meta: TableMeta, residual: Condition | undefined): TextProbe[] | undefined {
  if (residual === undefined) return undefined;
  const out: TextProbe[] = [];
  for (const c of conjuncts(residual)) {
    if (c.kind !== 'term' || c.op !== '=' || (c.type !== 'VARCHAR' && c.type !== 'TEXT') || typeof c.operand !== 'string') continue;
    // Equal bytes mean equal strings only for text that survives UTF-8 unchanged (no lone
    // surrogate) and holds no U+FFFD (what malformed bytes decode to): otherwise decode.
    const expected = Buffer.from(c.operand, 'utf8');
    if (c.operand.includes('\uFFFD') || expected.toString('utf8') !== c.operand) continue;
    out.push({ id: meta.rowSchema.columns[c.position]!.id, expected });
  }
  return out.length === 0 ? undefined : out;
}

/** Whether some probe's field holds other bytes: the row fails the residual (an AND of them). */
function rejects(row: Uint8Array, probes: readonly TextProbe[]): boolean {
  for (const p of probes) if (fieldBytesEqual(row, p.id, p.expected) === false) return true;
  return false;
}

export function fetchRow(meta: TableMeta, reader: Reader, pkBytes: Uint8Array, wanted: boolean[] | undefined): unknown[] | undefined {
  const row = reader.getSync(concat(meta.rowsPrefix, pkBytes));
  // An index entry always has its row in one version of the table; none means a racing drop.
  return row === undefined ? undefined : decodeRow(meta.rowSchema, row, wanted);
}

function passes(d: PlanDetail, values: unknown[]): boolean {
  return d.residual === undefined || evaluate(d.residual, values) === true;
}

/** The [gte, lt) key bounds of one range under `prefix`; ranges on a column exclude its NULLs. */
export function bounds(d: PlanDetail, prefix: Uint8Array, range: PlanRange): { gte: Buffer; lt: Buffer } {
  let gte: Buffer;
  // A low end of just the equality prefix (`a = 1 AND b < 5`) bounds nothing on the range column.
  const lowOnRangeColumn = range.low !== undefined && (d.excludeNullAt === undefined || range.low.length > d.excludeNullAt);
  if (range.low !== undefined && lowOnRangeColumn) {
    const t = encodeTuple(d.keyTypes, range.low);
    gte = range.lowInclusive ? concat(prefix, t) : concat(prefix, t, END);
  } else if (d.excludeNullAt !== undefined && range.high !== undefined) {
    gte = concat(prefix, encodeTuple(d.keyTypes, [...range.high.slice(0, d.excludeNullAt), null]), END);
  } else gte = Buffer.from(prefix);
  let lt: Buffer;
  if (range.high !== undefined) {
    const t = encodeTuple(d.keyTypes, range.high);
    lt = range.highInclusive ? concat(prefix, t, END) : concat(prefix, t);
  } else lt = concat(prefix, END);
  return { gte, lt };
}

export function concat(...parts: Uint8Array[]): Buffer {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = Buffer.allocUnsafe(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Sorts value arrays by `order` (NULL first ascending, last descending). */
export function sortRows(meta: TableMeta, rows: unknown[][], order: SortKey[]): void {
  const types = order.map((k) => meta.columns[k.position]!.type);
  rows.sort((a, b) => {
    for (let i = 0; i < order.length; i++) {
      const k = order[i]!;
      const c = compareValues(types[i]!, a[k.position] ?? null, b[k.position] ?? null);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

/** Runs a whole query: rows after sort, offset and limit, and the count of every match when asked. */
export function runQuery(meta: TableMeta, d: PlanDetail, reader: Reader, wantTotal: boolean): { values: unknown[][]; total?: number } {
  const out: unknown[][] = [];
  let seen = 0;
  const stopAt = d.offset + d.limit;
  if (d.plan.sort) {
    const all = [...matchingRows(meta, d, reader)];
    sortRows(meta, all, d.order);
    const result: { values: unknown[][]; total?: number } = { values: all.slice(d.offset, stopAt) };
    if (wantTotal) result.total = all.length;
    return result;
  }
  for (const values of matchingRows(meta, d, reader)) {
    if (seen >= d.offset && seen < stopAt) out.push(values);
    seen++;
    if (seen >= stopAt && !wantTotal) break;
  }
  const result: { values: unknown[][]; total?: number } = { values: out };
  if (wantTotal) result.total = seen;
  return result;
}

/** A row object of the columns at `positions`. */
export function toRow(meta: TableMeta, values: readonly unknown[], positions: readonly number[] | undefined): Row {
  const row: Row = {};
  const cols = meta.columns;
  if (positions === undefined) for (let i = 0; i < cols.length; i++) row[cols[i]!.name] = values[i] ?? null;
  else for (const p of positions) row[cols[p]!.name] = values[p] ?? null;
  return row;
}
