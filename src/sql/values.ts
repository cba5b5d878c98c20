// Values in SQL expressions: literals out of the AST (with `?` parameters bound), SQL comparison
// (typed, NULL is unknown), truth, LIKE, and a key that tells values apart for GROUP BY / DISTINCT.

import { invalid, unsupported } from './errors.js';
import { PARAM_PREFIX, type Node } from './parse.js';

/** Returned by `literalOf` for a node that is not a literal. */
export const NOT_LITERAL = Symbol('not a literal');

/** The value of a literal or parameter node, or NOT_LITERAL. */
export function literalOf(node: Node, params: readonly unknown[]): unknown {
  if (node === null || node === undefined || typeof node !== 'object') return NOT_LITERAL;
  switch (node.type) {
    case 'number':
      return typeof node.value === 'number' ? node.value : numberText(String(node.value));
    case 'bigint':
      return numberText(String(node.value));
    case 'single_quote_string':
    case 'double_quote_string':
    case 'natural_string':
    case 'string':
      return unescapeString(String(node.value));
    case 'bool':
    case 'boolean':
      return node.value === true || String(node.value).toUpperCase() === 'TRUE';
    case 'null':
      return null;
    case 'param':
      return paramValue(node, params);
    case 'hex_string':
    case 'full_hex_string':
      return Buffer.from(String(node.value), 'hex');
    case 'unary_expr':
      if (node.operator === '-') {
        const v = literalOf(node.expr, params);
        if (typeof v === 'number') return -v;
        if (typeof v === 'bigint') return -v;
      }
      return NOT_LITERAL;
    default:
      return NOT_LITERAL;
  }
}

export function paramValue(node: Node, params: readonly unknown[]): unknown {
  const name = String(node.value);
  if (!name.startsWith(PARAM_PREFIX)) throw unsupported(`named parameters (:${name}); use ?`);
  const i = Number(name.slice(PARAM_PREFIX.length));
  if (i >= params.length) throw invalid(`the statement has a parameter ${i + 1} (?) but ${params.length} values were given`);
  const v = params[i];
  return v === undefined ? null : v;
}

function numberText(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number(text);
}

/** MySQL's escapes in a quoted string: '' for ', and backslash sequences. */
export function unescapeString(raw: string): string {
  if (!raw.includes('\\') && !raw.includes("''") && !raw.includes('""')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const d = raw[++i]!;
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', Z: '\x1a', b: '\b' };
      // \% and \_ keep their backslash (MySQL), so LIKE patterns still see the escape.
      out += d === '%' || d === '_' ? '\\' + d : (map[d] ?? d);
    } else if ((c === "'" || c === '"') && raw[i + 1] === c) {
      out += c;
      i++;
    } else out += c;
  }
  return out;
}

/** SQL truth: true, false, or null (unknown). */
export function truth(v: unknown): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') {
    const n = Number.parseFloat(v);
    return Number.isNaN(n) ? false : n !== 0;
  }
  return true;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const n = Number.parseFloat(v);
    return Number.isNaN(n) ? 0 : n;
  }
  return Number.NaN;
}

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

/**
 * SQL comparison: negative, zero, positive, or null when either side is NULL. `numeric` compares
 * both sides as numbers (a DECIMAL column's strings). Strings compare binary (case-sensitive).
 */
export function compareSql(a: unknown, b: unknown, numeric = false): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (numeric) return cmp(toNumber(a), toNumber(b));
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if ((typeof a === 'bigint' || Number.isInteger(a)) && (typeof b === 'bigint' || Number.isInteger(b))) {
      const x = BigInt(a as number | bigint);
      const y = BigInt(b as number | bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return cmp(toNumber(a), toNumber(b));
  }
  if (isNumeric(a) || isNumeric(b)) return cmp(toNumber(a), toNumber(b));
  if (a instanceof Date || b instanceof Date) {
    const x = a instanceof Date ? a.getTime() : Date.parse(String(a));
    const y = b instanceof Date ? b.getTime() : Date.parse(String(b));
    return cmp(x, y);
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = typeof a === 'string' ? a : JSON.stringify(a);
  const y = typeof b === 'string' ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function cmp(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sort order: NULL first ascending (TABLES.md §7), then `compareSql`. */
export function sortCompare(a: unknown, b: unknown, numeric = false): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return compareSql(a, b, numeric)!;
}

/** LIKE's `%` and `_`, `\` escaping; binary (case-sensitive), as the table layer's LIKE. */
export function likeRegExp(pattern: string): RegExp {
  let out = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) out += escapeRe(chars[++i]!);
    else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += escapeRe(c);
  }
  return new RegExp(out + '$', 'su');
}

function escapeRe(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** A string that is equal for values SQL's GROUP BY / DISTINCT treat as one (NULLs group together). */
export function groupKey(values: readonly unknown[]): string {
  return values.map(keyOf).join('\u0001');
}

function keyOf(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  if (typeof v === 'number') return 'n' + (v === 0 ? '0' : String(v));
  if (typeof v === 'bigint') return 'n' + v.toString();
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'boolean') return 'n' + (v ? '1' : '0');
  if (v instanceof Date) return 'd' + v.getTime();
  if (v instanceof Uint8Array) return 'b' + Buffer.from(v).toString('hex');
  return 'j' + JSON.stringify(v);
}
