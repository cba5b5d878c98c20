// What live readers hold: the read versions compaction must keep (the discard version is the
// oldest), and the read epochs value-log GC waits for before deleting a collected file.

/** A multiset of numbers with its minimum. */
export class HeldNumbers {
  private readonly counts = new Map<number, number>();

  /** Registers `n`; the returned function (idempotent) unregisters it. */
  hold(n: number): () => void {
    this.counts.set(n, (this.counts.get(n) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = this.counts.get(n)! - 1;
      if (left === 0) this.counts.delete(n);
      else this.counts.set(n, left);
    };
  }

  /** The smallest held number, or `otherwise` when none is held. */
  min(otherwise: number): number {
    let m = otherwise;
    for (const n of this.counts.keys()) if (n < m) m = n;
    return m;
  }
}
