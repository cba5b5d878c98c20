// The planner (TABLES.md §2 "Planner", docs/tables.md "How queries are planned"): picks one
// access path by fixed rules, best first —
//   primary-key point > unique-index point > primary-key IN > index IN
//   > range (primary-key or index; more equality columns first, the primary key on ties)
//   > ordered (an index whose order is the ORDER BY, only with LIMIT) > full scan —
// and works out the key ranges, the residual filter, whether rows need sorting, whether LIMIT
// can stop the read early, and whether the index alone covers the query.

import { InvalidArgumentError } from '../index.js';
import type { IndexView, TableMeta } from './schema.js';
import type { AccessPath, ColumnType, OrderBy, Plan, PlanRange, QueryOptions } from './types.js';
import { compareValues } from './values.js';
import { compileWhere, conditionColumns, conjoin, conjuncts, type Condition, type Term } from './where.js';

/** One sort key: a column position and its direction. */
export interface SortKey {
  position: number;
  desc: boolean;
}

/** A plan with what the executor needs beyond the public `Plan`. */
export interface PlanDetail {
  plan: Plan;
  /** undefined: the rows themselves (the primary key). */
  view: IndexView | undefined;
  /** Key columns read, in key order (index columns, or primary-key columns). */
  keyTypes: ColumnType[];
  /** Whether each range is one whole key read with a point lookup (full primary key, or a unique index without NULLs). */
  pointLookups: boolean;
  /** Ranges as value tuples; `null` values never appear in points. */
  ranges: PlanRange[];
  /** Ranges on one column after equality columns also exclude that column's NULLs. */
  excludeNullAt: number | undefined;
  residual: Condition | undefined;
  /** The complete order rows must come in (ORDER BY, then the primary key as tie-break). */
  order: SortKey[];
  /** Column positions the query needs from each row. */
  needed: Set<number>;
  limit: number;
  offset: number;
}

interface Candidate {
  access: AccessPath;
  rank: number;
  eqCount: number;
  view: IndexView | undefined;
  positions: number[];
  keyTypes: ColumnType[];
  eq: unknown[];
  inValues: unknown[] | undefined;
  low: { value: unknown; inclusive: boolean } | undefined;
  high: { value: unknown; inclusive: boolean } | undefined;
  used: Set<Condition>;
  point: boolean;
}

const RANGE_OPS = new Set(['>', '>=', '<', '<=', 'between']);

/** `rankAll` (tests) ranks every key even where pointCandidate knows the answer. */
export function planQuery(meta: TableMeta, options: QueryOptions, forCount = false, rankAll = false): PlanDetail {
  const limit = checkCount(options.limit, 'limit', Infinity);
  const offset = checkCount(options.offset, 'offset', 0);
  const where = options.where === undefined ? undefined : compileWhere(meta, options.where);
  const conds = where === undefined ? [] : conjuncts(where);
  const orderBy = checkOrderBy(meta, options.orderBy);
  const order = completeOrder(meta, orderBy);
  const fixed = fixedPositions(conds);

  let best = rankAll ? undefined : pointCandidate(meta, conds);
  if (best === undefined) {
    const candidates: Candidate[] = [];
    if (!meta.hiddenRowId) candidates.push(candidate(meta, undefined, meta.pkPositions, meta.pkTypes, true, conds));
    for (const view of meta.readyIndexes()) candidates.push(candidate(meta, view, view.positions, view.types, view.meta.unique, conds));
    best = candidates.filter((c) => c.access !== 'full-scan').sort((a, b) => a.rank - b.rank || b.eqCount - a.eqCount || (a.view === undefined ? -1 : 0) - (b.view === undefined ? -1 : 0))[0];
  }

  let ordered: { reverse: boolean } | undefined;
  if (best !== undefined) {
    ordered = providesOrder(meta, best, order, fixed);
  } else {
    // No condition narrows the read: read the primary key (its order is the default order), or,
    // with LIMIT, an index whose order is the requested order so the read can stop early.
    const pk = fullScan(meta);
    ordered = meta.hiddenRowId ? (orderBy.length === 0 ? { reverse: false } : undefined) : providesOrder(meta, pk, order, fixed);
    best = pk;
    if (ordered === undefined && Number.isFinite(limit) && orderBy.length > 0) {
      for (const view of meta.readyIndexes()) {
        const c = { ...fullScan(meta), access: 'ordered' as const, view, positions: view.positions, keyTypes: view.types };
        const o = providesOrder(meta, c, order, fixed);
        if (o !== undefined) {
          best = c;
          ordered = o;
          break;
        }
      }
    }
  }

  const residualParts = conds.filter((c) => !best.used.has(c));
  const residual = conjoin(residualParts);
  const requested = options.columns === undefined ? meta.columns.map((_, i) => i) : checkColumns(meta, options.columns);
  const needed = new Set<number>(forCount ? [] : requested);
  conditionColumns(residual, needed);
  for (const k of order) if (!forCount) needed.add(k.position);
  const sort = !forCount && ordered === undefined;
  const covering =
    best.view !== undefined && [...needed].every((p) => best.positions.includes(p) || meta.pkPositions.includes(p)) && !meta.hiddenRowId;
  const ranges = rangesOf(best);
  const reverse = ordered?.reverse ?? false;
  const plan: Plan = {
    table: meta.name,
    access: best.access,
    index: best.view === undefined ? 'PRIMARY' : best.view.meta.name,
    ranges,
    sort,
    limitPushedDown: !sort && Number.isFinite(limit) && options.total !== true,
    covering: best.view !== undefined && covering,
    reverse,
  };
  if (residual !== undefined) plan.residual = residual.source;
  const excludeNullAt = best.inValues === undefined && (best.low !== undefined || best.high !== undefined) ? best.eqCount : undefined;
  return {
    plan,
    view: best.view,
    keyTypes: best.keyTypes,
    pointLookups: best.point,
    ranges,
    excludeNullAt,
    residual,
    order,
    needed,
    limit,
    offset,
  };
}

/**
 * The candidate the ranking in planQuery picks when the only condition is `column = value` on a
 * one-column primary key (rank 0) or a one-column unique index (rank 1; the first such index,
 * as the stable sort would keep it): the commonest query, planned without ranking every key.
 * undefined for anything else.
 */
function pointCandidate(meta: TableMeta, conds: Condition[]): Candidate | undefined {
  if (conds.length !== 1) return undefined;
  const t = conds[0]!;
  if (t.kind !== 'term' || t.op !== '=' || t.operand === null) return undefined;
  if (isWholePk(meta, t.position)) return candidate(meta, undefined, meta.pkPositions, meta.pkTypes, true, conds);
  const view = uniqueIndexOn(meta, t.position);
  return view === undefined ? undefined : candidate(meta, view, view.positions, view.types, true, conds);
}

/** Whether column `position` is the whole primary key: a lone equality on it is a pk point. */
export function isWholePk(meta: TableMeta, position: number): boolean {
  return !meta.hiddenRowId && meta.pkPositions.length === 1 && meta.pkPositions[0] === position;
}

/** The first ready unique index on column `position` alone: a lone equality on it is a unique point. */
export function uniqueIndexOn(meta: TableMeta, position: number): IndexView | undefined {
  return meta.indexes.find((v) => v.meta.state === 'ready' && v.meta.unique && v.positions.length === 1 && v.positions[0] === position);
}

/** The best use a key (the primary key, or one index) can make of the conjuncts. */
function candidate(meta: TableMeta, view: IndexView | undefined, positions: number[], keyTypes: ColumnType[], unique: boolean, conds: Condition[]): Candidate {
  const c: Candidate = { ...fullScan(meta), view, positions, keyTypes };
  const terms = conds.filter((x): x is Term => x.kind === 'term');
  for (const position of positions) {
    const eq = terms.find((t) => t.position === position && t.op === '=' && t.operand !== null);
    if (eq !== undefined) {
      c.eq.push(eq.operand);
      c.used.add(eq);
      continue;
    }
    const inTerm = terms.find((t) => t.position === position && t.op === 'in');
    if (inTerm !== undefined) {
      const type = meta.columns[position]!.type;
      const values = (inTerm.operand as unknown[]).filter((v) => v !== null).sort((a, b) => compareValues(type, a, b));
      c.inValues = values.filter((v, i) => i === 0 || compareValues(type, v, values[i - 1]) !== 0);
      c.used.add(inTerm);
      break;
    }
    for (const t of terms) {
      if (t.position !== position || !RANGE_OPS.has(t.op)) continue;
      const [lo, hi] = t.op === 'between' ? (t.operand as [unknown, unknown]) : [t.op[0] === '>' ? t.operand : undefined, t.op[0] === '<' ? t.operand : undefined];
      // A NULL bound matches nothing; leave it to the residual filter, which says so.
      if (lo === null || hi === null) continue;
      if ((lo !== undefined && c.low !== undefined) || (hi !== undefined && c.high !== undefined)) continue;
      if (lo !== undefined) c.low = { value: lo, inclusive: t.op !== '>' };
      if (hi !== undefined) c.high = { value: hi, inclusive: t.op !== '<' };
      c.used.add(t);
    }
    break;
  }
  c.eqCount = c.eq.length;
  const primary = view === undefined;
  const whole = c.eqCount === positions.length;
  if (whole) {
    c.point = primary || unique;
    c.access = primary ? 'pk-point' : unique ? 'unique-point' : 'index-eq';
    c.rank = primary ? 0 : unique ? 1 : 4;
  } else if (c.inValues !== undefined) {
    c.point = c.eqCount + 1 === positions.length && (primary || unique);
    c.access = primary ? 'pk-in' : 'index-in';
    c.rank = primary ? 2 : 3;
  } else if (c.low !== undefined || c.high !== undefined) {
    c.access = primary ? 'pk-range' : 'index-range';
    c.rank = 4;
  } else if (c.eqCount > 0) {
    c.access = primary ? 'pk-range' : 'index-eq';
    c.rank = 4;
  }
  return c;
}

function fullScan(meta: TableMeta): Candidate {
  return {
    access: 'full-scan',
    rank: 9,
    eqCount: 0,
    view: undefined,
    positions: meta.pkPositions,
    keyTypes: meta.pkTypes,
    eq: [],
    inValues: undefined,
    low: undefined,
    high: undefined,
    used: new Set(),
    point: false,
  };
}

function rangesOf(c: Candidate): PlanRange[] {
  if (c.inValues !== undefined) return c.inValues.map((v) => ({ low: [...c.eq, v], lowInclusive: true, high: [...c.eq, v], highInclusive: true }));
  const r: PlanRange = { lowInclusive: true, highInclusive: true };
  if (c.low !== undefined) {
    r.low = [...c.eq, c.low.value];
    r.lowInclusive = c.low.inclusive;
  } else if (c.eq.length > 0) r.low = [...c.eq];
  if (c.high !== undefined) {
    r.high = [...c.eq, c.high.value];
    r.highInclusive = c.high.inclusive;
  } else if (c.eq.length > 0) r.high = [...c.eq];
  return [r];
}

/** Whether reading candidate `c` yields rows in `order` (forwards or backwards), or undefined. */
function providesOrder(meta: TableMeta, c: Candidate, order: SortKey[], fixed: Set<number>): { reverse: boolean } | undefined {
  if (c.point && c.inValues === undefined) return { reverse: false };
  const natural = [...c.positions, ...meta.pkPositions.filter((p) => !c.positions.includes(p))].slice(c.eqCount).filter((p) => !fixed.has(p));
  const wanted = order.filter((k) => !fixed.has(k.position));
  if (wanted.length === 0) return { reverse: false };
  const desc = wanted[0]!.desc;
  if (wanted.some((k) => k.desc !== desc)) return undefined;
  if (wanted.length > natural.length) return undefined;
  for (let i = 0; i < wanted.length; i++) if (wanted[i]!.position !== natural[i]) return undefined;
  return { reverse: desc };
}

/** ORDER BY, then the primary key in the direction of the last sort key (TABLES.md §7: ties are ours to order). */
function completeOrder(meta: TableMeta, orderBy: SortKey[]): SortKey[] {
  const desc = orderBy.length > 0 && orderBy[orderBy.length - 1]!.desc;
  const out = [...orderBy];
  for (const p of meta.pkPositions) if (!out.some((k) => k.position === p)) out.push({ position: p, desc });
  return out;
}

/** Columns an equality conjunct pins to one value: they cannot change the order of the rows. */
function fixedPositions(conds: Condition[]): Set<number> {
  const out = new Set<number>();
  for (const c of conds) if (c.kind === 'term' && c.op === '=' && c.operand !== null) out.add(c.position);
  return out;
}

function checkOrderBy(meta: TableMeta, orderBy: OrderBy[] | undefined): SortKey[] {
  if (orderBy === undefined) return [];
  if (!Array.isArray(orderBy)) throw new InvalidArgumentError('orderBy must be an array of { column, desc? }');
  const out: SortKey[] = [];
  for (const o of orderBy) {
    if (typeof o !== 'object' || o === null || typeof o.column !== 'string') throw new InvalidArgumentError('orderBy entries must be { column, desc? }');
    const position = meta.position(o.column);
    if (meta.columns[position]!.type === 'JSON') throw new InvalidArgumentError(`cannot order by JSON column '${o.column}'`);
    if (!out.some((k) => k.position === position)) out.push({ position, desc: o.desc === true });
  }
  return out;
}

function checkColumns(meta: TableMeta, columns: unknown): number[] {
  if (!Array.isArray(columns)) throw new InvalidArgumentError('columns must be an array of column names');
  return columns.map((c) => {
    if (typeof c !== 'string') throw new InvalidArgumentError('columns must be an array of column names');
    return meta.position(c);
  });
}

function checkCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return value;
}
