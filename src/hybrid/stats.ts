// The hybrid layer's counters (TABLES.md §3, §7): rows, not calls. A cache hit is a memory read;
// a write to a cached table counts one disk and one memory write.

export class HybridCounters {
  memoryReads = 0;
  diskReads = 0;
  memoryWrites = 0;
  diskWrites = 0;

  read(side: 'memory' | 'disk', rows: number): void {
    if (side === 'memory') this.memoryReads += rows;
    else this.diskReads += rows;
  }

  wrote(side: 'memory' | 'disk', rows: number, cached: boolean): void {
    if (side === 'memory') this.memoryWrites += rows;
    else {
      this.diskWrites += rows;
      if (cached) this.memoryWrites += rows;
    }
  }
}
