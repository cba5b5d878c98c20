// Per-table gates: statements that write a table pass through shared; a migration or a change of
// routing holds it exclusively, so no write lands in the copy's source after it was copied.
// Reads need no gate: until the switch they read the source, which is whole.

export class TableGates {
  private readonly holders = new Map<string, number>();
  private readonly closedBy = new Map<string, Promise<void>>();
  private readonly drained = new Map<string, (() => void)[]>();

  async shared<T>(table: string, fn: () => Promise<T>): Promise<T> {
    // An open gate is taken at once: no await (a turn through the microtask queue) per statement.
    const release = this.closedBy.has(table) ? await this.acquire(table) : this.hold(table);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Holds `table` shared until the returned function is called (a transaction holds until it ends). */
  async acquire(table: string): Promise<() => void> {
    for (let gate = this.closedBy.get(table); gate !== undefined; gate = this.closedBy.get(table)) await gate;
    return this.hold(table);
  }

  /** Holds `table` shared now; the caller has checked that no exclusive holder has it closed. */
  private hold(table: string): () => void {
    this.holders.set(table, (this.holders.get(table) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = this.holders.get(table)! - 1;
      if (left > 0) this.holders.set(table, left);
      else {
        this.holders.delete(table);
        for (const wake of this.drained.get(table) ?? []) wake();
        this.drained.delete(table);
      }
    };
  }

  async exclusive<T>(table: string, fn: () => Promise<T>): Promise<T> {
    for (let gate = this.closedBy.get(table); gate !== undefined; gate = this.closedBy.get(table)) await gate;
    let open!: () => void;
    this.closedBy.set(table, new Promise<void>((resolve) => (open = resolve)));
    try {
      if (this.holders.has(table)) await new Promise<void>((resolve) => this.drained.set(table, [...(this.drained.get(table) ?? []), resolve]));
      return await fn();
    } finally {
      this.closedBy.delete(table);
      open();
    }
  }

  /** Resolves once no statement or migration holds any gate. */
  async idle(): Promise<void> {
    while (this.closedBy.size > 0 || this.holders.size > 0) {
      const waits = [...this.closedBy.values()];
      for (const table of this.holders.keys()) waits.push(new Promise<void>((resolve) => this.drained.set(table, [...(this.drained.get(table) ?? []), resolve])));
      await Promise.race(waits);
    }
  }
}
