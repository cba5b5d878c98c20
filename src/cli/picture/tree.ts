// The picture of an LSM tree as one SVG document, drawn from what `sett info` collects: a row per
// level with its tables as boxes along the key axis (key-axis.ts), L0's tables stacked one lane
// each (they overlap), each level's size beside its target (compaction debt at a glance), then
// the memtables' WALs and the value-log files split into live and discardable bytes.
//
// Pure: the same input gives the same bytes (no clock, no paths but the caller's title), so a
// snapshot test can hold it. Every table is one element with data-kind="table", every value-log
// file one with data-kind="vlog", every WAL one with data-kind="wal": tests and scripts count them.

import { levelTargets, type LevelTargets } from '../../compaction/index.js';
import { userKeyOf } from '../../base/index.js';
import { showBytes, showInternalKey, showRatio, showSize } from '../format.js';
import type { DirectoryInfo, TableInfo } from '../commands/info-collect.js';
import { keyAxis, type KeyAxis } from './key-axis.js';
import { el, num, text, title } from './svg.js';

/** What the picture needs of `sett info`'s collection (a DirectoryInfo is one). */
export type TreeInfo = Pick<DirectoryInfo, 'tables' | 'levels' | 'vlogs' | 'wals' | 'missing' | 'unreadable' | 'encryption'>;

/** The options level targets depend on. A directory does not record them: the caller says which. */
export interface TargetOptions {
  baseLevelSize: number;
  levelSizeMultiplier: number;
  baseTableSize: number;
  numLevelZeroTables: number;
}

export interface TreeOptions {
  /** The heading (e.g. the directory as the user named it). */
  title: string;
  targets: TargetOptions;
  /** Where the targets came from, shown under the picture (e.g. "default options"). */
  targetsNote?: string;
}

const WIDTH = 1000;
const MARGIN = 16;
const AXIS_X = 64;
const AXIS_W = 600;
const SIDE_X = 690;
/** The size bar: its middle is the target, its end twice the target. */
const SIDE_BAR_W = 120;
const SIDE_TEXT_X = SIDE_X + SIDE_BAR_W + 10;
const ROW_H = 30;
/** An empty level keeps its row (one per level) but a thin one. */
const EMPTY_ROW_H = 18;
const BOX_PAD = 4;
const L0_LANE_MAX_H = 12;
const L0_MAX_H = 160;
const FILE_GAP = 2;
const FILE_MIN_W = 3;
const LABEL_MAX_CHARS = 16;
/** Width of a character of the 11px monospace labels, and the room kept between two labels. */
const CHAR_W = 6.7;
const LABEL_GAP = 12;

const COLOR = {
  l0: '#e07b39',
  level: '#3b78c9',
  sealed: '#8a8a8a',
  live: '#3a9a5b',
  discard: '#c94040',
  wal: '#8e5bb5',
  ok: '#3a9a5b',
  debt: '#c94040',
  grid: '#d8d8d8',
  dim: '#777777',
  ink: '#222222',
};

const STYLE = `text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;fill:${COLOR.ink}}
.h{font-size:15px;font-weight:bold}.dim{fill:${COLOR.dim}}.bad{fill:${COLOR.debt}}
[data-kind]:hover{stroke:${COLOR.ink};stroke-width:1.5}`;

const DEFS = el(
  'defs',
  {},
  el('pattern', { id: 'discard', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, el('rect', { width: 6, height: 6, fill: '#f3d0d0' }), el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: COLOR.discard, 'stroke-width': 3 })),
  el('pattern', { id: 'sealed', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(-45)' }, el('rect', { width: 6, height: 6, fill: '#e4e4e4' }), el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: COLOR.sealed, 'stroke-width': 2 })),
);

export function drawTree(info: TreeInfo, options: TreeOptions): string {
  const keyed = info.tables.filter((t) => !t.sealed && t.smallest !== undefined && t.largest !== undefined);
  const axis = keyAxis(keyed.map((t) => ({ smallest: userKeyOf(t.smallest!), largest: userKeyOf(t.largest!) })));
  const targets = targetsOf(info, options.targets);
  const maxTableBytes = info.tables.reduce((m, t) => Math.max(m, t.bytes), 1);

  const parts: string[] = [];
  let y = 24;
  parts.push(text({ x: MARGIN, y, class: 'h' }, `sett tree: ${options.title}`));
  y += 18;
  parts.push(text({ x: MARGIN, y, class: 'dim' }, summaryLine(info)));
  y += 28;

  const levelsTop = y;
  parts.push(text({ x: SIDE_X, y: y - 6, class: 'dim' }, 'size / target'));
  y += 4;
  const rows: string[] = [];
  for (const level of info.levels) {
    const tables = info.tables.filter((t) => t.level === level.level);
    const height = tables.length === 0 ? EMPTY_ROW_H : level.level === 0 ? Math.min(L0_MAX_H, Math.max(ROW_H, tables.length * L0_LANE_MAX_H + 2 * BOX_PAD)) : ROW_H;
    rows.push(levelRow(level.level, tables, y, height, axis, maxTableBytes, targets, options.targets));
    y += height;
  }
  // The grid and key labels go under the boxes, so they are drawn first.
  parts.push(axisLabels(axis, levelsTop, y, info.tables.length > 0 && keyed.length === 0));
  parts.push(...rows);

  y += 14;
  parts.push(walRow(info, y));
  y += ROW_H;
  parts.push(vlogRow(info, y));
  y += ROW_H + 16;

  for (const note of notes(info, options)) {
    parts.push(text({ x: MARGIN, y, class: note.bad ? 'bad' : 'dim' }, note.text));
    y += 15;
  }
  y += MARGIN - 15 + 8;

  return (
    el(
      'svg',
      { xmlns: 'http://www.w3.org/2000/svg', width: WIDTH, height: y, viewBox: `0 0 ${WIDTH} ${num(y)}`, role: 'img', 'aria-label': `sett tree: ${options.title}` },
      el('style', {}, STYLE.replace(/&/g, '&amp;').replace(/</g, '&lt;')),
      DEFS,
      el('rect', { x: 0, y: 0, width: WIDTH, height: y, fill: '#ffffff' }),
      ...parts,
    ) + '\n'
  );
}

function targetsOf(info: TreeInfo, o: TargetOptions): LevelTargets {
  const bytes = info.levels.map((l) => l.bytes);
  while (bytes.length < 2) bytes.push(0);
  return levelTargets(bytes, { ...o, maxLevels: bytes.length });
}

function summaryLine(info: TreeInfo): string {
  const tableBytes = info.tables.reduce((s, t) => s + t.bytes, 0);
  const entries = info.tables.reduce((s, t) => s + (t.keys ?? 0), 0);
  const vlogBytes = info.vlogs.reduce((s, v) => s + v.bytes, 0);
  const discard = info.vlogs.reduce((s, v) => s + v.discardBytes, 0);
  const walBytes = info.wals.reduce((s, w) => s + w.bytes, 0);
  const sealed = info.tables.some((t) => t.sealed) ? ' (entries of encrypted tables not counted)' : '';
  return (
    `${plural(info.tables.length, 'table')}, ${showSize(tableBytes)}, ${plural(entries, 'entry', 'entries')}${sealed} · ` +
    `value log ${plural(info.vlogs.length, 'file')}, ${showSize(vlogBytes)} (${showSize(discard)} discardable) · ` +
    `WAL ${plural(info.wals.length, 'file')}, ${showSize(walBytes)}`
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function axisX(position: number): number {
  return AXIS_X + position * AXIS_W;
}

function shortKey(key: Uint8Array): string {
  const shown = showBytes(key, { hex: false });
  return shown.length <= LABEL_MAX_CHARS ? shown : `${shown.slice(0, LABEL_MAX_CHARS - 1)}…`;
}

function axisLabels(axis: KeyAxis, top: number, bottom: number, allSealed: boolean): string {
  const out: string[] = [];
  const n = axis.boundaries.length;
  if (n === 0) {
    const why = allSealed ? 'key ranges encrypted (pass --key-file): tables shown in file order' : 'no tables';
    return text({ x: AXIS_X, y: top - 6, class: 'dim' }, why);
  }
  // Labels left to right, each where it does not touch the one before or the last one.
  const width = (label: string): number => label.length * CHAR_W;
  const lastLabel = shortKey(axis.boundaries[n - 1]!);
  const lastLeft = n > 1 ? axisX(1) - width(lastLabel) : Infinity;
  let right = -Infinity;
  for (let i = 0; i < n; i++) {
    const key = axis.boundaries[i]!;
    const label = shortKey(key);
    const x = axisX(axis.position(key));
    const anchor = n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
    const [left, end] = anchor === 'start' ? [x, x + width(label)] : anchor === 'end' ? [x - width(label), x] : [x - width(label) / 2, x + width(label) / 2];
    if (i !== n - 1 && (left < right + LABEL_GAP || end > lastLeft - LABEL_GAP)) continue;
    right = end;
    out.push(el('line', { x1: x, y1: top - 2, x2: x, y2: bottom, stroke: COLOR.grid, 'stroke-width': 1 }));
    out.push(text({ x, y: top - 6, 'text-anchor': anchor, class: 'dim' }, label));
  }
  return out.join('');
}

function levelRow(level: number, tables: readonly TableInfo[], y: number, height: number, axis: KeyAxis, maxTableBytes: number, targets: LevelTargets, o: TargetOptions): string {
  const out: string[] = [];
  out.push(el('line', { x1: MARGIN, y1: y, x2: WIDTH - MARGIN, y2: y, stroke: COLOR.grid, 'stroke-width': 0.5 }));
  out.push(text({ x: MARGIN, y: y + height / 2 + 4, class: tables.length === 0 ? 'dim' : undefined }, `L${level}`));
  if (tables.length === 0) out.push(text({ x: AXIS_X + 4, y: y + height / 2 + 4, class: 'dim' }, 'empty'));

  // L0 newest first (top lane), as reads search it; deeper levels in key order, one lane.
  const ordered = level === 0 ? [...tables].sort((a, b) => (b.maxVersion ?? 0) - (a.maxVersion ?? 0) || b.id - a.id) : tables;
  const laneH = level === 0 && tables.length > 0 ? (height - 2 * BOX_PAD) / tables.length : height - 2 * BOX_PAD;
  ordered.forEach((t, i) => {
    const top = level === 0 ? y + BOX_PAD + i * laneH : y + BOX_PAD;
    const h = Math.max(1, level === 0 ? laneH - (laneH > 4 ? 1 : 0) : laneH);
    const [x0, x1] = t.sealed || t.smallest === undefined || t.largest === undefined ? sealedSpan(level, i, ordered.length) : [axisX(axis.position(userKeyOf(t.smallest))), axisX(axis.position(userKeyOf(t.largest)))];
    const w = Math.max(2, x1 - x0);
    const x = Math.min(x0, AXIS_X + AXIS_W - w);
    const shade = (0.3 + 0.7 * Math.sqrt(t.bytes / maxTableBytes)).toFixed(2);
    out.push(
      el(
        'rect',
        {
          'data-kind': 'table',
          'data-file': t.file,
          'data-level': t.level,
          'data-bytes': t.bytes,
          x,
          y: top,
          width: w,
          height: h,
          fill: t.sealed ? 'url(#sealed)' : level === 0 ? COLOR.l0 : COLOR.level,
          'fill-opacity': t.sealed ? undefined : shade,
          stroke: '#ffffff',
          'stroke-width': 0.5,
        },
        title(tableDetail(t)),
      ),
    );
  });
  out.push(levelSize(level, tables, y, height, targets, o));
  return out.join('');
}

/** Without its key an encrypted table's range is unknown: L0 tables span the axis, deeper ones share it in file order. */
function sealedSpan(level: number, index: number, count: number): [number, number] {
  if (level === 0) return [AXIS_X, AXIS_X + AXIS_W];
  const w = AXIS_W / count;
  return [AXIS_X + index * w + 1, AXIS_X + (index + 1) * w - 1];
}

function tableDetail(t: TableInfo): string {
  const head = `${t.file} · L${t.level} · ${showSize(t.bytes)}`;
  if (t.sealed) return `${head} · encrypted (data key ${t.keyId}): key range unknown without --key-file`;
  const range = t.smallest === undefined || t.largest === undefined ? 'no keys' : `${showInternalKey(t.smallest, { hex: false })} … ${showInternalKey(t.largest, { hex: false })}`;
  const refs = t.vlogBytes.size === 0 ? '' : ` · points at ${showSize([...t.vlogBytes.values()].reduce((s, b) => s + b, 0))} in ${plural(t.vlogBytes.size, 'value-log file')}`;
  return `${head} · ${plural(t.keys ?? 0, 'entry', 'entries')} · ${range} · ${t.compression ?? '?'}, max version ${t.maxVersion ?? '?'}${refs}`;
}

function levelSize(level: number, tables: readonly TableInfo[], y: number, height: number, targets: LevelTargets, o: TargetOptions): string {
  const mid = y + height / 2;
  let actual: number;
  let target: number;
  let label: string;
  let detail: string;
  if (level === 0) {
    actual = tables.length;
    target = o.numLevelZeroTables;
    label = `${tables.length} / ${target} tables`;
    detail = `L0: ${plural(tables.length, 'table')}; compaction into L${targets.baseLevel} starts at ${target}`;
  } else {
    actual = tables.reduce((s, t) => s + t.bytes, 0);
    target = targets.targetBytes[level] ?? 0;
    if (target === 0) {
      // Above the base level: L0 skips it, so it has no target (and holds nothing).
      return text({ x: SIDE_X, y: mid + 4, class: 'dim' }, '— (above the base level)');
    }
    label = `${showSize(actual)} / ${showSize(target)}`;
    detail = `L${level}: ${showSize(actual)} of a ${showSize(target)} target${level === targets.baseLevel ? ' (the base level: L0 compacts into it)' : ''}`;
  }
  const ratio = target === 0 ? 0 : actual / target;
  const over = ratio > 1;
  const barH = 10;
  return el(
    'g',
    { 'data-kind': 'level', 'data-level': level },
    title(`${detail}${over ? ` · over target ×${ratio.toFixed(2)}: compaction debt` : ''}`),
    el('rect', { x: SIDE_X, y: mid - barH / 2, width: SIDE_BAR_W, height: barH, fill: '#f0f0f0' }),
    el('rect', { x: SIDE_X, y: mid - barH / 2, width: (Math.min(ratio, 2) / 2) * SIDE_BAR_W, height: barH, fill: over ? COLOR.debt : COLOR.ok }),
    el('line', { x1: SIDE_X + SIDE_BAR_W / 2, y1: mid - barH / 2 - 3, x2: SIDE_X + SIDE_BAR_W / 2, y2: mid + barH / 2 + 3, stroke: COLOR.ink, 'stroke-width': 1 }),
    text({ x: SIDE_TEXT_X, y: mid + 4, class: over ? 'bad' : undefined }, label),
  );
}

interface Placed {
  x: number;
  w: number;
}

/** Files side by side, widths by bytes on `bytesPerPx`, each at least a sliver wide. */
function placeFiles(sizes: readonly number[], scale: number): Placed[] {
  const n = sizes.length;
  const gap = n * (FILE_MIN_W + FILE_GAP) <= AXIS_W ? FILE_GAP : 0;
  const minW = gap === 0 ? AXIS_W / Math.max(n, 1) : FILE_MIN_W;
  const out: Placed[] = [];
  let x = AXIS_X;
  for (const bytes of sizes) {
    const w = minW + bytes * scale;
    out.push({ x, w });
    x += w + gap;
  }
  return out;
}

/** Pixels per byte shared by the WAL and value-log rows, so their bars compare. */
function fileScale(info: TreeInfo): number {
  const room = (n: number): number => {
    const gap = n * (FILE_MIN_W + FILE_GAP) <= AXIS_W ? FILE_GAP : 0;
    return gap === 0 ? 0 : AXIS_W - n * (FILE_MIN_W + gap);
  };
  const walBytes = info.wals.reduce((s, w) => s + w.bytes, 0);
  const vlogBytes = info.vlogs.reduce((s, v) => s + v.bytes, 0);
  const walScale = walBytes === 0 ? Infinity : room(info.wals.length) / walBytes;
  const vlogScale = vlogBytes === 0 ? Infinity : room(info.vlogs.length) / vlogBytes;
  const scale = Math.min(walScale, vlogScale);
  return Number.isFinite(scale) ? scale : 0;
}

function walRow(info: TreeInfo, y: number): string {
  const out: string[] = [el('line', { x1: MARGIN, y1: y, x2: WIDTH - MARGIN, y2: y, stroke: COLOR.grid, 'stroke-width': 0.5 })];
  out.push(text({ x: MARGIN, y: y + ROW_H / 2 + 4, class: info.wals.length === 0 ? 'dim' : undefined }, 'WAL'));
  const wals = [...info.wals].sort((a, b) => a.id - b.id);
  if (wals.length === 0) out.push(text({ x: AXIS_X + 4, y: y + ROW_H / 2 + 4, class: 'dim' }, 'no WAL files'));
  const placed = placeFiles(
    wals.map((w) => w.bytes),
    fileScale(info),
  );
  wals.forEach((w, i) => {
    const p = placed[i]!;
    const newest = i === wals.length - 1 ? ', the newest' : '';
    out.push(
      el(
        'rect',
        { 'data-kind': 'wal', 'data-file': w.file, 'data-bytes': w.bytes, x: p.x, y: y + BOX_PAD, width: p.w, height: ROW_H - 2 * BOX_PAD, fill: COLOR.wal, 'fill-opacity': 0.75 },
        title(`${w.file} · ${showSize(w.bytes)} · the log of a memtable${newest}: its writes are not in a table yet`),
      ),
    );
  });
  const bytes = wals.reduce((s, w) => s + w.bytes, 0);
  out.push(text({ x: SIDE_X, y: y + ROW_H / 2 + 4 }, `memtables: ${plural(wals.length, 'WAL')}, ${showSize(bytes)}`));
  return out.join('');
}

function vlogRow(info: TreeInfo, y: number): string {
  const out: string[] = [el('line', { x1: MARGIN, y1: y, x2: WIDTH - MARGIN, y2: y, stroke: COLOR.grid, 'stroke-width': 0.5 })];
  out.push(text({ x: MARGIN, y: y + ROW_H / 2 + 4, class: info.vlogs.length === 0 ? 'dim' : undefined }, 'vlog'));
  const vlogs = [...info.vlogs].sort((a, b) => a.id - b.id);
  if (vlogs.length === 0) out.push(text({ x: AXIS_X + 4, y: y + ROW_H / 2 + 4, class: 'dim' }, 'no value-log files'));
  const placed = placeFiles(
    vlogs.map((v) => v.bytes),
    fileScale(info),
  );
  vlogs.forEach((v, i) => {
    const p = placed[i]!;
    const discardW = v.bytes === 0 ? 0 : p.w * Math.min(1, v.discardBytes / v.bytes);
    const top = y + BOX_PAD;
    const h = ROW_H - 2 * BOX_PAD;
    out.push(
      el(
        'g',
        { 'data-kind': 'vlog', 'data-file': v.file, 'data-bytes': v.bytes, 'data-discard-bytes': v.discardBytes },
        title(`${v.file} · ${showSize(v.bytes)} · ${showSize(v.discardBytes)} discardable (${showRatio(v.discardRatio)}) · tables point at ${showSize(v.referencedBytes)} in it`),
        el('rect', { x: p.x, y: top, width: p.w - discardW, height: h, fill: COLOR.live }),
        discardW > 0 ? el('rect', { x: p.x + p.w - discardW, y: top, width: discardW, height: h, fill: 'url(#discard)' }) : '',
      ),
    );
  });
  const bytes = vlogs.reduce((s, v) => s + v.bytes, 0);
  const discard = vlogs.reduce((s, v) => s + v.discardBytes, 0);
  out.push(text({ x: SIDE_X, y: y + ROW_H / 2 + 4 }, `${showSize(bytes)}, ${showSize(discard)} discardable`));
  return out.join('');
}

function notes(info: TreeInfo, options: TreeOptions): { text: string; bad: boolean }[] {
  const out: { text: string; bad: boolean }[] = [];
  out.push({ text: 'Tables: x = key range in key order (stretches a table spans equally wide), shade = size; L0: a lane per table, newest on top.', bad: false });
  out.push({ text: 'Value log: green = live bytes, red hatched = discardable (from DISCARD). Bars of the WAL and value-log rows share one scale.', bad: false });
  const o = options.targets;
  out.push({ text: `Targets: L0 ${o.numLevelZeroTables} tables; levels ×${o.levelSizeMultiplier} apart, at least ${showSize(o.baseLevelSize)}${options.targetsNote === undefined ? '' : ` (${options.targetsNote})`}.`, bad: false });
  const e = info.encryption;
  if (e.encrypted && !e.keyGiven) out.push({ text: 'Encrypted, no key given: hatched tables are encrypted, their key ranges unknown (pass --key-file).', bad: false });
  if (info.missing.length > 0) out.push({ text: `Missing (the MANIFEST names them): ${info.missing.join(', ')}`, bad: true });
  for (const u of info.unreadable) out.push({ text: `Unreadable: ${u.file}: ${u.message}`, bad: true });
  return out;
}
