// npm run torture -- --cycles N --seconds S: the crash torture with real processes (issue 7).
//
// Each cycle spawns a child that writes to the database (single puts, large values that go to
// the value log, deletes, batches, a counter; syncWrites on or off) and logs every write it
// issues and every acknowledgement it gets; the parent kills it with SIGKILL at a seeded random
// moment, reopens the database, and verifies against the logs that every acknowledged write is
// there byte for byte (unless a later write replaced it), that no batch is half applied, and that
// the counter never goes back. The next cycle writes on into the same directory.
//
// Prints one line per cycle and a summary line; exits 0 if every promise held, 1 if one broke
// (the work directory is kept and the replay command printed), 2 on a usage error.

import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nowMs } from '../lib/timing.js';
import { makeTempDir, removeDir } from '../lib/tmp.js';
import { parseTortureArgs, USAGE, type TortureArgs } from './args.js';
import { VALUE_THRESHOLD_BYTES } from './config.js';
import { newTotals, planCycles, runCycle, type Totals } from './cycle.js';
import { TortureModel } from './model.js';

const VIOLATIONS_SHOWN = 20;

function replayCommand(args: TortureArgs, seed: number): string {
  return `node dist/bench/torture/main.js --cycles ${args.cycles} --seconds ${args.seconds} --sync ${args.sync} --lanes ${args.lanes} --seed ${seed}`;
}

function workDirectory(args: TortureArgs): string {
  if (args.dir === undefined) return makeTempDir('torture');
  const dir = resolve(args.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`--dir ${dir} is not empty: the verifier needs to have seen every write to the database`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function summary(t: Totals, seed: number, cycles: number, seconds: number): string {
  return (
    `torture: ok seed=${seed} cycles=${cycles} kills=${t.kills} verifications=${t.verifications} verified=${t.verified} key-writes=${t.keyWrites}` +
    ` (singles ${t.singles}, large ${t.large}, deletes ${t.deletes}, batches ${t.batches}, counter ${t.counter})` +
    ` in-flight=${t.inFlight} landed=${t.inFlightLanded} killed-in-open=${t.killedInOpen} (in recovery ${t.killedInRecovery}) live-checks=${t.liveChecks}` +
    ` torn-log-tails=${t.tornLogTails} torn-db-tails=${t.tornDbTails} flushes=${t.flushes} compactions=${t.compactions}` +
    ` gc-rewrites=${t.gcRewrites} vlog-files-deleted=${t.vlogFilesDeleted} time=${seconds.toFixed(1)}s`
  );
}

async function run(args: TortureArgs): Promise<number> {
  const seed = args.seed ?? randomInt(0, 0x8000_0000);
  const work = workDirectory(args);
  const dbDir = join(work, 'db');
  const logDir = join(work, 'logs');
  mkdirSync(dbDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  console.log(`torture: seed=${seed} cycles=${args.cycles} seconds=${args.seconds} sync=${args.sync} lanes=${args.lanes} dir=${work}`);
  console.log(`torture: replay with: ${replayCommand(args, seed)}`);

  const totals = newTotals();
  const ctx = { model: new TortureModel(VALUE_THRESHOLD_BYTES), dbDir, logDir, lanes: args.lanes, totals, nowMs };
  const started = nowMs();
  for (const plan of planCycles(seed, args)) {
    const violations = await runCycle(plan, args.cycles, ctx);
    if (violations.length === 0) continue;
    console.log(`torture: ${violations.length} broken promise(s) in cycle ${plan.number}:`);
    for (const v of violations.slice(0, VIOLATIONS_SHOWN)) console.log(`  [${v.kind}] ${v.message}`);
    if (violations.length > VIOLATIONS_SHOWN) console.log(`  ... and ${violations.length - VIOLATIONS_SHOWN} more`);
    console.log(`torture: FAILED seed=${seed} cycle=${plan.number} kills=${totals.kills} verified=${totals.verified} dir=${work} (kept)`);
    console.log(`torture: replay with: ${replayCommand(args, seed)}`);
    return 1;
  }
  console.log(summary(totals, seed, args.cycles, (nowMs() - started) / 1000));
  if (args.dir === undefined && !args.keep) removeDir(work);
  return 0;
}

async function main(): Promise<void> {
  let args: TortureArgs;
  try {
    args = parseTortureArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  process.exitCode = await run(args);
}

main().catch((err: unknown) => {
  console.error(`torture: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 2;
});
