// Row writes inside one engine transaction: a row and every index entry of it change together,
// and uniqueness is checked by reading the index key in the same transaction, so of two racing
// writers of one value the second conflicts at commit (TABLES.md §2 "Atomicity").

import { InvalidArgumentError, type Transaction } from '../index.js';
import { DuplicateKeyError, NoSuchColumnError } from './errors.js';
import { concat } from './executor.js';
import { autoIncrementKey } from './keys.js';
import { encodeRow } from './row-codec.js';
import type { IndexView, TableMeta } from './schema.js';
import { decodeTuple, encodeTuple } from './tuple.js';
import type { Row } from './types.js';
import { coerceValue, compareValues } from './values.js';

const EMPTY = new Uint8Array(0);

/** Rows a statement writes between yields to the event loop (a few milliseconds of work). */
export const WRITE_SLICE_ROWS = 1024;

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `slice` over [0, count) in runs of WRITE_SLICE_ROWS, yielding to the event loop between them. */
async function inSlices(count: number, slice: (from: number, to: number) => void): Promise<void> {
  for (let from = 0; from < count; from += WRITE_SLICE_ROWS) {
    if (from > 0) await yieldToLoop();
    slice(from, Math.min(count, from + WRITE_SLICE_ROWS));
  }
}

/** Hands out auto-increment values (and hidden row ids) per table; never reuses one. */
export interface IdSource {
  /** The next id of `meta`'s table. */
  next(meta: TableMeta): number;
  /** Raises the high-water mark past an explicitly inserted id. */
  saw(meta: TableMeta, id: number): void;
  /** The high-water mark to persist with the writes. */
  high(meta: TableMeta): number;
}

export interface WriteContext {
  txn: Transaction;
  ids: IdSource;
  nowMs: number;
}

/** Inserts `rows`; returns the generated auto-increment values in row order. */
export async function insertRows(ctx: WriteContext, meta: TableMeta, rows: readonly Row[]): Promise<unknown[]> {
  if (!Array.isArray(rows)) throw new InvalidArgumentError('insert takes an array of rows');
  const ids: unknown[] = [];
  let usedIds = false;
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % WRITE_SLICE_ROWS === 0) await yieldToLoop();
    const row = rows[i]!;
    const { values, generated } = rowValues(ctx, meta, row);
    if (generated !== undefined) ids.push(generated);
    if (generated !== undefined || meta.autoIncrementPosition >= 0 || meta.hiddenRowId) usedIds = true;
    writeRow(ctx, meta, values, generated !== undefined);
  }
  // Where the ids are the row keys, the last key carries the high-water mark (TableIds reads it
  // back), so an insert writes no mark; a delete does (deleteRows).
  if (usedIds && !idsInKeys(meta)) ctx.txn.put(autoIncrementKey(meta.id), String(ctx.ids.high(meta)));
  return ids;
}

/**
 * Whether the table's ids are its row keys (hidden row ids, or an auto-increment first primary-key
 * column): then the last row key is at least every id a committed insert used, and TableIds
 * starts past it, so the stored mark need only cover rows deleted since.
 */
export function idsInKeys(meta: TableMeta): boolean {
  return meta.hiddenRowId || (meta.autoIncrementPosition >= 0 && meta.pkPositions[0] === meta.autoIncrementPosition);
}

/** A user's row as the table's canonical values, defaults and auto-increment applied. */
function rowValues(ctx: WriteContext, meta: TableMeta, row: Row): { values: unknown[]; generated: unknown } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new InvalidArgumentError(`a row of table '${meta.name}' must be an object`);
  for (const name of Object.keys(row)) if (!meta.positionByName.has(name)) throw new NoSuchColumnError(meta.name, name);
  const cols = meta.columns;
  const values = new Array<unknown>(cols.length);
  let generated: unknown;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    let v = row[c.name];
    if (i === meta.autoIncrementPosition && (v === undefined || v === null)) {
      const id = ctx.ids.next(meta);
      v = c.type === 'BIGINT' ? BigInt(id) : id;
      generated = v;
    } else if (v === undefined && c.default !== undefined) {
      v = c.default === 'now' ? new Date(ctx.nowMs) : meta.rowSchema.columns[i]!.default;
    }
    values[i] = coerceValue(c, v, meta.name);
    if (i === meta.autoIncrementPosition && generated === undefined) ctx.ids.saw(meta, Number(values[i]));
  }
  return { values, generated };
}

/** The primary-key tuple of a row (a fresh hidden row id for tables without a primary key). */
function pkTuple(ctx: WriteContext, meta: TableMeta, values: readonly unknown[]): Uint8Array {
  if (meta.hiddenRowId) return encodeTuple(meta.pkTypes, [BigInt(ctx.ids.next(meta))]);
  return encodeTuple(meta.pkTypes, meta.pkPositions.map((p) => values[p]));
}

function writeRow(ctx: WriteContext, meta: TableMeta, values: unknown[], freshKey: boolean): void {
  const pk = pkTuple(ctx, meta, values);
  const rowKey = concat(meta.rowsPrefix, pk);
  // A generated key is past every key the table has held: no row can be there.
  if (!freshKey && !meta.hiddenRowId && ctx.txn.getSync(rowKey) !== undefined) {
    throw new DuplicateKeyError(meta.name, 'PRIMARY', pkValue(meta, values));
  }
  for (const view of meta.indexes) putIndexEntry(ctx, meta, view, values, pk);
  ctx.txn.putFresh(rowKey, encodeRow(meta.rowSchema, values));
}

/** The key of a row's entry in an index, and whether it is the bare (unique, no NULL) form. */
export function indexKey(view: IndexView, values: readonly unknown[], pk: Uint8Array): { key: Buffer; bare: boolean } {
  const indexed = view.positions.map((p) => values[p] ?? null);
  const tuple = encodeTuple(view.types, indexed);
  // A unique index holds any number of NULLs (TABLES.md §7): entries with one keep the primary
  // key in the key, like a non-unique index, so they never collide.
  const bare = view.meta.unique && indexed.every((v) => v !== null);
  return { key: bare ? concat(view.prefix, tuple) : concat(view.prefix, tuple, pk), bare };
}

export function putIndexEntry(ctx: WriteContext, meta: TableMeta, view: IndexView, values: readonly unknown[], pk: Uint8Array): void {
  const { key, bare } = indexKey(view, values, pk);
  if (bare) {
    const holder = ctx.txn.getSync(key);
    if (holder !== undefined && Buffer.compare(holder, pk) !== 0) {
      throw new DuplicateKeyError(meta.name, view.meta.name, indexValue(view, values));
    }
    ctx.txn.putFresh(key, pk);
  } else ctx.txn.putFresh(key, EMPTY);
}

function deleteIndexEntry(ctx: WriteContext, view: IndexView, values: readonly unknown[], pk: Uint8Array): void {
  ctx.txn.deleteFresh(indexKey(view, values, pk).key);
}

/** A matched row: its key's primary-key tuple and its values. */
export interface Matched {
  pk: Uint8Array;
  values: unknown[];
}

/** Applies `set` to every matched row, yielding to the event loop every WRITE_SLICE_ROWS rows. */
export async function updateRows(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[], set: Map<number, unknown>): Promise<void> {
  await inSlices(matched.length, (from, to) => updateSlice(ctx, meta, matched, set, from, to));
  afterUpdate(ctx, meta, matched, set);
}

/** As updateRows, at once (no yield): for the one or two rows of a point update, where an await per statement is a turn through the microtask queue. */
export function updateRowsNow(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[], set: Map<number, unknown>): void {
  updateSlice(ctx, meta, matched, set, 0, matched.length);
  afterUpdate(ctx, meta, matched, set);
}

function updateSlice(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[], set: Map<number, unknown>, from: number, to: number): void {
  const changesPk = meta.pkPositions.some((p) => set.has(p));
  for (let i = from; i < to; i++) {
    const { pk, values } = matched[i]!;
    const next = values.slice();
    for (const [p, v] of set) next[p] = v;
    const nextPk = changesPk ? encodeTuple(meta.pkTypes, meta.pkPositions.map((p) => next[p])) : pk;
    const pkMoved = Buffer.compare(nextPk, pk) !== 0;
    if (pkMoved) {
      if (ctx.txn.getSync(concat(meta.rowsPrefix, nextPk)) !== undefined) throw new DuplicateKeyError(meta.name, 'PRIMARY', pkValue(meta, next));
      ctx.txn.deleteFresh(concat(meta.rowsPrefix, pk));
    }
    for (const view of meta.indexes) {
      if (!pkMoved && view.positions.every((p) => !set.has(p) || compareValues(view.types[view.positions.indexOf(p)]!, values[p] ?? null, next[p] ?? null) === 0)) continue;
      deleteIndexEntry(ctx, view, values, pk);
    }
    for (const view of meta.indexes) {
      if (!pkMoved && view.positions.every((p) => !set.has(p) || compareValues(view.types[view.positions.indexOf(p)]!, values[p] ?? null, next[p] ?? null) === 0)) continue;
      putIndexEntry(ctx, meta, view, next, nextPk);
    }
    ctx.txn.putFresh(concat(meta.rowsPrefix, nextPk), encodeRow(meta.rowSchema, next));
  }
}

function afterUpdate(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[], set: Map<number, unknown>): void {
  // An auto-increment value set by hand raises the counter as an inserted one does: the next
  // generated id must be past it, since a generated key's row is written without a look first.
  const auto = meta.autoIncrementPosition;
  if (auto >= 0 && set.has(auto) && matched.length > 0) {
    ctx.ids.saw(meta, Number(set.get(auto)));
    ctx.txn.put(autoIncrementKey(meta.id), String(ctx.ids.high(meta)));
  }
}

export async function deleteRows(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[]): Promise<void> {
  await inSlices(matched.length, (from, to) => deleteSlice(ctx, meta, matched, from, to));
  afterDelete(ctx, meta, matched);
}

/** As deleteRows, at once (no yield): for the row of a point delete. */
export function deleteRowsNow(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[]): void {
  deleteSlice(ctx, meta, matched, 0, matched.length);
  afterDelete(ctx, meta, matched);
}

function deleteSlice(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const { pk, values } = matched[i]!;
    for (const view of meta.indexes) deleteIndexEntry(ctx, view, values, pk);
    ctx.txn.deleteFresh(concat(meta.rowsPrefix, pk));
  }
}

function afterDelete(ctx: WriteContext, meta: TableMeta, matched: readonly Matched[]): void {
  // The deleted rows may have held the last key, which stood for the mark (insertRows): write it,
  // in the same transaction, so their ids are never handed out again.
  if (matched.length > 0 && idsInKeys(meta)) ctx.txn.put(autoIncrementKey(meta.id), String(ctx.ids.high(meta)));
}

/** The `set` of an update, checked and converted to the columns' canonical values. */
export function compileSet(meta: TableMeta, set: Row): Map<number, unknown> {
  if (typeof set !== 'object' || set === null || Array.isArray(set)) throw new InvalidArgumentError('update takes a set object { column: value }');
  const out = new Map<number, unknown>();
  for (const [name, v] of Object.entries(set)) {
    const p = meta.position(name);
    const c = meta.columns[p]!;
    out.set(p, coerceValue(c, v, meta.name));
  }
  if (out.size === 0) throw new InvalidArgumentError('update needs at least one column to set');
  return out;
}

/** The primary key of a row key's tuple, decoded. */
export function decodePk(meta: TableMeta, pk: Uint8Array): unknown[] {
  return decodeTuple(meta.pkTypes, pk, 0).values;
}

function pkValue(meta: TableMeta, values: readonly unknown[]): unknown {
  const v = meta.pkPositions.map((p) => values[p]);
  return v.length === 1 ? v[0] : v;
}

function indexValue(view: IndexView, values: readonly unknown[]): unknown {
  const v = view.positions.map((p) => values[p]);
  return v.length === 1 ? v[0] : v;
}
