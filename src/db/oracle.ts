// Conflict detection for serializable snapshot isolation (Badger's oracle): a read-write
// transaction records the keys it read; its commit fails with CONFLICT if a write committed after
// its read version touched any of them. Checked inside the single writer, when the
// transaction's group commits, so check and commit are one atomic step.

/** What a committing transaction brings for the check. */
export interface ConflictCheck {
  readVersion: number;
  /** Keys read, as latin1 strings (exact, no hash collisions). */
  reads: ReadonlySet<string>;
}

export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

interface Committed {
  version: number;
  keys: string[];
}

export class Oracle {
  /** Write sets of recent commits, oldest first; pruned below the oldest live read version. */
  private committed: Committed[] = [];

  /** True if a write committed after `check.readVersion` touched a key it read. */
  conflicts(check: ConflictCheck): boolean {
    if (check.reads.size === 0) return false;
    for (let i = this.committed.length - 1; i >= 0; i--) {
      const c = this.committed[i]!;
      if (c.version <= check.readVersion) break;
      for (const k of c.keys) if (check.reads.has(k)) return true;
    }
    return false;
  }

  /** Records a commit's write set. */
  record(version: number, keys: readonly Uint8Array[]): void {
    this.committed.push({ version, keys: keys.map(keyString) });
  }

  get size(): number {
    return this.committed.length;
  }

  /** Forgets commits no live transaction can conflict with. */
  prune(oldestReadVersion: number): void {
    let drop = 0;
    while (drop < this.committed.length && this.committed[drop]!.version <= oldestReadVersion) drop++;
    if (drop > 0) this.committed = this.committed.slice(drop);
  }
}
