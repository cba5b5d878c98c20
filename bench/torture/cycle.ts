// One kill cycle: run a child until the planned SIGKILL, read its ack log into the model, and
// (unless the plan chains this kill into the next cycle) reopen the database and verify it.
//
// A chained cycle leaves the crashed database to the next child, whose open() does the crash
// recovery and may itself be killed: an early kill lands within EARLY_KILL_WINDOW_MS of the
// child's open() call, often inside it. Recovery interrupted by a kill is a crash point too; the
// parent's own reopen is never killed, so without chaining only clean opens would be interrupted.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/base/index.js';
import { dirBytes } from '../lib/tmp.js';
import { readLog } from './ack-log.js';
import { syncForCycle, type TortureArgs } from './args.js';
import { CHILD_EXIT_OPEN_FAILED, DEFAULT_BATCH_KEYS, DEFAULT_GC_INTERVAL_MS, DEFAULT_SINGLE_KEYS, type ChildStats } from './config.js';
import type { TortureModel } from './model.js';
import { observe } from './observe.js';
import { runChild, type ChildOutcome } from './run-child.js';
import { verify, type Violation } from './verify.js';

const CHAINED_FRACTION = 0.25;
/** Early kills: one cycle in eight, one in two after a chained cycle (its open() recovers a crash). */
const EARLY_KILL_FRACTION = 0.125;
const EARLY_KILL_AFTER_CHAINED_FRACTION = 0.5;
/** open() after a kill takes 10-300 ms here (replaying WALs, truncating torn tails, flushing). */
const EARLY_KILL_WINDOW_MS = 200;
/** Other kills land between this fraction of --seconds and --seconds after the child is ready. */
const MIN_WRITING_FRACTION = 0.1;

export interface CyclePlan {
  /** 1-based. */
  number: number;
  syncWrites: boolean;
  childSeed: number;
  /** Kill counted from the child's open() call (may hit crash recovery), else from its ready. */
  early: boolean;
  delayMs: number;
  /** Reopen and verify after the kill; false leaves the crash to the next child (never the last cycle). */
  verify: boolean;
  /** The previous cycle was not verified: this child's open() recovers its crash. */
  recovers: boolean;
}

/** The whole schedule, drawn up front from the seed: the same seed gives the same schedule. */
export function planCycles(seed: number, args: TortureArgs): CyclePlan[] {
  const rng = new Rng(seed);
  const plans: CyclePlan[] = [];
  let previousChained = false;
  for (let i = 0; i < args.cycles; i++) {
    const childSeed = rng.int(0x8000_0000);
    const last = i === args.cycles - 1;
    // The last cycle always writes for a while, so even a short run verifies some writes.
    const early = rng.bool(previousChained ? EARLY_KILL_AFTER_CHAINED_FRACTION : EARLY_KILL_FRACTION) && !last;
    const fraction = rng.next();
    const delayMs = Math.round(early ? fraction * EARLY_KILL_WINDOW_MS : (MIN_WRITING_FRACTION + (1 - MIN_WRITING_FRACTION) * fraction) * args.seconds * 1000);
    const chained = rng.bool(CHAINED_FRACTION);
    const verify = !chained || last;
    plans.push({ number: i + 1, syncWrites: syncForCycle(args.sync, i), childSeed, early, delayMs, verify, recovers: previousChained });
    previousChained = !verify;
  }
  return plans;
}

export interface Totals {
  kills: number;
  verifications: number;
  /** Acknowledged writes whose outcome a verification checked. */
  verified: number;
  keyWrites: number;
  singles: number;
  large: number;
  deletes: number;
  batches: number;
  counter: number;
  inFlight: number;
  inFlightLanded: number;
  /** Kills that landed inside the child's open(), and those of them in a crash recovery. */
  killedInOpen: number;
  killedInRecovery: number;
  tornLogTails: number;
  tornDbTails: number;
  flushes: number;
  compactions: number;
  gcRewrites: number;
  vlogFilesDeleted: number;
  liveChecks: number;
}

export function newTotals(): Totals {
  return { kills: 0, verifications: 0, verified: 0, keyWrites: 0, singles: 0, large: 0, deletes: 0, batches: 0, counter: 0, inFlight: 0, inFlightLanded: 0, killedInOpen: 0, killedInRecovery: 0, tornLogTails: 0, tornDbTails: 0, flushes: 0, compactions: 0, gcRewrites: 0, vlogFilesDeleted: 0, liveChecks: 0 };
}

export interface CycleContext {
  model: TortureModel;
  dbDir: string;
  logDir: string;
  lanes: number;
  totals: Totals;
  nowMs: () => number;
}

function childFindings(outcome: ChildOutcome): Violation[] {
  const out: Violation[] = [];
  if (outcome.violation !== undefined) out.push({ kind: 'read-mismatch', message: `the child saw it while writing: ${outcome.violation}` });
  if (outcome.failure !== undefined) out.push({ kind: outcome.exitCode === CHILD_EXIT_OPEN_FAILED ? 'open-failed' : 'child-failed', message: outcome.failure });
  return out;
}

function addChildStats(t: Totals, s: ChildStats | undefined): void {
  if (s === undefined) return;
  t.flushes += s.flushes;
  t.compactions += s.compactions;
  t.gcRewrites += s.vlogGCRewrites;
  t.vlogFilesDeleted += s.vlogFilesDeleted;
  t.liveChecks += s.liveChecks;
}

/** Runs one cycle; prints its line; returns the broken promises found (empty if none). */
export async function runCycle(plan: CyclePlan, total: number, ctx: CycleContext): Promise<Violation[]> {
  const { model, totals: t } = ctx;
  const log = join(ctx.logDir, `cycle-${String(plan.number).padStart(5, '0')}.log`);
  const outcome = await runChild(
    { dir: ctx.dbDir, log, syncWrites: plan.syncWrites, seed: plan.childSeed, startGen: model.nextGen, startCounter: model.nextCounter, singleKeys: DEFAULT_SINGLE_KEYS, batchKeys: DEFAULT_BATCH_KEYS, lanes: ctx.lanes, gcIntervalMs: DEFAULT_GC_INTERVAL_MS },
    { from: plan.early ? 'opening' : 'ready', delayMs: plan.delayMs },
    ctx.nowMs,
  );
  const violations = childFindings(outcome);
  if (outcome.killed) t.kills++;
  addChildStats(t, outcome.lastStats);

  // A child killed before it created its log issued nothing.
  let issued = 0;
  let acked = 0;
  try {
    model.beginChild();
    if (existsSync(log)) {
      const parsed = readLog(log);
      if (parsed.tornTailBytes > 0) t.tornLogTails++;
      for (const record of parsed.records) {
        model.apply(record);
        if (record.type === 'issue') issued++;
        else acked++;
      }
    }
  } catch (err) {
    violations.push({ kind: 'harness', message: `ack log ${log}: ${err instanceof Error ? err.message : String(err)}` });
  }

  // Killed before it printed ready and before it issued a write: inside open().
  const inOpen = outcome.killed && outcome.readyMs === undefined && issued === 0;
  if (inOpen) {
    t.killedInOpen++;
    if (plan.recovers) t.killedInRecovery++;
  }

  const s = outcome.lastStats;
  let line =
    `cycle ${plan.number}/${total} sync=${plan.syncWrites ? 'on' : 'off'} kill ${plan.delayMs}ms after ${plan.early ? 'open() began' : 'ready'}` +
    (inOpen ? (plan.recovers ? ' (inside open(), recovering the last crash)' : ' (inside open())') : outcome.readyMs === undefined ? '' : ` (ready in ${outcome.readyMs.toFixed(0)}ms, open ${outcome.openMs?.toFixed(0)}ms)`) +
    ` logged: issued=${issued} acked=${acked}` +
    (s === undefined ? '' : ` child: flushes=${s.flushes} compactions=${s.compactions} gc-rewrites=${s.vlogGCRewrites} max-group=${s.maxGroupSize}`);

  if (!plan.verify && violations.length === 0) {
    console.log(`${line} | not reopened: the next child recovers this crash`);
    return violations;
  }
  const seen = await observe(ctx.dbDir, model.keys.keys(), ctx.nowMs);
  if ('kind' in seen) {
    violations.push(seen);
  } else {
    violations.push(...seen.violations);
    const result = verify(model, seen.values);
    violations.push(...result.violations);
    const c = model.counts;
    line +=
      ` | verified acked=${c.acked} (since last verification) in-flight=${result.inFlight} (landed ${result.inFlightLanded}) keys=${seen.values.size} counter=${result.counterShown}` +
      ` open=${seen.openMs.toFixed(0)}ms${seen.lockWaitMs >= 1 ? ` (lock wait ${seen.lockWaitMs.toFixed(0)}ms)` : ''} torn-tails=${seen.stats.counters.tornTailsTruncated}` +
      ` vlog-files=${seen.stats.valueLog.files} tables=${seen.stats.files.tables} parent-gc=${seen.gcRewrites} disk=${(dirBytes(ctx.dbDir) / 1048576).toFixed(1)}MiB`;
    if (violations.length === 0) {
      t.verifications++;
      t.verified += c.acked;
      t.keyWrites += c.ackedKeyWrites;
      t.singles += c.ackedByKind.single;
      t.batches += c.ackedByKind.batch;
      t.counter += c.ackedByKind.counter;
      t.large += c.ackedLarge;
      t.deletes += c.ackedDeletes;
      t.inFlight += result.inFlight;
      t.inFlightLanded += result.inFlightLanded;
      t.tornDbTails += seen.stats.counters.tornTailsTruncated;
      model.settle(result.shown, result.counterShown);
    }
  }
  console.log(`${line} ${violations.length === 0 ? 'ok' : 'FAILED'}`);
  return violations;
}
