// Which compactions to run next: dynamic level targets and plans chosen by score. Pure functions
// over table metadata (no I/O), so the main thread can call them after every flush or compaction
// and tests can drive them with any tree shape.
//
// Models: Badger's levels.go (levelTargets, pickCompactLevels, fillTablesL0ToL0) and RocksDB's
// dynamic level sizes (VersionStorageInfo::CalculateBaseBytes). Where we differ, it is to keep the
// read invariant that lets a read stop at the first source holding a key (SPEC §3 "Newest above"):
// a level never holds a version of a key older than one in a deeper level.

import { assert, compareUserKeys, userKeyOf, type InternalKey } from '../base/index.js';

export interface TableMeta {
  id: number;
  /** File size in bytes. */
  size: number;
  smallest: InternalKey;
  largest: InternalKey;
  maxVersion: number;
  count: number;
}

export interface CompactionOptions {
  baseLevelSize: number;
  levelSizeMultiplier: number;
  baseTableSize: number;
  maxLevels: number;
  numLevelZeroTables: number;
}

/** Targets per level (index = level). */
export interface LevelTargets {
  /** The level L0 compacts into. Every level between L0 and it is empty. */
  baseLevel: number;
  /** Target bytes of each level: 0 for L0 (scored by table count) and for levels above the base. */
  targetBytes: number[];
  /** Size at which a compaction writing into the level cuts its output tables. */
  targetTableBytes: number[];
}

/**
 * Output tables grow ×2 per level below the base, as Badger's TableSizeMultiplier default: deeper
 * levels hold more data, so bigger tables keep the table count (and the MANIFEST) small.
 */
export const TABLE_SIZE_MULTIPLIER = 2;
/** Output tables never target more than this (unless baseTableSize itself is larger). */
export const MAX_TARGET_TABLE_BYTES = 64 << 20;

/**
 * Dynamic level targets (Badger's levelTargets): the last level's target is its actual size (at
 * least baseLevelSize), each level above it 1/levelSizeMultiplier of the one below, floored at
 * baseLevelSize. The base level is the deepest whose unfloored target is <= baseLevelSize: L0
 * flushes into it, and it moves up as the tree grows, so a small tree is not spread over seven
 * levels of write amplification. As Badger, the base then moves down over empty levels (L0 data
 * skips levels that hold nothing yet), and past an empty base whose next level is under target.
 *
 * Unlike Badger, the base never sits below the first non-empty level (RocksDB's rule): if a level
 * above the base held tables, L0 → base would put newer versions beneath older ones there, and a
 * read stopping at the first level holding the key would return the older one. So the levels
 * between L0 and the base are always empty, and none of them needs a score of its own.
 */
export function levelTargets(levelBytes: readonly number[], o: CompactionOptions): LevelTargets {
  const n = levelBytes.length;
  assert(n === o.maxLevels && n >= 2, () => `levelTargets: ${n} level sizes for maxLevels ${o.maxLevels}`);
  assert(o.levelSizeMultiplier >= 2, () => `levelSizeMultiplier ${o.levelSizeMultiplier} must be >= 2`);
  assert(o.baseLevelSize > 0 && o.baseTableSize > 0, 'baseLevelSize and baseTableSize must be positive');

  const targetBytes = new Array<number>(n).fill(0);
  let raw = levelBytes[n - 1]!;
  let base = 0;
  for (let i = n - 1; i >= 1; i--) {
    targetBytes[i] = Math.max(raw, o.baseLevelSize);
    if (base === 0 && raw <= o.baseLevelSize) base = i;
    raw = Math.floor(raw / o.levelSizeMultiplier);
  }
  if (base === 0) base = 1; // even L1 would exceed baseLevelSize: the tree is deeper than maxLevels
  while (base + 1 < n - 1 && levelBytes[base + 1] === 0) base++;
  if (base < n - 1 && levelBytes[base] === 0 && levelBytes[base + 1]! < targetBytes[base + 1]!) base++;
  for (let i = 1; i < base; i++) {
    if (levelBytes[i]! > 0) {
      base = i;
      break;
    }
  }
  for (let i = 1; i < base; i++) targetBytes[i] = 0;

  const cap = Math.max(o.baseTableSize, MAX_TARGET_TABLE_BYTES);
  const targetTableBytes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let t = o.baseTableSize;
    for (let d = base; d < i && t < cap; d++) t *= TABLE_SIZE_MULTIPLIER;
    targetTableBytes[i] = Math.min(t, cap);
  }
  return { baseLevel: base, targetBytes, targetTableBytes };
}

/**
 * l0-to-base: every L0 table and the base tables they overlap, merged into the base level.
 * l0-to-l0:   the oldest run of L0 tables merged into one L0 table (cuts the L0 count when the
 *             base level is busy).
 * level:      one table of Li and the Li+1 tables it overlaps, merged into Li+1.
 * move:       one table of Li that overlaps nothing in Li+1, moved there without a rewrite.
 */
export type CompactionKind = 'l0-to-base' | 'l0-to-l0' | 'level' | 'move';

export interface CompactionPlan {
  kind: CompactionKind;
  level: number;
  outputLevel: number;
  /** Tables of `level`: for L0 in L0 order (newest first), so they are the newer sources. */
  top: TableMeta[];
  /** Tables of `outputLevel` (key order) that the output replaces; empty for l0-to-l0 and move. */
  bottom: TableMeta[];
  score: number;
  targetTableBytes: number;
}

/** A user-key range, inclusive at both ends. */
interface KeyRange {
  smallest: Uint8Array;
  largest: Uint8Array;
}

interface LevelCandidate {
  level: number;
  score: number;
  /** Bytes of the level not in a running or chosen compaction. */
  freeBytes: number;
  done: boolean;
}

/**
 * Up to `maxPlans` compactions to start now, highest score first. levels[0] is L0 newest first;
 * deeper levels are sorted by key and non-overlapping. `busy` holds the ids of tables already in a
 * running compaction. Guarantees (test/compaction/picker.test.ts proves them on random shapes):
 *   - no plan holds a busy table, and the returned plans share no table;
 *   - the output range of a plan into level L ≥ 1 (the span of its top and bottom) overlaps no
 *     busy table of L or L-1 (whose running compactions write into L) and no other returned
 *     plan's output range at L, so concurrent outputs can never overlap in a level;
 *   - every level between L0 and the output of an l0-to-base plan is empty, and level plans
 *     push a table down one level with all it overlaps there: the read invariant holds.
 * Scores: L0 = table count / numLevelZeroTables; Li = free bytes / target. Only scores >= 1 plan.
 * The last level has nowhere to compact to and is never scored.
 */
export function pickCompactions(
  levels: readonly (readonly TableMeta[])[],
  busy: ReadonlySet<number>,
  o: CompactionOptions,
  maxPlans: number,
): CompactionPlan[] {
  const n = levels.length;
  assert(n === o.maxLevels, () => `pickCompactions: ${n} levels for maxLevels ${o.maxLevels}`);
  assert(o.numLevelZeroTables >= 1, 'numLevelZeroTables must be >= 1');
  const targets = levelTargets(levels.map(levelSize), o);
  const picker = new Picker(levels, busy, targets);

  const candidates: LevelCandidate[] = [];
  const l0Score = levels[0]!.length / o.numLevelZeroTables;
  if (l0Score >= 1) candidates.push({ level: 0, score: l0Score, freeBytes: 0, done: false });
  for (let i = targets.baseLevel; i < n - 1; i++) {
    let freeBytes = 0;
    for (const t of levels[i]!) if (!busy.has(t.id)) freeBytes += t.size;
    const score = freeBytes / targets.targetBytes[i]!;
    if (score >= 1) candidates.push({ level: i, score, freeBytes, done: false });
  }
  candidates.sort((a, b) => b.score - a.score || a.level - b.level);

  // Round robin over the levels by score, so one overfull level cannot take every compactor
  // while L0 stalls writes; a level gives another plan only while its free bytes stay over target.
  const plans: CompactionPlan[] = [];
  let progress = true;
  while (plans.length < maxPlans && progress) {
    progress = false;
    for (const c of candidates) {
      if (plans.length >= maxPlans) break;
      if (c.done) continue;
      const plan = c.level === 0 ? picker.pickL0(c.score, o) : picker.pickLevel(c.level, c.score);
      if (plan === undefined) {
        c.done = true;
        continue;
      }
      picker.claim(plan);
      plans.push(plan);
      progress = true;
      if (c.level === 0) {
        c.done = true;
      } else {
        c.freeBytes -= plan.top[0]!.size;
        c.score = c.freeBytes / targets.targetBytes[c.level]!;
        if (c.score < 1) c.done = true;
      }
    }
  }
  return plans.sort((a, b) => b.score - a.score || a.level - b.level);
}

class Picker {
  /** Busy tables and tables of plans chosen in this call. */
  private readonly taken: Set<number>;
  /** Output ranges of plans chosen in this call, per output level. */
  private readonly claimed: KeyRange[][];

  constructor(
    private readonly levels: readonly (readonly TableMeta[])[],
    busy: ReadonlySet<number>,
    private readonly targets: LevelTargets,
  ) {
    this.taken = new Set(busy);
    this.claimed = levels.map(() => []);
  }

  pickL0(score: number, o: CompactionOptions): CompactionPlan | undefined {
    const l0 = this.levels[0]!;
    if (l0.length === 0) return undefined;
    const toBase = this.pickL0ToBase(score);
    if (toBase !== undefined) return toBase;

    // L0 → L0 (Badger's fillTablesL0ToL0): only an oldest suffix, so the merged table takes the
    // place of the run at the old end of L0 and newer L0 tables stay in front of it.
    let start = l0.length;
    while (start > 0 && !this.taken.has(l0[start - 1]!.id)) start--;
    if (l0.length - start < 2) return undefined;
    const top = l0.slice(start);
    let bytes = 0;
    for (const t of top) bytes += t.size;
    // One output: its size is bounded by its inputs (plus slack for re-compression).
    return { kind: 'l0-to-l0', level: 0, outputLevel: 0, top, bottom: [], score, targetTableBytes: bytes + o.baseTableSize };
  }

  private pickL0ToBase(score: number): CompactionPlan | undefined {
    const l0 = this.levels[0]!;
    for (const t of l0) if (this.taken.has(t.id)) return undefined;
    const base = this.targets.baseLevel;
    const range = spanOf(l0);
    const bottom = overlapping(this.levels[base]!, range);
    for (const t of bottom) if (this.taken.has(t.id)) return undefined;
    const out = bottom.length === 0 ? range : union(range, spanOf(bottom));
    if (this.conflicts(base, out)) return undefined;
    return {
      kind: 'l0-to-base',
      level: 0,
      outputLevel: base,
      top: l0.slice(),
      bottom,
      score,
      targetTableBytes: this.targets.targetTableBytes[base]!,
    };
  }

  /** Li → Li+1: the free table with the oldest data whose overlap in Li+1 is free. */
  pickLevel(level: number, score: number): CompactionPlan | undefined {
    const tables = this.levels[level]!;
    const order: number[] = [];
    for (let i = 0; i < tables.length; i++) if (!this.taken.has(tables[i]!.id)) order.push(i);
    order.sort((a, b) => tables[a]!.maxVersion - tables[b]!.maxVersion || a - b);
    const outputLevel = level + 1;
    for (const i of order) {
      const top = tables[i]!;
      const range = rangeOf(top);
      const bottom = overlapping(this.levels[outputLevel]!, range);
      if (bottom.some((t) => this.taken.has(t.id))) continue;
      const out = bottom.length === 0 ? range : union(range, spanOf(bottom));
      if (this.conflicts(outputLevel, out)) continue;
      return {
        kind: bottom.length === 0 ? 'move' : 'level',
        level,
        outputLevel,
        top: [top],
        bottom,
        score,
        targetTableBytes: this.targets.targetTableBytes[outputLevel]!,
      };
    }
    return undefined;
  }

  claim(plan: CompactionPlan): void {
    for (const t of plan.top) this.taken.add(t.id);
    for (const t of plan.bottom) this.taken.add(t.id);
    if (plan.outputLevel > 0) this.claimed[plan.outputLevel]!.push(spanOf([...plan.top, ...plan.bottom]));
  }

  /**
   * Whether output range `out` into `level` could overlap the output of a running or chosen
   * compaction: running ones write into L from L-1 or L, so their busy tables there bound what
   * they write (the span of a compaction's inputs has no other table of either level inside it).
   */
  private conflicts(level: number, out: KeyRange): boolean {
    for (const r of this.claimed[level]!) if (rangesOverlap(r, out)) return true;
    for (const l of level - 1 >= 1 ? [level - 1, level] : [level]) {
      for (const t of this.levels[l]!) {
        if (this.taken.has(t.id) && rangesOverlap(rangeOf(t), out)) return true;
      }
    }
    return false;
  }
}

export function levelSize(tables: readonly TableMeta[]): number {
  let n = 0;
  for (const t of tables) n += t.size;
  return n;
}

function rangeOf(t: TableMeta): KeyRange {
  return { smallest: userKeyOf(t.smallest), largest: userKeyOf(t.largest) };
}

/** The user-key span of a non-empty set of tables. */
export function spanOf(tables: readonly TableMeta[]): KeyRange {
  assert(tables.length > 0, 'spanOf: no tables');
  let { smallest, largest } = rangeOf(tables[0]!);
  for (let i = 1; i < tables.length; i++) {
    const r = rangeOf(tables[i]!);
    if (compareUserKeys(r.smallest, smallest) < 0) smallest = r.smallest;
    if (compareUserKeys(r.largest, largest) > 0) largest = r.largest;
  }
  return { smallest, largest };
}

function union(a: KeyRange, b: KeyRange): KeyRange {
  return {
    smallest: compareUserKeys(a.smallest, b.smallest) <= 0 ? a.smallest : b.smallest,
    largest: compareUserKeys(a.largest, b.largest) >= 0 ? a.largest : b.largest,
  };
}

export function rangesOverlap(a: KeyRange, b: KeyRange): boolean {
  return compareUserKeys(a.smallest, b.largest) <= 0 && compareUserKeys(b.smallest, a.largest) <= 0;
}

/** The tables of a sorted, non-overlapping level whose user-key range meets `range`, in order. */
export function overlapping(level: readonly TableMeta[], range: KeyRange): TableMeta[] {
  // First table whose largest user key is >= range.smallest (binary search: levels are sorted).
  let lo = 0;
  let hi = level.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUserKeys(userKeyOf(level[mid]!.largest), range.smallest) < 0) lo = mid + 1;
    else hi = mid;
  }
  const out: TableMeta[] = [];
  for (let i = lo; i < level.length && compareUserKeys(userKeyOf(level[i]!.smallest), range.largest) <= 0; i++) {
    out.push(level[i]!);
  }
  return out;
}
