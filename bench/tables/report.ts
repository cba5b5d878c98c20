// A bench:tables run as markdown (what `npm run bench:tables` prints on stdout), and the sett /
// SQLite comparisons against TABLES.md §6's targets. Pure: results in, a string out.

import { formatBytes, formatNs, formatRate as formatWholeRate, formatRatio } from '../harness/report/format.js';
import { table } from '../harness/report/markdown.js';
import { OPERATIONS, OPERATION_INFO, type Operation } from './plan.js';
import type { Check, Comparison, OperationResult, TablesEngineRun, TablesResults } from './results.js';

function resultOf(runs: readonly TablesEngineRun[], engine: string, op: Operation): OperationResult | undefined {
  return runs.find((r) => r.engine === engine)?.results.find((r) => r.operation === op);
}

/** sett over SQLite per operation, and PASS / MISS against the target where §6 sets one. */
export function compare(runs: readonly TablesEngineRun[]): Comparison[] {
  const out: Comparison[] = [];
  for (const op of OPERATIONS) {
    const info = OPERATION_INFO[op];
    const mine = resultOf(runs, 'sett', op);
    const base = resultOf(runs, 'sqlite', info.against ?? op);
    if (mine === undefined && base === undefined) continue;
    const ratio = mine !== undefined && base !== undefined ? mine.opsPerSec / base.opsPerSec : undefined;
    let check: Check = 'n/a';
    if (mine !== undefined && base !== undefined && info.target !== undefined) {
      check = mine.problem !== undefined || base.problem !== undefined || !Number.isFinite(ratio) ? 'INVALID' : ratio! >= info.target ? 'PASS' : 'MISS';
    }
    out.push({ operation: op, label: info.label, sett: mine?.opsPerSec, sqlite: base?.opsPerSec, ratio, target: info.target, check });
  }
  return out;
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
      `${m.loadAverage[0] > m.cores ? ' (a busy machine: figures of both engines are lower, and ratios noisier)' : ''}. Run took ${(results.totalMs / 1000).toFixed(0)} s.`,
  );
  out.push(
    `Sizes: ${p.num.toLocaleString('en-US')} rows of (id INT auto-increment, name VARCHAR(64), email VARCHAR(255) UNIQUE, age INT indexed by_age, city VARCHAR(64)), ` +
      `inserted in batches of ${p.batchRows.toLocaleString('en-US')}; ${p.gets.toLocaleString('en-US')} gets in each of two passes, ${p.asyncGets.toLocaleString('en-US')} async gets, ` +
      `${p.uniqueGets.toLocaleString('en-US')} email lookups, ${p.indexQueries.toLocaleString('en-US')} age queries, ${p.updates.toLocaleString('en-US')} updates, ` +
      `${p.singleInserts.toLocaleString('en-US')} single-row inserts, ${p.scans} scans; seed ${p.seed}${p.quick ? ' (--quick)' : ''}.`,
  );
  out.push('');

  out.push('### Throughput (ops/s; higher is better), sett / SQLite and the targets of TABLES.md §6');
  out.push('');
  out.push(
    table(
      ['operation', 'sett ops/s', 'SQLite ops/s', 'sett/SQLite', 'target', 'check'],
      results.comparisons.map((c) => [
        c.label,
        formatRate(c.sett) + invalidMark(results.engines, 'sett', c.operation),
        formatRate(c.sqlite) + invalidMark(results.engines, 'sqlite', OPERATION_INFO[c.operation].against ?? c.operation),
        formatRatio(c.ratio),
        c.target === undefined ? '-' : `>= ${c.target.toFixed(1)}x`,
        c.check,
      ]),
      [false, true, true, true, true, false],
    ),
  );
  out.push('');

  out.push('### Per engine');
  out.push('');
  out.push(
    'ops/s counts rows for the inserts, else statements. Latency is per operation as the "op" column says (a batch of 1,000 for the batched insert). ' +
      'Settle: untimed wait for background work after a writing operation (sett: flushes and compactions; SQLite checkpoints inside its commits). ' +
      'Peak RSS: the engine\'s own child process during the operation.',
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
        r.api,
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
