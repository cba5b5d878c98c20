// Group commit (SPEC §3 "Write path"): requests queue while a group is being written; the single
// writer then takes everything queued at once (up to a byte limit) and commits it as one group —
// one WAL write and, with syncWrites, one fdatasync — and resolves every waiting promise.

// Bounded (SPEC §4.4): a producer that calls put() in a loop without awaiting would otherwise
// queue without limit. A call cannot block in JS, and a promise that waits for room would hold
// the caller's data all the same, so a request that would take the queued bytes past the limit
// is refused at once (WRITE_QUEUE_FULL) and holds nothing. A request always fits an empty queue,
// so any write that fits a memtable can be made by awaiting the ones before it.

import { WriteQueueFullError, type Entry, type ValuePointer } from '../base/index.js';
import type { ConflictCheck } from './oracle.js';

/** A group never grows past this many bytes of entries, so one slow group cannot grow unbounded. */
export const walGroupMaxBytes = 4 * 1024 * 1024;

export interface WriteRequest {
  entries: Entry[];
  bytes: number;
  /**
   * Value-log GC rewrites: each entry is written (with a new version) only if, when its group
   * commits, the newest version of its key is still the one GC read, at rewriteOf[i].
   */
  rewriteOf?: ValuePointer[];
  /** A transaction's commit: fails with CONFLICT, writing nothing, if its reads were overwritten. */
  conflictCheck?: ConflictCheck;
  /** Sync this request's group even without syncWrites (sequence leases). */
  sync?: boolean;
  /**
   * The entries are in key order, each key once (a transaction's writes, sorted as it commits):
   * a request committed alone need not be sorted again for the memtable (sortedForInsert).
   */
  inKeyOrder?: boolean;
  /**
   * Called once the request's conflict verdict is in: a committing transaction then stops
   * counting as open, so the oracle need not keep its writes for it (commit.ts).
   */
  onChecked?: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The writer yields to the event loop once it has committed this many entries (about 3 ms of work; see run()). */
export const yieldEveryEntries = 1000;

/** A pause point in the queue: the writer stops there until resume(). */
interface Barrier {
  barrier: true;
  reached: () => void;
}

export class WriteQueue {
  private readonly queue: (WriteRequest | Barrier)[] = [];
  private running = false;
  /** Halted at a barrier, until resume(). */
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private entriesSinceYield = 0;
  /** Bytes of the requests queued or in the group being committed. */
  private pending = 0;
  private pendingCount = 0;

  /**
   * `committer.commitGroup` writes a group and resolves/rejects each request in it. `maxPendingBytes` bounds
   * the bytes admit() lets in (maxPendingWriteBytes); `onReject` counts refusals.
   */
  constructor(
    // An object, not a closure: every database's writer then calls one function (a closure per
    // database is a new call target, and a second database's first group deoptimized run()).
    private readonly committer: { commitGroup(group: WriteRequest[]): Promise<void> },
    readonly maxPendingBytes: number = Number.MAX_SAFE_INTEGER,
    private readonly onReject: () => void = () => {},
  ) {}

  /**
   * Throws WRITE_QUEUE_FULL if a request of `bytes` would take the queue past maxPendingBytes;
   * call it before copying the caller's data. Internal writes (value-log GC rewrites, sequence
   * leases, writeBatch chunks) skip it: each producer bounds itself.
   */
  admit(bytes: number): void {
    if (this.pending === 0 || this.pending + bytes <= this.maxPendingBytes) return;
    this.onReject();
    throw new WriteQueueFullError(
      `the write queue holds ${this.pending} bytes in ${this.pendingCount} writes not yet committed, and this write of ${bytes} bytes would pass the limit of ${this.maxPendingBytes} bytes (maxPendingWriteBytes): await earlier writes before issuing more`,
    );
  }

  /** Bytes and requests queued or being committed. */
  get pendingBytes(): number {
    return this.pending;
  }

  get pendingRequests(): number {
    return this.pendingCount;
  }

  enqueue(entries: Entry[], bytes: number, extra: Pick<WriteRequest, 'rewriteOf' | 'conflictCheck' | 'sync' | 'onChecked' | 'inKeyOrder'> = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // The bytes leave the count as the request settles, before its caller runs again: a
      // caller awaiting each large write in turn must find the room its last one took.
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        this.pending -= bytes;
        this.pendingCount--;
      };
      // Every field always present, in one order: one object shape for every request, so the
      // writer's reads of them stay monomorphic (a spread of `extra` made a shape per kind of
      // write, and a database's first writes of a new kind deoptimized the commit path).
      this.queue.push({
        entries,
        bytes,
        rewriteOf: extra.rewriteOf,
        conflictCheck: extra.conflictCheck,
        sync: extra.sync,
        inKeyOrder: extra.inKeyOrder,
        onChecked: extra.onChecked,
        resolve: () => {
          settle();
          resolve();
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      this.pending += bytes;
      this.pendingCount++;
      this.kick();
    });
  }

  /** Resolves once every request queued so far has been committed or rejected (or the writer is paused). */
  idle(): Promise<void> {
    if (!this.running && (this.queue.length === 0 || this.stopped)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Lets every request queued before this call commit, then stops the writer (later requests
   * keep queueing) and resolves: the caller has the tree to itself until resume(). Pauses queue
   * up behind each other.
   */
  pause(): Promise<void> {
    return new Promise<void>((reached) => {
      this.queue.push({ barrier: true, reached });
      this.kick();
    });
  }

  resume(): void {
    this.stopped = false;
    this.kick();
  }

  private kick(): void {
    if (!this.running && !this.stopped && this.queue.length > 0) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const head = this.queue[0]!;
        if ('barrier' in head) {
          this.queue.shift();
          this.stopped = true;
          head.reached();
          break;
        }
        let n = 0;
        let bytes = 0;
        for (; n < this.queue.length; n++) {
          const item = this.queue[n]!;
          if ('barrier' in item || (n > 0 && bytes + item.bytes > walGroupMaxBytes)) break;
          bytes += item.bytes;
        }
        const group = this.queue.splice(0, n) as WriteRequest[];
        try {
          await this.committer.commitGroup(group);
        } catch (err) {
          for (const r of group) r.reject(err);
        }
        // Without syncWrites a group commits without a real await, and a caller looping on
        // `await db.batch()` would keep the writer in microtasks for as long as it writes: no
        // timer, no I/O callback, no worker's finished flush would run. Yield a turn now and then.
        for (const r of group) this.entriesSinceYield += r.entries.length;
        if (this.entriesSinceYield >= yieldEveryEntries) {
          this.entriesSinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
