// `where` conditions: checked against a table's columns, operands converted to the column's type
// once, then evaluated per row with SQL's three-valued logic (TABLES.md §7): a comparison with
// NULL is unknown, `not` of unknown is unknown, and only rows where the whole condition is true
// are returned.

import { InvalidArgumentError, isSettError } from '../index.js';
import type { TableMeta } from './schema.js';
import type { ColumnType, Where, WhereOp } from './types.js';
import { coerceValue, compareValues } from './values.js';

/** A condition leaf with its column resolved and its operand in the column's canonical form. */
export interface Term {
  kind: 'term';
  position: number;
  type: ColumnType;
  op: WhereOp;
  /** `=`..`<=`: a value; `in`/`not-in`: values; `between`: [low, high]; `like`: the pattern. */
  operand: unknown;
  like?: RegExp;
  source: Where;
}

export type Condition = Term | { kind: 'and'; parts: Condition[]; source: Where } | { kind: 'or'; parts: Condition[]; source: Where } | { kind: 'not'; part: Condition; source: Where };

const OPS = new Set<WhereOp>(['=', '!=', '>', '>=', '<', '<=', 'like', 'not-like', 'in', 'not-in', 'between', 'is-null', 'is-not-null']);

/** Checks `where` against `meta` and resolves it (NO_SUCH_COLUMN, INVALID_ARGUMENT). */
export function compileWhere(meta: TableMeta, where: Where): Condition {
  if (typeof where !== 'object' || where === null) throw new InvalidArgumentError('a where condition must be an object');
  const w = where as Record<string, unknown>;
  if ('and' in w || 'or' in w) {
    const key = 'and' in w ? 'and' : 'or';
    const parts = w[key];
    if (!Array.isArray(parts)) throw new InvalidArgumentError(`where.${key} must be an array of conditions`);
    return { kind: key, parts: parts.map((p) => compileWhere(meta, p as Where)), source: where };
  }
  if ('not' in w) return { kind: 'not', part: compileWhere(meta, w.not as Where), source: where };
  if (typeof w.column !== 'string') throw new InvalidArgumentError(`a where condition needs column (a string), or and/or/not; got ${JSON.stringify(Object.keys(w))}`);
  const op = w.op as WhereOp;
  if (!OPS.has(op)) throw new InvalidArgumentError(`unknown where op ${JSON.stringify(w.op)}; one of ${[...OPS].join(' ')}`);
  const position = meta.position(w.column);
  const column = meta.columns[position]!;
  const term: Term = { kind: 'term', position, type: column.type, op, operand: undefined, source: where };
  if (op === 'is-null' || op === 'is-not-null') return term;
  if (column.type === 'JSON') throw new InvalidArgumentError(`JSON column '${column.name}' can only be tested with is-null / is-not-null`);
  const value = w.value;
  const operand = (v: unknown): unknown => coerceOperand(meta, position, v);
  switch (op) {
    case 'in':
    case 'not-in':
      if (!Array.isArray(value)) throw new InvalidArgumentError(`where op '${op}' on '${column.name}' needs an array value`);
      term.operand = value.map(operand);
      break;
    case 'between':
      if (!Array.isArray(value) || value.length !== 2) throw new InvalidArgumentError(`where op 'between' on '${column.name}' needs [low, high]`);
      term.operand = [operand(value[0]), operand(value[1])];
      break;
    case 'like':
    case 'not-like':
      if (typeof value !== 'string') throw new InvalidArgumentError(`where op '${op}' on '${column.name}' needs a string pattern`);
      term.operand = value;
      term.like = likePattern(value);
      break;
    default:
      term.operand = operand(value);
  }
  return term;
}

/** An operand in the column's canonical form; lengths and NOT NULL do not apply to operands. */
export function coerceOperand(meta: TableMeta, position: number, value: unknown): unknown {
  const column = meta.columns[position]!;
  if (value === null || value === undefined) return null;
  // Operands keep their own precision: `price > 1.234` on DECIMAL(10,2) must not round to 1.23.
  if (column.type === 'INT' && Number.isSafeInteger(value)) return value;
  try {
    const v = coerceValue(meta.operandColumns[position]!, value, meta.name);
    return column.type === 'DECIMAL' ? atScale(v as string, column.scale ?? 0) : v;
  } catch (e) {
    if (isSettError(e) && e.code === 'CONSTRAINT') throw new InvalidArgumentError(`where on '${column.name}': ${e.message.replace(/^CONSTRAINT: /, '')}`);
    throw e;
  }
}

/**
 * A decimal operand written with the column's scale when that loses nothing, else with just the
 * digits it needs: decimals of one value but different scales are not equal in the key order, and
 * stored values always have the column's scale.
 */
function atScale(s: string, scale: number): string {
  const [int, frac = ''] = s.split('.');
  const digits = frac.replace(/0+$/, '');
  const n = Math.max(scale, digits.length);
  return n === 0 ? int! : `${int}.${digits.padEnd(n, '0')}`;
}

/** LIKE's `%` (any run) and `_` (one character), `\` escaping the next character; case-sensitive. */
export function likePattern(pattern: string): RegExp {
  let out = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) out += escapeRegExp(chars[++i]!);
    else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += escapeRegExp(c);
  }
  return new RegExp(out + '$', 'u');
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c;
}

/** The literal prefix a LIKE pattern starts with (before its first wildcard), for index ranges. */
export function likePrefix(pattern: string): string {
  let out = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '%' || c === '_') return out;
    if (c === '\\' && i + 1 < chars.length) out += chars[++i]!;
    else out += c;
  }
  return out;
}

/** true, false or null (unknown) for the row `values`. */
export function evaluate(c: Condition, values: readonly unknown[]): boolean | null {
  switch (c.kind) {
    case 'term':
      return evaluateTerm(c, values[c.position] ?? null);
    case 'and': {
      let unknown = false;
      for (const p of c.parts) {
        const r = evaluate(p, values);
        if (r === false) return false;
        if (r === null) unknown = true;
      }
      return unknown ? null : true;
    }
    case 'or': {
      let unknown = false;
      for (const p of c.parts) {
        const r = evaluate(p, values);
        if (r === true) return true;
        if (r === null) unknown = true;
      }
      return unknown ? null : false;
    }
    case 'not': {
      const r = evaluate(c.part, values);
      return r === null ? null : !r;
    }
  }
}

function evaluateTerm(t: Term, v: unknown): boolean | null {
  switch (t.op) {
    case 'is-null':
      return v === null;
    case 'is-not-null':
      return v !== null;
  }
  if (v === null) return null;
  switch (t.op) {
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=': {
      if (t.operand === null) return null;
      const c = compareValues(t.type, v, t.operand);
      return t.op === '=' ? c === 0 : t.op === '!=' ? c !== 0 : t.op === '>' ? c > 0 : t.op === '>=' ? c >= 0 : t.op === '<' ? c < 0 : c <= 0;
    }
    case 'in':
    case 'not-in': {
      let sawNull = false;
      for (const o of t.operand as unknown[]) {
        if (o === null) sawNull = true;
        else if (compareValues(t.type, v, o) === 0) return t.op === 'in';
      }
      return sawNull ? null : t.op === 'not-in';
    }
    case 'between': {
      const [lo, hi] = t.operand as [unknown, unknown];
      const above = lo === null ? null : compareValues(t.type, v, lo) >= 0;
      const below = hi === null ? null : compareValues(t.type, v, hi) <= 0;
      if (above === false || below === false) return false;
      return above === null || below === null ? null : true;
    }
    case 'like':
    case 'not-like': {
      const matched = t.like!.test(asText(v));
      return t.op === 'like' ? matched : !matched;
    }
  }
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

/** Column positions a condition reads. */
export function conditionColumns(c: Condition | undefined, out = new Set<number>()): Set<number> {
  if (c === undefined) return out;
  if (c.kind === 'term') out.add(c.position);
  else if (c.kind === 'not') conditionColumns(c.part, out);
  else for (const p of c.parts) conditionColumns(p, out);
  return out;
}

/** The top-level conjuncts of a condition (an `and` flattened; anything else is one conjunct). */
export function conjuncts(c: Condition): Condition[] {
  return c.kind === 'and' ? c.parts.flatMap(conjuncts) : [c];
}

/** One condition from conjuncts, or undefined when none is left. */
export function conjoin(parts: Condition[]): Condition | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { kind: 'and', parts, source: { and: parts.map((p) => p.source) } };
}
