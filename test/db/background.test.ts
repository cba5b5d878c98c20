import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineExecutor, type Executor, type Job, type JobResult } from '../../src/compaction/index.js';
import { open } from '../../src/db/index.js';
import { DIR, dump, faultFS, openSmall, text } from './helpers.js';
import type { FaultFS } from '../../src/fs/index.js';

/** Runs jobs inline, but only once the test opens the gate: flushes fall behind on demand. */
class GatedExecutor implements Executor {
  readonly kind = 'inline';
  private readonly inner: InlineExecutor;
  private open = false;
  private waiting: (() => void)[] = [];
  started = 0;

  constructor(fs: FaultFS) {
    this.inner = new InlineExecutor(fs);
  }

  async run<J extends Job>(job: J): Promise<JobResult<J>> {
    this.started++;
    if (!this.open) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.inner.run(job);
  }

  release(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) w();
  }

  async close(): Promise<void> {}
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});

describe('write stalls', () => {
  it('makes writers wait when every memtable waits for a flush, counts the stall, and never deadlocks', async () => {
    const fs = faultFS();
    const executor = new GatedExecutor(fs);
    const db = await openSmall(fs, { numMemtables: 2, executor });
    let resolved = 0;
    const writes = Array.from({ length: 300 }, (_, i) => db.put(`k${String(i).padStart(4, '0')}`, 'x'.repeat(100)).then(() => resolved++));
    // Let the writer fill the active memtable and the one immutable slot, then stall.
    while (db.stats().counters.writeStalls === 0) await new Promise((r) => setImmediate(r));
    const stuckAt = resolved;
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(stuckAt);
    expect(resolved).toBeLessThan(300);
    expect(executor.started).toBe(1);
    executor.release();
    await Promise.all(writes);
    await db.waitForBackgroundWork();
    const stats = db.stats();
    expect(stats.counters.writeStalls).toBeGreaterThan(0);
    expect(stats.counters.flushes).toBeGreaterThan(0);
    expect(dump(db).length).toBe(300);
    await db.close();
  });
});

describe('flush on worker threads', () => {
  it('builds L0 tables on workers from the shared arena, and reads them back after reopen', async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-worker-'));
    tempDirs.push(dir);
    const db = await open(dir, { memTableSize: 64 * 1024, executor: 'worker' });
    for (let i = 0; i < 2000; i++) await db.put(`key${String(i).padStart(5, '0')}`, `value-${i}`.padEnd(100, '.'));
    await db.waitForBackgroundWork();
    const flushed = db.stats();
    expect(flushed.counters.flushes).toBeGreaterThan(2);
    expect(flushed.levels[0]!.tables).toBe(flushed.counters.flushes);
    expect(nodeFs.readdirSync(dir).filter((n) => n.endsWith('.sst')).length).toBe(flushed.levels[0]!.tables);
    await db.close();
    const again = await open(dir, { memTableSize: 64 * 1024 });
    expect(text(again.getSync('key00000'))).toBe('value-0'.padEnd(100, '.'));
    expect(text(again.getSync('key01999'))).toBe('value-1999'.padEnd(100, '.'));
    let n = 0;
    for (const entry of again.iterator()) if (entry[0] !== undefined) n++;
    expect(n).toBe(2000);
    await again.close();
  });
});

describe('inMemory', () => {
  it('keeps everything in memory, flushes to in-memory tables, and writes no file', async () => {
    const cwdBefore = nodeFs.readdirSync(process.cwd()).sort();
    const db = await open({ inMemory: true, memTableSize: 16 * 1024 });
    for (let i = 0; i < 500; i++) await db.put(`k${String(i).padStart(3, '0')}`, 'v'.repeat(100));
    await db.delete('k000');
    await db.waitForBackgroundWork();
    expect(db.stats().counters.flushes).toBeGreaterThan(0);
    expect(db.getSync('k000')).toBeUndefined();
    expect(text(db.getSync('k499'))).toBe('v'.repeat(100));
    expect(dump(db).length).toBe(499);
    await db.close();
    expect(nodeFs.readdirSync(process.cwd()).sort()).toEqual(cwdBefore);
    expect(nodeFs.existsSync(DIR)).toBe(false);
  });
});

describe('inMemory with executor "worker"', () => {
  it('flushes and compacts on a worker over shared memory and answers as a model does', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 599 }), fc.option(fc.integer({ min: 0, max: 1_000_000 }), { freq: 5 })), { minLength: 2_000, maxLength: 3_000 }),
        async (ops) => {
          const db = await open({ inMemory: true, executor: 'worker', memTableSize: 16 * 1024, baseTableSize: 16 * 1024, baseLevelSize: 64 * 1024 });
          const model = new Map<string, string>();
          try {
            for (let i = 0; i < ops.length; i += 50) {
              const batch = ops.slice(i, i + 50).map(([k, v]) => {
                const key = `key${String(k).padStart(4, '0')}`;
                if (v === null) {
                  model.delete(key);
                  return { type: 'del' as const, key };
                }
                const value = `${v}`.padEnd(60, '.');
                model.set(key, value);
                return { type: 'put' as const, key, value };
              });
              await db.batch(batch);
            }
            expect(db.stats().backgroundThreads).toBeGreaterThan(0);
            await db.waitForBackgroundWork();
            const counters = db.stats().counters;
            expect(counters.flushes).toBeGreaterThan(0);
            expect(counters.compactions).toBeGreaterThan(0);
            expect(dump(db)).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
            for (const [k, v] of model) expect(text(db.getSync(k))).toBe(v);
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 3 },
    );
  });
});
