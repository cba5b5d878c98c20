// bench:sql — the SQL front's overhead (issue 17): the same operations through a sett/sql session
// and through the hybrid layer's table API directly (what sett/sql runs on), in one run, on
// identical data in two fresh directories (disk tables, default engine options):
//
//   insert   INSERT INTO users (name, email, age, city) VALUES (?,?,?,?), ... — 1,000 rows a statement
//            vs  await h.insert('users', rows1000)
//   get      SELECT * FROM users WHERE id = ?   vs  await h.get('users', id)   (random ids, one at a time)
//
// and the same statements a third time through the MySQL wire protocol: the real `mysql2/promise`
// client (prepared statements, `execute`) against `sett serve` (startServer, in this process, on
// loopback, port 0) on a third fresh directory — beside sett/sql in process, that is the protocol's
// cost (packets, the client's parsing, the event loop both ends share; no target).
//
// Reported: ops/s of each side, the ratio SQL / direct and the target (>= 0.7x), and the ratio
// server / in process. Phases alternate rounds between the sides so drift (GC, compaction,
// thermal) hits all alike; the figure is the median round. `--quick`: fewer rows and rounds.
// `--rows N`, `--reads N` override.

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { openHybrid, type Hybrid } from '../../src/hybrid/index.js';
import { openSql, startServer, type SettServer, type SqlDatabase, type SqlSession } from '../../src/sql/index.js';

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

const GET_SQL = 'SELECT * FROM users WHERE id = ?';

type Side = 'sql' | 'direct' | 'server';

function insertParams(from: number): (string | number)[] {
  const params: (string | number)[] = [];
  for (let i = from; i < from + BATCH; i++) {
    const u = user(i);
    params.push(u.name, u.email, u.age, u.city);
  }
  return params;
}

class Sides {
  constructor(
    readonly sql: SqlSession,
    readonly h: Hybrid,
    readonly client: mysql.Connection,
  ) {}

  async insertSql(from: number): Promise<void> {
    const r = await this.sql.execute(INSERT_SQL, insertParams(from));
    if (r.affectedRows !== BATCH) throw new Error('short insert');
  }

  async insertServer(from: number): Promise<void> {
    const [r] = await this.client.execute<mysql.ResultSetHeader>(INSERT_SQL, insertParams(from));
    if (r.affectedRows !== BATCH) throw new Error('short insert (server)');
  }

  insert(side: Side, from: number): Promise<void> {
    return side === 'sql' ? this.insertSql(from) : side === 'direct' ? this.insertDirect(from) : this.insertServer(from);
  }

  async get(side: Side, id: number): Promise<void> {
    let found: boolean;
    if (side === 'sql') found = (await this.sql.execute(GET_SQL, [id])).rows.length === 1;
    else if (side === 'direct') found = (await this.h.get('users', id)) !== undefined;
    else found = (await this.client.execute<mysql.RowDataPacket[]>(GET_SQL, [id]))[0].length === 1;
    if (!found) throw new Error(`id ${id} not found (${side})`);
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
  serverApi: string;
  sqlOps: number;
  directOps: number;
  serverOps: number;
}

/** The order of the sides in round `r`: rotated, so none is always first or last. */
function orderOf(r: number): Side[] {
  const sides: Side[] = ['sql', 'direct', 'server'];
  return [...sides.slice(r % 3), ...sides.slice(0, r % 3)];
}

const SERVER_USER = 'bench';
const SERVER_PASSWORD = 'bench';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dirA = await mkdtemp(join(tmpdir(), 'sett-bench-sql-'));
  const dirB = await mkdtemp(join(tmpdir(), 'sett-bench-direct-'));
  const dirC = await mkdtemp(join(tmpdir(), 'sett-bench-server-'));
  let db: SqlDatabase | undefined;
  let h: Hybrid | undefined;
  let server: SettServer | undefined;
  let client: mysql.Connection | undefined;
  try {
    db = await openSql({ dataDir: dirA });
    const session = db.session();
    await session.execute(DDL);
    // `sett serve` in this process, as the CLI starts it (defaultPersistent; the DDL says ENGINE=disk anyway).
    server = await startServer({ dataDir: dirC, port: 0, host: '127.0.0.1', user: SERVER_USER, password: SERVER_PASSWORD });
    client = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: SERVER_USER, password: SERVER_PASSWORD });
    await client.query(DDL);
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
    const sides = new Sides(session, h, client);
    const batches = Math.floor(args.rows / BATCH);
    const rows = batches * BATCH;

    // Inserts: rounds rotate the sides; each round inserts batches/rounds batches on each side.
    const insertRates: Record<Side, number[]> = { sql: [], direct: [], server: [] };
    const perRound = Math.max(1, Math.floor(batches / args.rounds));
    let next = 0;
    for (let r = 0; r < args.rounds && next < batches; r++) {
      const n = r === args.rounds - 1 ? batches - next : Math.min(perRound, batches - next);
      const from = next * BATCH;
      for (const side of orderOf(r)) {
        const t0 = performance.now();
        for (let b = 0; b < n; b++) await sides.insert(side, from + b * BATCH);
        insertRates[side].push((n * BATCH) / ((performance.now() - t0) / 1000));
      }
      next += n;
    }
    const countSql = (await session.execute('SELECT COUNT(*) AS n FROM users')).rows[0]!.n;
    const countDirect = await h.count('users');
    const countServer = Number((await client.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM users'))[0][0]!['n']);
    if (countSql !== rows || countDirect !== rows || countServer !== rows) {
      throw new Error(`row counts differ: sql ${String(countSql)}, direct ${countDirect}, server ${countServer}, expected ${rows}`);
    }

    // Point reads by primary key: the same random ids on both sides.
    const random = rng(17);
    const ids = Array.from({ length: args.reads }, () => 1 + Math.floor(random() * rows));
    const getRates: Record<Side, number[]> = { sql: [], direct: [], server: [] };
    for (let r = 0; r < args.rounds; r++) {
      for (const side of orderOf(r)) {
        const t0 = performance.now();
        for (const id of ids) await sides.get(side, id);
        getRates[side].push(ids.length / ((performance.now() - t0) / 1000));
      }
    }

    const results: Measure[] = [
      {
        op: `insert, ${BATCH}-row batches`,
        sqlApi: 'INSERT INTO users (...) VALUES (?,?,?,?) x1000',
        directApi: "await h.insert('users', rows1000)",
        serverApi: 'conn.execute(same INSERT, 4,000 params)',
        sqlOps: median(insertRates.sql),
        directOps: median(insertRates.direct),
        serverOps: median(insertRates.server),
      },
      {
        op: 'point read by id',
        sqlApi: GET_SQL,
        directApi: "await h.get('users', id)",
        serverApi: 'conn.execute(same SELECT, [id])',
        sqlOps: median(getRates.sql),
        directOps: median(getRates.direct),
        serverOps: median(getRates.server),
      },
    ];
    report(args, rows, results);
  } finally {
    await client?.end();
    await server?.close();
    await db?.close();
    await h?.close();
    for (const d of [dirA, dirB, dirC]) await rm(d, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

function report(args: Args, rows: number, results: Measure[]): void {
  const cmd = `npm run bench:sql${args.quick ? ' -- --quick' : ''}`;
  const lines = [
    `bench:sql — sett/sql session vs the hybrid table API (disk tables, default options), ${rows.toLocaleString('en-US')} users rows, ${args.reads.toLocaleString('en-US')} point reads per round, median of ${args.rounds} rotating rounds`,
    `command: ${cmd}; node ${process.version}; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`,
    '',
    '| operation | SQL (session.execute) | ops/s | direct (hybrid) | ops/s | SQL / direct | target |',
    '|---|---|---:|---|---:|---:|---|',
  ];
  for (const m of results) {
    const ratio = m.sqlOps / m.directOps;
    lines.push(`| ${m.op} | \`${m.sqlApi}\` | ${fmt(m.sqlOps)} rows/s | \`${m.directApi}\` | ${fmt(m.directOps)} rows/s | ${ratio.toFixed(2)}x | >= 0.7x ${ratio >= 0.7 ? 'met' : 'NOT met'} |`);
  }
  lines.push(
    '',
    'The server: mysql2/promise (prepared `execute`, one connection) → `sett serve` (startServer in this process, 127.0.0.1, port 0) vs the same statement through sett/sql in process — the protocol\'s cost, no target.',
    '',
    '| operation | server (mysql2 → sett serve) | ops/s | in process (session.execute) | ops/s | server / in process |',
    '|---|---|---:|---|---:|---:|',
  );
  for (const m of results) {
    lines.push(`| ${m.op} | \`${m.serverApi}\` | ${fmt(m.serverOps)} rows/s | \`${m.sqlApi}\` | ${fmt(m.sqlOps)} rows/s | ${(m.serverOps / m.sqlOps).toFixed(2)}x |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench:sql failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
