import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareUserKeys, encodeInternalKey, userKeyOf } from '../../src/base/index.js';
import {
  MAX_TARGET_TABLE_BYTES,
  levelTargets,
  pickCompactions,
  type CompactionOptions,
  type CompactionPlan,
  type TableMeta,
} from '../../src/compaction/index.js';

const MiB = 1 << 20;

/** A 2-byte big-endian user key, so numeric order is key order. */
function ukey(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function table(id: number, lo: number, hi: number, size: number, maxVersion = id): TableMeta {
  return { id, size, smallest: encodeInternalKey(ukey(lo), maxVersion), largest: encodeInternalKey(ukey(hi), 0), maxVersion, count: 1 };
}

const OPTIONS: CompactionOptions = {
  baseLevelSize: 10 * MiB,
  levelSizeMultiplier: 10,
  baseTableSize: 2 * MiB,
  maxLevels: 7,
  numLevelZeroTables: 5,
};

function emptyLevels(n = OPTIONS.maxLevels): TableMeta[][] {
  return Array.from({ length: n }, () => []);
}

function ids(tables: readonly TableMeta[]): number[] {
  return tables.map((t) => t.id);
}

function overlaps(a: TableMeta, lo: Uint8Array, hi: Uint8Array): boolean {
  return compareUserKeys(userKeyOf(a.smallest), hi) <= 0 && compareUserKeys(lo, userKeyOf(a.largest)) <= 0;
}

function span(tables: readonly TableMeta[]): [Uint8Array, Uint8Array] {
  let lo = userKeyOf(tables[0]!.smallest);
  let hi = userKeyOf(tables[0]!.largest);
  for (const t of tables) {
    if (compareUserKeys(userKeyOf(t.smallest), lo) < 0) lo = userKeyOf(t.smallest);
    if (compareUserKeys(userKeyOf(t.largest), hi) > 0) hi = userKeyOf(t.largest);
  }
  return [lo, hi];
}

describe('levelTargets', () => {
  it('sends L0 straight to the last level of an empty tree', () => {
    const t = levelTargets([0, 0, 0, 0, 0, 0, 0], OPTIONS);
    expect(t.baseLevel).toBe(6);
    expect(t.targetBytes).toEqual([0, 0, 0, 0, 0, 0, 10 * MiB]);
  });

  it('moves the base up one level once the last level outgrows baseLevelSize', () => {
    const t = levelTargets([0, 0, 0, 0, 0, 0, 15 * MiB], OPTIONS);
    expect(t.baseLevel).toBe(5);
    expect(t.targetBytes).toEqual([0, 0, 0, 0, 0, 10 * MiB, 15 * MiB]);
  });

  it('sizes each level 1/multiplier of the one below, floored at baseLevelSize, with the base where it reaches the floor', () => {
    const t = levelTargets([0, 0, 0, 0, 5 * MiB, 80 * MiB, 2000 * MiB], OPTIONS);
    expect(t.baseLevel).toBe(4);
    expect(t.targetBytes).toEqual([0, 0, 0, 0, 20 * MiB, 200 * MiB, 2000 * MiB]);
  });

  it('moves the base down over empty levels (Badger), so L0 data skips levels that hold nothing', () => {
    // The computed base is L3 (2000 MiB / 10^3 = 2 MiB <= 10 MiB); L4 and L5 are empty.
    const t = levelTargets([0, 0, 0, 0, 0, 0, 2000 * MiB], OPTIONS);
    expect(t.baseLevel).toBe(5);
    expect(t.targetBytes[5]).toBe(200 * MiB);
  });

  it('never puts the base below a non-empty level (the read invariant), even where Badger would', () => {
    // Badger would move the base from L3 down over the empty L4 and L5, below the data in L2.
    const t = levelTargets([0, 0, 1 * MiB, 0, 0, 0, 2000 * MiB], OPTIONS);
    expect(t.baseLevel).toBe(2);
    expect(t.targetBytes[2]).toBe(10 * MiB);
    // Badger's rules alone: an empty base over a level under target moves down onto it.
    expect(levelTargets([0, 0, 0, 0, 1 * MiB, 0, 2000 * MiB], OPTIONS).baseLevel).toBe(4);
    // A last level that shrank (say after dropPrefix) below a fuller L5: the base stays at L5.
    const shrunk = levelTargets([0, 0, 0, 0, 0, 50 * MiB, 5 * MiB], OPTIONS);
    expect(shrunk.baseLevel).toBe(5);
    expect(shrunk.targetBytes[5]).toBe(10 * MiB);
  });

  it('puts the base at L1 when even L1 would exceed baseLevelSize', () => {
    const t = levelTargets([0, 3, 3, 3, 3, 3, 10_000_000 * MiB], OPTIONS);
    expect(t.baseLevel).toBe(1);
    expect(t.targetBytes[1]).toBe(100 * MiB);
  });

  it('doubles the target table size per level below the base, capped at MAX_TARGET_TABLE_BYTES', () => {
    const t = levelTargets([0, 1, 1, 1, 1, 1, 1], { ...OPTIONS, maxLevels: 7 });
    expect(t.baseLevel).toBe(1);
    expect(t.targetTableBytes).toEqual([2, 2, 4, 8, 16, 32, 64].map((m) => m * MiB));
    const deep = levelTargets(new Array(12).fill(1), { ...OPTIONS, maxLevels: 12 });
    expect(Math.max(...deep.targetTableBytes)).toBe(MAX_TARGET_TABLE_BYTES);
    const big = levelTargets([0, 0, 0], { ...OPTIONS, maxLevels: 3, baseTableSize: 256 * MiB });
    expect(big.targetTableBytes).toEqual([256 * MiB, 256 * MiB, 256 * MiB]);
  });

  it('keeps its shape for any level sizes: base in range, empty above it, targets >= baseLevelSize and growing downward', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }).chain((n) => fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 1e12 })), { minLength: n, maxLength: n })),
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 2, max: 20 }),
        (bytes, baseLevelSize, levelSizeMultiplier) => {
          const o = { ...OPTIONS, baseLevelSize, levelSizeMultiplier, maxLevels: bytes.length };
          const t = levelTargets(bytes, o);
          expect(t.baseLevel).toBeGreaterThanOrEqual(1);
          expect(t.baseLevel).toBeLessThanOrEqual(bytes.length - 1);
          for (let i = 1; i < t.baseLevel; i++) {
            expect(bytes[i]).toBe(0);
            expect(t.targetBytes[i]).toBe(0);
          }
          for (let i = t.baseLevel; i < bytes.length; i++) {
            expect(t.targetBytes[i]).toBeGreaterThanOrEqual(baseLevelSize);
            if (i > t.baseLevel) expect(t.targetBytes[i]).toBeGreaterThanOrEqual(t.targetBytes[i - 1]!);
          }
          expect(t.targetBytes[bytes.length - 1]).toBe(Math.max(bytes[bytes.length - 1]!, baseLevelSize));
          for (const s of t.targetTableBytes) {
            expect(s).toBeGreaterThanOrEqual(o.baseTableSize);
            expect(s).toBeLessThanOrEqual(Math.max(o.baseTableSize, MAX_TARGET_TABLE_BYTES));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('pickCompactions', () => {
  const small: CompactionOptions = { baseLevelSize: 100, levelSizeMultiplier: 10, baseTableSize: 10, maxLevels: 4, numLevelZeroTables: 3 };

  it('plans nothing while L0 is under its table count and every level under target', () => {
    const levels = emptyLevels(4);
    levels[0] = [table(1, 0, 10, 5), table(2, 0, 10, 5)];
    levels[3] = [table(3, 0, 100, 50)];
    expect(pickCompactions(levels, new Set(), small, 4)).toEqual([]);
  });

  it('compacts every L0 table, newest first, into the base level', () => {
    const levels = emptyLevels(4);
    levels[0] = [table(10, 20, 30, 5), table(11, 5, 12, 5), table(12, 25, 40, 5)];
    levels[3] = [table(1, 0, 100, 150)];
    const plans = pickCompactions(levels, new Set(), small, 4);
    expect(plans).toHaveLength(1);
    const p = plans[0]!;
    expect(p.kind).toBe('l0-to-base');
    expect(ids(p.top)).toEqual([10, 11, 12]);
    expect(p.outputLevel).toBe(2); // L3 holds 150 > baseLevelSize bytes: the base is one level up
    expect(p.outputLevel).toBe(levelTargets([15, 0, 0, 150], small).baseLevel);
    expect(p.bottom).toEqual([]);
    expect(p.score).toBe(1);
  });

  it('takes the base tables overlapping the L0 span, and only those', () => {
    const levels = emptyLevels(3);
    const o = { ...small, maxLevels: 3 };
    levels[0] = [table(10, 20, 30, 5), table(11, 5, 12, 5), table(12, 25, 40, 5)];
    levels[2] = [table(1, 0, 3, 30), table(2, 4, 6, 30), table(3, 13, 19, 30), table(4, 40, 50, 30), table(5, 51, 60, 30)];
    const [p] = pickCompactions(levels, new Set(), o, 4);
    expect(p!.kind).toBe('l0-to-base');
    expect(p!.outputLevel).toBe(1); // 150 bytes in L2 > baseLevelSize: the base is L1, which is empty
    expect(p!.bottom).toEqual([]);
    const flat = pickCompactions([levels[0]!, [], levels[2]!].map((l, i) => (i === 1 ? [] : l)), new Set(), { ...o, baseLevelSize: 1000 }, 4);
    expect(flat[0]!.outputLevel).toBe(2);
    expect(ids(flat[0]!.bottom)).toEqual([2, 3, 4]);
    expect(flat[0]!.targetTableBytes).toBe(10);
  });

  it('merges the oldest L0 run into one L0 table when the base tables it needs are busy', () => {
    const o = { ...small, maxLevels: 2, baseLevelSize: 1000 };
    const levels: TableMeta[][] = [[table(10, 0, 5, 5), table(11, 0, 5, 6), table(12, 0, 5, 7)], [table(1, 0, 3, 30)]];
    const [p] = pickCompactions(levels, new Set([1]), o, 4);
    expect(p!.kind).toBe('l0-to-l0');
    expect(p!.outputLevel).toBe(0);
    expect(ids(p!.top)).toEqual([10, 11, 12]);
    expect(p!.bottom).toEqual([]);
    expect(p!.targetTableBytes).toBeGreaterThanOrEqual(18); // one output table
  });

  it('never skips over a busy L0 table: the L0 → L0 run is the free suffix, and needs two tables', () => {
    const o = { ...small, maxLevels: 2, baseLevelSize: 1000 };
    const l0 = [table(10, 0, 5, 5), table(11, 0, 5, 5), table(12, 0, 5, 5), table(13, 0, 5, 5)];
    const [p] = pickCompactions([l0, []], new Set([11]), o, 4);
    expect(ids(p!.top)).toEqual([12, 13]);
    expect(pickCompactions([l0, []], new Set([12]), o, 4)).toEqual([]);
    expect(pickCompactions([l0, []], new Set([13]), o, 4)).toEqual([]);
  });

  it('pushes down the table with the oldest data, with exactly the next-level tables it overlaps', () => {
    const o = { ...small, baseLevelSize: 50 };
    const levels = emptyLevels(4);
    levels[2] = [table(1, 0, 9, 40, 70), table(2, 10, 19, 40, 30), table(3, 20, 29, 40, 50)];
    levels[3] = [table(4, 0, 8, 300), table(5, 9, 12, 300), table(6, 14, 16, 300), table(7, 18, 25, 300)];
    const [p] = pickCompactions(levels, new Set(), o, 1);
    expect(p!.kind).toBe('level');
    expect(p!.level).toBe(2);
    expect(ids(p!.top)).toEqual([2]);
    expect(ids(p!.bottom)).toEqual([5, 6, 7]);
  });

  it('moves a table that overlaps nothing below, and passes over one whose overlap is busy', () => {
    const o = { ...small, baseLevelSize: 50 };
    const levels = emptyLevels(4);
    levels[2] = [table(1, 0, 9, 40, 10), table(2, 30, 39, 40, 20), table(3, 50, 59, 40, 30)];
    levels[3] = [table(4, 0, 8, 300), table(5, 50, 60, 300)];
    const [move] = pickCompactions(levels, new Set([4]), o, 1);
    expect(move!.kind).toBe('move');
    expect(ids(move!.top)).toEqual([2]);
    expect(move!.bottom).toEqual([]);
    expect(move!.outputLevel).toBe(3);
  });

  it('does not start a compaction whose output span overlaps a busy table of the level above its output', () => {
    const o = { ...small, baseLevelSize: 50 };
    const levels = emptyLevels(4);
    // Table 1's output span reaches 40 through table 4; busy table 2 (writing into L3) lies inside it.
    levels[2] = [table(1, 0, 10, 60, 1), table(2, 20, 25, 60, 2)];
    levels[3] = [table(4, 5, 40, 300)];
    const plans = pickCompactions(levels, new Set([2]), o, 4);
    expect(plans).toEqual([]);
  });

  it('gives one overfull level several disjoint plans while it stays over target', () => {
    const o = { ...small, baseLevelSize: 50 };
    const levels = emptyLevels(4);
    levels[2] = [table(1, 0, 9, 40, 4), table(2, 10, 19, 40, 3), table(3, 20, 29, 40, 2), table(4, 30, 39, 40, 1)];
    levels[3] = [table(5, 0, 100, 500)];
    // Every L2 table overlaps table 5: only one plan can take it.
    expect(pickCompactions(levels, new Set(), o, 4)).toHaveLength(1);
    levels[3] = [table(5, 0, 5, 100), table(6, 12, 15, 100), table(7, 22, 25, 100), table(8, 32, 35, 100)];
    const plans = pickCompactions(levels, new Set(), o, 4);
    // 160 bytes over a 50-byte target: three tables must leave (160 → 120 → 80 → 40).
    expect(plans.map((p) => ids(p.top))).toEqual([[4], [3], [2]]);
    expect(plans.map((p) => ids(p.bottom))).toEqual([[8], [7], [6]]);
  });

  it('shares the compactors between levels by score: L0 gets one even when a deeper level scores higher', () => {
    const o = { ...small, baseLevelSize: 50 };
    const levels = emptyLevels(4);
    levels[0] = [table(20, 100, 110, 5), table(21, 100, 110, 5), table(22, 100, 110, 5)];
    levels[2] = [table(1, 0, 9, 100, 1), table(2, 10, 19, 100, 2), table(3, 20, 29, 100, 3)];
    levels[3] = [table(5, 0, 200, 1000)];
    const plans = pickCompactions(levels, new Set([5]), o, 2);
    // L2 scores 6 but its overlap below is busy; L0 (score 1) goes on.
    expect(plans.map((p) => p.kind)).toEqual(['l0-to-base']);
    const two = pickCompactions(levels.map((l, i) => (i === 3 ? [table(5, 0, 9, 500), table(6, 10, 19, 500)] : l)), new Set(), o, 2);
    expect(two.map((p) => p.level)).toEqual([2, 0]);
    expect(two[0]!.score).toBeGreaterThanOrEqual(two[1]!.score);
    expect(pickCompactions(levels, new Set(), o, 0)).toEqual([]);
  });
});

// ---- property: the picker's guarantees on random trees ----------------------------------------

interface Shape {
  o: CompactionOptions;
  levels: TableMeta[][];
  busy: Set<number>;
  maxPlans: number;
}

/**
 * Random trees. Busy sets come two ways: random tables, or (as in a running database) the tables
 * of plans picked earlier on the same tree, after which a few new L0 tables were flushed in front.
 */
const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    maxLevels: fc.integer({ min: 2, max: 5 }),
    numLevelZeroTables: fc.integer({ min: 1, max: 4 }),
    baseLevelSize: fc.integer({ min: 10, max: 150 }),
    levelSizeMultiplier: fc.integer({ min: 2, max: 5 }),
    maxPlans: fc.integer({ min: 1, max: 5 }),
    busyMode: fc.constantFrom('none', 'random', 'previous', 'previous'),
    busyProbability: fc.constantFrom(0.1, 0.3, 0.6),
    previousPlans: fc.integer({ min: 1, max: 3 }),
    seedTables: fc.array(fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 30 }), fc.integer({ min: 1, max: 80 }), fc.nat({ max: 1000 })), { maxLength: 8 }),
    flushed: fc.array(fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 30 })), { maxLength: 3 }),
    levelPoints: fc.array(fc.uniqueArray(fc.nat({ max: 199 }), { maxLength: 16 }), { minLength: 5, maxLength: 5 }),
    levelSizes: fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 40, maxLength: 40 }),
    busyDraws: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }),
  })
  .map((r) => {
    let id = 1;
    const levels: TableMeta[][] = [];
    levels.push(r.seedTables.map(([lo, width, size, v]) => table(id++, lo, lo + width, size, v)));
    for (let l = 1; l < r.maxLevels; l++) {
      const points = r.levelPoints[l - 1]!.slice().sort((a, b) => a - b);
      const tables: TableMeta[] = [];
      for (let i = 0; i + 1 < points.length; i += 2) {
        tables.push(table(id, points[i]!, points[i + 1]!, r.levelSizes[(id * 7) % 40]!, (id * 37) % 101));
        id++;
      }
      levels.push(tables);
    }
    const o: CompactionOptions = {
      baseLevelSize: r.baseLevelSize,
      levelSizeMultiplier: r.levelSizeMultiplier,
      baseTableSize: 10,
      maxLevels: r.maxLevels,
      numLevelZeroTables: r.numLevelZeroTables,
    };
    const busy = new Set<number>();
    if (r.busyMode === 'random') {
      for (let i = 1; i < id; i++) if (r.busyDraws[i % 60]! < r.busyProbability) busy.add(i);
    } else if (r.busyMode === 'previous') {
      for (const p of pickCompactions(levels, new Set(), o, r.previousPlans)) for (const t of [...p.top, ...p.bottom]) busy.add(t.id);
      for (const [lo, width] of r.flushed) levels[0]!.unshift(table(id++, lo, lo + width, 20, 2000 + id));
    }
    return { o, levels, busy, maxPlans: r.maxPlans };
  });

function checkPlans(shape: Shape, plans: CompactionPlan[]): void {
  const { o, levels, busy, maxPlans } = shape;
  const n = levels.length;
  const targets = levelTargets(levels.map((l) => l.reduce((s, t) => s + t.size, 0)), o);
  expect(plans.length).toBeLessThanOrEqual(maxPlans);
  const used = new Set<number>();
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i]!;
    expect(p.score).toBeGreaterThanOrEqual(1);
    if (i > 0) expect(p.score).toBeLessThanOrEqual(plans[i - 1]!.score);
    for (const t of [...p.top, ...p.bottom]) {
      expect(busy.has(t.id), `plan holds busy table ${t.id}`).toBe(false);
      expect(used.has(t.id), `table ${t.id} in two plans`).toBe(false);
      used.add(t.id);
    }
    switch (p.kind) {
      case 'l0-to-base': {
        expect(p.level).toBe(0);
        expect(ids(p.top)).toEqual(ids(levels[0]!));
        expect(p.outputLevel).toBe(targets.baseLevel);
        for (let l = 1; l < p.outputLevel; l++) expect(levels[l]).toEqual([]);
        const [lo, hi] = span(p.top);
        expect(ids(p.bottom)).toEqual(ids(levels[p.outputLevel]!.filter((t) => overlaps(t, lo, hi))));
        break;
      }
      case 'l0-to-l0': {
        expect(p.level).toBe(0);
        expect(p.outputLevel).toBe(0);
        expect(p.top.length).toBeGreaterThanOrEqual(2);
        expect(ids(p.top)).toEqual(ids(levels[0]!.slice(levels[0]!.length - p.top.length)));
        expect(p.bottom).toEqual([]);
        break;
      }
      case 'level':
      case 'move': {
        expect(p.level).toBeGreaterThanOrEqual(Math.max(1, targets.baseLevel));
        expect(p.level).toBeLessThan(n - 1);
        expect(p.outputLevel).toBe(p.level + 1);
        expect(p.top).toHaveLength(1);
        expect(levels[p.level]!.map((t) => t.id)).toContain(p.top[0]!.id);
        const [lo, hi] = span(p.top);
        expect(ids(p.bottom)).toEqual(ids(levels[p.outputLevel]!.filter((t) => overlaps(t, lo, hi))));
        expect(p.kind === 'move').toBe(p.bottom.length === 0);
        expect(p.targetTableBytes).toBe(targets.targetTableBytes[p.outputLevel]);
        break;
      }
    }
  }
  // Outputs into one level can never overlap each other or a running compaction's tables there.
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i]!;
    if (p.outputLevel === 0) continue;
    const [lo, hi] = span([...p.top, ...p.bottom]);
    for (const t of levels[p.outputLevel]!) {
      if (busy.has(t.id)) expect(overlaps(t, lo, hi), `plan ${i} output overlaps busy table ${t.id}`).toBe(false);
    }
    for (let j = i + 1; j < plans.length; j++) {
      const q = plans[j]!;
      if (q.outputLevel !== p.outputLevel) continue;
      const [qlo, qhi] = span([...q.top, ...q.bottom]);
      const disjoint = compareUserKeys(hi, qlo) < 0 || compareUserKeys(qhi, lo) < 0;
      expect(disjoint, `plans ${i} and ${j} write overlapping ranges into L${p.outputLevel}`).toBe(true);
    }
  }
  // With nothing running, a level over its target always gets a plan.
  if (busy.size === 0 && maxPlans > 0) {
    let due = levels[0]!.length >= o.numLevelZeroTables;
    for (let l = targets.baseLevel; l < n - 1; l++) {
      const bytes = levels[l]!.reduce((s, t) => s + t.size, 0);
      if (bytes >= targets.targetBytes[l]!) due = true;
    }
    if (due) expect(plans.length).toBeGreaterThan(0);
  }
}

describe('pickCompactions on random trees', () => {
  it('returns disjoint plans of free tables whose outputs cannot overlap, following every rule', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        checkPlans(shape, pickCompactions(shape.levels, shape.busy, shape.o, shape.maxPlans));
      }),
      { numRuns: 1000 },
    );
  });
});
