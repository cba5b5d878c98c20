// `npm run bench`: sett beside LevelDB (classic-level), RocksDB and LMDB on the same workloads
// and inputs, each engine in its own child process and its own fresh directories, the engines
// taking turns workload by workload (protocol.ts).
// Prints a markdown report on stdout (progress on stderr), writes bench/results/<timestamp>.json
// and .svg, and reports PASS/MISS against the targets. `--help` lists the options;
// docs/performance.md explains the workloads and the figures.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/base/index.js';
import { ArgumentError, USAGE, parseHarnessArgs, type HarnessArgs } from './cli.js';
import { ENGINE_LABELS } from './engines/index.js';
import { describeMachine } from './machine.js';
import { makePlan } from './plan.js';
import { ProgressLine } from './progress.js';
import type { ChildMessage, Go, RunRequest, Step } from './protocol.js';
import { renderMarkdown } from './report/markdown.js';
import { renderRatioSvg } from './report/svg.js';
import type { EngineRun, RunResults, WorkloadResult } from './results.js';
import { evaluateTargets } from './targets.js';

async function main(): Promise<void> {
  let args: HarnessArgs;
  try {
    args = parseHarnessArgs(process.argv.slice(2));
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
  const startedMs = systemClock.nowMs();
  const startedAt = new Date(startedMs).toISOString();
  const start = performance.now();
  const plan = makePlan(args);
  const machine = describeMachine();
  const progress = new ProgressLine();
  progress.note(
    `sett bench: ${args.engines.map((e) => ENGINE_LABELS[e]).join(', ')}; ${args.workloads.length} workloads; ` +
      `${plan.num.toLocaleString('en-US')} entries of ${plan.valueBytes} B${plan.quick ? ' (--quick)' : ''}; seed ${plan.seed}; ` +
      `${machine.cpu} x${machine.cores}, node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );

  const outDir = resolve(args.outDir);
  const stamp = startedAt.replace(/[:.]/g, '-');
  if (args.profile) mkdirSync(outDir, { recursive: true });
  const tmpRoot = mkdtempSync(join(tmpdir(), 'sett-bench-'));
  const runs: EngineRun[] = [];
  try {
    const steps: Step[] = ['warm-up', ...args.workloads];
    let at = 0;
    const children = args.engines.map(
      (engine) =>
        new EngineChild(
          { type: 'run', engine, workloads: args.workloads, plan, tmpRoot, profileDir: args.profile ? outDir : undefined, profilePrefix: stamp },
          progress,
          () => `step ${at + 1}/${steps.length}, ${ENGINE_LABELS[engine]}`,
        ),
    );
    for (; at < steps.length; at++) for (const c of children) await c.step(steps[at]!);
    for (const c of children) runs.push(await c.finish());
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  progress.clear();

  const results: RunResults = {
    format: 'sett-bench/1',
    startedAt,
    totalMs: performance.now() - start,
    argv: process.argv.slice(2),
    plan,
    workloads: args.workloads,
    machine,
    engines: runs,
    targets: evaluateTargets(runs),
  };
  process.stdout.write(renderMarkdown(results));

  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, `${stamp}.json`);
  const svgPath = join(outDir, `${stamp}.svg`);
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(svgPath, renderRatioSvg(results));
  progress.note(`\nwrote ${jsonPath}\nwrote ${svgPath}\n(${progress.elapsed()} in all)`);
  if (runs.some((r) => r.error !== undefined)) process.exitCode = 1;
}

const CHILD_EXIT_GRACE_MS = 10_000;

/**
 * One engine's child process, driven a step at a time. If the child dies, its later steps resolve
 * at once and finish() returns what it reported before, with the error.
 */
class EngineChild {
  readonly label: string;
  currentStep = '';
  private readonly child: ChildProcess;
  private readonly partial: WorkloadResult[] = [];
  private stepWaiter: (() => void) | undefined;
  private finishWaiter: ((run: EngineRun) => void) | undefined;
  private done: EngineRun | undefined;
  private exited = false;
  private stderr = '';

  constructor(
    private readonly request: RunRequest,
    private readonly progress: ProgressLine,
    private readonly where: () => string,
  ) {
    this.label = ENGINE_LABELS[request.engine];
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

  /** Runs one step on this engine; resolves when it is done (or the child is gone). */
  step(step: Step): Promise<void> {
    this.currentStep = step;
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.stepWaiter = resolve;
      this.child.send({ type: 'go', step } satisfies Go);
    });
  }

  finish(): Promise<EngineRun> {
    this.currentStep = 'finish';
    if (this.done !== undefined) return Promise.resolve(this.done);
    return new Promise((resolve) => {
      this.finishWaiter = resolve;
      if (!this.exited) this.child.send({ type: 'go', step: 'finish' } satisfies Go);
    });
  }

  private onMessage(m: ChildMessage): void {
    if (m.type === 'progress') this.progress.update(this.where(), m.workload, m.done, m.total);
    else if (m.type === 'result') {
      this.partial.push(m.result);
      const r = m.result;
      this.progress.note(
        `  ${r.workload.padEnd(13)} ${this.label.padEnd(8)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)} ops/s` +
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
      // The child exits once its handles close; one that lingers (a native thread holding the
      // loop open) must not hold the whole run.
      setTimeout(() => {
        if (!this.exited) this.child.kill();
      }, CHILD_EXIT_GRACE_MS).unref();
    }
  }

  /** Releases whoever waits: the child has exited. */
  private wake(): void {
    const w = this.stepWaiter;
    this.stepWaiter = undefined;
    w?.();
    const f = this.finishWaiter;
    this.finishWaiter = undefined;
    if (f !== undefined) f(this.done ?? this.failedRun('child exited without reporting'));
  }

  private failedRun(error: string): EngineRun {
    return {
      engine: this.request.engine,
      label: this.label,
      provider: '?',
      durability: { normal: { setting: '?', meaning: '?' }, durable: { setting: '?', meaning: '?' } },
      readApi: '?',
      baselineRssBytes: NaN,
      peakRssPerWorkload: false,
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
