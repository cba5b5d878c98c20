// The in-memory version of the tree: which tables are live at each level. Replaced, never
// mutated, when a flush or compaction installs tables, so an iterator can keep the version it
// started with. Tables carry reference counts: the version holds one, each iterator one more.

import { assert, compareInternalKeys, expensiveInvariants } from '../base/index.js';
import type { Table } from '../sstable/index.js';

export class LevelsVersion {
  /** levels[0] is L0, newest table first; deeper levels are sorted by key range. */
  constructor(readonly levels: readonly (readonly Table[])[]) {
    if (expensiveInvariants) this.checkInvariants();
  }

  static empty(maxLevels: number): LevelsVersion {
    return new LevelsVersion(Array.from({ length: maxLevels }, () => []));
  }

  withL0Table(table: Table): LevelsVersion {
    const levels = this.levels.slice();
    levels[0] = sortL0([table, ...this.levels[0]!]);
    return new LevelsVersion(levels);
  }

  /** A version without the tables in `removed` and with `added` (tables by level). */
  withChanges(removed: ReadonlySet<number>, added: readonly { level: number; table: Table }[]): LevelsVersion {
    const levels = this.levels.map((tables) => tables.filter((t) => !removed.has(t.fileId)));
    for (const { level, table } of added) levels[level]!.push(table);
    levels[0] = sortL0(levels[0]!);
    for (let l = 1; l < levels.length; l++) levels[l]!.sort((a, b) => compareInternalKeys(a.properties.smallest, b.properties.smallest));
    return new LevelsVersion(levels);
  }

  /** The level holding table `id`, or -1. */
  levelOf(id: number): number {
    return this.levels.findIndex((tables) => tables.some((t) => t.fileId === id));
  }

  tableCount(): number {
    let n = 0;
    for (const level of this.levels) n += level.length;
    return n;
  }

  *tables(): Iterable<Table> {
    for (const level of this.levels) yield* level;
  }

  // Plain loops: every iterator refs and unrefs the whole version, and the generator of
  // tables() made that half of an iterator's creation cost.
  refAll(): void {
    for (const level of this.levels) for (let i = 0; i < level.length; i++) level[i]!.ref();
  }

  unrefAll(): void {
    for (const level of this.levels) for (let i = 0; i < level.length; i++) level[i]!.unref();
  }

  private checkInvariants(): void {
    const l0 = this.levels[0]!;
    for (let i = 1; i < l0.length; i++) {
      assert(l0[i - 1]!.properties.maxVersion >= l0[i]!.properties.maxVersion, () => `L0 is not newest first at tables ${l0[i - 1]!.fileId}, ${l0[i]!.fileId}`);
    }
    for (let l = 1; l < this.levels.length; l++) {
      const level = this.levels[l]!;
      for (let i = 1; i < level.length; i++) {
        assert(
          compareInternalKeys(level[i - 1]!.properties.largest, level[i]!.properties.smallest) < 0,
          () => `L${l} tables ${level[i - 1]!.fileId} and ${level[i]!.fileId} overlap`,
        );
      }
    }
  }
}

/**
 * L0 newest first. A flushed table's versions are all newer than those of every table flushed
 * before it, and an L0→L0 output spans a contiguous run of them, so the order of maxVersion is
 * the order of age (ids are not: an L0→L0 output gets a new, larger id).
 */
export function sortL0(tables: Table[]): Table[] {
  return tables.sort((a, b) => b.properties.maxVersion - a.properties.maxVersion || b.fileId - a.fileId);
}
