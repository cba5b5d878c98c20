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
    levels[0] = [table, ...this.levels[0]!];
    return new LevelsVersion(levels);
  }

  tableCount(): number {
    let n = 0;
    for (const level of this.levels) n += level.length;
    return n;
  }

  *tables(): Iterable<Table> {
    for (const level of this.levels) yield* level;
  }

  refAll(): void {
    for (const t of this.tables()) t.ref();
  }

  unrefAll(): void {
    for (const t of this.tables()) t.unref();
  }

  private checkInvariants(): void {
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
