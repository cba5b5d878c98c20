// The statements every table handle offers (TABLES.md §2), over one engine reader/writer:
// `Tables` runs each in its own snapshot or transaction, `TableTransaction` in the caller's.

import { ConflictError, InvalidArgumentError, type Transaction } from '../index.js';
import { concat, fetchRow, matchingRows, runQuery, toRow, type Reader } from './executor.js';
import { decodeRow } from './row-codec.js';
import { compileSet, deleteRows, deleteRowsNow, insertRows, updateRows, updateRowsNow, WRITE_SLICE_ROWS, yieldToLoop, type IdSource, type Matched } from './mutations.js';
import { isWholePk, planQuery, uniqueIndexOn, type PlanDetail } from './planner.js';
import type { TableMeta } from './schema.js';
import { encodeTuple } from './tuple.js';
import type { Plan, QueryOptions, QueryResult, Row, Where } from './types.js';
import { coerceValue } from './values.js';
import { coerceOperand } from './where.js';

/** What statements need from the handle that owns the catalog. */
export interface StatementHost {
  meta(table: string): TableMeta;
  readonly ids: IdSource;
  nowMs(): number;
}

/** The primary-key row key of `pk` (a value, or an array for a composite key). */
export function pkKey(meta: TableMeta, pk: unknown): Uint8Array {
  if (meta.pkIsOneInt && Number.isSafeInteger(pk)) return encodeTuple(meta.pkTypes, [pk], meta.rowsPrefix);
  if (meta.hiddenRowId) throw new InvalidArgumentError(`table '${meta.name}' has no primary key; query it instead`);
  const values = meta.pkPositions.length === 1 && !Array.isArray(pk) ? [pk] : pk;
  if (!Array.isArray(values) || values.length !== meta.pkPositions.length) {
    throw new InvalidArgumentError(`the primary key of table '${meta.name}' has ${meta.pkPositions.length} columns; pass ${meta.pkPositions.length === 1 ? 'one value' : 'an array of that many values'}`);
  }
  const canonical = meta.pkLookupColumns.map((c, i) => {
    if (values[i] === null || values[i] === undefined) throw new InvalidArgumentError(`primary-key column '${c.name}' needs a value`);
    return coerceValue(c, values[i], meta.name);
  });
  return encodeTuple(meta.pkTypes, canonical, meta.rowsPrefix);
}

export function getRow(meta: TableMeta, reader: Reader, pk: unknown): Row | undefined {
  const found = reader.getSync(pkKey(meta, pk));
  return found === undefined ? undefined : toRow(meta, decodeRow(meta.rowSchema, found), undefined);
}

export function queryRows(meta: TableMeta, reader: Reader, options: QueryOptions = {}): QueryResult {
  return queryPlanned(meta, planQuery(meta, checkOptions(options)), reader, options);
}

/** A query whose plan is made: its rows after sort, offset, limit and projection. */
export function queryPlanned(meta: TableMeta, d: PlanDetail, reader: Reader, options: QueryOptions): QueryResult {
  const { values, total } = runQuery(meta, d, reader, options.total === true);
  const positions = options.columns?.map((c) => meta.position(c));
  const result: QueryResult = { rows: values.map((v) => toRow(meta, v, positions)) };
  if (total !== undefined) result.total = total;
  return result;
}

/**
 * The rows of a query that is only `where: { column, op: '=', value }` on the one column of a
 * ready unique index (not the primary key): what planQuery's unique-index point plan returns,
 * without planning (a third of such a query's time went to the planner's general machinery).
 * Two key reads, the index entry and then the row, in this one synchronous call. undefined for
 * any other query, and for one whose operand does not convert: the general path then answers
 * or throws its own error. Property tests hold both paths to the same rows.
 */
export function uniquePointQuery(meta: TableMeta, options: QueryOptions, reader: Reader): QueryResult | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  for (const key in options) if (key !== 'where') return undefined;
  const w = options.where as Record<string, unknown> | undefined;
  if (typeof w !== 'object' || w === null || w.op !== '=' || typeof w.column !== 'string') return undefined;
  if ('and' in w || 'or' in w || 'not' in w) return undefined;
  const position = meta.positionByName.get(w.column);
  if (position === undefined || meta.columns[position]!.type === 'JSON') return undefined;
  if (isWholePk(meta, position)) return undefined;
  const view = uniqueIndexOn(meta, position);
  if (view === undefined) return undefined;
  let operand: unknown;
  try {
    operand = coerceOperand(meta, position, w.value);
  } catch {
    return undefined;
  }
  if (operand === null) return undefined;
  const pk = reader.getSync(concat(view.prefix, encodeTuple(view.types, [operand])));
  const values = pk === undefined ? undefined : fetchRow(meta, reader, pk, undefined);
  return { rows: values === undefined ? [] : [toRow(meta, values, undefined)] };
}

export function countRows(meta: TableMeta, reader: Reader, where: Where | undefined): number {
  const d = planQuery(meta, where === undefined ? {} : { where }, true);
  let n = 0;
  for (const _ of matchingRows(meta, d, reader)) n++;
  return n;
}

export function explainQuery(meta: TableMeta, options: QueryOptions = {}): Plan {
  return planQuery(meta, checkOptions(options)).plan;
}

/**
 * The primary-key tuple `where` names when it is `{ column: <the one INT primary key>, op: '=',
 * value: <safe integer> }`, the shape of most single-row writes; undefined for any other where.
 * Such a where matches at most the row under that key: what the planner's pk-point plan reads,
 * without planning it.
 */
function pointTuple(meta: TableMeta, where: Where | undefined): Uint8Array | undefined {
  if (!meta.pkIsOneInt || typeof where !== 'object' || where === null) return undefined;
  const w = where as Record<string, unknown>;
  if (w.op !== '=' || !Number.isSafeInteger(w.value) || 'and' in w || 'or' in w || 'not' in w) return undefined;
  if (w.column !== meta.columns[meta.pkPositions[0]!]!.name) return undefined;
  return encodeTuple(meta.pkTypes, [w.value]);
}

/**
 * The row a `where` on the one INT primary key matches, as matchedRows would return it, read at
 * once (no promise: a single-row write is a few microseconds, and each await is a turn through
 * the microtask queue); undefined for any other where.
 */
function pointMatched(meta: TableMeta, txn: Transaction, where: Where | undefined): Matched[] | undefined {
  const point = pointTuple(meta, where);
  if (point === undefined) return undefined;
  // One read in the transaction: it joins the read set, so a concurrent write of the row conflicts.
  const found = txn.getSync(concat(meta.rowsPrefix, point));
  return found === undefined ? [] : [{ pk: point, values: decodeRow(meta.rowSchema, found) }];
}

/**
 * Every row `where` matches, with its primary-key tuple, read through the writing transaction by
 * the planner's plan (callers try pointMatched first: a point where is planned right too, slower).
 */
export async function matchedRows(meta: TableMeta, txn: Transaction, where: Where | undefined): Promise<Matched[]> {
  const d: PlanDetail = planQuery(meta, where === undefined ? {} : { where });
  // Writes need whole rows: index entries are rebuilt from every indexed column.
  d.needed = new Set(meta.columns.map((_, i) => i));
  d.plan.covering = false;
  const at = { pk: new Uint8Array(0) };
  const out: Matched[] = [];
  for (const values of matchingRows(meta, d, txn, at)) {
    out.push({ pk: Uint8Array.from(at.pk), values });
    if (out.length % WRITE_SLICE_ROWS === 0) await yieldToLoop();
  }
  return out;
}

export async function insertInto(host: StatementHost, txn: Transaction, table: string, rows: Row[]): Promise<{ inserted: number; ids: unknown[] }> {
  const meta = host.meta(table);
  const ids = await insertRows({ txn, ids: host.ids, nowMs: host.nowMs() }, meta, rows);
  return { inserted: rows.length, ids };
}

export async function updateIn(host: StatementHost, txn: Transaction, table: string, where: Where | undefined, set: Row): Promise<{ updated: number }> {
  const meta = host.meta(table);
  const compiled = compileSet(meta, set);
  const matched = pointMatched(meta, txn, where) ?? (await matchedRows(meta, txn, where));
  const ctx = { txn, ids: host.ids, nowMs: host.nowMs() };
  if (matched.length <= 1) updateRowsNow(ctx, meta, matched, compiled);
  else await updateRows(ctx, meta, matched, compiled);
  return { updated: matched.length };
}

export async function deleteFrom(host: StatementHost, txn: Transaction, table: string, where: Where | undefined): Promise<{ deleted: number }> {
  const meta = host.meta(table);
  const matched = pointMatched(meta, txn, where) ?? (await matchedRows(meta, txn, where));
  const ctx = { txn, ids: host.ids, nowMs: host.nowMs() };
  if (matched.length <= 1) deleteRowsNow(ctx, meta, matched);
  else await deleteRows(ctx, meta, matched);
  return { deleted: matched.length };
}

function checkOptions(options: QueryOptions): QueryOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('query options must be an object');
  return options;
}

/** The error a statement fails with when the catalog changed under it: retried like a conflict. */
export class SchemaChangedError extends ConflictError {
  constructor(table: string) {
    super(`transaction conflict: table '${table}' changed (DDL) while the statement ran; retry it`);
  }
}
