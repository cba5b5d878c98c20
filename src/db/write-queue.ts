// Group commit (SPEC §3 "Write path"): requests queue while a group is being written; the single
// writer then takes everything queued at once (up to a byte limit) and commits it as one group —
// one WAL write and, with syncWrites, one fdatasync — and resolves every waiting promise.

import type { Entry, ValuePointer } from '../base/index.js';

/** A group never grows past this many bytes of entries, so one slow group cannot grow unbounded. */
export const walGroupMaxBytes = 4 * 1024 * 1024;

export interface WriteRequest {
  entries: Entry[];
  bytes: number;
  /**
   * Value-log GC rewrites: entries keep their versions, and each is written only if, when its
   * group commits, the newest version of its key still points at rewriteOf[i].
   */
  rewriteOf?: ValuePointer[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WriteQueue {
  private readonly queue: WriteRequest[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  /** `commit` writes a group and resolves/rejects each request in it. */
  constructor(private readonly commit: (group: WriteRequest[]) => Promise<void>) {}

  enqueue(entries: Entry[], bytes: number, rewriteOf?: ValuePointer[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(rewriteOf === undefined ? { entries, bytes, resolve, reject } : { entries, bytes, rewriteOf, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once every request queued so far has been committed or rejected. */
  idle(): Promise<void> {
    if (!this.running && (this.queue.length === 0 || this.paused > 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops the writer after the group in progress (requests keep queueing) and resolves once it
   * is stopped: the caller then has the tree to itself until resume().
   */
  async pause(): Promise<void> {
    this.paused++;
    if (this.running) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  resume(): void {
    this.paused--;
    if (this.paused === 0 && !this.running && this.queue.length > 0) void this.run();
  }

  private paused = 0;

  private async run(): Promise<void> {
    if (this.paused > 0) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && this.paused === 0) {
        let n = 0;
        let bytes = 0;
        while (n < this.queue.length && (n === 0 || bytes + this.queue[n]!.bytes <= walGroupMaxBytes)) {
          bytes += this.queue[n]!.bytes;
          n++;
        }
        const group = this.queue.splice(0, n);
        try {
          await this.commit(group);
        } catch (err) {
          for (const r of group) r.reject(err);
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
