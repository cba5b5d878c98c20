// Expressions compiled once per statement into closures over a tuple of rows (one per table in
// FROM): columns resolved up front (1054 unknown, 1052 ambiguous), then evaluated per row with
// SQL's three-valued logic. Used for residual WHERE filters (what the table layer's `where`
// cannot say), select lists, HAVING, ORDER BY expressions, UPDATE's SET and INSERT values.

import type { ColumnInfo, Row } from './hybrid-types.js';
import { SqlError, unknownColumn, unsupported } from './errors.js';
import type { Node } from './parse.js';
import { compareSql, likeRegExp, literalOf, NOT_LITERAL, paramValue, truth } from './values.js';

/** One table of FROM: its name, the name queries use for it, and its columns. */
export interface Source {
  table: string;
  alias: string;
  columns: ColumnInfo[];
}

/** Rows, one per source; null for a LEFT JOIN's missing side. */
export type Tuple = (Row | null)[];

export type Compiled = (t: Tuple, aggregates?: readonly unknown[]) => unknown;

export interface CompileContext {
  sources: Source[];
  params: readonly unknown[];
  /** The current database (for DATABASE()). */
  database: string;
  /** Where the expression is, for error messages ('where clause', 'field list', ...). */
  clause: string;
  /** Aggregate calls: when set, an aggregate node compiles to its slot in the `aggregates` array. */
  aggregateSlot?: (node: Node) => number;
  /** Select-list aliases an unqualified name may refer to (HAVING, ORDER BY). */
  aliases?: Map<string, Compiled>;
}

export interface ResolvedColumn {
  source: number;
  column: ColumnInfo;
}

/** The name of a column_ref node (node-sql-parser writes it as a string or as { expr: { value } }). */
export function columnName(ref: Node): string {
  const c = ref.column;
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object') return String(c.expr?.value ?? c.value);
  return String(c);
}

export function resolveColumn(ctx: Pick<CompileContext, 'sources' | 'clause'>, ref: Node): ResolvedColumn {
  const name = columnName(ref);
  const qualifier: string | null = ref.table ?? null;
  let found: ResolvedColumn | undefined;
  for (let i = 0; i < ctx.sources.length; i++) {
    const s = ctx.sources[i]!;
    if (qualifier !== null && qualifier !== s.alias && qualifier !== s.table) continue;
    const column = s.columns.find((c) => c.name === name);
    if (column === undefined) continue;
    if (found !== undefined) throw new SqlError('INVALID_ARGUMENT', 'ER_NON_UNIQ_ERROR', `Column '${name}' in ${ctx.clause} is ambiguous`);
    found = { source: i, column };
  }
  if (found === undefined) throw unknownColumn(qualifier === null ? name : `${qualifier}.${name}`, ctx.clause);
  return found;
}

/** Whether `node` is a column of a DECIMAL column (its string values compare as numbers). */
function numericNode(ctx: CompileContext, node: Node): boolean {
  if (node?.type !== 'column_ref') return false;
  try {
    return resolveColumn(ctx, node).column.type === 'DECIMAL';
  } catch {
    return false;
  }
}

export function functionName(node: Node): string {
  const n = node.name;
  if (typeof n === 'string') return n.toUpperCase();
  const parts = n?.name;
  if (Array.isArray(parts)) return parts.map((p: Node) => String(p.value)).join('.').toUpperCase();
  return String(n).toUpperCase();
}

function argsOf(node: Node): Node[] {
  const a = node.args;
  if (a === undefined || a === null) return [];
  if (Array.isArray(a)) return a;
  if (Array.isArray(a.value)) return a.value;
  return [a];
}

export function compile(node: Node, ctx: CompileContext): Compiled {
  const lit = literalOf(node, ctx.params);
  if (lit !== NOT_LITERAL) return () => lit;
  switch (node?.type) {
    case 'column_ref': {
      if (columnName(node) === '*') throw unsupported(`* in ${ctx.clause}`);
      if ((node.table === null || node.table === undefined) && ctx.aliases?.has(columnName(node))) {
        const hasColumn = ctx.sources.some((s) => s.columns.some((c) => c.name === columnName(node)));
        if (!hasColumn || ctx.clause === 'order clause' || ctx.clause === 'having clause') return ctx.aliases.get(columnName(node))!;
      }
      const { source, column } = resolveColumn(ctx, node);
      const name = column.name;
      return (t) => {
        const row = t[source];
        if (row === null || row === undefined) return null;
        const v = row[name];
        return v === undefined ? null : v;
      };
    }
    case 'param': {
      const v = paramValue(node, ctx.params);
      return () => v;
    }
    case 'aggr_func': {
      if (ctx.aggregateSlot === undefined) throw new SqlError('INVALID_ARGUMENT', 'ER_WRONG_ARGUMENTS', `Invalid use of group function ${functionName(node)} in ${ctx.clause}`);
      const slot = ctx.aggregateSlot(node);
      return (_t, aggregates) => aggregates![slot];
    }
    case 'unary_expr': {
      const inner = compile(node.expr, ctx);
      const op = String(node.operator).toUpperCase();
      if (op === 'NOT' || op === '!') return (t, a) => not(truth(inner(t, a)));
      if (op === '-') return (t, a) => negate(inner(t, a));
      if (op === '+') return inner;
      throw unsupported(`the operator ${node.operator}`);
    }
    case 'expr_list':
      if (Array.isArray(node.value) && node.value.length === 1) return compile(node.value[0], ctx);
      throw unsupported(`a row value in ${ctx.clause}`);
    case 'binary_expr':
      return compileBinary(node, ctx);
    case 'function':
      return compileFunction(node, ctx);
    case 'case':
      return compileCase(node, ctx);
    default:
      throw unsupported(`the expression ${node?.type ?? String(node)} in ${ctx.clause}`);
  }
}

function not(v: boolean | null): boolean | null {
  return v === null ? null : !v;
}

function negate(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return -v;
  return -Number(v);
}

function listOf(node: Node, ctx: CompileContext): Compiled[] {
  if (node?.type !== 'expr_list' || !Array.isArray(node.value)) throw unsupported(`a subquery or non-list operand of IN in ${ctx.clause}`);
  return node.value.map((n: Node) => compile(n, ctx));
}

function compileBinary(node: Node, ctx: CompileContext): Compiled {
  const op = String(node.operator).toUpperCase().replace(/\s+/g, ' ');
  if (op === 'AND' || op === '&&') {
    const l = compile(node.left, ctx);
    const r = compile(node.right, ctx);
    return (t, a) => {
      const x = truth(l(t, a));
      if (x === false) return false;
      const y = truth(r(t, a));
      if (y === false) return false;
      return x === null || y === null ? null : true;
    };
  }
  if (op === 'OR' || op === '||') {
    const l = compile(node.left, ctx);
    const r = compile(node.right, ctx);
    return (t, a) => {
      const x = truth(l(t, a));
      if (x === true) return true;
      const y = truth(r(t, a));
      if (y === true) return true;
      return x === null || y === null ? null : false;
    };
  }
  const left = compile(node.left, ctx);
  if (op === 'IN' || op === 'NOT IN') {
    const items = listOf(node.right, ctx);
    const numeric = numericNode(ctx, node.left);
    const negated = op === 'NOT IN';
    return (t, a) => {
      const v = left(t, a);
      if (v === null) return null;
      let unknown = false;
      for (const item of items) {
        const c = compareSql(v, item(t, a), numeric);
        if (c === 0) return !negated;
        if (c === null) unknown = true;
      }
      return unknown ? null : negated;
    };
  }
  if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
    const [lo, hi] = listOf(node.right, ctx);
    if (lo === undefined || hi === undefined) throw unsupported('BETWEEN without AND');
    const numeric = numericNode(ctx, node.left);
    return (t, a) => {
      const v = left(t, a);
      const x = compareSql(v, lo(t, a), numeric);
      const y = compareSql(v, hi(t, a), numeric);
      const r = x === null || y === null ? (x !== null && x < 0) || (y !== null && y > 0) ? false : null : x >= 0 && y <= 0;
      return op === 'BETWEEN' ? r : not(r);
    };
  }
  if (op === 'IS' || op === 'IS NOT') {
    const rightLit = literalOf(node.right, ctx.params);
    const negated = op === 'IS NOT';
    if (rightLit === null) return (t, a) => (left(t, a) === null) !== negated;
    if (typeof rightLit === 'boolean') return (t, a) => (truth(left(t, a)) === rightLit) !== negated;
    throw unsupported(`IS followed by ${JSON.stringify(node.right?.type)}`);
  }
  const right = compile(node.right, ctx);
  if (op === 'LIKE' || op === 'NOT LIKE') {
    const pattern = literalOf(node.right, ctx.params);
    const fixed = typeof pattern === 'string' ? likeRegExp(pattern) : undefined;
    return (t, a) => {
      const v = left(t, a);
      const p = fixed === undefined ? right(t, a) : pattern;
      if (v === null || p === null) return null;
      const re = fixed ?? likeRegExp(String(p));
      const r = re.test(typeof v === 'string' ? v : String(v));
      return op === 'LIKE' ? r : !r;
    };
  }
  const numeric = numericNode(ctx, node.left) || numericNode(ctx, node.right);
  switch (op) {
    case '=':
      return (t, a) => boolOf(compareSql(left(t, a), right(t, a), numeric), (c) => c === 0);
    case '!=':
    case '<>':
      return (t, a) => boolOf(compareSql(left(t, a), right(t, a), numeric), (c) => c !== 0);
    case '<':
      return (t, a) => boolOf(compareSql(left(t, a), right(t, a), numeric), (c) => c < 0);
    case '<=':
      return (t, a) => boolOf(compareSql(left(t, a), right(t, a), numeric), (c) => c <= 0);
    case '>':
      return (t, a) => boolOf(compareSql(left(t, a), right(t, a), numeric), (c) => c > 0);
    case '>=':
      return (t, a) => boolOf(compareSql(left(t, a), right(t, a), numeric), (c) => c >= 0);
    case '<=>':
      return (t, a) => {
        const x = left(t, a);
        const y = right(t, a);
        if (x === null || y === null) return x === null && y === null;
        return compareSql(x, y, numeric) === 0;
      };
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case 'MOD':
    case 'DIV':
      return (t, a) => arithmetic(op, left(t, a), right(t, a));
    case 'XOR':
      return (t, a) => {
        const x = truth(left(t, a));
        const y = truth(right(t, a));
        return x === null || y === null ? null : x !== y;
      };
    default:
      throw unsupported(`the operator ${node.operator}`);
  }
}

function boolOf(c: number | null, test: (c: number) => boolean): boolean | null {
  return c === null ? null : test(c);
}

function arithmetic(op: string, x: unknown, y: unknown): unknown {
  if (x === null || x === undefined || y === null || y === undefined) return null;
  const bigOk = (v: unknown): boolean => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
  if ((typeof x === 'bigint' || typeof y === 'bigint') && bigOk(x) && bigOk(y) && (op === '+' || op === '-' || op === '*')) {
    const a = BigInt(x as number | bigint);
    const b = BigInt(y as number | bigint);
    return op === '+' ? a + b : op === '-' ? a - b : a * b;
  }
  const a = typeof x === 'bigint' ? Number(x) : typeof x === 'boolean' ? Number(x) : Number(x);
  const b = typeof y === 'bigint' ? Number(y) : typeof y === 'boolean' ? Number(y) : Number(y);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
    case 'DIV':
      return b === 0 ? null : Math.trunc(a / b);
    default:
      return b === 0 ? null : a % b;
  }
}

function compileFunction(node: Node, ctx: CompileContext): Compiled {
  const name = functionName(node);
  const args = argsOf(node).map((n) => compile(n, ctx));
  const arg = (i: number): Compiled => {
    const f = args[i];
    if (f === undefined) throw new SqlError('INVALID_ARGUMENT', 'ER_WRONG_ARGUMENTS', `Incorrect parameter count in the call to native function '${name}'`);
    return f;
  };
  const str = (f: Compiled) => (t: Tuple, a?: readonly unknown[]) => {
    const v = f(t, a);
    return v === null ? null : v instanceof Date ? v.toISOString() : String(v);
  };
  switch (name) {
    case 'UPPER':
    case 'UCASE': {
      const f = str(arg(0));
      return (t, a) => (f(t, a) as string | null)?.toUpperCase() ?? null;
    }
    case 'LOWER':
    case 'LCASE': {
      const f = str(arg(0));
      return (t, a) => (f(t, a) as string | null)?.toLowerCase() ?? null;
    }
    case 'LENGTH':
    case 'OCTET_LENGTH': {
      const f = arg(0);
      return (t, a) => {
        const v = f(t, a);
        if (v === null) return null;
        return v instanceof Uint8Array ? v.length : Buffer.byteLength(String(v));
      };
    }
    case 'CHAR_LENGTH':
    case 'CHARACTER_LENGTH': {
      const f = str(arg(0));
      return (t, a) => {
        const v = f(t, a) as string | null;
        return v === null ? null : [...v].length;
      };
    }
    case 'CONCAT': {
      const fs = args.map(str);
      return (t, a) => {
        let out = '';
        for (const f of fs) {
          const v = f(t, a);
          if (v === null) return null;
          out += v;
        }
        return out;
      };
    }
    case 'COALESCE':
    case 'IFNULL':
      return (t, a) => {
        for (const f of args) {
          const v = f(t, a);
          if (v !== null && v !== undefined) return v;
        }
        return null;
      };
    case 'IF': {
      const [c, y, n] = [arg(0), arg(1), arg(2)];
      return (t, a) => (truth(c(t, a)) === true ? y(t, a) : n(t, a));
    }
    case 'ABS': {
      const f = arg(0);
      return (t, a) => {
        const v = f(t, a);
        if (v === null) return null;
        return typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(Number(v));
      };
    }
    case 'ROUND': {
      const f = arg(0);
      const d = args[1];
      return (t, a) => {
        const v = f(t, a);
        if (v === null) return null;
        const places = d === undefined ? 0 : Number(d(t, a));
        const m = 10 ** places;
        const n = Number(v);
        return (Math.sign(n) * Math.round(Math.abs(n) * m)) / m;
      };
    }
    case 'FLOOR':
    case 'CEIL':
    case 'CEILING': {
      const f = arg(0);
      const g = name === 'FLOOR' ? Math.floor : Math.ceil;
      return (t, a) => {
        const v = f(t, a);
        return v === null ? null : g(Number(v));
      };
    }
    case 'NOW':
    case 'CURRENT_TIMESTAMP':
    case 'SYSDATE':
      return () => new Date();
    case 'DATABASE':
    case 'SCHEMA': {
      const db = ctx.database;
      return () => db;
    }
    case 'VERSION':
      return () => '8.0.0-sett';
    case 'NOT': {
      // node-sql-parser reads `NOT (x)` as a call.
      const f = arg(0);
      return (t, a) => not(truth(f(t, a)));
    }
    default:
      throw unsupported(`the function ${name}()`);
  }
}

function compileCase(node: Node, ctx: CompileContext): Compiled {
  const subject = node.expr === null || node.expr === undefined ? undefined : compile(node.expr, ctx);
  const arms: { cond: Compiled | undefined; result: Compiled }[] = (node.args ?? []).map((arm: Node) => ({
    cond: arm.type === 'else' ? undefined : compile(arm.cond, ctx),
    result: compile(arm.result, ctx),
  }));
  return (t, a) => {
    const s = subject?.(t, a);
    for (const arm of arms) {
      if (arm.cond === undefined) return arm.result(t, a);
      const c = arm.cond(t, a);
      if (subject === undefined ? truth(c) === true : compareSql(s, c) === 0) return arm.result(t, a);
    }
    return null;
  };
}

/** Every aggregate call in `node` (not descending into them). */
export function collectAggregates(node: Node, out: Node[] = []): Node[] {
  if (node === null || node === undefined || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) collectAggregates(n, out);
    return out;
  }
  if (node.type === 'aggr_func') {
    out.push(node);
    return out;
  }
  for (const key of Object.keys(node)) if (key !== 'over') collectAggregates(node[key], out);
  return out;
}
