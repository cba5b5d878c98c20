// One engine's child process: receives a RunRequest, then runs one step each time the harness
// says `go` (protocol.ts), on that engine alone, so peak RSS and the /proc/self/io counters are
// that engine's. Reports results as it goes and exits after the `finish` step.

import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from './engines/index.js';
import { resetPeakRss } from './probes.js';
import type { ChildMessage, Go, RunRequest, Step } from './protocol.js';
import type { EngineRun } from './results.js';
import { EngineRunner, type RunHooks } from './runner.js';

const PROGRESS_INTERVAL_MS = 250;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('bench child started without an IPC channel (run main.js instead)'));
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

/** The `go` messages, in order; `next()` resolves with the next one. */
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
  const engine = await createEngine(req.engine, { quietMs: req.plan.quietMs });
  const run: EngineRun = {
    engine: engine.name,
    label: engine.label,
    provider: engine.provider,
    durability: { normal: engine.durability({ durable: false }), durable: engine.durability({ durable: true }) },
    readApi: engine.readApi,
    baselineRssBytes: currentRssBytes(),
    peakRssPerWorkload: resetPeakRss(),
    results: [],
    describe: {},
    error: undefined,
    ms: 0,
  };
  let lastProgress = 0;
  const profiler = req.profileDir === undefined ? undefined : new Session();
  const hooks: RunHooks = {
    progress: (workload, done, total) => {
      const t = performance.now();
      if (t - lastProgress < PROGRESS_INTERVAL_MS && done < total) return;
      lastProgress = t;
      void send({ type: 'progress', workload, done, total });
    },
    result: (result) => {
      run.results.push(result);
      void send({ type: 'result', result });
    },
  };
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    hooks.beforeWorkload = async () => {
      await profiler.post('Profiler.start');
    };
    hooks.afterWorkload = async (w) => {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(join(req.profileDir!, `${req.profilePrefix}-${engine.name}-${w}.cpuprofile`), JSON.stringify(profile));
    };
  }
  const runner = new EngineRunner(engine, req.plan, req.tmpRoot, hooks);
  let failed = false;
  for (;;) {
    const step = await gos.next();
    if (!failed) {
      try {
        if (step === 'warm-up') await runner.warmUp();
        else if (step === 'finish') await runner.closeGroup();
        else await runner.step(step, req.workloads);
      } catch (err) {
        // The engine is done for this run: later steps are acknowledged without running.
        failed = true;
        run.error = `${step}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
        await runner.closeGroup().catch(() => undefined);
      }
    }
    if (step === 'finish') break;
    await send({ type: 'stepDone', step });
  }
  profiler?.disconnect();
  run.describe = runner.describe;
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
