// The state a MANIFEST describes: the live tables and the level each sits in.

import { InvalidArgumentError, assert } from '../base/index.js';

/** One change of an atomic group. `compression` and `keyId` are the sstable's codes; keyId 0 = not encrypted. */
export type ManifestChange =
  | { type: 'add'; tableId: number; level: number; compression: number; keyId: number }
  | { type: 'delete'; tableId: number }
  /**
   * A flush's WAL, recorded with the flush's ADD: its data is in the tables now, and no version
   * in it exceeds `lastVersion` (the highest version the database had handed out by then).
   */
  | { type: 'wal'; walId: number; lastVersion: number };

export interface TableInfo {
  tableId: number;
  level: number;
  compression: number;
  keyId: number;
}

export class ManifestState {
  /** Live tables by id, in the order they were added (Map iteration order). */
  readonly tables: Map<number, TableInfo>;
  /**
   * The newest WAL a flush has emptied into a table (0: none). A table not in `tables` holding
   * data from a newer WAL that is gone means records were lost (see open's orphan check).
   */
  flushedWal: number;
  /**
   * The highest version recorded by a flush. Versions never go back after a reopen even when
   * flatten or dropAll removed the newest ones from every table.
   */
  lastVersion: number;

  constructor(tables?: Map<number, TableInfo>, flushedWal = 0, lastVersion = 0) {
    this.tables = tables ?? new Map();
    this.flushedWal = flushedWal;
    this.lastVersion = lastVersion;
  }

  /**
   * Table ids per level, each level in the order its tables were added (for L0, oldest first).
   * A table at a level >= maxLevels means the directory was written with a larger maxLevels.
   */
  levels(maxLevels: number): number[][] {
    assert(Number.isInteger(maxLevels) && maxLevels > 0, `maxLevels ${maxLevels} must be a positive integer`);
    const out: number[][] = [];
    for (let i = 0; i < maxLevels; i++) out.push([]);
    for (const info of this.tables.values()) {
      if (info.level >= maxLevels) {
        throw new InvalidArgumentError(`MANIFEST has table ${info.tableId} at level ${info.level}, but maxLevels is ${maxLevels}`);
      }
      out[info.level]!.push(info.tableId);
    }
    return out;
  }

  /**
   * What is wrong with applying `changes` in order to this state, or undefined when nothing is:
   * adding an id that is live, or deleting one that is not. Within a group, later changes see
   * earlier ones (a group may delete a table it added, though the engine never does).
   */
  check(changes: readonly ManifestChange[]): string | undefined {
    // Only ids touched by this group go in the overlay, so checking costs O(group), not O(tables).
    const overlay = new Map<number, boolean>();
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!;
      if (change.type === 'wal') continue;
      const live = overlay.get(change.tableId) ?? this.tables.has(change.tableId);
      if (change.type === 'add') {
        if (live) return `change ${i} adds table ${change.tableId}, which is already live`;
        overlay.set(change.tableId, true);
      } else {
        if (!live) return `change ${i} deletes table ${change.tableId}, which is not live`;
        overlay.set(change.tableId, false);
      }
    }
    return undefined;
  }

  /** Applies a group of changes; a group that does not fit this state is a bug upstream, and asserts. */
  apply(changes: readonly ManifestChange[]): void {
    const problem = this.check(changes);
    assert(problem === undefined, () => `invalid MANIFEST change group: ${problem}`);
    for (const change of changes) {
      if (change.type === 'add') {
        const { tableId, level, compression, keyId } = change;
        this.tables.set(tableId, { tableId, level, compression, keyId });
      } else if (change.type === 'wal') {
        this.flushedWal = Math.max(this.flushedWal, change.walId);
        this.lastVersion = Math.max(this.lastVersion, change.lastVersion);
      } else {
        this.tables.delete(change.tableId);
      }
    }
  }

  clone(): ManifestState {
    const tables = new Map<number, TableInfo>();
    for (const [id, info] of this.tables) tables.set(id, { ...info });
    return new ManifestState(tables, this.flushedWal, this.lastVersion);
  }

  /** One add per live table, in the order they were added: replaying it rebuilds this state. */
  snapshot(): ManifestChange[] {
    const out: ManifestChange[] = [];
    for (const info of this.tables.values()) out.push({ type: 'add', ...info });
    if (this.flushedWal > 0) out.push({ type: 'wal', walId: this.flushedWal, lastVersion: this.lastVersion });
    return out;
  }
}
