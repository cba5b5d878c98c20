// bench:sql — the SQL front's overhead (issue 17): the same operations through a sett/sql session
// and through the hybrid layer's table API directly (what sett/sql runs on), in one run, on
// identical data in two fresh directories (disk tables, default engine options):
//
//   insert   INSERT INTO users (name, email, age, city) VALUES (?,?,?,?), ... — 1,000 rows a statement
//            vs  await h.insert('users', rows1000)
//   get      SELECT * FROM users WHERE id = ?   vs  await h.get('users', id)   (random ids, one at a time)
//
// Reported: ops/s of each side, the ratio SQL / direct and the target (>= 0.7x). Phases alternate
// rounds between the two sides so drift (GC, compaction, thermal) hits both alike; the figure is
// the median round. `--quick`: fewer rows and rounds. `--rows N`, `--reads N` override.
// The server comparison (mysql2 → `sett serve` beside sett/sql in process) is not measured here yet.

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openHybrid, type Hybrid } from '../../src/hybrid/index.js';
import { openSql, type SqlDatabase, type SqlSession } from '../../src/sql/index.js';

interface Args {
  quick: boolean;
  rows: number;
  reads: number;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const num = (flag: string, d: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return d;
    const n = Number(argv[i + 1]);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} takes a positive integer`);
    return n;
  };
  return { quick, rows: num('--rows', quick ? 20_000 : 100_000), reads: num('--reads', quick ? 5_000 : 20_000), rounds: num('--rounds', 3) };
}

const BATCH = 1000;
const CITIES = ['Lisbon', 'Oslo', 'Kyoto', 'Lima', 'Accra', 'Perth', 'Quito', 'Riga'];
const DDL = 'CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, email VARCHAR(255) NOT NULL UNIQUE, age INT NOT NULL, city VARCHAR(64) NOT NULL, INDEX by_age (age)) ENGINE=disk';

interface User {
  name: string;
  email: string;
  age: number;
  city: string;
}

function user(i: number): User {
  return { name: `user ${i}`, email: `user${i}@example.org`, age: 18 + (i % 60), city: CITIES[i % CITIES.length]! };
}

/** A small deterministic PRNG (mulberry32), so both sides read the same ids. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERT_SQL = `INSERT INTO users (name, email, age, city) VALUES ${Array.from({ length: BATCH }, () => '(?,?,?,?)').join(',')}`;

class Sides {
  constructor(
    readonly sql: SqlSession,
    readonly h: Hybrid,
  ) {}

  async insertSql(from: number): Promise<void> {
    const params: unknown[] = [];
    for (let i = from; i < from + BATCH; i++) {
      const u = user(i);
      params.push(u.name, u.email, u.age, u.city);
    }
    const r = await this.sql.execute(INSERT_SQL, params);
    if (r.affectedRows !== BATCH) throw new Error('short insert');
  }

  async insertDirect(from: number): Promise<void> {
    const rows: Record<string, unknown>[] = [];
    for (let i = from; i < from + BATCH; i++) rows.push({ ...user(i) });
    const r = await this.h.insert('users', rows);
    if (r.inserted !== BATCH) throw new Error('short insert');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Measure {
  op: string;
  sqlApi: string;
  directApi: string;
  sqlOps: number;
  directOps: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dirA = await mkdtemp(join(tmpdir(), 'sett-bench-sql-'));
  const dirB = await mkdtemp(join(tmpdir(), 'sett-bench-direct-'));
  let db: SqlDatabase | undefined;
  let h: Hybrid | undefined;
  try {
    db = await openSql({ dataDir: dirA });
    const session = db.session();
    await session.execute(DDL);
    h = await openHybrid({ dataDir: join(dirB, 'main') });
    // The same table as the DDL above, through the hybrid layer's call.
    await h.enablePersistence('users');
    await h.createTable({
      name: 'users',
      columns: [
        { name: 'id', type: 'INT', primary: true, autoIncrement: true },
        { name: 'name', type: 'VARCHAR', length: 64, nullable: false },
        { name: 'email', type: 'VARCHAR', length: 255, nullable: false, unique: true },
        { name: 'age', type: 'INT', nullable: false },
        { name: 'city', type: 'VARCHAR', length: 64, nullable: false },
      ],
      indexes: [{ name: 'by_age', columns: ['age'] }],
    });
    const sides = new Sides(session, h);
    const batches = Math.floor(args.rows / BATCH);
    const rows = batches * BATCH;

    // Inserts: rounds alternate sides; each round inserts batches/rounds batches on each side.
    const insertSql: number[] = [];
    const insertDirect: number[] = [];
    const perRound = Math.max(1, Math.floor(batches / args.rounds));
    let next = 0;
    for (let r = 0; r < args.rounds && next < batches; r++) {
      const n = r === args.rounds - 1 ? batches - next : Math.min(perRound, batches - next);
      const from = next * BATCH;
      const order: [string, (i: number) => Promise<void>][] = r % 2 === 0 ? [['sql', (i) => sides.insertSql(i)], ['direct', (i) => sides.insertDirect(i)]] : [['direct', (i) => sides.insertDirect(i)], ['sql', (i) => sides.insertSql(i)]];
      for (const [side, fn] of order) {
        const t0 = performance.now();
        for (let b = 0; b < n; b++) await fn(from + b * BATCH);
        const rate = (n * BATCH) / ((performance.now() - t0) / 1000);
        (side === 'sql' ? insertSql : insertDirect).push(rate);
      }
      next += n;
    }
    const countSql = (await session.execute('SELECT COUNT(*) AS n FROM users')).rows[0]!.n;
    const countDirect = await h.count('users');
    if (countSql !== rows || countDirect !== rows) throw new Error(`row counts differ: sql ${String(countSql)}, direct ${countDirect}, expected ${rows}`);

    // Point reads by primary key: the same random ids on both sides.
    const random = rng(17);
    const ids = Array.from({ length: args.reads }, () => 1 + Math.floor(random() * rows));
    const getSql: number[] = [];
    const getDirect: number[] = [];
    for (let r = 0; r < args.rounds; r++) {
      const sqlFirst = r % 2 === 0;
      for (const side of sqlFirst ? ['sql', 'direct'] : ['direct', 'sql']) {
        const t0 = performance.now();
        if (side === 'sql') {
          for (const id of ids) if ((await session.execute('SELECT * FROM users WHERE id = ?', [id])).rows.length !== 1) throw new Error(`id ${id} not found`);
        } else {
          for (const id of ids) if ((await h.get('users', id)) === undefined) throw new Error(`id ${id} not found`);
        }
        const rate = ids.length / ((performance.now() - t0) / 1000);
        (side === 'sql' ? getSql : getDirect).push(rate);
      }
    }

    const results: Measure[] = [
      { op: `insert, ${BATCH}-row batches`, sqlApi: 'INSERT INTO users (...) VALUES (?,?,?,?) x1000', directApi: "await h.insert('users', rows1000)", sqlOps: median(insertSql), directOps: median(insertDirect) },
      { op: 'point read by id', sqlApi: 'SELECT * FROM users WHERE id = ?', directApi: "await h.get('users', id)", sqlOps: median(getSql), directOps: median(getDirect) },
    ];
    report(args, rows, results);
  } finally {
    await db?.close();
    await h?.close();
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

function report(args: Args, rows: number, results: Measure[]): void {
  const cmd = `npm run bench:sql${args.quick ? ' -- --quick' : ''}`;
  const lines = [
    `bench:sql — sett/sql session vs the hybrid table API (disk tables, default options), ${rows.toLocaleString('en-US')} users rows, ${args.reads.toLocaleString('en-US')} point reads per round, median of ${args.rounds} alternating rounds`,
    `command: ${cmd}; node ${process.version}; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`,
    '',
    '| operation | SQL (session.execute) | ops/s | direct (hybrid) | ops/s | SQL / direct | target |',
    '|---|---|---:|---|---:|---:|---|',
  ];
  for (const m of results) {
    const ratio = m.sqlOps / m.directOps;
    lines.push(`| ${m.op} | \`${m.sqlApi}\` | ${fmt(m.sqlOps)} rows/s | \`${m.directApi}\` | ${fmt(m.directOps)} rows/s | ${ratio.toFixed(2)}x | >= 0.7x ${ratio >= 0.7 ? 'met' : 'NOT met'} |`);
  }
  lines.push('', 'TODO: the server comparison (mysql2 against `sett serve` beside sett/sql in process) is not measured here yet.');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench:sql failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
