// Messages between `npm run bench:tables` (main.ts) and each engine's child process (child.ts).
// As in bench/harness: every child starts at once, then they take turns a step at a time (the
// harness sends `go` to each child in turn and waits for its `stepDone`), so only one engine
// works at any moment and a load spike on a shared machine falls on both more evenly.

import type { Operation, TableEngineName, TablesPlan } from './plan.js';
import type { OperationResult, TablesEngineRun } from './results.js';

export interface RunRequest {
  type: 'run';
  engine: TableEngineName;
  plan: TablesPlan;
  /** Where the child makes its database directories. */
  tmpRoot: string;
  /** With --profile: a V8 CPU profile per operation goes into this directory. */
  profileDir: string | undefined;
  profilePrefix: string;
}

export type Step = 'warm-up' | Operation | 'finish';

export interface Go {
  type: 'go';
  step: Step;
}

export type ChildMessage =
  | { type: 'progress'; operation: string; done: number; total: number }
  | { type: 'result'; result: OperationResult }
  | { type: 'stepDone'; step: Step }
  | { type: 'done'; run: TablesEngineRun };
