// A bar chart of sett / peer throughput ratios per workload, as a hand-written SVG: one row per
// workload, one bar per peer, on a log2 axis centred on 1x (bars right of the line: sett faster).

import type { EngineName } from '../engines/engine.js';
import type { RunResults } from '../results.js';
import { formatRatio } from './format.js';
import { peersOf, ratioRows } from './ratios.js';

const WIDTH = 880;
const LABEL_WIDTH = 120;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_RIGHT = WIDTH - 60;
const TOP = 70;
const BAR_HEIGHT = 10;
const BAR_GAP = 2;
const ROW_GAP = 10;
const COLORS: Readonly<Record<EngineName, string>> = { sett: '#444444', leveldb: '#1f77b4', rocksdb: '#ff7f0e', lmdb: '#9467bd' };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The axis as powers of two: the smallest range [2^lo, 2^hi] that holds every ratio and 1/2..2. */
export function axisDomain(ratios: readonly number[]): [number, number] {
  let lo = -1;
  let hi = 1;
  for (const r of ratios) {
    if (!(r > 0) || !Number.isFinite(r)) continue;
    lo = Math.min(lo, Math.floor(Math.log2(r)));
    hi = Math.max(hi, Math.ceil(Math.log2(r)));
  }
  return [lo, hi];
}

export function renderRatioSvg(results: RunResults): string {
  const peers = peersOf(results);
  const rows = ratioRows(results).filter((r) => peers.some((p) => r.ratios[p.engine] !== undefined));
  const all = rows.flatMap((r) => peers.map((p) => r.ratios[p.engine]).filter((x): x is number => x !== undefined));
  const [lo, hi] = axisDomain(all);
  const x = (ratio: number): number => PLOT_LEFT + ((Math.log2(ratio) - lo) / (hi - lo)) * (PLOT_RIGHT - PLOT_LEFT);
  const rowHeight = peers.length * (BAR_HEIGHT + BAR_GAP) + ROW_GAP;
  const height = TOP + Math.max(1, rows.length) * rowHeight + 30;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${PLOT_LEFT}" y="20" font-size="14" font-weight="bold">${escapeXml(`sett ops/s / peer ops/s (log scale; right of 1x: sett faster) — ${results.startedAt}`)}</text>`);
  peers.forEach((p, i) => {
    const lx = PLOT_LEFT + i * 130;
    parts.push(`<rect x="${lx}" y="32" width="12" height="10" fill="${COLORS[p.engine]}"/>`);
    parts.push(`<text x="${lx + 16}" y="41">${escapeXml(`sett / ${p.label}`)}</text>`);
  });
  for (let e = lo; e <= hi; e++) {
    const gx = x(2 ** e).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${TOP - 8}" x2="${gx}" y2="${height - 25}" stroke="${e === 0 ? '#000000' : '#dddddd'}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
    parts.push(`<text x="${gx}" y="${height - 10}" text-anchor="middle">${escapeXml(formatRatio(2 ** e))}</text>`);
  }
  rows.forEach((row, i) => {
    const y0 = TOP + i * rowHeight;
    parts.push(`<text x="${LABEL_WIDTH}" y="${(y0 + (rowHeight - ROW_GAP) / 2 + 4).toFixed(1)}" text-anchor="end">${escapeXml(row.workload)}</text>`);
    peers.forEach((p, j) => {
      const ratio = row.ratios[p.engine];
      if (ratio === undefined) return;
      const y = y0 + j * (BAR_HEIGHT + BAR_GAP);
      const a = x(1);
      const b = x(Math.min(2 ** hi, Math.max(2 ** lo, ratio)));
      const left = Math.min(a, b);
      parts.push(`<rect x="${left.toFixed(1)}" y="${y}" width="${Math.max(0.5, Math.abs(b - a)).toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[p.engine]}"><title>${escapeXml(`${row.workload}: sett / ${p.label} = ${formatRatio(ratio)}`)}</title></rect>`);
      // The figure goes right of the bar's outer end, or right of the 1x line for bars below 1x
      // (left of them would run into the workload names).
      const tx = ratio >= 1 ? b + 3 : a + 3;
      parts.push(`<text x="${tx.toFixed(1)}" y="${y + BAR_HEIGHT - 1}" font-size="9">${escapeXml(formatRatio(ratio))}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
