import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSettError, type Entry } from '../../src/base/index.js';
import { WorkerExecutor, type Executor, type Job } from '../../src/compaction/index.js';
import { open } from '../../src/db/index.js';
import { Memtable } from '../../src/memtable/index.js';

// Workers load the built JavaScript: `npm run build` first.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-executor-'));
  dirs.push(d);
  return d;
}

interface PoolView {
  workers: { worker: Worker; busy: unknown }[];
}

/** Ends the pool's busy worker from outside: an exit with no 'error' event. */
async function terminateBusyWorker(executor: WorkerExecutor): Promise<void> {
  const busy = (executor as unknown as PoolView).workers.find((w) => w.busy !== undefined);
  expect(busy, 'a worker runs the job').toBeDefined();
  await busy!.worker.terminate();
}

function flushJob(dir: string, name: string): Job {
  const memtable = Memtable.inMemory(64 * 1024);
  const entry: Entry = { key: Buffer.from('k'), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: Buffer.from('v') };
  memtable.apply([entry]);
  return { kind: 'flush', arena: memtable.skiplist.buffer, path: path.join(dir, name), table: { blockSize: 4096, bloomFalsePositive: 0.01, compression: 'none', zstdLevel: 1 } };
}

// The vitest timeout is the hang detector: before the fix the job's promise never settled.
describe('WorkerExecutor', () => {
  it('regression: a worker that exits without an error event left its job pending forever', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const executor = new WorkerExecutor(1);
    try {
      const job = executor.run(flushJob(dir, 'a.sst'));
      const ended = terminateBusyWorker(executor);
      let caught: unknown;
      await job.catch((err: unknown) => (caught = err));
      await ended;
      expect(isSettError(caught, 'INTERNAL')).toBe(true);
      expect((caught as Error).message).toMatch(/background worker \(thread \d+\) exited with code \d+ while running a flush job/);
      // The pool replaces the worker: the next job runs.
      const result = await executor.run(flushJob(dir, 'b.sst'));
      expect(result.properties.count).toBe(1);
      expect((executor as unknown as PoolView).workers.length).toBe(1);
    } finally {
      await executor.close();
    }
  });

  it('regression: a flush whose worker exits fails the database (fail-stop) instead of stalling it', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const inner = new WorkerExecutor(1);
    let ended: Promise<void> | undefined;
    const executor: Executor = {
      kind: 'worker',
      run(job) {
        const running = inner.run(job);
        if (job.kind === 'flush' && ended === undefined) ended = terminateBusyWorker(inner);
        return running;
      },
      close: () => inner.close(),
    };
    const db = await open(dir, { executor, memTableSize: 16 * 1024, compression: 'none' });
    let failed: unknown;
    for (let i = 0; i < 400 && failed === undefined; i++) {
      await db.put(`key${String(i).padStart(4, '0')}`, 'v'.repeat(100)).catch((err: unknown) => (failed = err));
      if (ended !== undefined) {
        await ended;
        await db.waitForBackgroundWork();
      }
    }
    expect(ended).toBeDefined();
    if (failed === undefined) failed = await db.put('after', 'x').catch((err: unknown) => err);
    expect(isSettError(failed, 'INTERNAL')).toBe(true);
    expect((failed as Error).message).toMatch(/exited with code \d+ while running a flush job/);
    expect(db.getSync('key0000')?.toString()).toBe('v'.repeat(100));
    await db.close();
  });

  it('retires idle workers (their heaps and arenas go back) and starts a new one when work comes back', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const executor = new WorkerExecutor(2);
    try {
      await Promise.all([executor.run(flushJob(dir, 'c.sst')), executor.run(flushJob(dir, 'd.sst'))]);
      expect(executor.threads).toBeGreaterThanOrEqual(1);
      await executor.retireIdle();
      expect(executor.threads).toBe(0);
      const result = await executor.run(flushJob(dir, 'e.sst'));
      expect(result.properties.count).toBe(1);
      expect(executor.threads).toBe(1);
    } finally {
      await executor.close();
    }
  });

  it('waitForBackgroundWork retires the idle workers (stats().backgroundThreads), and a later flush starts one again', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const db = await open(dir, { memTableSize: 64 * 1024 });
    try {
      const fill = async (from: number): Promise<void> => {
        for (let i = from; i < from + 2_000; i++) await db.put(`key${String(i).padStart(6, '0')}`, 'v'.repeat(100));
      };
      await fill(0);
      expect(db.stats().counters.memtableRotations).toBeGreaterThan(0);
      expect(db.stats().backgroundThreads).toBeGreaterThan(0);
      await db.waitForBackgroundWork();
      expect(db.stats().counters.flushes).toBeGreaterThan(0);
      expect(db.stats().backgroundThreads).toBe(0);
      const flushes = db.stats().counters.flushes;
      await fill(2_000);
      await db.waitForBackgroundWork();
      expect(db.stats().counters.flushes).toBeGreaterThan(flushes);
      expect(db.stats().backgroundThreads).toBe(0);
      expect(db.getSync('key003999')?.toString()).toBe('v'.repeat(100));
    } finally {
      await db.close();
    }
  });

  it('retires a busy worker only once its job is done', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const executor = new WorkerExecutor(1);
    try {
      const job = executor.run(flushJob(dir, 'f.sst'));
      await executor.retireIdle();
      expect(executor.threads).toBe(1);
      expect((await job).properties.count).toBe(1);
      await executor.retireIdle();
      expect(executor.threads).toBe(0);
    } finally {
      await executor.close();
    }
  });
});
