// sqlexec's Filter and QueryOptions mapped onto the table layer's `where` and query options
// (docs/tables.md §Conditions). The mapping is total or it throws: an operator it does not know is
// a typed error, never a filter that silently matches nothing (the Go seed's `default: false`).
//
// NULL: `= null` / `!= null` (and IS / IS NOT) mean IS NULL / IS NOT NULL, as the seed's matcher
// treated a nil target; any other comparison with a NULL is unknown and never matches, by the
// table layer's three-valued logic (the seed compared fmt.Sprint texts, so "<nil>" != "x" held).

import type { QueryOptions as TableQuery, Where, WhereOp } from 'sett/table';
import { FilterError, UnsupportedOperatorError } from './errors.js';
import type { Filter, QueryOptions } from './types.js';

const OPERATORS: ReadonlyMap<string, WhereOp> = new Map<string, WhereOp>([
  ['=', '='],
  ['==', '='],
  ['!=', '!='],
  ['<>', '!='],
  ['>', '>'],
  ['>=', '>='],
  ['<', '<'],
  ['<=', '<='],
  ['LIKE', 'like'],
  ['NOT LIKE', 'not-like'],
  ['IN', 'in'],
  ['NOT IN', 'not-in'],
  ['BETWEEN', 'between'],
  ['IS NULL', 'is-null'],
  ['IS NOT NULL', 'is-not-null'],
  ['IS', 'is-null'],
  ['IS NOT', 'is-not-null'],
]);

/** The operators a Filter may use, as the error lists them. */
export const FILTER_OPERATORS: readonly string[] = [...OPERATORS.keys()];

/** Filters nest at most this deep: a deeper tree is a bug in the caller, not a query. */
export const MAX_FILTER_DEPTH = 64;

/** The `where` of a filter list (ANDed), or undefined when the list is empty. */
export function filtersToWhere(filters: readonly Filter[] | undefined): Where | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (!Array.isArray(filters)) throw new FilterError('filters must be an array of Filter');
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filterToWhere(filters[0]!, 0);
  return { and: filters.map((f) => filterToWhere(f, 0)) };
}

function filterToWhere(filter: Filter, depth: number): Where {
  if (typeof filter !== 'object' || filter === null) throw new FilterError(`a filter must be an object, got ${String(filter)}`);
  if (depth > MAX_FILTER_DEPTH) throw new FilterError(`filters nest deeper than ${MAX_FILTER_DEPTH} levels`);
  const logic = logicOf(filter);
  const subs = filter.subFilters;
  if (subs !== undefined && subs !== null && !Array.isArray(subs)) throw new FilterError('subFilters must be an array of Filter');
  const isGroup = (subs !== undefined && subs !== null && subs.length > 0) || (logic !== undefined && filter.field === undefined);
  if (isGroup) {
    if (logic === undefined) throw new FilterError('a filter with subFilters needs logicOp AND or OR');
    if (filter.field !== undefined || filter.operator !== undefined) {
      throw new FilterError(`a filter is a condition (field, operator, value) or a group (logicOp, subFilters), not both; got field ${JSON.stringify(filter.field)} with subFilters`);
    }
    // An empty group matches every row, AND or OR alike (the seed's matchesAnySubFilter says
    // so); the table layer's empty `or` is false, so it is written as an empty `and`.
    const parts = (subs ?? []).map((f) => filterToWhere(f, depth + 1));
    return logic === 'AND' || parts.length === 0 ? { and: parts } : { or: parts };
  }
  // A condition's logicOp only says how it joins the list around it, which is always AND here.
  return conditionToWhere(filter);
}

function logicOf(filter: Filter): 'AND' | 'OR' | undefined {
  const raw: unknown = filter.logicOp;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const up = typeof raw === 'string' ? raw.toUpperCase() : raw;
  if (up !== 'AND' && up !== 'OR') throw new FilterError(`logicOp must be AND or OR, got ${JSON.stringify(raw)}`);
  return up;
}

function conditionToWhere(filter: Filter): Where {
  const field = filter.field;
  if (typeof field !== 'string' || field === '') throw new FilterError(`a filter condition needs a field (a non-empty string), got ${JSON.stringify(field)}`);
  const raw: unknown = filter.operator;
  const op = typeof raw === 'string' ? OPERATORS.get(raw.trim().toUpperCase().replace(/\s+/g, ' ')) : undefined;
  if (op === undefined) throw new UnsupportedOperatorError(raw, field, FILTER_OPERATORS);
  const value = filter.value;
  if (op === 'is-null' || op === 'is-not-null') {
    if (value !== undefined && value !== null) throw new FilterError(`operator ${String(raw)} on '${field}' takes no value (or null), got ${JSON.stringify(value)}`);
    return { column: field, op };
  }
  if (value === null || value === undefined) {
    if (op === '=') return { column: field, op: 'is-null' };
    if (op === '!=') return { column: field, op: 'is-not-null' };
    throw new FilterError(`operator ${String(raw)} on '${field}' needs a value`);
  }
  if ((op === 'in' || op === 'not-in') && !Array.isArray(value)) throw new FilterError(`operator ${String(raw)} on '${field}' needs an array value`);
  if (op === 'between' && (!Array.isArray(value) || value.length !== 2)) throw new FilterError(`operator BETWEEN on '${field}' needs [low, high]`);
  return { column: field, op, value };
}

/** The table layer's query for sqlexec's QueryOptions. */
export function toTableQuery(options: QueryOptions | undefined): TableQuery {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new FilterError('query options must be an object');
  const out: TableQuery = {};
  const where = filtersToWhere(options.filters);
  if (where !== undefined) out.where = where;
  if (options.orderBy !== undefined && options.orderBy !== '') {
    if (typeof options.orderBy !== 'string') throw new FilterError(`orderBy must be a column name, got ${JSON.stringify(options.orderBy)}`);
    const order = options.order === undefined || options.order === '' ? 'ASC' : String(options.order).toUpperCase();
    if (order !== 'ASC' && order !== 'DESC') throw new FilterError(`order must be ASC or DESC, got ${JSON.stringify(options.order)}`);
    out.orderBy = [{ column: options.orderBy, desc: order === 'DESC' }];
  }
  const limit = count('limit', options.limit);
  const offset = count('offset', options.offset);
  if (limit > 0) out.limit = limit;
  if (offset > 0) out.offset = offset;
  const cols = options.selectColumns;
  if (options.selectAll !== true && cols !== undefined && cols !== null) {
    if (!Array.isArray(cols) || cols.some((c) => typeof c !== 'string')) throw new FilterError('selectColumns must be an array of column names');
    if (cols.length > 0) out.columns = [...cols];
  }
  return out;
}

function count(name: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new FilterError(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}
