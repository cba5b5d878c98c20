// SQL text to node-sql-parser's AST (MySQL dialect). `?` placeholders are renamed `:sett_pN` before
// parsing — found by a scan that skips quoted strings, quoted names and comments, not by a parser —
// so each parameter node carries its position in `params` whatever order the AST is walked in.
// The same scan writes a negative integer literal beyond 2^53 (`-9223372036854775808`) as a minus
// before a positive one (` - 9223372036854775808`): node-sql-parser gives a positive integer beyond
// 2^53 as its text (a `bigint` node) but a negative one as a double, which would lose digits.
// Before the AST is frozen, a quoted table qualifier (`` `users`.`name` ``, which node-sql-parser
// gives as `{ type: 'backticks_quote_string', value }`) becomes its name, as an unquoted one is.
// A syntax error becomes 1064 with the position in the caller's text.

import nodeSqlParser from 'node-sql-parser';
import { SqlError, type SqlPosition } from './errors.js';

/** A node of node-sql-parser's AST; its shapes are loose, so this layer reads them defensively. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;

const parser = new nodeSqlParser.Parser();
const OPTIONS = { database: 'MySQL' };
export const PARAM_PREFIX = 'sett_p';

export interface Parsed {
  statements: Node[];
  /** How many `?` placeholders the text holds. */
  placeholders: number;
}

/** Statements parsed lately, by their text (what prepared statements buy MySQL's clients). */
const PARSE_CACHE_ENTRIES = 512;
/** Longer texts (bulk INSERTs of literal values) are parsed each time rather than kept. */
const PARSE_CACHE_MAX_TEXT = 256 * 1024;
const parsedByText = new Map<string, { parsed: Parsed; used: number }>();
/** Stamps uses: a hit only writes its stamp, and the scan for the least recent runs on a miss, beside a parse. */
let uses = 0;

/**
 * The statements of `sql`. Parsing is most of a small statement's cost (node-sql-parser takes about
 * a millisecond for a point SELECT), and applications repeat their texts with `?` parameters, so
 * parses are cached by text, least recently used out. Cached ASTs are frozen: a caller that
 * mutated one would change every later execution of the text, so it fails loudly instead.
 */
export function parseSql(sql: string): Parsed {
  if (typeof sql !== 'string') throw new SqlError('INVALID_ARGUMENT', 'ER_WRONG_ARGUMENTS', 'execute takes an SQL string');
  const cached = parsedByText.get(sql);
  if (cached !== undefined) {
    cached.used = ++uses;
    return cached.parsed;
  }
  const { text, edits, placeholders } = rewrite(sql);
  let ast: Node;
  try {
    ast = parser.astify(text, OPTIONS);
  } catch (e) {
    throw syntaxError(sql, e, edits);
  }
  const statements = (Array.isArray(ast) ? ast : [ast]).filter((s: Node) => s !== null && s !== undefined);
  const parsed: Parsed = settle({ statements, placeholders });
  if (sql.length <= PARSE_CACHE_MAX_TEXT) {
    if (parsedByText.size >= PARSE_CACHE_ENTRIES) evictLeastRecent();
    parsedByText.set(sql, { parsed, used: ++uses });
  }
  return parsed;
}

function evictLeastRecent(): void {
  let oldest: string | undefined;
  let at = Infinity;
  for (const [text, entry] of parsedByText) {
    if (entry.used < at) {
      at = entry.used;
      oldest = text;
    }
  }
  if (oldest !== undefined) parsedByText.delete(oldest);
}

/** `value` frozen, all the way down, with each column reference's quoted qualifiers made names. */
function settle<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    const node = value as Node;
    if (node.type === 'column_ref') {
      if (isQuotedName(node.table)) node.table = String(node.table.value);
      if (isQuotedName(node.db)) node.db = String(node.db.value);
      if (isQuotedName(node.schema)) node.schema = String(node.schema.value);
    }
    Object.freeze(value);
    for (const v of Object.values(value as object)) settle(v);
  }
  return value;
}

function isQuotedName(v: Node): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.type === 'string' && v.type.endsWith('_quote_string') && v.value !== undefined;
}

/** A change `rewrite` made: at `at` in the new text, `length` characters stand for `was` of the caller's. */
interface Edit {
  at: number;
  length: number;
  was: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The caller's text with, outside strings, quoted names and comments, each `?` renamed
 * `:sett_p0`, `:sett_p1`, ... and each negative integer literal beyond 2^53 written ` - N`.
 */
function rewrite(sql: string): { text: string; edits: Edit[]; placeholders: number } {
  let out = '';
  const edits: Edit[] = [];
  let placeholders = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === '\\' && c !== '`') j += 2;
        else if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if ((c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!))) || c === '#') {
      const end = sql.indexOf('\n', i);
      const j = end < 0 ? n : end;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end < 0 ? n : end + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '?') {
      const name = `:${PARAM_PREFIX}${placeholders++}`;
      edits.push({ at: out.length, length: name.length, was: 1 });
      out += name;
      i++;
    } else if (c === '-' && isDigit(sql[i + 1]) && !afterExponent(sql, i)) {
      let j = i + 1;
      while (isDigit(sql[j])) j++;
      const digits = sql.slice(i + 1, j);
      if (!/[.\w$]/.test(sql[j] ?? '') && BigInt(digits) > MAX_SAFE) {
        edits.push({ at: out.length, length: 3, was: 1 });
        out += ' - ';
      } else out += '-';
      out += digits;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, edits, placeholders };
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Whether the `-` at `i` is an exponent's sign (`1e-5`, `.5E-3`). */
function afterExponent(sql: string, i: number): boolean {
  const e = sql[i - 1];
  if (e !== 'e' && e !== 'E') return false;
  let k = i - 2;
  while (k >= 0 && (isDigit(sql[k]) || sql[k] === '.')) k--;
  return k < i - 2 && !/[\w$]/.test(sql[k] ?? '');
}

function syntaxError(sql: string, e: unknown, edits: Edit[]): SqlError {
  const loc = (e as { location?: { start?: { offset?: number } } }).location?.start;
  let position: SqlPosition | undefined;
  if (typeof loc?.offset === 'number') {
    // Map the offset in the renamed text back to the caller's text.
    let offset = loc.offset;
    for (let k = edits.length - 1; k >= 0; k--) {
      const { at, length, was } = edits[k]!;
      if (offset >= at + length) offset -= length - was;
      else if (offset > at) offset = at;
    }
    const before = sql.slice(0, offset);
    const line = before.split('\n').length;
    position = { offset, line, column: offset - before.lastIndexOf('\n') };
  }
  const near = position === undefined ? '' : sql.slice(position.offset, position.offset + 40);
  const message = `You have an error in your SQL syntax near '${near}' at line ${position?.line ?? 1}${position === undefined ? '' : `, column ${position.column}`}`;
  return new SqlError('INVALID_ARGUMENT', 'ER_PARSE_ERROR', message, { cause: e, position });
}
