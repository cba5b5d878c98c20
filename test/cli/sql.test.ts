// `sett sql DIR`: one-shot statements (-e), --json, errors and their exit code, and the shell driven
// over stdin (a statement over several lines, then end of input).

import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { node, SETT, type Run } from './helpers.js';

/** `sett ...args` with `input` on stdin, and no history file. */
function settWithInput(input: string, ...args: string[]): Promise<Run> {
  return node(cli, args, { input, env: { SETT_SQL_HISTORY: '' } });
}

/** A run as text, for assertion messages: what a failing run printed is the diagnosis. */
const shown = (r: Run): string => `exit ${String(r.code)}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;

/** The run exited 0 with nothing on stderr. */
function expectOk(r: Run): void {
  expect(r.code, shown(r)).toBe(0);
  expect(r.stderr, shown(r)).toBe('');
}

/** No database under `dir` is left locked: each run released its locks before it exited. */
function expectUnlocked(dir: string, ...databases: string[]): void {
  for (const d of databases.length === 0 ? ['main'] : databases) expect(existsSync(join(dir, d, 'LOCK')), `${dir}/${d}/LOCK left behind`).toBe(false);
}

/** The run's stdout as one JSON object per line. */
const jsonLines = (r: Run): Record<string, unknown>[] =>
  r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not one JSON object per line:\n${shown(r)}`);
      }
    });

let root: string;
/** This file's own copy of the built CLI (see beforeAll). */
let cli: string;

/** `sett ...args`, run from this file's copy of dist/. */
const sett = (...args: string[]): Promise<Run> => node(cli, args);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sett-sql-cli-'));
  // The runs use a private copy of dist/src, taken once: a `sett sql` started while `npm run build`
  // (tsc) rewrites the shared dist/ — another test run, another worktree user — loads half-written
  // modules and fails before running anything ("does not provide an export named ...", printed as
  // the CLI's top-level error). That was this file's intermittent failure under heavy load.
  const builtSrc = dirname(dirname(SETT)); // <repo>/dist/src
  const repo = dirname(dirname(builtSrc));
  const copy = join(root, 'sett');
  cpSync(builtSrc, join(copy, 'dist', 'src'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
  cli = join(copy, 'dist', 'src', 'cli', 'main.js');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.concurrent('sett sql -e', () => {
  it('runs DDL, DML and SELECT, drawing the result as a table with a timing line', async () => {
    const dir = join(root, 'e');
    const r = await sett(
      'sql',
      dir,
      '--execute',
      "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, INDEX (name)) ENGINE=disk; INSERT INTO users (name) VALUES ('ada'), ('grace'); UPDATE users SET name = 'Ada' WHERE id = 1; SELECT * FROM users WHERE name = 'nobody'; SELECT id, name FROM users ORDER BY id;",
    );
    expectOk(r);
    expectUnlocked(dir);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Query OK, 0 rows affected in [\d.]+ (ms|s)$/);
    expect(lines.slice(1, 3)).toEqual([expect.stringMatching(/^Query OK, 2 rows affected in /), 'Insert id: 1']);
    expect(lines.slice(3, 5)).toEqual([expect.stringMatching(/^Query OK, 1 row affected in /), 'Rows matched: 1  Changed: 1']);
    expect(lines[5]).toMatch(/^Empty set in /);
    expect(lines.some((l) => /│ id\s*│ name\s*│/.test(l))).toBe(true);
    expect(lines.some((l) => /│ 1\s*│ Ada\s*│/.test(l))).toBe(true);
    expect(lines.some((l) => /│ 2\s*│ grace\s*│/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^2 rows in [\d.]+ (ms|s)$/);
  });

  it('--json prints one JSON object per statement; --database picks the database', async () => {
    const dir = join(root, 'json');
    const r = await sett(
      'sql',
      dir,
      '--json',
      '-e',
      "CREATE DATABASE shop; USE shop; CREATE TABLE t (id BIGINT PRIMARY KEY, note TEXT, b BLOB); INSERT INTO t VALUES (1, 'a;b', NULL), (2, NULL, 'hi'); SELECT * FROM t ORDER BY id",
    );
    expectOk(r);
    expectUnlocked(dir, 'main', 'shop');
    const out = jsonLines(r);
    expect(out).toHaveLength(5);
    expect(out.every((o) => o['ok'] === true)).toBe(true);
    expect(out[3]).toMatchObject({ statement: "INSERT INTO t VALUES (1, 'a;b', NULL), (2, NULL, 'hi')", affectedRows: 2, insertId: 0 });
    expect(out[4]).toMatchObject({
      fields: [
        { name: 'id', type: 'BIGINT' },
        { name: 'note', type: 'TEXT' },
        { name: 'b', type: 'BLOB' },
      ],
      rows: [
        { id: 1, note: 'a;b', b: null },
        { id: 2, note: null, b: '0x6869' },
      ],
    });
    expect(typeof out[4]!['ms']).toBe('number');
    const other = await sett('sql', dir, '--database', 'shop', '--json', '-e', 'SELECT COUNT(*) AS n FROM t');
    expectOk(other);
    expect(jsonLines(other)).toMatchObject([{ ok: true, statement: 'USE `shop`' }, { ok: true, rows: [{ n: 2 }] }]);
  });

  it('an SQL error exits 1 with the MySQL errno and SQLSTATE; statements after it do not run', async () => {
    const dir = join(root, 'err');
    const [dup, syntax] = await Promise.all([
      sett('sql', dir, '--json', '-e', 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); CREATE TABLE after_error (id INT PRIMARY KEY)'),
      sett('sql', join(root, 'err-syntax'), '-e', 'SELEC 1'),
    ]);
    expect(dup.code, shown(dup)).toBe(1);
    expect(dup.stderr).toContain("ERROR 1062 (23000): Duplicate entry '1' for key 'PRIMARY'");
    const out = jsonLines(dup);
    expect(out).toHaveLength(3); // nothing after the error ran
    expectUnlocked(dir); // an error exit releases the lock too
    expect(out[2]).toMatchObject({ ok: false, statement: 'INSERT INTO t VALUES (1)', error: { code: 'DUPLICATE_KEY', errno: 1062, sqlState: '23000' } });
    expect(syntax.code, shown(syntax)).toBe(1);
    expect(syntax.stderr).toContain('ERROR 1064 (42000): You have an error in your SQL syntax');
    const unknownDb = await sett('sql', dir, '--database', 'nodb', '-e', 'SHOW TABLES');
    expect(unknownDb.code, shown(unknownDb)).toBe(1);
    expect(unknownDb.stderr).toContain("ERROR 1049 (42000): Unknown database 'nodb'");
  });
});

describe.concurrent('sett sql (the shell over stdin)', () => {
  it('runs a statement written over several lines, with ; inside strings, and closes at end of input', async () => {
    const dir = join(root, 'repl');
    const input = [
      'CREATE TABLE notes (',
      '  id INT PRIMARY KEY AUTO_INCREMENT,',
      '  body VARCHAR(100)',
      ') ENGINE=disk;',
      "INSERT INTO notes (body) VALUES ('one; two'),",
      "  ('three');",
      'SELECT id, body',
      '  FROM notes -- a comment; not the end',
      '  ORDER BY id',
      ';',
      'SELECT COUNT(*) AS n FROM notes', // no `;`: runs at end of input
    ].join('\n');
    const r = await settWithInput(input, 'sql', dir);
    expectOk(r);
    expectUnlocked(dir);
    expect(r.stdout).toContain('Query OK, 2 rows affected');
    expect(r.stdout).toMatch(/│ 1\s*│ one; two\s*│/);
    expect(r.stdout).toMatch(/│ 2\s*│ three\s*│/);
    expect(r.stdout).toMatch(/2 rows in [\d.]+ (ms|s)/);
    expect(r.stdout).toMatch(/│ n\s*│\n/);
    // Closed cleanly: the data is there for the next run (and the directory is not left locked).
    const again = await sett('sql', dir, '--json', '-e', 'SELECT body FROM notes WHERE id = 2');
    expectOk(again);
    expectUnlocked(dir);
    expect(jsonLines(again)[0]).toMatchObject({ rows: [{ body: 'three' }] });
  });

  it('.exit leaves before the rest of the input; an error in piped input stops with exit 1', async () => {
    const dir = join(root, 'repl-exit');
    const quit = await settWithInput('CREATE TABLE a (id INT PRIMARY KEY);\n.exit\nCREATE TABLE b (id INT PRIMARY KEY);\n', 'sql', dir);
    expectOk(quit);
    expectUnlocked(dir);
    const failed = await settWithInput('SELECT * FROM missing;\nCREATE TABLE c (id INT PRIMARY KEY);\n', 'sql', dir);
    expect(failed.code, shown(failed)).toBe(1);
    expect(failed.stderr).toContain("ERROR 1146 (42S02): Table 'main.missing' doesn't exist");
    const tables = await settWithInput('SHOW TABLES;\n', 'sql', dir, '--json');
    expectOk(tables);
    expectUnlocked(dir);
    expect(jsonLines(tables)).toMatchObject([{ ok: true, rows: [{ Tables_in_main: 'a' }] }]);
  });
});
