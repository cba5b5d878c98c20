// Background jobs on a shared thread: the inline executor runs flushes and compactions on the
// main thread (inMemory databases), where they must let the event loop turn (nothing that takes
// more than a millisecond may hold it), so they yield between bounded slices of entries.

/** How a job runs where it shares its thread (the inline executor). */
export interface JobSlicing {
  /**
   * Entries a flush or compaction writes between yields to the event loop: on the main thread a
   * 64 MiB memtable's flush held the loop for over a second. Undefined: never yields (a worker).
   */
  yieldEvery?: number;
}

/** Lets timers, I/O and other callers' promises run before going on (setImmediate: after I/O callbacks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

