// `node dist/examples/sqlexec/bench.js [--rows N]`: insert, query and update through the data
// sources beside the same calls on the layer under them (sett/table for BadgerDataSource,
// sett/hybrid for HybridDataSource): the wrapper's cost as a ratio. Badger runs on disk with
// sync_writes off (an fsync per statement would hide the wrapper); Hybrid with memory tables, its
// default route. Each pair runs three rounds on fresh tables; within a round the two sides take
// turns chunk by chunk (a batch, or a few hundred calls), so a shared machine's load falls on both.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'sett';
import { openHybrid } from 'sett/hybrid';
import { openTables, type Row, type Where } from 'sett/table';
import { BadgerDataSource, HybridDataSource, type Filter, type TableInfo } from './index.js';
import { intOption } from '../bench-args.js';

/** The calls measured, in each side's own idiom. */
interface Side {
  createTable(info: TableInfo): Promise<void>;
  insert(table: string, rows: Row[]): Promise<void>;
  byId(table: string, id: number): Promise<number>;
  byAge(table: string, age: number): Promise<number>;
  updateById(table: string, id: number, age: number): Promise<void>;
  close(): Promise<void>;
}

const ROWS = intOption('rows', 1000, 30_000);
const BATCH_ROWS = 1000;
const POINT_READS = Math.min(ROWS, 10_000);
const AGE_QUERIES = 2_000;
const UPDATES = Math.min(ROWS, 3_000);
const ROUNDS = 3;
const AGES = 80;

const users = (name: string): TableInfo => ({
  name,
  columns: [
    { name: 'id', type: 'INT', primary: true, autoIncrement: true },
    { name: 'name', type: 'VARCHAR', nullable: false },
    { name: 'email', type: 'VARCHAR', unique: true },
    { name: 'age', type: 'INT' },
    { name: 'city', type: 'VARCHAR' },
  ],
  indexes: [{ name: 'by_age', columns: ['age'] }],
});

function batch(round: number, from: number): Row[] {
  const rows: Row[] = [];
  for (let i = from; i < from + BATCH_ROWS; i++) rows.push({ name: `user ${i}`, email: `u${round}.${i}@example.com`, age: i % AGES, city: `city ${i % 50}` });
  return rows;
}

/** A data source as a Side: sqlexec's Filter and QueryOptions shapes. */
function sourceSide(ds: BadgerDataSource | HybridDataSource): Side {
  const idFilter = (id: number): Filter[] => [{ field: 'id', operator: '=', value: id }];
  return {
    createTable: (info) => ds.createTable(info),
    insert: async (t, rows) => void (await ds.insert(t, rows)),
    byId: async (t, id) => (await ds.query(t, { filters: idFilter(id) })).rows.length,
    byAge: async (t, age) => (await ds.query(t, { filters: [{ field: 'age', operator: '=', value: age }], orderBy: 'id', limit: 10 })).rows.length,
    updateById: async (t, id, age) => void (await ds.update(t, idFilter(id), { age })),
    close: () => ds.close(),
  };
}

/** The layer under a data source as a Side: the same calls as `where` and query options. */
function layerSide(layer: {
  createTable(o: object): Promise<void>;
  insert(t: string, rows: Row[]): Promise<unknown>;
  query(t: string, o: object): Promise<{ rows: Row[] }>;
  update(t: string, w: Where, set: Row): Promise<unknown>;
  close(): Promise<void>;
}, after?: () => Promise<void>): Side {
  const idWhere = (id: number): Where => ({ column: 'id', op: '=', value: id });
  return {
    createTable: (info) => layer.createTable(info),
    insert: async (t, rows) => void (await layer.insert(t, rows)),
    byId: async (t, id) => (await layer.query(t, { where: idWhere(id) })).rows.length,
    byAge: async (t, age) => (await layer.query(t, { where: { column: 'age', op: '=', value: age }, orderBy: [{ column: 'id' }], limit: 10 })).rows.length,
    updateById: async (t, id, age) => void (await layer.update(t, idWhere(id), { age })),
    close: async () => {
      await layer.close();
      await after?.();
    },
  };
}

type Op = 'insert' | 'byId' | 'byAge' | 'updateById';
const OPS: { op: Op; label: string; count: number }[] = [
  { op: 'insert', label: `insert, batches of ${BATCH_ROWS} (rows/s)`, count: ROWS },
  { op: 'byId', label: 'query id = ? (queries/s)', count: POINT_READS },
  { op: 'byAge', label: 'query age = ? order by id limit 10 (queries/s)', count: AGE_QUERIES },
  { op: 'updateById', label: 'update ... where id = ? (statements/s)', count: UPDATES },
];

/** Ops per chunk: the two sides alternate chunk by chunk, so load from elsewhere falls on both. */
const CHUNK: Record<Op, number> = { insert: 1, byId: 500, byAge: 100, updateById: 250 };

/** Elapsed milliseconds and ops done per op and side, summed over the rounds. */
type Tally = Record<Op, { ms: number; ops: number }>;
const tally = (): Tally => ({ insert: { ms: 0, ops: 0 }, byId: { ms: 0, ops: 0 }, byAge: { ms: 0, ops: 0 }, updateById: { ms: 0, ops: 0 } });

/** One round on a fresh table per side: every op, the sides alternating chunk by chunk. */
async function round(sides: readonly Side[], tallies: readonly Tally[], r: number): Promise<void> {
  const table = `users_${r}`;
  for (const side of sides) await side.createTable(users(table));
  const ids = (i: number): number => 1 + ((i * 7919) % ROWS);
  const found = sides.map(() => 0);
  const calls: Record<Op, (side: Side, i: number, s: number) => Promise<unknown>> = {
    insert: (side, b) => side.insert(table, batch(r, b * BATCH_ROWS)),
    byId: async (side, i, s) => (found[s]! += await side.byId(table, ids(i))),
    byAge: async (side, i, s) => (found[s]! += await side.byAge(table, i % AGES)),
    updateById: (side, i) => side.updateById(table, ids(i), (i + 1) % AGES),
  };
  for (const { op, count } of OPS) {
    const n = op === 'insert' ? ROWS / BATCH_ROWS : count;
    for (let from = 0; from < n; from += CHUNK[op]) {
      const to = Math.min(n, from + CHUNK[op]);
      for (let s = 0; s < sides.length; s++) {
        const t0 = performance.now();
        for (let i = from; i < to; i++) await calls[op](sides[s]!, i, s);
        tallies[s]![op].ms += performance.now() - t0;
        tallies[s]![op].ops += op === 'insert' ? (to - from) * BATCH_ROWS : to - from;
      }
    }
  }
  for (const f of found) if (f !== POINT_READS + AGE_QUERIES * 10) throw new Error(`bench: queries found ${f} rows, expected ${POINT_READS + AGE_QUERIES * 10}`);
}

async function pair(title: string, wrapperName: string, directName: string, makeWrapper: () => Promise<Side>, makeDirect: () => Promise<Side>): Promise<void> {
  const sides = [await makeWrapper(), await makeDirect()];
  const tallies = [tally(), tally()];
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.();
    await round(sides, tallies, r);
  }
  for (const side of sides) await side.close();
  console.log(`\n${title}\n`);
  console.log(`| operation | ${wrapperName} | ${directName} | wrapper / direct |`);
  console.log('|---|---:|---:|---:|');
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const rate = (t: Tally, op: Op): number => (t[op].ops / t[op].ms) * 1000;
  for (const { op, label } of OPS) {
    const w = rate(tallies[0]!, op);
    const d = rate(tallies[1]!, op);
    console.log(`| ${label} | ${fmt(w)} | ${fmt(d)} | ${(w / d).toFixed(2)}x |`);
  }
}

const root = mkdtempSync(join(tmpdir(), 'sett-sqlexec-bench-'));
try {
  console.log(`sqlexec data sources: ${ROWS.toLocaleString('en-US')} rows per round, ${ROUNDS} rounds, the sides alternating chunk by chunk; ${POINT_READS.toLocaleString('en-US')} id queries, ${AGE_QUERIES.toLocaleString('en-US')} age queries, ${UPDATES.toLocaleString('en-US')} updates, each awaited in turn`);
  await pair(
    'BadgerDataSource (data_dir, sync_writes false) beside sett/table on an engine opened with the same options',
    'BadgerDataSource',
    'sett/table',
    async () => {
      const ds = new BadgerDataSource({ options: { data_dir: join(root, 'badger') } });
      await ds.connect();
      return sourceSide(ds);
    },
    async () => {
      const db = await open(join(root, 'table'), { syncWrites: false });
      return layerSide(await openTables({ db }), () => db.close());
    },
  );
  await pair(
    'HybridDataSource (memory tables) beside sett/hybrid',
    'HybridDataSource',
    'sett/hybrid',
    async () => {
      const ds = new HybridDataSource({ options: { data_dir: join(root, 'hybrid-ds') } });
      await ds.connect();
      return sourceSide(ds);
    },
    async () => layerSide(await openHybrid({ dataDir: join(root, 'hybrid') })),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
