// The background executor seam (SPEC §3 "Background work"): jobs (flush, later compaction) run
// on worker threads by default, or inline on the main thread for deterministic tests and
// inMemory databases. Both run the same job functions; only the main thread edits the MANIFEST.

import { Worker } from 'node:worker_threads';
import { InternalError, SettError, type SettErrorCode } from '../base/index.js';
import type { FaultFS, FileSystem } from '../fs/index.js';
import { runJob, type Job, type JobResult, type JobSlicing } from './jobs.js';
import { adoptOutputs, shareInputs, type SharedFile } from './shared-files.js';
import { resolveWorkerEntry } from './worker-entry.js';

export interface Executor {
  readonly kind: 'worker' | 'inline';
  run<J extends Job>(job: J): Promise<JobResult<J>>;
  /** Worker threads running now (busy or idle); none for an executor without threads. */
  readonly threads?: number;
  /** Stops the workers that have no job now (a new job starts one again). Optional: an executor of the caller's may have none. */
  retireIdle?(): Promise<void>;
  /** Waits for running jobs and stops the workers. */
  close(): Promise<void>;
}

export class InlineExecutor implements Executor {
  readonly kind = 'inline';
  /** `slicing`: yield to the event loop within jobs (inMemory); without it a job runs to its end. */
  constructor(
    private readonly fs: FileSystem,
    private readonly slicing: JobSlicing = {},
  ) {}

  run<J extends Job>(job: J): Promise<JobResult<J>> {
    return runJob(this.fs, job, this.slicing);
  }

  async close(): Promise<void> {}
}

/** What crosses the thread boundary for a failed job: enough to rebuild the SettError. */
export interface SerializedError {
  name: string;
  message: string;
  code?: SettErrorCode;
  file?: string;
  offset?: number;
  errno?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof SettError) {
    const out: SerializedError = { name: err.name, message: err.message, code: err.code };
    if (err.file !== undefined) out.file = err.file;
    if (err.offset !== undefined) out.offset = err.offset;
    if (err.errno !== undefined) out.errno = err.errno;
    return out;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const out: SerializedError = { name: e.name, message: e.message };
  const errno = (e as { code?: unknown }).code;
  if (typeof errno === 'string') out.errno = errno;
  return out;
}

export function deserializeError(s: SerializedError): Error {
  if (s.code !== undefined) {
    const err = new SettError(s.code, stripCode(s.message, s.code), { file: s.file, offset: s.offset, errno: s.errno });
    err.name = s.name;
    return err;
  }
  return Object.assign(new Error(s.message), s.errno === undefined ? {} : { code: s.errno });
}

function stripCode(message: string, code: string): string {
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}

interface Pending {
  job: Job;
  resolve: (r: never) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: Pending | undefined;
  /** Kept: worker.threadId reads -1 once the thread has exited. */
  threadId: number;
}

/**
 * How long a worker may stay idle before it is stopped. A worker that built tables keeps its own
 * V8 heap and malloc arena (tens of MiB each, measured at 10M entries) although it has nothing to
 * do; stopping it returns them, and a new one starts in a few ms when work comes back.
 */
export const WORKER_IDLE_MS = 10_000;

/**
 * A worker's young generation (V8's default is 16 MiB per semispace and more). A job's garbage is
 * short-lived (views of keys and values, small arrays): a small young generation collects it,
 * and the ArrayBuffers it held, every few MiB instead of every few tens of MiB. That garbage sits
 * in the worker's malloc arena until then, and the arena keeps its high-water mark in the
 * process's RSS after the worker is gone.
 */
export const WORKER_YOUNG_GENERATION_MB = 4;

/** A job as it crosses to a worker: with its input files when they live in a FaultFS (shared-files.ts). */
export interface JobMessage {
  type: 'job';
  job: Job;
  files?: SharedFile[];
}

/** A worker's answer: the result or the error; with the files the job wrote when it was sent files. */
export interface JobReply {
  ok: boolean;
  result?: unknown;
  error?: SerializedError;
  files?: SharedFile[];
}

/**
 * A pool of up to `size` worker threads, started lazily, idle ones unref'd so they never keep a
 * process alive, and stopped after `idleMs` without work. Workers reach files through node:fs,
 * or, given `memoryFs` (an inMemory database's FaultFS made with { sharedMemory }), through views
 * of its shared memory: the pool sends each job's inputs and adopts the files it wrote.
 */
export class WorkerExecutor implements Executor {
  readonly kind = 'worker';
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;
  private readonly entry = resolveWorkerEntry(import.meta.url, './worker-main.js');
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly idleMs: number = WORKER_IDLE_MS,
    private readonly memoryFs?: FaultFS,
  ) {}

  /** Worker threads running now (busy or idle). */
  get threads(): number {
    return this.workers.length;
  }

  /** Stops every idle worker now (the idle timer does this after idleMs). */
  retireIdle(): Promise<void> {
    const idle = this.workers.filter((w) => w.busy === undefined);
    for (const w of idle) this.remove(w);
    return Promise.all(idle.map((w) => w.worker.terminate())).then(() => undefined);
  }

  run<J extends Job>(job: J): Promise<JobResult<J>> {
    if (this.closed) return Promise.reject(new SettError('CLOSED', 'the background executor is closed'));
    return new Promise<JobResult<J>>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (r: never) => void, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.busy === undefined) {
              void w.worker.terminate().then(() => resolve());
            } else {
              w.worker.once('exit', () => resolve());
              w.worker.postMessage({ type: 'exit-when-done' });
            }
          }),
      ),
    );
    this.workers.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let w = this.workers.find((x) => x.busy === undefined);
      if (w === undefined && this.workers.length < Math.max(1, this.size)) w = this.spawn();
      if (w === undefined) return;
      const pending = this.queue.shift()!;
      let message: JobMessage;
      try {
        message = { type: 'job', job: pending.job, files: this.memoryFs === undefined ? undefined : shareInputs(this.memoryFs, pending.job) };
      } catch (err) {
        pending.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      w.busy = pending;
      w.worker.ref();
      w.worker.postMessage(message);
    }
  }

  /** Resolves a job that succeeded, once the files it wrote are in memoryFs (when it has one). */
  private settle(pending: Pending, reply: JobReply): void {
    try {
      if (this.memoryFs !== undefined && reply.files !== undefined) adoptOutputs(this.memoryFs, reply.files);
    } catch (err) {
      pending.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    pending.resolve(reply.result as never);
  }

  /** Restarts the idle countdown: the pool retires its idle workers after idleMs without a job finishing. */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.closed) void this.retireIdle();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Takes a worker that ended out of the pool (once: 'error' is followed by 'exit'). */
  private remove(pw: PoolWorker): void {
    const at = this.workers.indexOf(pw);
    if (at >= 0) this.workers.splice(at, 1);
  }

  private spawn(): PoolWorker {
    const worker = new Worker(this.entry, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const pw: PoolWorker = { worker, busy: undefined, threadId: worker.threadId };
    pw.worker.on('message', (msg: JobReply) => {
      const pending = pw.busy;
      pw.busy = undefined;
      pw.worker.unref();
      if (pending !== undefined) {
        if (msg.ok) this.settle(pending, msg);
        else pending.reject(deserializeError(msg.error!));
      }
      if (!this.closed) {
        this.dispatch();
        this.armIdleTimer();
      }
    });
    pw.worker.on('error', (err) => {
      const pending = pw.busy;
      pw.busy = undefined;
      this.remove(pw);
      pending?.reject(err);
      if (!this.closed) this.dispatch();
    });
    // A worker can also end with no 'error' event (process.exit in the worker, terminate(), the
    // thread killed): its job would then wait forever, and with it the flush or compaction and
    // every write stalled behind them. The job fails; the pool starts a new worker for the next.
    pw.worker.on('exit', (code) => {
      const pending = pw.busy;
      pw.busy = undefined;
      this.remove(pw);
      if (pending !== undefined) pending.reject(new InternalError(`background worker (thread ${pw.threadId}) exited with code ${code} while running a ${pending.job.kind} job`));
      if (!this.closed) this.dispatch();
    });
    pw.worker.unref();
    this.workers.push(pw);
    return pw;
  }
}
