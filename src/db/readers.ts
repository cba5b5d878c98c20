// What live readers hold: the read versions compaction must keep (the discard version is the
// oldest), and the read epochs value-log GC waits for before deleting a collected file.

/**
 * A multiset of numbers with its minimum. Most holds are of one number at a time (the current
 * read version, the current epoch) by readers that come and go: that number is counted in a
 * field, not the Map, whose delete-then-set churn per short-lived iterator cost a microsecond.
 * n's count is the Map's plus `hotCount` when n is `hot`.
 */
export class HeldNumbers {
  private readonly counts = new Map<number, number>();
  private hot = 0;
  private hotCount = 0;

  /** Registers `n`; the returned function (idempotent) unregisters it. */
  hold(n: number): () => void {
    if (this.hotCount === 0) this.hot = n;
    if (n === this.hot) this.hotCount++;
    else this.counts.set(n, (this.counts.get(n) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (n === this.hot && this.hotCount > 0) {
        this.hotCount--;
        return;
      }
      const left = this.counts.get(n)! - 1;
      if (left === 0) this.counts.delete(n);
      else this.counts.set(n, left);
    };
  }

  /** The smallest held number, or `otherwise` when none is held. */
  min(otherwise: number): number {
    let m = this.hotCount > 0 && this.hot < otherwise ? this.hot : otherwise;
    for (const n of this.counts.keys()) if (n < m) m = n;
    return m;
  }
}
