// `sett sql DIR [-e STATEMENTS] [--database D] [--json]`: an SQL shell over `openSql({ dataDir: DIR })`
// (sett/sql, docs/sql.md; `defaultPersistent: true`: CREATE TABLE without ENGINE is on disk). Statements end with `;` (outside strings and comments) and may span
// lines; results are drawn as tables with a timing line, or with --json as one JSON object per
// statement (one line each). `-e` runs its statements and exits: 0 when all succeeded, 1 at the
// first SQL error (its MySQL errno in the message). Interactive: history in memory, and in
// ~/.sett_sql_history when that file can be written ($SETT_SQL_HISTORY picks another file; empty:
// none). Piped stdin (not a terminal) is run like `mysql < script.sql`: it stops at the first error
// with exit 1. `.exit`, `quit`, `exit`, `\q` or end of input leave and close the database.

import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { openSql, SqlError, type SqlResult, type SqlSession } from '../../sql/index.js';
import { EXIT, type ExitCode } from '../errors.js';
import { bad, dim, renderTable } from '../format.js';

export interface SqlCommandOptions {
  json: boolean;
  /** `-e`: statements to run instead of the shell. */
  execute?: string | undefined;
  /** Start in this database instead of `main`. */
  database?: string | undefined;
}

const HISTORY_SIZE = 1000;

/**
 * Splits `text` at each `;` outside quoted strings, quoted names and comments. `complete` holds the
 * finished statements (trimmed, without their `;`, empty ones dropped); `rest` the unfinished tail.
 */
export function splitStatements(text: string): { complete: string[]; rest: string } {
  const complete: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n) {
        if (text[j] === '\\' && c !== '`') j += 2;
        else if (text[j] === c) {
          if (text[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      if (j >= n) return { complete, rest: text.slice(start) }; // an open string: the statement goes on
      i = j + 1;
    } else if ((c === '-' && text[i + 1] === '-' && (i + 2 >= n || /\s/.test(text[i + 2]!))) || c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return { complete, rest: text.slice(start) };
      i = end + 2;
    } else if (c === ';') {
      const s = text.slice(start, i).trim();
      if (s !== '' && !onlyComments(s)) complete.push(s);
      start = i + 1;
      i++;
    } else i++;
  }
  return { complete, rest: text.slice(start) };
}

function onlyComments(s: string): boolean {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(--\s|#)[^\n]*/g, '').trim() === '';
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A DATE as MySQL writes it (sett's DATEs are UTC midnights). */
export function dateText(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** A DATETIME / TIMESTAMP as MySQL writes it, in local time (as sett reads '2024-01-02 10:00:00'). */
export function dateTimeText(d: Date): string {
  const ms = d.getMilliseconds();
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${ms === 0 ? '' : `.${pad(ms, 3)}`}`;
}

/** One value as a table cell. */
function cell(v: unknown, type: string | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return type === 'DATE' ? dateText(v) : dateTimeText(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** One value for --json: bigint as a number when exact, else a string; bytes as 0x + hex; dates as ISO strings. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  return v;
}

function jsonResult(statement: string, r: SqlResult, ms: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ok: true, statement, ms: Number(ms.toFixed(3)) };
  if (r.fields.length > 0) {
    out['fields'] = r.fields;
    out['rows'] = r.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])));
  } else {
    out['affectedRows'] = r.affectedRows;
    out['insertId'] = jsonValue(r.insertId);
    if (r.matchedRows !== undefined) out['matchedRows'] = r.matchedRows;
  }
  return out;
}

const timing = (ms: number): string => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

function textResult(r: SqlResult, ms: number): string {
  if (r.fields.length > 0) {
    const n = r.rows.length;
    if (n === 0) return dim(`Empty set in ${timing(ms)}`);
    const table = renderTable(
      r.fields.map((f) => f.name),
      r.rows.map((row) => r.fields.map((f) => cell(row[f.name], f.type))),
    );
    return `${table}\n${dim(`${n} ${n === 1 ? 'row' : 'rows'} in ${timing(ms)}`)}`;
  }
  const parts = [`Query OK, ${r.affectedRows} ${r.affectedRows === 1 ? 'row' : 'rows'} affected in ${timing(ms)}`];
  if (r.matchedRows !== undefined) parts.push(`Rows matched: ${r.matchedRows}  Changed: ${r.affectedRows}`);
  if (r.insertId !== 0 && r.insertId !== 0n) parts.push(`Insert id: ${String(r.insertId)}`);
  return dim(parts.join('\n'));
}

/** `ERROR 1146 (42S02): Table 'main.t' doesn't exist`, as the mysql client says it. */
export function sqlErrorText(err: unknown): string {
  if (err instanceof SqlError) return `ERROR ${String(err.errno)} (${err.sqlState}): ${err.sqlMessage}`;
  return `ERROR: ${err instanceof Error ? err.message : String(err)}`;
}

function jsonError(statement: string, err: unknown): Record<string, unknown> {
  if (err instanceof SqlError) {
    return { ok: false, statement, error: { code: err.code, errno: err.errno, sqlState: err.sqlState, message: err.sqlMessage, ...(err.position === undefined ? {} : { position: err.position }) } };
  }
  return { ok: false, statement, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

class Shell {
  constructor(
    private readonly session: SqlSession,
    private readonly json: boolean,
  ) {}

  /** Runs one statement and prints its result or error; whether it succeeded. */
  async run(statement: string): Promise<boolean> {
    const t0 = performance.now();
    try {
      const r = await this.session.execute(statement);
      const ms = performance.now() - t0;
      process.stdout.write(`${this.json ? JSON.stringify(jsonResult(statement, r, ms)) : textResult(r, ms)}\n`);
      return true;
    } catch (err) {
      if (this.json) process.stdout.write(`${JSON.stringify(jsonError(statement, err))}\n`);
      process.stderr.write(`${bad(sqlErrorText(err))}\n`);
      return false;
    }
  }
}

function historyFile(): string | undefined {
  const env = process.env['SETT_SQL_HISTORY'];
  if (env !== undefined) return env === '' ? undefined : env;
  try {
    return join(homedir(), '.sett_sql_history');
  } catch {
    return undefined;
  }
}

function loadHistory(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

const QUIT = new Set(['.exit', '.quit', 'exit', 'quit', '\\q']);

export async function sqlCommand(dir: string, options: SqlCommandOptions): Promise<ExitCode> {
  // A table created without ENGINE= goes to disk: this is a data directory (ENGINE=memory opts out).
  const db = await openSql({ dataDir: dir, defaultPersistent: true });
  try {
    const session = db.session();
    const shell = new Shell(session, options.json);
    if (options.database !== undefined && !(await shell.run(`USE \`${options.database.replace(/`/g, '``')}\``))) return EXIT.failed;
    if (options.execute !== undefined) {
      const { complete, rest } = splitStatements(options.execute);
      if (rest.trim() !== '' && !onlyComments(rest.trim())) complete.push(rest.trim());
      for (const s of complete) if (!(await shell.run(s))) return EXIT.failed;
      return EXIT.ok;
    }
    return await repl(shell);
  } finally {
    await db.close();
  }
}

async function repl(shell: Shell): Promise<ExitCode> {
  const interactive = process.stdin.isTTY === true;
  let file = interactive ? historyFile() : undefined;
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    historySize: HISTORY_SIZE,
    history: loadHistory(file),
    removeHistoryDuplicates: true,
  });
  const remember = (text: string): void => {
    if (file === undefined) return;
    try {
      appendFileSync(file, `${text.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
    } catch {
      file = undefined; // not writable: in-memory history only
    }
  };
  const prompt = (pending: boolean): void => {
    if (!interactive) return;
    rl.setPrompt(pending ? '    -> ' : 'sett> ');
    rl.prompt();
  };
  if (interactive) process.stdout.write(dim('sett sql: statements end with ;  .exit or Ctrl-D to leave\n'));
  let buffer = '';
  let code: ExitCode = EXIT.ok;
  prompt(false);
  try {
    for await (const line of rl) {
      if (buffer.trim() === '' && QUIT.has(line.trim().replace(/;$/, '').toLowerCase())) break;
      buffer = buffer === '' ? line : `${buffer}\n${line}`;
      const { complete, rest } = splitStatements(buffer);
      buffer = rest.trim() === '' ? '' : rest;
      for (const s of complete) {
        remember(`${s};`);
        if (!(await shell.run(s)) && !interactive) {
          code = EXIT.failed;
          return code;
        }
      }
      prompt(buffer !== '');
    }
    // End of input: a last statement without its `;` still runs (as the mysql client does).
    const last = buffer.trim();
    if (last !== '' && !onlyComments(last)) {
      remember(last);
      if (!(await shell.run(last)) && !interactive) code = EXIT.failed;
    }
    if (interactive) process.stdout.write('\n');
    return code;
  } finally {
    rl.close();
  }
}
