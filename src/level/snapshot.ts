// Explicit snapshots (abstract-level 3's db.snapshot()): a token over a sett Snapshot, which
// fixes the read version and keeps what it reads from compaction and value-log GC until closed.

import { AbstractSnapshot } from 'abstract-level';
import type { Snapshot } from '../db/index.js';

/**
 * abstract-level's AbstractSnapshot takes `{ owner }` (the database that closes it on
 * db.close()), but its type declarations omit the constructor.
 */
const SnapshotBase = AbstractSnapshot as unknown as new (options: { owner: object }) => AbstractSnapshot;

export class SettLevelSnapshot extends SnapshotBase {
  constructor(
    options: { owner: object },
    /** The database whose versions it reads (a sublevel's snapshot belongs to its root). */
    readonly root: object,
    /** The sett snapshot; released when this one closes. */
    readonly sett: Snapshot,
  ) {
    super(options);
  }

  /** abstract-level calls it once, when no read holds a reference any more. */
  async _close(): Promise<void> {
    this.sett.release();
  }
}
