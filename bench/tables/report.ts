// A bench:tables run as markdown (what `npm run bench:tables` prints on stdout), the sett /
// SQLite and hybrid memory / SQLite :memory: comparisons against TABLES.md §6's targets, and the
// row cache comparison (cached / uncached persistent table). Pure: results in, a string out.

import { formatBytes, formatNs, formatRate as formatWholeRate, formatRatio } from '../harness/report/format.js';
import { table } from '../harness/report/markdown.js';
import { CACHE_PAIR, OPERATIONS, OPERATION_INFO, PAIRS, type Operation } from './plan.js';
import type { CacheComparison, Check, Comparison, OperationResult, TablesEngineRun, TablesResults } from './results.js';

function resultOf(runs: readonly TablesEngineRun[], engine: string, op: Operation): OperationResult | undefined {
  return runs.find((r) => r.engine === engine)?.results.find((r) => r.operation === op);
}

function checkOf(mine: OperationResult | undefined, base: OperationResult | undefined, ratio: number | undefined, target: number | undefined): Check {
  if (mine === undefined || base === undefined || target === undefined) return 'n/a';
  return mine.problem !== undefined || base.problem !== undefined || !Number.isFinite(ratio) ? 'INVALID' : ratio! >= target ? 'PASS' : 'MISS';
}

/**
 * Per pair (sett over SQLite, hybrid memory over SQLite :memory:) and operation, the ratio and
 * PASS / MISS against the target where §6 sets one; pairs of which neither engine ran are left out.
 */
export function compare(runs: readonly TablesEngineRun[]): Comparison[] {
  const out: Comparison[] = [];
  for (const pair of PAIRS) {
    for (const op of OPERATIONS) {
      const info = OPERATION_INFO[op];
      const mine = resultOf(runs, pair.mine, op);
      const base = resultOf(runs, pair.base, info.against ?? op);
      if (mine === undefined && base === undefined) continue;
      const ratio = mine !== undefined && base !== undefined ? mine.opsPerSec / base.opsPerSec : undefined;
      out.push({ pair: pair.name, operation: op, label: info.label, sett: mine?.opsPerSec, sqlite: base?.opsPerSec, ratio, target: info.target, check: checkOf(mine, base, ratio, info.target) });
    }
  }
  return out;
}

/** The row cache comparison: the cached table's warm get over the uncached one's; undefined when neither ran. */
export function compareCache(runs: readonly TablesEngineRun[]): CacheComparison | undefined {
  const mine = resultOf(runs, CACHE_PAIR.mine, CACHE_PAIR.operation);
  const base = resultOf(runs, CACHE_PAIR.base, CACHE_PAIR.operation);
  if (mine === undefined && base === undefined) return undefined;
  const ratio = mine !== undefined && base !== undefined ? mine.opsPerSec / base.opsPerSec : undefined;
  return {
    operation: CACHE_PAIR.operation,
    cached: mine?.opsPerSec,
    uncached: base?.opsPerSec,
    ratio,
    target: CACHE_PAIR.target,
    check: checkOf(mine, base, ratio, CACHE_PAIR.target),
    hitRate: mine?.cache?.hitRate,
    prepassHitRate: resultOf(runs, CACHE_PAIR.mine, 'get-prepass')?.cache?.hitRate,
    cacheBytes: mine?.cache?.bytes,
    evictions: mine?.cache?.evictions,
  };
}

export function renderTablesMarkdown(results: TablesResults): string {
  const out: string[] = [];
  const m = results.machine;
  const p = results.plan;
  out.push(`## sett tables beside SQLite, ${results.startedAt}`);
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${formatBytes(m.memoryBytes)} RAM, ${m.platform}, node ${m.node}; ` +
      `load average at start ${m.loadAverage.join(' / ')}, at end ${results.loadAverageAtEnd.join(' / ')}` +
      `${m.loadAverage[0] > m.cores ? ' (a busy machine: figures of every engine are lower, and ratios noisier)' : ''}. Run took ${(results.totalMs / 1000).toFixed(0)} s.`,
  );
  out.push(
    `Sizes: ${p.num.toLocaleString('en-US')} rows of (id INT auto-increment, name VARCHAR(64), email VARCHAR(255) UNIQUE, age INT indexed by_age, city VARCHAR(64)), ` +
      `inserted in batches of ${p.batchRows.toLocaleString('en-US')}; ${p.gets.toLocaleString('en-US')} gets in each of two passes, ${p.asyncGets.toLocaleString('en-US')} async gets, ` +
      `${p.uniqueGets.toLocaleString('en-US')} email lookups, ${p.indexQueries.toLocaleString('en-US')} age queries, ${p.updates.toLocaleString('en-US')} updates, ` +
      `${p.singleInserts.toLocaleString('en-US')} single-row inserts, ${p.scans} scans; seed ${p.seed}${p.quick ? ' (--quick)' : ''}.`,
  );
  out.push('');

  const heads: Record<string, [string, string, string, string]> = {
    disk: ['### Throughput (ops/s; higher is better), sett / SQLite and the targets of TABLES.md §6', 'sett ops/s', 'SQLite ops/s', 'sett/SQLite'],
    memory: [
      '### Memory tables: hybrid memory vs SQLite :memory: (ops/s; higher is better), against the same targets of TABLES.md §6',
      'hybrid memory ops/s',
      'SQLite :memory: ops/s',
      'hybrid/SQLite',
    ],
  };
  for (const pair of PAIRS) {
    const rows = results.comparisons.filter((c) => c.pair === pair.name);
    if (rows.length === 0) continue;
    const [title, mineHead, baseHead, ratioHead] = heads[pair.name]!;
    out.push(title);
    out.push('');
    out.push(
      table(
        ['operation', mineHead, baseHead, ratioHead, 'target', 'check'],
        rows.map((c) => [
          c.label,
          formatRate(c.sett) + invalidMark(results.engines, pair.mine, c.operation),
          formatRate(c.sqlite) + invalidMark(results.engines, pair.base, OPERATION_INFO[c.operation].against ?? c.operation),
          formatRatio(c.ratio),
          c.target === undefined ? '-' : `>= ${c.target.toFixed(1)}x`,
          c.check,
        ]),
        [false, true, true, true, true, false],
      ),
    );
    out.push('');
  }

  const cache = results.cache;
  if (cache !== undefined) {
    out.push('### Row cache: a persistent table with cacheInMemory, warm, vs the same uncached (`h.getSync(users, id)`)');
    out.push('');
    out.push(
      `Both tables persistent in their own hybrid database (own child process), loaded alike, then ${results.plan.gets.toLocaleString('en-US')} primary-key gets ` +
        `over random ids twice: get-prepass (warms the cache) and get (measured), the same ids in the same order. Cache bound ${'`'}maxSizeMb${'`'} as the engines table says; ` +
        `hit rate from ${'`'}h.stats()${'`'} (cacheHits / (cacheHits + cacheMisses)) over each pass: inserts write through to the cache, so a pre-pass hit rate of 100% says the load alone left every row cached.`,
    );
    out.push('');
    out.push(
      table(
        ['operation', 'cached ops/s', 'uncached ops/s', 'cached/uncached', 'target', 'check', 'hit rate (get)', 'hit rate (pre-pass)', 'cache size', 'evictions'],
        [
          [
            OPERATION_INFO[cache.operation].label,
            formatRate(cache.cached) + invalidMark(results.engines, CACHE_PAIR.mine, cache.operation),
            formatRate(cache.uncached) + invalidMark(results.engines, CACHE_PAIR.base, cache.operation),
            formatRatio(cache.ratio),
            `>= ${cache.target.toFixed(1)}x`,
            cache.check,
            formatPercent(cache.hitRate),
            formatPercent(cache.prepassHitRate),
            cache.cacheBytes === undefined ? '-' : formatBytes(cache.cacheBytes),
            cache.evictions === undefined ? '-' : cache.evictions.toLocaleString('en-US'),
          ],
        ],
        [false, true, true, true, true, false, true, true, true, true],
      ),
    );
    out.push('');
  }

  out.push('### Per engine');
  out.push('');
  out.push(
    'ops/s counts rows for the inserts, else statements. Latency is per operation as the "op" column says (a batch of 1,000 for the batched insert). ' +
      'Settle: untimed wait for background work after a writing operation (sett: flushes and compactions; SQLite checkpoints inside its commits). ' +
      'Peak RSS: the engine\'s own child process during the operation. ' +
      `Engines that skip an operation (the cache comparison runs insert, get-prepass and get only) have no row for it.`,
  );
  out.push('');
  const rows: string[][] = [];
  for (const op of OPERATIONS) {
    for (const run of results.engines) {
      const r = resultOf(results.engines, run.engine, op);
      if (r === undefined) continue;
      rows.push([
        op,
        run.label,
        formatRate(r.opsPerSec),
        r.latencyOf,
        formatNs(r.latency?.p50Ns),
        formatNs(r.latency?.p99Ns),
        r.settleMs >= 1 ? `${(r.settleMs / 1000).toFixed(1)} s` : '-',
        formatBytes(r.diskBytes),
        formatBytes(r.peakRssBytes),
        r.api + (r.cache?.hitRate === undefined ? '' : ` (cache hits ${formatPercent(r.cache.hitRate)})`),
        r.problem === undefined ? '' : `INVALID: ${r.problem}`,
      ]);
    }
  }
  out.push(
    table(['operation', 'engine', 'ops/s', 'op', 'p50', 'p99', 'settle', 'disk after', 'peak RSS', 'calls', 'problem'], rows, [
      false, false, true, false, true, true, true, true, true, false, false,
    ]),
  );
  out.push('');

  out.push('### Engines');
  out.push('');
  out.push(
    table(
      ['engine', 'package', 'durability', 'caches', 'RSS before open', 'peak RSS', 'error'],
      results.engines.map((r) => [
        r.label,
        r.provider,
        `${r.durability.setting}: ${r.durability.meaning}`,
        r.memory,
        formatBytes(r.baselineRssBytes),
        formatBytes(r.peakRssBytes),
        r.error === undefined ? '' : (r.error.split('\n')[0] ?? ''),
      ]),
      [false, false, false, false, true, true, false],
    ),
  );
  out.push('');
  const plans = settPlans(results.engines);
  if (plans.length > 0) {
    out.push("### sett's plans (`explain`)");
    out.push('');
    out.push(table(['query', 'access', 'index', 'residual', 'sort', 'limit pushed down'], plans));
    out.push('');
  }
  out.push('### Operations');
  out.push('');
  out.push(table(['operation', 'what it does'], OPERATIONS.map((op) => [op, OPERATION_INFO[op].what])));
  return out.join('\n') + '\n';
}

/** ops/s, with decimals below 100 (a scan of a million rows takes more than a second). */
export function formatRate(x: number | undefined): string {
  if (x !== undefined && Number.isFinite(x) && x < 100) return x < 10 ? x.toFixed(2) : x.toFixed(1);
  return formatWholeRate(x);
}

function formatPercent(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(x >= 0.999 && x < 1 ? 2 : 1)}%`;
}

function invalidMark(runs: readonly TablesEngineRun[], engine: string, op: Operation): string {
  return resultOf(runs, engine, op)?.problem !== undefined ? ' (invalid)' : '';
}

/** The plans sett's child recorded with `explain` before closing, one row per query kind. */
function settPlans(runs: readonly TablesEngineRun[]): string[][] {
  const d = runs.find((r) => r.engine === 'sett')?.describe as { plans?: Record<string, Record<string, unknown>> } | undefined;
  if (d?.plans === undefined) return [];
  return Object.entries(d.plans).map(([name, plan]) => [
    name,
    String(plan['access'] ?? '?'),
    String(plan['index'] ?? '?'),
    plan['residual'] === undefined ? '-' : JSON.stringify(plan['residual']),
    String(plan['sort'] ?? '?'),
    String(plan['limitPushedDown'] ?? '?'),
  ]);
}
