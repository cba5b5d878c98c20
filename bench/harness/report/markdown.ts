// The run as markdown: what `npm run bench` prints on stdout and docs/performance.md quotes.
// Pure: a RunResults in, a string out.

import type { RunResults } from '../results.js';
import { WORKLOADS } from '../workloads.js';
import { formatBytes, formatFactor, formatNs, formatRate, formatRatio } from './format.js';
import { peersOf, ratioRows, resultOf } from './ratios.js';

export function table(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const escape = (c: string): string => c.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (rightAligned[i] === true ? '---:' : '---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function renderMarkdown(results: RunResults): string {
  const out: string[] = [];
  const m = results.machine;
  const p = results.plan;
  out.push(`## sett benchmark, ${results.startedAt}`);
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${formatBytes(m.memoryBytes)} RAM, ${m.platform}, node ${m.node}; ` +
      `load average at start ${m.loadAverage.join(' / ')}. Run took ${(results.totalMs / 1000).toFixed(0)} s.`,
  );
  out.push(
    `Sizes: ${p.num.toLocaleString('en-US')} entries of 16-byte keys and ${p.valueBytes}-byte values; ` +
      `${p.reads.toLocaleString('en-US')} reads, ${p.seeks.toLocaleString('en-US')} seeks, ${p.deletes.toLocaleString('en-US')} deletes, ` +
      `${p.fill4kEntries.toLocaleString('en-US')} x 4 KiB and ${p.fill64kEntries.toLocaleString('en-US')} x 64 KiB values, ` +
      `${p.syncOps.toLocaleString('en-US')} durable puts per syncwrite workload, ${p.ycsbOps.toLocaleString('en-US')} operations per YCSB workload; ` +
      `seed ${p.seed}${p.quick ? ' (--quick)' : ''}.`,
  );
  out.push('');

  const peers = peersOf(results);
  const hasSett = results.engines.some((r) => r.engine === 'sett');
  out.push('### Throughput (ops/s; higher is better) and sett / peer');
  out.push('');
  const ratioHeaders = hasSett ? peers.map((r) => `sett/${r.label}`) : [];
  out.push(
    table(
      ['workload', ...results.engines.map((r) => r.label), ...ratioHeaders],
      ratioRows(results).map((row) => [
        row.workload,
        ...results.engines.map((r) => formatRate(row.rates[r.engine]) + (row.invalid.includes(r.engine) ? ' (invalid)' : '')),
        ...(hasSett ? peers.map((r) => formatRatio(row.ratios[r.engine])) : []),
      ]),
      [false, ...results.engines.map(() => true), ...ratioHeaders.map(() => true)],
    ),
  );
  out.push('');

  if (results.targets.length > 0) {
    out.push('### Targets');
    out.push('');
    out.push(
      table(
        ['target', 'measured', 'check', 'how'],
        results.targets.map((t) => [t.label, formatRatio(t.ratio), t.status, t.note ?? '']),
        [false, true, false, false],
      ),
    );
    out.push('');
  }

  out.push('### Per engine');
  out.push('');
  out.push(
    'Latency is per operation as the "op" column says (a batch for the fills); scans are timed as a whole. ' +
      'Write amplification: bytes the engine process dirtied for storage (/proc/self/io write_bytes) during the workload and its settle, over the key + value bytes written. ' +
      'Space amplification: allocated bytes of the database directory / live key + value bytes. Peak RSS: the engine\'s own process, during the workload.',
  );
  out.push('');
  const rows: string[][] = [];
  for (const w of results.workloads) {
    for (const run of results.engines) {
      const r = resultOf(results.engines, run.engine, w);
      if (r === undefined) continue;
      rows.push([
        w,
        run.label,
        formatRate(r.opsPerSec),
        r.latencyOf,
        formatNs(r.latency?.p50Ns),
        formatNs(r.latency?.p99Ns),
        formatNs(r.latency?.p999Ns),
        formatFactor(r.writeAmp),
        formatFactor(r.spaceAmp),
        formatBytes(r.peakRssBytes),
        r.durability,
        r.problem === undefined ? '' : `INVALID: ${r.problem}`,
      ]);
    }
  }
  out.push(
    table(
      ['workload', 'engine', 'ops/s', 'op', 'p50', 'p99', 'p999', 'write amp', 'space amp', 'peak RSS', 'durability', 'problem'],
      rows,
      [false, false, true, false, true, true, true, true, true, true, false, false],
    ),
  );
  out.push('');

  out.push('### Engines');
  out.push('');
  out.push(
    table(
      ['engine', 'package', 'point reads', 'durability (ordinary workloads)', 'durability (syncwrite*)', 'RSS before open', 'error'],
      results.engines.map((r) => [
        r.label,
        r.provider,
        r.readApi,
        `${r.durability.normal.setting}: ${r.durability.normal.meaning}`,
        `${r.durability.durable.setting}: ${r.durability.durable.meaning}`,
        formatBytes(r.baselineRssBytes),
        r.error === undefined ? '' : (r.error.split('\n')[0] ?? ''),
      ]),
    ),
  );
  out.push('');
  out.push('### Workloads');
  out.push('');
  out.push(table(['workload', 'what it does'], results.workloads.map((w) => [w, WORKLOADS[w].what])));
  return out.join('\n') + '\n';
}
