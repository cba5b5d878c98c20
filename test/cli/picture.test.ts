// The picture of the tree (src/cli/picture) as pure functions: the key axis, the SVG document
// (well-formed, one element per table / value-log file / WAL, stable bytes), the HTML page.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUserKeys, encodeInternalKey } from '../../src/base/index.js';
import type { LevelInfo, TableInfo, VlogInfo } from '../../src/cli/commands/info-collect.js';
import { drawTree, escapeXml, keyAxis, pageOf, type KeyRange, type TreeInfo, type TreeOptions } from '../../src/cli/picture/index.js';
import { allElements, parseXml, type XmlElement } from './xml.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const KiB = 1024;

function table(file: string, level: number, size: number, smallest: string | Uint8Array, largest: string | Uint8Array, extra: Partial<TableInfo> = {}): TableInfo {
  const key = (k: string | Uint8Array, v: number): Uint8Array => encodeInternalKey(typeof k === 'string' ? bytes(k) : k, v);
  return {
    file,
    id: Number(file.slice(0, 6)),
    level,
    bytes: size,
    keyId: 0,
    sealed: false,
    keys: Math.round(size / 40),
    smallest: key(smallest, 7),
    largest: key(largest, 3),
    compression: 'snappy',
    maxVersion: 100 + Number(file.slice(0, 6)),
    vlogBytes: new Map([[1, 512]]),
    ...extra,
  };
}

function levelsOf(tables: readonly TableInfo[], levels = 7): LevelInfo[] {
  return Array.from({ length: levels }, (_, level) => {
    const ts = tables.filter((t) => t.level === level);
    return { level, tables: ts.length, bytes: ts.reduce((s, t) => s + t.bytes, 0), keys: 0, smallest: undefined, largest: undefined, compression: [], sealed: ts.filter((t) => t.sealed).length };
  });
}

function vlog(file: string, size: number, discard: number): VlogInfo {
  return { file, id: Number(file.slice(0, 6)), bytes: size, discardBytes: discard, discardRatio: discard / (size - 34), referencedBytes: size - discard };
}

/** A small tree by hand: two overlapping L0 tables, a base level L5 of three tables (one of binary keys), L6. */
function smallTree(): TreeInfo {
  const tables = [
    table('000021.sst', 0, 6 * KiB, 'apple', 'melon'),
    table('000022.sst', 0, 3 * KiB, 'kiwi', 'zucchini'),
    table('000011.sst', 5, 12 * KiB, Uint8Array.from([0x00, 0xff, 0x01]), Uint8Array.from([0x00, 0xff, 0x09])),
    table('000012.sst', 5, 20 * KiB, 'banana', 'grape'),
    table('000013.sst', 5, 16 * KiB, 'grapefruit', 'orange'),
    table('000003.sst', 6, 64 * KiB, 'a', 'yam'),
  ];
  return {
    tables,
    levels: levelsOf(tables),
    vlogs: [vlog('000001.vlog', 16 * KiB, 16 * KiB - 34), vlog('000002.vlog', 16 * KiB, 4 * KiB), vlog('000003.vlog', 5 * KiB, 0)],
    wals: [
      { file: '000024.mem', id: 24, bytes: 9 * KiB },
      { file: '000023.mem', id: 23, bytes: 16 * KiB },
    ],
    missing: [],
    unreadable: [],
    encryption: { encrypted: false },
  };
}

const OPTIONS: TreeOptions = {
  title: 'small <tree> & "friends"',
  targets: { baseLevelSize: 32 * KiB, levelSizeMultiplier: 10, baseTableSize: 8 * KiB, numLevelZeroTables: 5 },
  targetsNote: 'test options',
};

function ofKind(root: XmlElement, kind: string): XmlElement[] {
  return allElements(root).filter((e) => e.attrs['data-kind'] === kind);
}

const range = (smallest: string | Uint8Array, largest: string | Uint8Array): KeyRange => ({
  smallest: typeof smallest === 'string' ? bytes(smallest) : smallest,
  largest: typeof largest === 'string' ? bytes(largest) : largest,
});

describe('key axis', () => {
  it('gives each stretch between boundaries a table spans the same width, and places keys inside by their bytes', () => {
    const axis = keyAxis([range('a', 'm'), range('m', 'z'), range('m', 'm')]);
    expect(axis.boundaries.map((b) => new TextDecoder().decode(b))).toEqual(['a', 'm', 'z']);
    expect(axis.position(bytes('a'))).toBe(0);
    expect(axis.position(bytes('m'))).toBe(0.5);
    expect(axis.position(bytes('z'))).toBe(1);
    // 'g' is half-way from 'a' to 'm' by byte value: a quarter of the axis.
    expect(axis.position(bytes('g'))).toBeCloseTo(0.25, 5);
    // Shared prefixes do not squeeze: user:0100 is half-way between user:0000 and user:0200.
    const users = keyAxis([range('user:0000', 'user:0200')]);
    expect(users.position(bytes('user:0100'))).toBeCloseTo(0.5, 2);
    // Outside the boundaries: clamped to the ends. One key: the middle.
    expect(axis.position(bytes(''))).toBe(0);
    expect(axis.position(bytes('zz'))).toBe(1);
    expect(keyAxis([range('k', 'k')]).position(bytes('k'))).toBe(0.5);
    expect(keyAxis([]).position(bytes('k'))).toBe(0.5);
  });

  it('draws the stretch between two tables that meet (no table spans it) narrow', () => {
    // key418999 | key419000: adjacent tables; the gap between them is a tenth of a table wide.
    const axis = keyAxis([range('key000000', 'key418999'), range('key419000', 'key837999')]);
    const gap = axis.position(bytes('key419000')) - axis.position(bytes('key418999'));
    const first = axis.position(bytes('key418999')) - axis.position(bytes('key000000'));
    expect(gap / first).toBeCloseTo(0.1, 5);
    // An L0 table over both makes the gap as wide as any stretch.
    const spanned = keyAxis([range('key000000', 'key418999'), range('key419000', 'key837999'), range('key000000', 'key837999')]);
    expect(spanned.position(bytes('key419000')) - spanned.position(bytes('key418999'))).toBeCloseTo(1 / 3, 5);
  });

  it('is monotonic over binary keys and keeps every position in [0, 1], the ends at 0 and 1 (property)', () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 10, max: 255 });
    const keyRange = fc.tuple(key, key).map(([a, b]) => (compareUserKeys(a, b) <= 0 ? { smallest: a, largest: b } : { smallest: b, largest: a }));
    fc.assert(
      fc.property(fc.array(keyRange, { minLength: 1, maxLength: 20 }), fc.array(key, { minLength: 2, maxLength: 20 }), (ranges, probes) => {
        const axis = keyAxis(ranges);
        const sorted = [...probes, ...axis.boundaries].sort(compareUserKeys);
        let last = -1;
        for (const k of sorted) {
          const p = axis.position(k);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          expect(p).toBeGreaterThanOrEqual(last);
          last = p;
        }
        const n = axis.boundaries.length;
        if (n > 1) {
          expect(axis.position(axis.boundaries[0]!)).toBe(0);
          expect(axis.position(axis.boundaries[n - 1]!)).toBe(1);
          // Distinct boundaries get distinct positions.
          for (let i = 1; i < n; i++) expect(axis.position(axis.boundaries[i]!)).toBeGreaterThan(axis.position(axis.boundaries[i - 1]!));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('drawTree', () => {
  it('writes a well-formed SVG with one element per table, value-log file and WAL, carrying their files', () => {
    const info = smallTree();
    const root = parseXml(drawTree(info, OPTIONS));
    expect(root.name).toBe('svg');
    expect(root.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(ofKind(root, 'table').map((e) => e.attrs['data-file']).sort()).toEqual(info.tables.map((t) => t.file).sort());
    expect(ofKind(root, 'vlog').map((e) => e.attrs['data-file'])).toEqual(['000001.vlog', '000002.vlog', '000003.vlog']);
    expect(ofKind(root, 'wal').map((e) => e.attrs['data-file'])).toEqual(['000023.mem', '000024.mem']);
    // The title is escaped, not markup.
    expect(allElements(root).some((e) => e.name === 'text' && e.text === 'sett tree: small <tree> & "friends"')).toBe(true);
  });

  it('draws tables along the key axis: a level is ordered and disjoint, L0 tables stack in lanes, newest on top', () => {
    const root = parseXml(drawTree(smallTree(), OPTIONS));
    const box = (file: string): { x: number; y: number; w: number; h: number } => {
      const e = ofKind(root, 'table').find((t) => t.attrs['data-file'] === file)!;
      return { x: Number(e.attrs['x']), y: Number(e.attrs['y']), w: Number(e.attrs['width']), h: Number(e.attrs['height']) };
    };
    const [binary, banana, grapefruit] = [box('000011.sst'), box('000012.sst'), box('000013.sst')];
    expect(binary.x + binary.w).toBeLessThanOrEqual(banana.x);
    expect(banana.x + banana.w).toBeLessThanOrEqual(grapefruit.x);
    expect(binary.y).toBe(banana.y);
    const [older, newer] = [box('000021.sst'), box('000022.sst')];
    expect(newer.y).toBeLessThan(older.y); // 000022 has the higher max version: the top lane
    expect(newer.x).toBeLessThan(older.x + older.w); // they overlap in keys (kiwi < melon)
    expect(older.y).toBeLessThan(binary.y); // L0 above L5
    // L6 spans nearly everything: "a" .. "yam" is the widest range.
    const deepest = box('000003.sst');
    expect(deepest.w).toBeGreaterThan(banana.w + grapefruit.w);
  });

  it('shows each level beside its target, and marks one over its target as debt', () => {
    const info = smallTree();
    // L5 (48 KiB) is the base level under L6 (64 KiB): its target is the floor, baseLevelSize = 32 KiB.
    const svg = drawTree(info, OPTIONS);
    const levels = ofKind(parseXml(svg), 'level');
    const l5 = levels.find((e) => e.attrs['data-level'] === '5')!;
    expect(l5.children.find((c) => c.name === 'title')!.text).toMatch(/^L5: 48\.0 KiB of a 32\.0 KiB target \(the base level.*compaction debt$/);
    const l0 = levels.find((e) => e.attrs['data-level'] === '0')!;
    expect(l0.children.find((c) => c.name === 'text')!.text).toBe('2 / 5 tables');
    expect(svg).toContain('— (above the base level)'); // L1..L4
  });

  it('draws value-log files split into live and discardable bytes', () => {
    const root = parseXml(drawTree(smallTree(), OPTIONS));
    const [all, some, none] = ofKind(root, 'vlog');
    const widths = (g: XmlElement): number[] => g.children.filter((c) => c.name === 'rect').map((r) => Number(r.attrs['width']));
    expect(widths(some!)).toHaveLength(2);
    const [live, discard] = widths(some!);
    expect(discard! / (live! + discard!)).toBeCloseTo(0.25, 1);
    expect(widths(none!)).toHaveLength(1); // nothing discardable
    expect(widths(all!)[0]).toBeLessThan(1); // wholly garbage but its header: under a pixel of live bytes
  });

  it('draws encrypted tables without their key as hatched boxes, one each, and says why', () => {
    const info = smallTree();
    const sealed: TreeInfo = {
      ...info,
      tables: info.tables.map((t) => ({ ...t, sealed: true, keyId: 2, keys: undefined, smallest: undefined, largest: undefined, compression: undefined, maxVersion: undefined, vlogBytes: new Map() })),
      encryption: { encrypted: true, keyGiven: false, dataKeys: 2 },
    };
    const svg = drawTree(sealed, OPTIONS);
    const tables = ofKind(parseXml(svg), 'table');
    expect(tables).toHaveLength(info.tables.length);
    for (const t of tables) expect(t.attrs['fill']).toBe('url(#sealed)');
    expect(svg).toContain('key ranges encrypted (pass --key-file)');
  });

  it('lists missing and unreadable files under the picture', () => {
    const info = { ...smallTree(), missing: ['000030.sst'], unreadable: [{ file: '000031.sst', message: 'CORRUPTION: 000031.sst at offset 10: block checksum mismatch' }] };
    const svg = drawTree(info, OPTIONS);
    expect(svg).toContain('Missing (the MANIFEST names them): 000030.sst');
    expect(svg).toContain('Unreadable: 000031.sst: CORRUPTION');
  });

  it('draws an empty database: empty levels, no files', () => {
    const empty: TreeInfo = { tables: [], levels: levelsOf([]), vlogs: [], wals: [], missing: [], unreadable: [], encryption: { encrypted: false } };
    const root = parseXml(drawTree(empty, OPTIONS));
    expect(ofKind(root, 'table')).toEqual([]);
    expect(ofKind(root, 'vlog')).toEqual([]);
  });

  it('is the same document for the same tree (snapshot: test/cli/__snapshots__/tree-small.svg)', async () => {
    const svg = drawTree(smallTree(), OPTIONS);
    expect(drawTree(smallTree(), OPTIONS)).toBe(svg);
    await expect(svg).toMatchFileSnapshot('__snapshots__/tree-small.svg');
  });
});

describe('pageOf', () => {
  it('is one self-contained page, well-formed as XML, holding the SVG and its hover panel', () => {
    const svg = drawTree(smallTree(), OPTIONS);
    const page = pageOf(svg, 'sett tree: <small>');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    const root = parseXml(page);
    expect(root.name).toBe('html');
    const elements = allElements(root);
    expect(elements.find((e) => e.name === 'title')!.text).toBe('sett tree: <small>');
    expect(elements.filter((e) => e.attrs['data-kind'] === 'table')).toHaveLength(6);
    expect(elements.some((e) => e.attrs['id'] === 'detail')).toBe(true);
    // Nothing loaded from elsewhere.
    expect(elements.filter((e) => e.attrs['src'] !== undefined || e.attrs['href'] !== undefined)).toEqual([]);
  });
});

describe('escapeXml', () => {
  it('escapes the five specials and drops characters XML forbids', () => {
    expect(escapeXml(`<a href="x">&'\u0001\uFFFE`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(() => parseXml(`<t a="${escapeXml('\u0000<&>"\'')}">${escapeXml('\u0007]]>')}</t>`)).not.toThrow();
  });
});
