// `npm run demo:tables`: the table layer (`sett/table`) on a data directory under the working
// directory: a users table with a unique email and a secondary index on age, 1,000,000 rows
// inserted in batches of 1,000, then an indexed and an unindexed query, each with its plan
// (`explain`) and its timing. `npm run demo` runs a shorter version of it (100,000 rows) at its
// end through `runTablesDemo`.

import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openTables, type Plan, type QueryOptions, type Tables } from '../src/table/index.js';
import { UserData } from './tables/data.js';
import { USERS_TABLE } from './tables/users-table.js';

export const TABLES_DEMO_DIR = 'sett-tables-data';
const BATCH = 1000;

export interface TablesDemoOptions {
  dir: string;
  rows: number;
  /** Seed of the generated rows. */
  seed?: number;
}

export async function runTablesDemo(opts: TablesDemoOptions): Promise<void> {
  const dir = resolve(opts.dir);
  rmSync(dir, { recursive: true, force: true });
  console.log(`sett tables demo: ${opts.rows.toLocaleString('en-US')} users in ${dir}\n`);
  const t = await openTables(dir);
  try {
    await t.createTable(USERS_TABLE);
    console.log('  users (id INT primary auto-increment, name VARCHAR(64), email VARCHAR(255) unique, age INT, city VARCHAR(64)), index by_age (age)');

    const data = new UserData(opts.seed ?? 301);
    const progress = new Progress(opts.rows);
    const t0 = performance.now();
    for (let from = 0; from < opts.rows; from += BATCH) {
      const to = Math.min(opts.rows, from + BATCH);
      await t.insert('users', data.rows(from, to) as unknown as Record<string, unknown>[]);
      progress.show(to, performance.now() - t0);
    }
    progress.done(performance.now() - t0);

    await showQuery(t, 'indexed query: age = 42 ORDER BY id LIMIT 10', { where: { column: 'age', op: '=', value: 42 }, orderBy: [{ column: 'id' }], limit: 10 }, 1000);
    await showQuery(t, 'unindexed query: city = Lisbon (full scan)', { where: { column: 'city', op: '=', value: 'Lisbon' } }, 3);

    const c0 = performance.now();
    await t.close();
    console.log(`\n  close                         ${(performance.now() - c0).toFixed(0).padStart(8)} ms`);
  } catch (e) {
    await t.close().catch(() => undefined);
    throw e;
  }
}

/** Prints the query's plan, then times it: the first run, and the median of `repeats` more. */
async function showQuery(t: Tables, title: string, query: QueryOptions, repeats: number): Promise<void> {
  console.log(`\n  ${title}`);
  console.log(`    plan: ${describePlan(t.explain('users', query))}`);
  let start = performance.now();
  const first = t.querySync('users', query);
  const firstMs = performance.now() - start;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    start = performance.now();
    t.querySync('users', query);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`    ${first.rows.length.toLocaleString('en-US')} rows; first run ${formatMs(firstMs)}, median of ${repeats} more ${formatMs(median)}`);
  for (const row of first.rows.slice(0, 3)) console.log(`    ${JSON.stringify(row)}`);
  if (first.rows.length > 3) console.log(`    ... ${(first.rows.length - 3).toLocaleString('en-US')} more`);
}

function describePlan(p: Plan): string {
  const parts = [`${p.access} on ${p.index}`];
  if (p.ranges.length > 0) parts.push(`key ranges ${p.ranges.map(describeRange).join(' ')}`);
  parts.push(p.residual === undefined ? 'no residual filter' : `filter ${JSON.stringify(p.residual)}`);
  parts.push(p.sort ? 'sorts' : 'no sort');
  if (p.limitPushedDown) parts.push('limit pushed down');
  if (p.covering) parts.push('covering');
  return parts.join(', ');
}

function describeRange(r: Plan['ranges'][number]): string {
  const bound = (v: unknown[] | undefined, open: string): string => (v === undefined ? open : v.map((x) => JSON.stringify(x)).join(','));
  return `${r.lowInclusive ? '[' : '('}${bound(r.low, '-inf')} .. ${bound(r.high, '+inf')}${r.highInclusive ? ']' : ')'}`;
}

function formatMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

/** `insert` progress: rewritten in place on a terminal, every 10% otherwise. */
class Progress {
  private lastTenth = -1;

  constructor(private readonly total: number) {}

  show(done: number, ms: number): void {
    const text = `  insert (batches of ${BATCH})   ${done.toLocaleString('en-US').padStart(10)} / ${this.total.toLocaleString('en-US')} rows, ${rate(done, ms)}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${text}\x1b[K`);
    else {
      const tenth = Math.floor((10 * done) / this.total);
      if (tenth !== this.lastTenth && done < this.total) console.log(text);
      this.lastTenth = tenth;
    }
  }

  done(ms: number): void {
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
    console.log(`  insert (batches of ${BATCH})   ${this.total.toLocaleString('en-US').padStart(10)} rows in ${ms.toFixed(0)} ms, ${rate(this.total, ms)}`);
  }
}

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')} rows/s`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = Number(process.env['SETT_DEMO_TABLES_ROWS'] ?? 1_000_000);
  runTablesDemo({ dir: process.argv[2] ?? TABLES_DEMO_DIR, rows }).then(
    () => console.log('\nok'),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
