// Messages between the harness (main.ts) and the engines' child processes (child.ts).
//
// Every engine's child is started at once and then runs in lockstep: the harness sends `go` for
// one step (the warm-up, a workload, or the final close) to each child in turn and waits for its
// `stepDone` before the next, so only one engine works at any moment, and a workload's figures on
// the different engines are taken seconds apart: a load spike on a shared machine falls on all
// engines more evenly than when each engine runs its whole list alone.

import type { EngineName } from './engines/engine.js';
import type { Plan } from './plan.js';
import type { EngineRun, WorkloadResult } from './results.js';
import type { WorkloadName } from './workloads.js';

export interface RunRequest {
  type: 'run';
  engine: EngineName;
  workloads: WorkloadName[];
  plan: Plan;
  /** Where the child makes its databases' directories (one per workload group). */
  tmpRoot: string;
  /** With --profile: write a V8 CPU profile of the main thread per workload into this directory. */
  profileDir: string | undefined;
  /** File name prefix of those profiles (the run's timestamp). */
  profilePrefix: string;
}

/** A step of the run: the warm-up, one workload, or closing the last database. */
export type Step = 'warm-up' | WorkloadName | 'finish';

export interface Go {
  type: 'go';
  step: Step;
}

export type ChildMessage =
  | { type: 'progress'; workload: string; done: number; total: number }
  | { type: 'result'; result: WorkloadResult }
  | { type: 'stepDone'; step: Step }
  /** The whole run, after `finish`; `results` repeats what the result messages sent. */
  | { type: 'done'; run: EngineRun };
