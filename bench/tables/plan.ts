// `npm run bench:tables` arguments, the operations it measures, their counts and their targets
// (TABLES.md §6). One Plan is computed in the parent and handed to every engine's child, so all
// engines run the same counts on the same inputs. Unknown flags and bad values are errors.

export const TABLE_ENGINE_NAMES = ['sett', 'sqlite', 'hybrid-memory', 'sqlite-memory', 'hybrid-cached', 'hybrid-uncached'] as const;
export type TableEngineName = (typeof TABLE_ENGINE_NAMES)[number];
export const TABLE_ENGINE_LABELS: Record<TableEngineName, string> = {
  sett: 'sett',
  sqlite: 'SQLite',
  'hybrid-memory': 'hybrid memory',
  'sqlite-memory': 'SQLite :memory:',
  'hybrid-cached': 'hybrid cached',
  'hybrid-uncached': 'hybrid uncached',
};

/**
 * The pairs the report compares against TABLES.md §6's targets: sett's table layer beside SQLite
 * on disk, and the hybrid layer's memory tables beside SQLite `:memory:` ("Hybrid memory tables
 * beside SQLite `:memory:`", same targets).
 */
export const PAIRS = [
  { name: 'disk', mine: 'sett', base: 'sqlite', title: 'sett / SQLite' },
  { name: 'memory', mine: 'hybrid-memory', base: 'sqlite-memory', title: 'hybrid memory tables / SQLite :memory:' },
] as const satisfies readonly { name: string; mine: TableEngineName; base: TableEngineName; title: string }[];
export type PairName = (typeof PAIRS)[number]['name'];

/** The row cache comparison (issue 16): a cached persistent table's warm primary-key get over the same table uncached. */
export const CACHE_PAIR = { mine: 'hybrid-cached', base: 'hybrid-uncached', operation: 'get', target: 1.5 } as const;
/** The hybrid row cache's bound in the cache comparison: more than the working set of either size. */
export const CACHE_MAX_MB = 512;

export const DEFAULT_NUM = 1_000_000;
export const QUICK_NUM = 100_000;
export const DEFAULT_SEED = 301;
export const DEFAULT_OUT_DIR = 'bench/results';
export const BATCH_ROWS = 1000;
const NUM_MAX = 50_000_000;

/** The operations, in run order. */
export const OPERATIONS = ['insert', 'get-cold', 'get-prepass', 'get', 'get-async', 'unique-get', 'index-eq', 'update', 'insert-single', 'scan-filter'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The operations the cache comparison's engines run: the load, a pass over get's ids that fills the cache, then get. */
const CACHE_OPERATIONS: readonly Operation[] = ['insert', 'get-prepass', 'get'];
/** Everything but the cache comparison's pre-pass (get-cold already precedes get there). */
const TABLE_OPERATIONS: readonly Operation[] = OPERATIONS.filter((op) => op !== 'get-prepass');

/** Which operations each engine runs (the others it skips, reporting nothing). */
export const ENGINE_OPERATIONS: Record<TableEngineName, readonly Operation[]> = {
  sett: TABLE_OPERATIONS,
  sqlite: TABLE_OPERATIONS,
  'hybrid-memory': TABLE_OPERATIONS,
  'sqlite-memory': TABLE_OPERATIONS,
  'hybrid-cached': CACHE_OPERATIONS,
  'hybrid-uncached': CACHE_OPERATIONS,
};

export interface OperationInfo {
  /** The row of the report. */
  label: string;
  /** What one latency sample (and one "op" of ops/s) is. */
  unit: string;
  /** TABLES.md §6: sett's ops/s over SQLite's (hybrid memory's over SQLite :memory:'s) must reach this; undefined where §6 sets none. */
  target: number | undefined;
  /** Which SQLite operation the ratio is taken against (itself unless said). */
  against?: Operation;
  /** Whether the operation writes (the engine settles, untimed, afterwards). */
  writes: boolean;
  what: string;
}

export const OPERATION_INFO: Record<Operation, OperationInfo> = {
  insert: {
    label: 'insert, batches of 1,000',
    unit: 'row',
    target: 1.0,
    writes: true,
    what: 'every row into an empty table, 1,000 rows per atomic statement (sett `insert(rows1000)`; SQLite a prepared INSERT in `db.transaction()`); latency per batch',
  },
  'get-cold': {
    label: 'primary-key get, first pass after the load',
    unit: 'get',
    target: undefined,
    writes: false,
    what: 'as get, other random ids, the first reads after the load: each engine touches the table for the first time (sett fills its block cache, SQLite reads pages through its 2 MiB cache); no target, get below is measured after it',
  },
  'get-prepass': {
    label: "primary-key get, a first pass over get's ids",
    unit: 'get',
    target: undefined,
    writes: false,
    what: "cache comparison only: the same ids as get, in the same order, right after the load: warms the cached table's row cache where the load (inserts write through to it) did not (the uncached table reads the same rows, so both have touched the same blocks); no target",
  },
  get: {
    label: 'primary-key get',
    unit: 'get',
    target: 0.5,
    writes: false,
    what: 'random ids, after the first pass above (sett `getSync`; SQLite prepared `SELECT * ... WHERE id = ?` `.get`)',
  },
  'get-async': {
    label: 'primary-key get, async (vs SQLite sync)',
    unit: 'get',
    target: undefined,
    against: 'get',
    writes: false,
    what: 'random ids, sett `await get(...)` one at a time; better-sqlite3 has no async read, so the ratio is against its `.get` above',
  },
  'unique-get': {
    label: 'unique-index get (email)',
    unit: 'query',
    target: 0.5,
    writes: false,
    what: 'the email of a random row (sett `querySync` where email = v; SQLite `SELECT * ... WHERE email = ?` `.get`)',
  },
  'index-eq': {
    label: 'age = ? ORDER BY id LIMIT 10',
    unit: 'query',
    target: 0.5,
    writes: false,
    what: 'a random age (secondary index by_age), the first 10 rows by id (sett `querySync` with orderBy id, limit 10; SQLite `.all`)',
  },
  update: {
    label: 'update by primary key',
    unit: 'update',
    target: 1.0,
    writes: true,
    what: 'set city of a random id, one statement at a time, each awaited (sett `update(where id =)`; SQLite autocommit `UPDATE ... WHERE id = ?`)',
  },
  'insert-single': {
    label: 'autocommit single-row insert',
    unit: 'row',
    target: 1.0,
    writes: true,
    what: 'new rows continuing the ids, one statement each, awaited (sett `insert([row])`; SQLite autocommit INSERT)',
  },
  'scan-filter': {
    label: 'full-scan filter (city = ?)',
    unit: 'scan',
    target: 0.1,
    writes: false,
    what: 'every row read, filtered on the unindexed city (about 1% match), matches returned (sett `querySync`; SQLite `.all`)',
  },
};

export interface TablesPlan {
  quick: boolean;
  seed: number;
  /** Rows of the table (the insert operation). */
  num: number;
  batchRows: number;
  gets: number;
  asyncGets: number;
  uniqueGets: number;
  indexQueries: number;
  updates: number;
  singleInserts: number;
  scans: number;
  /** Rows of the untimed warm-up table. */
  warmUpRows: number;
}

/** Counts for `num` rows: point reads capped so a 1M run stays within a few minutes on 2 cores. */
export function makeTablesPlan(opts: { quick: boolean; num: number | undefined; seed: number }): TablesPlan {
  const num = opts.num ?? (opts.quick ? QUICK_NUM : DEFAULT_NUM);
  return {
    quick: opts.quick,
    seed: opts.seed,
    num,
    batchRows: BATCH_ROWS,
    gets: Math.min(num, 200_000),
    asyncGets: Math.min(num, 100_000),
    uniqueGets: Math.min(num, 100_000),
    indexQueries: Math.min(num, 50_000),
    updates: Math.max(1, Math.floor(num / 50)),
    singleInserts: Math.max(1, Math.floor(num / 50)),
    scans: 3,
    warmUpRows: Math.min(num, 20_000),
  };
}

export interface TablesArgs {
  quick: boolean;
  num: number | undefined;
  seed: number;
  engines: TableEngineName[];
  outDir: string;
  profile: boolean;
  help: boolean;
}

export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

export const USAGE = `usage: npm run bench:tables -- [options]

sett's table layer beside better-sqlite3 (WAL, synchronous=NORMAL) on TABLES.md §6's workload;
the hybrid layer's memory tables beside SQLite :memory: on the same workload; and a persistent
hybrid table's primary-key get with its row cache (cacheInMemory) warm beside the same uncached.

  --quick           100,000 rows instead of 1,000,000
  --num N           rows of the users table (default 1,000,000; 250k, 1M accepted)
  --engines a,b     engines to run (default all): ${TABLE_ENGINE_NAMES.join(', ')}
                    (sett,sqlite: the disk pair; hybrid-memory,sqlite-memory: the memory
                    pair; hybrid-cached,hybrid-uncached: the row cache comparison, which runs
                    only insert, get-prepass and get)
  --seed S          seed of every row and every random id (default ${DEFAULT_SEED})
  --out DIR         where the JSON results go (default ${DEFAULT_OUT_DIR})
  --profile         also write a V8 CPU profile (.cpuprofile) per engine and operation into --out
  --help            this text

operations: ${OPERATIONS.join(', ')}`;

export function parseTablesArgs(argv: readonly string[]): TablesArgs {
  const out: TablesArgs = { quick: false, num: undefined, seed: DEFAULT_SEED, engines: [...TABLE_ENGINE_NAMES], outDir: DEFAULT_OUT_DIR, profile: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq >= 0 && arg.startsWith('--')) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new ArgumentError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--quick':
        out.quick = true;
        break;
      case '--profile':
        out.profile = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--num':
        out.num = parseCount(name, value(), 1, NUM_MAX);
        break;
      case '--seed':
        out.seed = parseCount(name, value(), 0, 0xffffffff);
        break;
      case '--engines': {
        const items = value().split(',').map((s) => s.trim().toLowerCase());
        const engines: TableEngineName[] = [];
        for (const item of items) {
          if (!(TABLE_ENGINE_NAMES as readonly string[]).includes(item)) {
            throw new ArgumentError(`unknown engine ${JSON.stringify(item)} in --engines; known: ${TABLE_ENGINE_NAMES.join(', ')}`);
          }
          if (!engines.includes(item as TableEngineName)) engines.push(item as TableEngineName);
        }
        out.engines = engines;
        break;
      }
      case '--out': {
        const dir = value();
        if (dir.length === 0) throw new ArgumentError('--out needs a directory');
        out.outDir = dir;
        break;
      }
      default:
        throw new ArgumentError(`unknown argument ${JSON.stringify(arg)} (see --help)`);
    }
  }
  return out;
}

/** An integer in [min, max]; underscores and a k/M suffix allowed (50k, 1M, 1_000_000). */
function parseCount(flag: string, raw: string, min: number, max: number): number {
  const m = /^(\d[\d_]*)([kKmM]?)$/.exec(raw.trim());
  if (m === null) throw new ArgumentError(`${flag} needs a whole number, got ${JSON.stringify(raw)}`);
  const scale = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1_000 : 1_000_000;
  const n = Number(m[1]!.replace(/_/g, '')) * scale;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ArgumentError(`${flag} must be between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}, got ${raw}`);
  return n;
}
