// The operations of `npm run bench:tables` (plan.ts, TABLES.md §6), run on one engine in its
// child process: inputs generated per chunk of 1,000 operations outside the timed spans, one
// event-loop turn per chunk inside them (as a server would yield), a latency sample per
// operation (per batch for the batched insert, per scan for the scans), every answer checked,
// and, after a writing operation, an untimed wait for the engine's background work.

import { LatencyHistogram } from '../harness/histogram.js';
import { diskBytes, peakRssBytes, resetPeakRss, storageBytesWritten } from '../harness/probes.js';
import { CHUNK_OPS, now, yieldTurn } from '../harness/timing.js';
import { AGE_SPAN, CITIES, MIN_AGE, PURPOSE, UniformStream, UserData, type UserRow } from './data.js';
import type { CacheCounters, TableEngine } from './engine.js';
import { ENGINE_OPERATIONS, OPERATION_INFO, type Operation, type TablesPlan } from './plan.js';
import type { OperationCache, OperationResult } from './results.js';

/** The city every update writes (TABLES.md's `{ city: 'x' }`): no generated row has it. */
export const UPDATED_CITY = 'x';
/** Rows an `age = ?` query returns. */
export const INDEX_LIMIT = 10;

export interface RunHooks {
  progress(operation: Operation, done: number, total: number): void;
  beforeOperation?(operation: Operation): Promise<void>;
  afterOperation?(operation: Operation): Promise<void>;
}

/** What one operation's loop measured, before the probes around it are added. */
interface Measured {
  ops: number;
  ms: number;
  latency: LatencyHistogram | undefined;
  latencyOf: string;
  problem: string | undefined;
}

/** The cities the scans filter on, one per repetition. */
export function scanCity(rep: number): string {
  return CITIES[(rep * 37 + 11) % CITIES.length]!;
}

/** The sizes of the untimed warm-up: every call, enough times for the JIT to settle. */
export function warmUpPlan(plan: TablesPlan): TablesPlan {
  const n = plan.warmUpRows;
  return {
    ...plan,
    num: n,
    gets: Math.min(n, 10_000),
    asyncGets: Math.min(n, 5_000),
    uniqueGets: Math.min(n, 5_000),
    indexQueries: Math.min(n, 2_000),
    updates: Math.min(n, 1_000),
    singleInserts: Math.min(n, 1_000),
    scans: 1,
  };
}

export class TableRunner {
  private readonly data: UserData;
  /** Rows in the table: row i (0-based) has id i + 1. */
  private rows = 0;
  /** Ids whose city the update operation set to UPDATED_CITY. */
  private readonly updated = new Set<number>();
  private readonly peakRssPerOperation: boolean;

  constructor(
    private readonly engine: TableEngine,
    private readonly plan: TablesPlan,
    private readonly dir: string,
    private readonly hooks: RunHooks,
  ) {
    this.data = new UserData(plan.seed);
    this.peakRssPerOperation = resetPeakRss();
  }

  get rssPerOperation(): boolean {
    return this.peakRssPerOperation;
  }

  open(): Promise<void> {
    return this.engine.open(this.dir);
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  describe(): unknown {
    return this.engine.describe();
  }

  /**
   * Runs one operation with its probes; undefined when the engine has no such call (SQLite's
   * async get) or does not run it (plan.ts ENGINE_OPERATIONS).
   */
  async run(operation: Operation): Promise<OperationResult | undefined> {
    if (operation === 'get-async' && this.engine.getAsync === undefined) return undefined;
    if (!ENGINE_OPERATIONS[this.engine.name].includes(operation)) return undefined;
    const info = OPERATION_INFO[operation];
    if (this.peakRssPerOperation) resetPeakRss();
    const written0 = storageBytesWritten();
    await this.hooks.beforeOperation?.(operation);
    const cache0 = this.engine.cacheStats?.();
    const m = await this.measure(operation);
    const cache1 = this.engine.cacheStats?.();
    let settleMs = 0;
    if (info.writes) {
      const t = now();
      await this.engine.settle();
      settleMs = now() - t;
    }
    await this.hooks.afterOperation?.(operation);
    return {
      operation,
      engine: this.engine.name,
      ops: m.ops,
      unit: info.unit,
      latencyOf: m.latencyOf,
      ms: m.ms,
      opsPerSec: (m.ops / m.ms) * 1000,
      latency: m.latency?.summary(),
      settleMs,
      peakRssBytes: peakRssBytes(),
      diskBytes: diskBytes(this.dir),
      storageBytesWritten: storageBytesWritten() - written0,
      api: this.engine.apis[operation],
      problem: m.problem,
      cache: cache0 === undefined || cache1 === undefined ? undefined : cacheDelta(cache0, cache1),
    };
  }

  private measure(operation: Operation): Promise<Measured> {
    switch (operation) {
      case 'insert':
        return this.insert();
      case 'get-cold':
        return this.get('get-cold', PURPOSE.coldGetIds);
      case 'get-prepass':
        return this.get('get-prepass', PURPOSE.getIds);
      case 'get':
        return this.get('get', PURPOSE.getIds);
      case 'get-async':
        return this.getAsync();
      case 'unique-get':
        return this.uniqueGet();
      case 'index-eq':
        return this.indexEq();
      case 'update':
        return this.update();
      case 'insert-single':
        return this.insertSingle();
      case 'scan-filter':
        return this.scanFilter();
    }
  }

  private async insert(): Promise<Measured> {
    const e = this.engine;
    const { num, batchRows } = this.plan;
    const hist = new LatencyHistogram();
    let ms = 0;
    let wrong = 0;
    for (let from = this.rows; from < num; from += batchRows) {
      const to = Math.min(num, from + batchRows);
      const rows = this.data.rows(from, to);
      const t0 = now();
      const r = e.insertBatch(rows);
      const last = typeof r === 'number' ? r : await r;
      hist.recordMs(now() - t0);
      await yieldTurn();
      ms += now() - t0;
      if (last !== to) wrong++;
      this.rows = to;
      this.hooks.progress('insert', to, num);
    }
    return { ops: num, ms, latency: hist, latencyOf: `batch of ${batchRows}`, problem: wrong > 0 ? `${wrong} batches ended on an unexpected id` : undefined };
  }

  private async get(operation: 'get' | 'get-cold' | 'get-prepass', purpose: number): Promise<Measured> {
    const e = this.engine;
    const total = this.plan.gets;
    const ids = new UniformStream(this.plan.seed, purpose, 1, this.rows);
    const chunk: number[] = [];
    const hist = new LatencyHistogram();
    let ms = 0;
    let wrong = 0;
    for (let done = 0; done < total; ) {
      const n = Math.min(CHUNK_OPS, total - done);
      ids.fill(chunk, n);
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const id = chunk[i]!;
        const t = now();
        const row = e.get(id);
        hist.recordMs(now() - t);
        if (row === undefined || row['id'] !== id) wrong++;
      }
      await yieldTurn();
      ms += now() - t0;
      done += n;
      this.hooks.progress(operation, done, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: 'get', problem: wrong > 0 ? `${wrong} gets missed or returned another row` : undefined };
  }

  private async getAsync(): Promise<Measured> {
    const get = this.engine.getAsync!;
    const total = this.plan.asyncGets;
    const ids = new UniformStream(this.plan.seed, PURPOSE.asyncGetIds, 1, this.rows);
    const chunk: number[] = [];
    const hist = new LatencyHistogram();
    let ms = 0;
    let wrong = 0;
    for (let done = 0; done < total; ) {
      const n = Math.min(CHUNK_OPS, total - done);
      ids.fill(chunk, n);
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const id = chunk[i]!;
        const t = now();
        const row = await get(id);
        hist.recordMs(now() - t);
        if (row === undefined || row['id'] !== id) wrong++;
      }
      await yieldTurn();
      ms += now() - t0;
      done += n;
      this.hooks.progress('get-async', done, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: 'get', problem: wrong > 0 ? `${wrong} gets missed or returned another row` : undefined };
  }

  private async uniqueGet(): Promise<Measured> {
    const e = this.engine;
    const total = this.plan.uniqueGets;
    // Rows of the batched insert only: their ids are their row numbers + 1 whatever ran before.
    const which = new UniformStream(this.plan.seed, PURPOSE.uniqueRows, 0, Math.min(this.rows, this.plan.num));
    const picked: number[] = [];
    const emails: string[] = [];
    const hist = new LatencyHistogram();
    let ms = 0;
    let wrong = 0;
    for (let done = 0; done < total; ) {
      const n = Math.min(CHUNK_OPS, total - done);
      which.fill(picked, n);
      emails.length = n;
      for (let i = 0; i < n; i++) emails[i] = this.data.email(picked[i]!);
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const t = now();
        const row = e.byEmail(emails[i]!);
        hist.recordMs(now() - t);
        if (row === undefined || row['id'] !== picked[i]! + 1) wrong++;
      }
      await yieldTurn();
      ms += now() - t0;
      done += n;
      this.hooks.progress('unique-get', done, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: 'query', problem: wrong > 0 ? `${wrong} email lookups missed or returned another row` : undefined };
  }

  private async indexEq(): Promise<Measured> {
    const e = this.engine;
    const total = this.plan.indexQueries;
    const ages = new UniformStream(this.plan.seed, PURPOSE.ages, MIN_AGE, AGE_SPAN);
    const chunk: number[] = [];
    const hist = new LatencyHistogram();
    // Every age has about rows / 73 rows: short answers are wrong once each has ten for sure.
    const expectFull = this.rows >= 10_000;
    let ms = 0;
    let wrong = 0;
    for (let done = 0; done < total; ) {
      const n = Math.min(CHUNK_OPS, total - done);
      ages.fill(chunk, n);
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const age = chunk[i]!;
        const t = now();
        const rows = e.byAge(age, INDEX_LIMIT);
        hist.recordMs(now() - t);
        if (!ascendingOfAge(rows, age) || (expectFull && rows.length !== INDEX_LIMIT)) wrong++;
      }
      await yieldTurn();
      ms += now() - t0;
      done += n;
      this.hooks.progress('index-eq', done, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: 'query', problem: wrong > 0 ? `${wrong} queries returned wrong rows (age, order or count)` : undefined };
  }

  private async update(): Promise<Measured> {
    const e = this.engine;
    const total = this.plan.updates;
    const ids = new UniformStream(this.plan.seed, PURPOSE.updateIds, 1, this.rows);
    const chunk: number[] = [];
    const hist = new LatencyHistogram();
    let ms = 0;
    let wrong = 0;
    for (let done = 0; done < total; ) {
      const n = Math.min(CHUNK_OPS, total - done);
      ids.fill(chunk, n);
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const t = now();
        const r = e.updateCity(chunk[i]!, UPDATED_CITY);
        const matched = typeof r === 'number' ? r : await r;
        hist.recordMs(now() - t);
        if (matched !== 1) wrong++;
      }
      await yieldTurn();
      ms += now() - t0;
      for (let i = 0; i < n; i++) this.updated.add(chunk[i]!);
      done += n;
      this.hooks.progress('update', done, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: 'update', problem: wrong > 0 ? `${wrong} updates matched other than one row` : undefined };
  }

  private async insertSingle(): Promise<Measured> {
    const e = this.engine;
    const total = this.plan.singleInserts;
    const hist = new LatencyHistogram();
    let rows: UserRow[] = [];
    let ms = 0;
    let wrong = 0;
    for (let done = 0; done < total; ) {
      const n = Math.min(CHUNK_OPS, total - done);
      const first = this.rows;
      rows = this.data.rows(first, first + n);
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const t = now();
        const r = e.insertOne(rows[i]!);
        const id = typeof r === 'number' ? r : await r;
        hist.recordMs(now() - t);
        if (id !== first + i + 1) wrong++;
      }
      await yieldTurn();
      ms += now() - t0;
      this.rows += n;
      done += n;
      this.hooks.progress('insert-single', done, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: 'insert of 1 row', problem: wrong > 0 ? `${wrong} inserts got an unexpected id` : undefined };
  }

  private async scanFilter(): Promise<Measured> {
    const e = this.engine;
    const total = this.plan.scans;
    const hist = new LatencyHistogram();
    let ms = 0;
    const wrong: string[] = [];
    for (let rep = 0; rep < total; rep++) {
      const city = scanCity(rep);
      const expected = this.expectedCount(city);
      const t0 = now();
      const count = e.filterCity(city);
      hist.recordMs(now() - t0);
      await yieldTurn();
      ms += now() - t0;
      if (count !== expected) wrong.push(`${city}: ${count} rows, expected ${expected}`);
      this.hooks.progress('scan-filter', rep + 1, total);
    }
    return { ops: total, ms, latency: hist, latencyOf: `scan of ${this.rows.toLocaleString('en-US')} rows`, problem: wrong.length > 0 ? wrong.join('; ') : undefined };
  }

  /** Rows whose city is `city` now: generated so, and not updated since. */
  private expectedCount(city: string): number {
    let n = 0;
    for (let i = 0; i < this.rows; i++) if (this.data.city(i) === city && !this.updated.has(i + 1)) n++;
    return n;
  }
}

/** The row cache's counters over one operation (hits, misses and evictions during it; bytes after it). */
function cacheDelta(before: CacheCounters, after: CacheCounters): OperationCache {
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return { hits, misses, hitRate: hits + misses > 0 ? hits / (hits + misses) : undefined, evictions: after.evictions - before.evictions, bytes: after.bytes };
}

function ascendingOfAge(rows: readonly Record<string, unknown>[], age: number): boolean {
  let last = -Infinity;
  for (const r of rows) {
    const id = r['id'] as number;
    if (r['age'] !== age || !(id > last)) return false;
    last = id;
  }
  return true;
}
