// One engine's child process for `npm run bench:tables`: receives a RunRequest, opens its engine
// on a fresh directory under the run's temp root, and runs one step each time main.ts says `go`
// (protocol.ts), so its peak RSS and /proc/self/io counters are that engine's alone. Reports
// results as it goes and exits after `finish`.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TableEngine } from './engine.js';
import { OPERATIONS, TABLE_ENGINE_LABELS, type TableEngineName } from './plan.js';
import type { ChildMessage, Go, RunRequest, Step } from './protocol.js';
import type { TablesEngineRun } from './results.js';
import { TableRunner, warmUpPlan, type RunHooks } from './workloads.js';

const PROGRESS_INTERVAL_MS = 250;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('bench:tables child started without an IPC channel (run main.js instead)'));
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

function currentRssBytes(): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage.rss();
}

/** The engine's module is loaded only in its own child: SQLite's native addon never sits in sett's process. */
async function createEngine(name: TableEngineName): Promise<TableEngine> {
  switch (name) {
    case 'sqlite':
    case 'sqlite-memory':
      return new (await import('./sqlite.js')).SqliteTableEngine(name === 'sqlite-memory');
    case 'hybrid-memory':
    case 'hybrid-cached':
    case 'hybrid-uncached':
      return new (await import('./hybrid.js')).HybridTableEngine(name);
    case 'sett':
      return new (await import('./sett.js')).SettTableEngine();
  }
}

class GoQueue {
  private readonly waiting: ((step: Step) => void)[] = [];
  private readonly arrived: Step[] = [];

  push(step: Step): void {
    const w = this.waiting.shift();
    if (w !== undefined) w(step);
    else this.arrived.push(step);
  }

  next(): Promise<Step> {
    const s = this.arrived.shift();
    return s !== undefined ? Promise.resolve(s) : new Promise((resolve) => this.waiting.push(resolve));
  }
}

async function run(req: RunRequest, gos: GoQueue): Promise<void> {
  const start = performance.now();
  const run: TablesEngineRun = {
    engine: req.engine,
    label: TABLE_ENGINE_LABELS[req.engine],
    provider: '?',
    durability: { setting: '?', meaning: '?' },
    memory: '?',
    baselineRssBytes: currentRssBytes(),
    peakRssBytes: 0,
    peakRssPerOperation: false,
    warmUpMs: 0,
    results: [],
    describe: {},
    error: undefined,
    ms: 0,
  };
  let lastProgress = 0;
  const hooks: RunHooks = {
    progress: (operation, done, total) => {
      const t = performance.now();
      if (t - lastProgress < PROGRESS_INTERVAL_MS && done < total) return;
      lastProgress = t;
      void send({ type: 'progress', operation, done, total });
    },
  };
  const profiler = req.profileDir === undefined ? undefined : new Session();
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    hooks.beforeOperation = async () => {
      await profiler.post('Profiler.start');
    };
    hooks.afterOperation = async (op) => {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(join(req.profileDir!, `${req.profilePrefix}-tables-${req.engine}-${op}.cpuprofile`), JSON.stringify(profile));
    };
  }

  let runner: TableRunner | undefined;
  let failed = false;
  for (;;) {
    const step = await gos.next();
    if (!failed) {
      try {
        if (step === 'warm-up') {
          const t = performance.now();
          const engine = await createEngine(req.engine);
          run.provider = engine.provider;
          run.durability = engine.durability;
          run.memory = engine.memory;
          const dir = join(req.tmpRoot, `${req.engine}-warm-up`);
          mkdirSync(dir);
          const warm = new TableRunner(engine, warmUpPlan(req.plan), dir, { progress: hooks.progress });
          await warm.open();
          for (const op of OPERATIONS) await warm.run(op);
          await engine.close();
          rmSync(dir, { recursive: true, force: true });
          const mainDir = join(req.tmpRoot, req.engine);
          mkdirSync(mainDir);
          runner = new TableRunner(await createEngine(req.engine), req.plan, mainDir, hooks);
          run.peakRssPerOperation = runner.rssPerOperation;
          await runner.open();
          run.warmUpMs = performance.now() - t;
        } else if (step === 'finish') {
          run.describe = runner?.describe();
          await runner?.close();
        } else {
          const result = await runner!.run(step);
          if (result !== undefined) {
            run.results.push(result);
            run.peakRssBytes = Math.max(run.peakRssBytes, result.peakRssBytes);
            await send({ type: 'result', result });
          }
        }
      } catch (err) {
        failed = true;
        run.error = `${step}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
        await runner?.close().catch(() => undefined);
      }
    }
    if (step === 'finish') break;
    await send({ type: 'stepDone', step });
  }
  profiler?.disconnect();
  run.ms = performance.now() - start;
  await send({ type: 'done', run });
  process.disconnect();
}

const gos = new GoQueue();
process.on('message', (message: RunRequest | Go) => {
  if (message.type === 'go') gos.push(message.step);
  else
    run(message, gos).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
});
