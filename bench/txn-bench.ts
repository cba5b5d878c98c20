// `node dist/bench/txn-bench.js`: transactions per second for a read-modify-write of ONE key —
// begin, get, increment, put, commit, retry on CONFLICT — with 1 and with 64 transactions in
// flight, writes not synced and synced, on the real file system in a fresh temp directory.
//
//   --n 20000        commits per workload without syncWrites (default 20,000); the synced
//                    workloads run a tenth of it (at least 1,000); --quick = 5,000
//   --rounds 3       fresh databases every round; medians reported
//   --json out.json  also write every round's figures as JSON
//
// With 64 in flight on one key the workload is all contention: every transaction of a commit
// group read the same version, so one commits and the rest conflict and retry — the table shows
// what that costs (attempts per commit, and commits/s against the single-writer case). After each
// workload the counter must equal the number of commits: a lost update fails the bench.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { isSettError } from '../src/base/index.js';
import { open, type DB } from '../src/db/index.js';
import { parseArgs } from './lib/args.js';
import { printTable } from './lib/table.js';
import { nowMs, opsPerSec } from './lib/timing.js';
import { makeTempDir, removeDir } from './lib/tmp.js';

const DEFAULT_COMMITS = 20_000;
const QUICK_COMMITS = 5_000;
/** fsync per commit group: the synced workloads commit this fraction of --n. */
const SYNCED_FRACTION = 0.1;
const SYNCED_COMMITS_MIN = 1_000;
const KEY = 'counter';
const CONCURRENCY = [1, 64] as const;

interface Workload {
  concurrency: number;
  syncWrites: boolean;
  commits: number;
}

interface Sample {
  ms: number;
  commits: number;
  attempts: number;
  conflicts: number;
  /** Commit groups the writer formed (counters.groups) and WAL syncs (counters.walSyncs). */
  groups: number;
  walSyncs: number;
}

interface Result extends Workload {
  samples: Sample[];
  /** Medians over the rounds. */
  ms: number;
  commitsPerSec: number;
  attemptsPerSec: number;
  conflictsPerCommit: number;
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >>> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One read-modify-write loop; several run at once for concurrency > 1. */
async function incrementer(db: DB, target: number, sample: Sample): Promise<void> {
  while (sample.commits < target) {
    sample.attempts++;
    const txn = db.transaction();
    try {
      const current = await txn.get(KEY);
      const n = current === undefined ? 0 : Number(current.toString('latin1'));
      txn.put(KEY, String(n + 1));
      await txn.commit();
      sample.commits++;
    } catch (err) {
      if (!isSettError(err, 'CONFLICT')) throw err;
      sample.conflicts++;
    } finally {
      txn.discard();
    }
  }
}

async function runOnce(w: Workload): Promise<Sample> {
  const dir = makeTempDir('txn');
  try {
    const db = await open(dir, { syncWrites: w.syncWrites });
    try {
      await db.put(KEY, '0');
      const before = db.stats().counters;
      const sample: Sample = { ms: 0, commits: 0, attempts: 0, conflicts: 0, groups: 0, walSyncs: 0 };
      const start = nowMs();
      await Promise.all(Array.from({ length: w.concurrency }, () => incrementer(db, w.commits, sample)));
      sample.ms = nowMs() - start;
      const after = db.stats().counters;
      sample.groups = after.groups - before.groups;
      sample.walSyncs = after.walSyncs - before.walSyncs;
      const final = Number(db.getSync(KEY)?.toString('latin1'));
      if (final !== sample.commits) throw new Error(`lost updates: the counter is ${final} after ${sample.commits} commits (concurrency ${w.concurrency}, syncWrites ${w.syncWrites})`);
      if (sample.attempts !== sample.commits + sample.conflicts) throw new Error(`${sample.attempts} attempts != ${sample.commits} commits + ${sample.conflicts} conflicts`);
      return sample;
    } finally {
      await db.close();
    }
  } finally {
    removeDir(dir);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['--quick', '--n', '--rounds', '--json']);
  const commits = args.n ?? (args.quick ? QUICK_COMMITS : DEFAULT_COMMITS);
  const rounds = args.rounds ?? 1;
  const workloads: Workload[] = [];
  for (const syncWrites of [false, true]) {
    for (const concurrency of CONCURRENCY) {
      workloads.push({ concurrency, syncWrites, commits: syncWrites ? Math.max(SYNCED_COMMITS_MIN, Math.round(commits * SYNCED_FRACTION)) : commits });
    }
  }
  console.log(`txn-bench: read-modify-write of one key; ${commits.toLocaleString('en-US')} commits per unsynced workload, ${rounds} round(s); ${cpus().length} CPUs, node ${process.version}`);
  const results: Result[] = [];
  for (const w of workloads) {
    const samples: Sample[] = [];
    for (let r = 0; r < rounds; r++) samples.push(await runOnce(w));
    const ms = median(samples.map((s) => s.ms));
    results.push({
      ...w,
      samples,
      ms,
      commitsPerSec: median(samples.map((s) => opsPerSec(s.commits, s.ms))),
      attemptsPerSec: median(samples.map((s) => opsPerSec(s.attempts, s.ms))),
      conflictsPerCommit: median(samples.map((s) => s.conflicts / s.commits)),
    });
  }
  printTable(
    'Read-modify-write transactions on one key (get, increment, put, commit; retry on CONFLICT)',
    ['in flight', 'syncWrites', 'commits', 'ms', 'commits/s', 'attempts/s', 'conflicts', 'conflicts/commit', 'groups', 'WAL syncs'],
    results.map((r) => {
      const s = r.samples[0]!;
      return [
        r.concurrency,
        String(r.syncWrites),
        s.commits,
        Math.round(r.ms),
        Math.round(r.commitsPerSec),
        Math.round(r.attemptsPerSec),
        s.conflicts,
        Number(r.conflictsPerCommit.toFixed(2)),
        s.groups,
        s.walSyncs,
      ];
    }),
  );
  if (rounds > 1) console.log('(commits, conflicts, groups and WAL syncs are from the first round; rates are medians)');
  if (args.json !== undefined) {
    writeFileSync(args.json, JSON.stringify({ bench: 'txn', commits, rounds, node: process.version, cpus: cpus().length, results }, null, 2));
    console.log(`\nwrote ${args.json}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
