// WHERE to the table layer's `where` (so its planner picks an index), and what is left: the
// conjuncts the table layer cannot say (column vs column, arithmetic, functions, another table's
// columns) stay as a residual filter evaluated in JS over the rows read (docs/sql.md).

import type { ColumnInfo, Where } from './hybrid-types.js';
import { columnName, functionName, resolveColumn, type Source } from './expr.js';
import type { Node } from './parse.js';
import { literalOf, NOT_LITERAL } from './values.js';

export interface SplitWhere {
  /** The part the table layer evaluates (and plans); undefined when none. */
  pushed: Where | undefined;
  /** The rest, as AST, ANDed; undefined when none. */
  residual: Node | undefined;
}

/** The AND-ed parts of `node`. */
export function conjuncts(node: Node): Node[] {
  if (node === null || node === undefined) return [];
  if (node.type === 'binary_expr' && (String(node.operator).toUpperCase() === 'AND' || node.operator === '&&')) return [...conjuncts(node.left), ...conjuncts(node.right)];
  return [node];
}

export function andOf(nodes: Node[]): Node | undefined {
  if (nodes.length === 0) return undefined;
  return nodes.reduce((l, r) => ({ type: 'binary_expr', operator: 'AND', left: l, right: r }));
}

export function andWhere(parts: Where[]): Where | undefined {
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { and: parts };
}

/** Splits `node` into what source `target` of `sources` can evaluate in the table layer, and the rest. */
export function splitWhere(node: Node, sources: Source[], target: number, params: readonly unknown[]): SplitWhere {
  const pushed: Where[] = [];
  const residual: Node[] = [];
  for (const c of conjuncts(node)) {
    const w = toWhere(c, sources, target, params);
    if (w === undefined) residual.push(c);
    else pushed.push(w);
  }
  return { pushed: andWhere(pushed), residual: andOf(residual) };
}

const FLIP: Record<string, string> = { '=': '=', '!=': '!=', '<>': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** `node` as a table-layer condition on source `target`, or undefined when it cannot be one. */
export function toWhere(node: Node, sources: Source[], target: number, params: readonly unknown[]): Where | undefined {
  if (node === null || node === undefined || typeof node !== 'object') return undefined;
  const col = (ref: Node): ColumnInfo | undefined => {
    if (ref?.type !== 'column_ref' || columnName(ref) === '*') return undefined;
    try {
      const r = resolveColumn({ sources, clause: 'where clause' }, ref);
      return r.source === target ? r.column : undefined;
    } catch {
      return undefined;
    }
  };
  const lit = (n: Node): unknown => literalOf(n, params);
  const notCall = node.type === 'function' && functionName(node) === 'NOT' && node.args?.value?.length === 1;
  if ((node.type === 'unary_expr' && String(node.operator).toUpperCase() === 'NOT') || notCall) {
    // node-sql-parser reads `NOT (x)` as a call NOT(x).
    const inner = toWhere(notCall ? node.args.value[0] : node.expr, sources, target, params);
    return inner === undefined ? undefined : { not: inner };
  }
  if (node.type !== 'binary_expr') return undefined;
  const op = String(node.operator).toUpperCase().replace(/\s+/g, ' ');
  if (op === 'AND' || op === 'OR' || op === '&&' || op === '||') {
    const l = toWhere(node.left, sources, target, params);
    const r = l === undefined ? undefined : toWhere(node.right, sources, target, params);
    if (l === undefined || r === undefined) return undefined;
    return op === 'AND' || op === '&&' ? { and: [l, r] } : { or: [l, r] };
  }
  if (op in FLIP) {
    let c = col(node.left);
    let v = lit(node.right);
    let o = op === '<>' ? '!=' : op;
    if (c === undefined || v === NOT_LITERAL) {
      c = col(node.right);
      v = lit(node.left);
      o = FLIP[op]!;
    }
    if (c === undefined || v === NOT_LITERAL) return undefined;
    return { column: c.name, op: o as '=', value: adapt(c, v) };
  }
  const c = col(node.left);
  if (c === undefined) return undefined;
  switch (op) {
    case 'IN':
    case 'NOT IN': {
      const items = node.right?.type === 'expr_list' && Array.isArray(node.right.value) ? node.right.value.map(lit) : [NOT_LITERAL];
      if (items.some((v: unknown) => v === NOT_LITERAL)) return undefined;
      return { column: c.name, op: op === 'IN' ? 'in' : 'not-in', value: items.map((v: unknown) => adapt(c, v)) };
    }
    case 'BETWEEN':
    case 'NOT BETWEEN': {
      const items = node.right?.type === 'expr_list' && Array.isArray(node.right.value) ? node.right.value.map(lit) : [];
      if (items.length !== 2 || items.some((v: unknown) => v === NOT_LITERAL)) return undefined;
      // BETWEEN with a NULL end is unknown, not a half-open range: leave it to the residual.
      if (items.some((v: unknown) => v === null)) return undefined;
      const w: Where = { column: c.name, op: 'between', value: items.map((v: unknown) => adapt(c, v)) };
      return op === 'BETWEEN' ? w : { not: w };
    }
    case 'LIKE':
    case 'NOT LIKE': {
      const p = lit(node.right);
      if (typeof p !== 'string' || (c.type !== 'VARCHAR' && c.type !== 'TEXT')) return undefined;
      return { column: c.name, op: op === 'LIKE' ? 'like' : 'not-like', value: p };
    }
    case 'IS':
    case 'IS NOT': {
      if (lit(node.right) !== null) return undefined;
      return { column: c.name, op: op === 'IS' ? 'is-null' : 'is-not-null' };
    }
    default:
      return undefined;
  }
}

/** A literal in the form the column's type takes (MySQL converts numbers to strings for string columns, and so on). */
export function adapt(column: ColumnInfo, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (column.type) {
    case 'VARCHAR':
    case 'TEXT':
      return typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
      return typeof v === 'boolean' ? Number(v) : v;
    case 'BOOL':
      return typeof v === 'bigint' ? v !== 0n : typeof v === 'number' ? v !== 0 : v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v;
    case 'BLOB':
      return typeof v === 'string' ? Buffer.from(v) : v;
    case 'JSON':
      if (typeof v === 'string') {
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      }
      return v;
    default:
      return v;
  }
}
