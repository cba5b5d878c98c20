// `npm run bench:floor`: what a memory table's update costs at the bottom — the bare inMemory
// engine's read and write of a row, with no table layer above them — beside SQLite `:memory:`'s
// whole UPDATE statement, in one process, the rounds interleaved. bench:tables' hybrid memory
// rows are the table layer over this same engine (the hybrid layer opens it so); if the engine's
// read alone, or its read and write together, take longer than SQLite's whole statement, no table
// layer over it can reach TABLES.md §6's "update by primary key >= 1.0x".
//
//   --n 1000000   rows loaded into both (default 1,000,000, TABLES.md §6's table)
//   --ops 100000  operations per measurement and round (default 100,000)
//   --rounds 3    interleaved rounds; the best round of each is reported
//   --quick       --n 100000 --ops 20000
//
// Measured, per random id (the same ids for every operation):
//   SQLite UPDATE       UPDATE users SET city = ? WHERE id = ? (.run, autocommit), bench:tables' statement
//   SQLite get          SELECT * FROM users WHERE id = ? (.get)
//   sett update         await tables.update(users, id = v, { city }): the whole statement
//   sett getSync        db.getSync(row key): the engine's read of the row's bytes, no decoding
//   sett get + put      v = db.getSync(key); await db.put(key, v): the engine's read and write of
//                       a row, no table layer, transaction, decoding or encoding

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { open } from '../../src/db/index.js';
import { openTables } from '../../src/table/index.js';
import { formatRatio, printTable } from '../lib/table.js';
import { nowMs } from '../lib/timing.js';
import { UniformStream, UserData, type UserRow } from './data.js';
import { SQLITE_SCHEMA } from './sqlite.js';
import { USERS, USERS_TABLE } from './users-table.js';

const require = createRequire(import.meta.url);

export interface FloorArgs {
  num: number;
  ops: number;
  rounds: number;
}

export const FLOOR_USAGE = 'usage: node dist/bench/tables/floor.js [--n 1000000] [--ops 100000] [--rounds 3] [--quick]';

export function parseFloorArgs(argv: readonly string[]): FloorArgs {
  const out: FloorArgs = { num: 1_000_000, ops: 100_000, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') {
      out.num = 100_000;
      out.ops = 20_000;
      continue;
    }
    const key = ({ '--n': 'num', '--ops': 'ops', '--rounds': 'rounds' } as const)[arg];
    if (key === undefined) throw new Error(`unknown argument ${JSON.stringify(arg)}\n${FLOOR_USAGE}`);
    const raw = argv[++i];
    const n = Number(raw?.replace(/_/g, ''));
    if (raw === undefined || !Number.isSafeInteger(n) || n < 1) throw new Error(`${arg} needs a positive integer, got ${JSON.stringify(raw)}\n${FLOOR_USAGE}`);
    out[key] = n;
  }
  return out;
}

/** The best round of each measurement, in microseconds per operation. */
export type FloorResult = Record<FloorMeasure, number>;
export type FloorMeasure = 'sqliteUpdate' | 'sqliteGet' | 'settUpdate' | 'settGetSync' | 'settGetPut';

const CITIES = ['Paris', 'Oslo', 'Lima', 'Rome'] as const;
const BATCH = 1000;

export async function runFloor(args: FloorArgs, log: (line: string) => void = () => {}): Promise<FloorResult> {
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const sqlite = new Database(':memory:');
  for (const sql of SQLITE_SCHEMA) sqlite.exec(sql);
  const insert = sqlite.prepare<[UserRow]>('INSERT INTO users (name, email, age, city) VALUES (@name, @email, @age, @city)');
  const insertMany = sqlite.transaction((rows: UserRow[]) => {
    for (const row of rows) insert.run(row);
  });
  const update = sqlite.prepare<[string, number]>('UPDATE users SET city = ? WHERE id = ?');
  const select = sqlite.prepare<[number]>('SELECT * FROM users WHERE id = ?');

  // The engine as the hybrid layer opens its memory side (src/hybrid/hybrid.ts).
  const db = await open({ inMemory: true, executor: 'worker' });
  const tables = await openTables({ db });
  try {
    await tables.createTable(USERS_TABLE);
    const data = new UserData(1);
    for (let from = 0; from < args.num; from += BATCH) {
      const rows = data.rows(from, Math.min(args.num, from + BATCH));
      insertMany(rows);
      await tables.insert(USERS, rows as unknown as Record<string, unknown>[]);
      if (from % 100_000 === 0) log(`loaded ${from.toLocaleString('en-US')} rows`);
    }
    await db.waitForBackgroundWork();

    // Every measurement of every round reads its own random ids: one that read the rows another
    // just wrote would find them in the memtable, the cheapest place an LSM can look.
    let ids: number[] = [];
    let keys: Buffer[] = [];
    const draw = (stream: number): void => {
      ids = new UniformStream(1, 100 + stream, 1, args.num).fill([], args.ops);
      // The row keys as the table layer spells them (pkString: the key's bytes as latin1).
      keys = ids.map((id) => Buffer.from(tables.pkString(USERS, id), 'latin1'));
    };
    const measures: Record<FloorMeasure, () => Promise<void>> = {
      sqliteUpdate: async () => {
        for (let i = 0; i < ids.length; i++) update.run(CITIES[i & 3]!, ids[i]!);
      },
      sqliteGet: async () => {
        for (let i = 0; i < ids.length; i++) select.get(ids[i]!);
      },
      settGetSync: async () => {
        // A key spelled unlike the table layer's would miss, and a miss is cheaper than a read.
        for (let i = 0; i < keys.length; i++) if (db.getSync(keys[i]!) === undefined) throw new Error(`bench:floor: row ${ids[i]} is not under the key it was looked up by`);
      },
      settGetPut: async () => {
        for (let i = 0; i < keys.length; i++) await db.put(keys[i]!, db.getSync(keys[i]!)!);
      },
      settUpdate: async () => {
        for (let i = 0; i < ids.length; i++) await tables.update(USERS, { column: 'id', op: '=', value: ids[i]! }, { city: CITIES[i & 3]! });
      },
    };
    const best = {} as FloorResult;
    for (let round = 0; round < args.rounds; round++) {
      for (const [m, [name, run]] of (Object.entries(measures) as [FloorMeasure, () => Promise<void>][]).entries()) {
        draw(round * 16 + m);
        const start = nowMs();
        await run();
        const us = ((nowMs() - start) * 1000) / ids.length;
        best[name] = Math.min(best[name] ?? Infinity, us);
      }
      log(`round ${round + 1}/${args.rounds} done`);
    }
    return best;
  } finally {
    await tables.close();
    await db.close();
    sqlite.close();
  }
}

export function printFloor(result: FloorResult): void {
  const update = result.sqliteUpdate;
  const row = (what: string, us: number): (string | number)[] => [what, us, formatRatio(update / us)];
  printTable('Per operation, best round (ratio: SQLite UPDATE time / this time; >= 1.0x would be as fast as SQLite\'s whole UPDATE)', ['operation', 'µs', 'vs SQLite UPDATE'], [
    row('SQLite :memory: UPDATE ... WHERE id = ?', result.sqliteUpdate),
    row('SQLite :memory: SELECT ... WHERE id = ?', result.sqliteGet),
    row('sett memory table: await update(id =)', result.settUpdate),
    row('sett inMemory engine: getSync(row key)', result.settGetSync),
    row('sett inMemory engine: getSync + await put', result.settGetPut),
  ]);
}

async function main(): Promise<void> {
  let args: FloorArgs;
  try {
    args = parseFloorArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  console.log(`bench:floor: ${args.num.toLocaleString('en-US')} rows, ${args.ops.toLocaleString('en-US')} operations per measurement, ${args.rounds} rounds`);
  printFloor(await runFloor(args, (line) => process.stderr.write(`${line}\n`)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
