// `npm run bench:tables`: sett's table layer (`sett/table`) beside better-sqlite3 on TABLES.md
// §6's workload — a users table of 1M rows with a unique and a secondary index: batched and
// single-row inserts, primary-key and unique-index gets, an indexed ORDER BY ... LIMIT query,
// updates by primary key and a full-scan filter. The same beside it for the hybrid layer's memory
// tables (`sett/hybrid`, enableDisk: false) and SQLite `:memory:`; and the row cache comparison:
// a persistent hybrid table with cacheInMemory, warm, beside the same uncached, on primary-key
// gets (plan.ts PAIRS, CACHE_PAIR). Each engine runs in its own child process
// (child.ts) on a fresh directory under the OS temp dir, removed afterwards; the children take
// turns operation by operation (protocol.ts). Prints a markdown report on stdout (progress on
// stderr), writes bench/results/tables-<timestamp>.json, and reports PASS/MISS against §6's
// targets (never an exit code: machines differ). `--help` lists the options.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describeMachine } from '../harness/machine.js';
import { ProgressLine } from '../harness/progress.js';
import { ArgumentError, OPERATIONS, TABLE_ENGINE_LABELS, USAGE, makeTablesPlan, parseTablesArgs, type TablesArgs } from './plan.js';
import type { ChildMessage, Go, RunRequest, Step } from './protocol.js';
import { compare, compareCache, formatRate, renderTablesMarkdown } from './report.js';
import type { OperationResult, TablesEngineRun, TablesResults } from './results.js';

async function main(): Promise<void> {
  let args: TablesArgs;
  try {
    args = parseTablesArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ArgumentError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const plan = makeTablesPlan(args);
  const machine = describeMachine();
  const progress = new ProgressLine();
  progress.note(
    `sett bench:tables: ${args.engines.map((e) => TABLE_ENGINE_LABELS[e]).join(', ')}; ${plan.num.toLocaleString('en-US')} rows${plan.quick ? ' (--quick)' : ''}; ` +
      `seed ${plan.seed}; ${machine.cpu} x${machine.cores}, node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );

  const outDir = resolve(args.outDir);
  const stamp = startedAt.replace(/[:.]/g, '-');
  if (args.profile) mkdirSync(outDir, { recursive: true });
  const tmpRoot = mkdtempSync(join(tmpdir(), 'sett-bench-tables-'));
  const runs: TablesEngineRun[] = [];
  try {
    const steps: Step[] = ['warm-up', ...OPERATIONS];
    let at = 0;
    const children = args.engines.map(
      (engine) =>
        new EngineChild(
          { type: 'run', engine, plan, tmpRoot, profileDir: args.profile ? outDir : undefined, profilePrefix: stamp },
          progress,
          () => `step ${at + 1}/${steps.length}, ${TABLE_ENGINE_LABELS[engine]}`,
        ),
    );
    for (; at < steps.length; at++) for (const c of children) await c.step(steps[at]!);
    for (const c of children) runs.push(await c.finish());
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  progress.clear();

  const results: TablesResults = {
    format: 'sett-bench-tables/2',
    startedAt,
    totalMs: performance.now() - start,
    argv: process.argv.slice(2),
    plan,
    machine,
    loadAverageAtEnd: loadAverageNow(),
    engines: runs,
    comparisons: compare(runs),
    cache: compareCache(runs),
  };
  process.stdout.write(renderTablesMarkdown(results));
  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, `tables-${stamp}.json`);
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + '\n');
  progress.note(`\nwrote ${jsonPath}\n(${progress.elapsed()} in all)`);
  if (runs.some((r) => r.error !== undefined)) process.exitCode = 1;
}

function loadAverageNow(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg().map((x) => Math.round(x * 100) / 100);
  return [a, b, c];
}

const CHILD_EXIT_GRACE_MS = 10_000;

/** One engine's child, driven a step at a time; if it dies, later steps resolve at once. */
class EngineChild {
  private readonly label: string;
  private currentStep = '';
  private readonly child: ChildProcess;
  private readonly partial: OperationResult[] = [];
  private stepWaiter: (() => void) | undefined;
  private finishWaiter: ((run: TablesEngineRun) => void) | undefined;
  private done: TablesEngineRun | undefined;
  private exited = false;
  private stderr = '';

  constructor(
    private readonly request: RunRequest,
    private readonly progress: ProgressLine,
    private readonly where: () => string,
  ) {
    this.label = TABLE_ENGINE_LABELS[request.engine];
    this.child = fork(fileURLToPath(new URL('./child.js', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child.stdout?.on('data', (chunk: Buffer) => progress.note(`${this.label}: ${chunk.toString('utf8').trimEnd()}`));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      progress.note(`${this.label}: ${chunk.toString('utf8').trimEnd()}`);
    });
    this.child.on('message', (m: ChildMessage) => this.onMessage(m));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      if (this.done === undefined) {
        const error = `child exited with ${signal ?? `code ${code}`} during ${this.currentStep || 'start-up'}${this.stderr.length > 0 ? `: ${this.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`;
        progress.note(`!! ${this.label}: ${error}`);
        this.done = this.failedRun(error);
      }
      this.wake();
    });
    this.child.send(request);
  }

  step(step: Step): Promise<void> {
    this.currentStep = step;
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.stepWaiter = resolve;
      this.child.send({ type: 'go', step } satisfies Go);
    });
  }

  finish(): Promise<TablesEngineRun> {
    this.currentStep = 'finish';
    if (this.done !== undefined) return Promise.resolve(this.done);
    return new Promise((resolve) => {
      this.finishWaiter = resolve;
      if (!this.exited) this.child.send({ type: 'go', step: 'finish' } satisfies Go);
    });
  }

  private onMessage(m: ChildMessage): void {
    if (m.type === 'progress') this.progress.update(this.where(), m.operation, m.done, m.total);
    else if (m.type === 'result') {
      this.partial.push(m.result);
      const r = m.result;
      this.progress.note(
        `  ${r.operation.padEnd(13)} ${this.label.padEnd(15)} ${formatRate(r.opsPerSec).padStart(12)} ops/s` +
          `${r.settleMs >= 100 ? ` (+ settle ${(r.settleMs / 1000).toFixed(1)} s)` : ''}${r.problem === undefined ? '' : `  INVALID: ${r.problem}`}`,
      );
    } else if (m.type === 'stepDone') {
      const w = this.stepWaiter;
      this.stepWaiter = undefined;
      w?.();
    } else {
      this.done = m.run;
      if (m.run.error !== undefined) this.progress.note(`!! ${this.label} failed: ${m.run.error}`);
      const f = this.finishWaiter;
      this.finishWaiter = undefined;
      f?.(m.run);
      setTimeout(() => {
        if (!this.exited) this.child.kill();
      }, CHILD_EXIT_GRACE_MS).unref();
    }
  }

  private wake(): void {
    const w = this.stepWaiter;
    this.stepWaiter = undefined;
    w?.();
    const f = this.finishWaiter;
    this.finishWaiter = undefined;
    if (f !== undefined) f(this.done ?? this.failedRun('child exited without reporting'));
  }

  private failedRun(error: string): TablesEngineRun {
    return {
      engine: this.request.engine,
      label: this.label,
      provider: '?',
      durability: { setting: '?', meaning: '?' },
      memory: '?',
      baselineRssBytes: NaN,
      peakRssBytes: Math.max(0, ...this.partial.map((r) => r.peakRssBytes)),
      peakRssPerOperation: false,
      warmUpMs: NaN,
      results: this.partial,
      describe: {},
      error,
      ms: NaN,
    };
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
