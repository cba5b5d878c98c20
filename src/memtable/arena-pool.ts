// Arenas of flushed memtables, kept for the next memtables instead of left to the GC.
//
// A memtable arena is one SharedArrayBuffer of memTableSize (64 MiB by default). Once a flushed
// memtable's last reader lets it go, the buffer is garbage, but V8 frees an ArrayBuffer's memory
// only when a full GC finds it unreachable, and the main thread's small heap seldom needs one: a
// 5M-entry run held 404 MiB of ArrayBuffers against 128 MiB of live memtables (docs/performance.md,
// "At scale"). The pool hands such a buffer to the next memtable instead (Arena.create zeroes only
// its header and head node), so a database keeps re-filling the same few arenas.
//
// Bounded by the caller's `room()`: the tree allows a free arena only while free + live
// memtables stay under the most memtables it can hold at once, so pooled arenas never take
// memory beyond what its memtables may take anyway (and `maxFree`). An arena that does not fit is
// left to the GC. Free arenas are let go after `idleMs` without a take(): each is 64 MiB of
// touched memory that a phase without writes would carry for nothing (5M entries, then reads
// with four arenas kept: peak RSS 776 -> 847 MiB).

export interface ArenaPoolStats {
  /** Buffers handed to a new memtable from the pool. */
  reused: number;
  /** Buffers taken back. */
  recycled: number;
  /** Buffers offered back but left to the GC (no room, or not of the pool's size). */
  dropped: number;
  /** Buffers in the pool now. */
  free: number;
}

export class ArenaPool {
  private readonly freeList: SharedArrayBuffer[] = [];
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** take() calls since the idle timer was armed. */
  private takenSinceArmed = 0;
  private reusedCount = 0;
  private recycledCount = 0;
  private droppedCount = 0;

  /**
   * `arenaBytes`: the byte length of the arenas pooled (a memtable's capacity rounded down to 4,
   * as Arena.create rounds it); `room()`: how many free arenas the pool may hold now; `maxFree`:
   * at most this many whatever room() says; `idleMs`: free arenas are let go after this long
   * without a take() (0: kept until clear()).
   */
  constructor(
    readonly arenaBytes: number,
    private readonly room: () => number,
    private readonly maxFree = 1,
    private readonly idleMs = 0,
  ) {}

  /** A buffer nothing reads any more, of arenaBytes, or undefined when the pool is empty. */
  take(): SharedArrayBuffer | undefined {
    const buffer = this.freeList.pop();
    if (buffer !== undefined) {
      this.reusedCount++;
      this.takenSinceArmed++;
    }
    return buffer;
  }

  /**
   * Offers the buffer of an arena nothing reads any more: no memtable, iterator or worker may
   * touch it after this call. Returns whether the pool kept it.
   */
  give(buffer: SharedArrayBuffer): boolean {
    const free = this.freeList.length;
    if (buffer.byteLength !== this.arenaBytes || free >= this.maxFree || free >= this.room() || this.freeList.includes(buffer)) {
      this.droppedCount++;
      return false;
    }
    this.freeList.push(buffer);
    this.recycledCount++;
    this.armIdleTimer();
    return true;
  }

  /** Lets every free buffer go (to the GC), and stops the idle timer. */
  clear(): void {
    this.freeList.length = 0;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Fires idleMs after it is armed: no take() meanwhile lets the free arenas go, else it waits again. */
  private armIdleTimer(): void {
    if (this.idleMs <= 0 || this.idleTimer !== undefined) return;
    this.takenSinceArmed = 0;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.takenSinceArmed === 0) this.freeList.length = 0;
      else if (this.freeList.length > 0) this.armIdleTimer();
    }, this.idleMs);
    this.idleTimer.unref?.();
  }

  stats(): ArenaPoolStats {
    return { reused: this.reusedCount, recycled: this.recycledCount, dropped: this.droppedCount, free: this.freeList.length };
  }
}
