// The queue's rates (issue 18, seed 002): produce, lease and complete in items/s, with syncWrites
// off and on, each with 1k and with 1M items already waiting. Targets with syncWrites off:
// produce >= 50,000/s, lease >= 20,000/s, complete >= 20,000/s (the seed quotes 10k-50k and
// 5k-20k). Run: `npm run bench:examples -- queue` or `node dist/examples/queue/bench.js`
// [--waiting 1000,1000000] [--ops N] [--batch N] [--quick].

import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openQueue, type Queue } from './index.js';

const TARGETS = { produce: 50_000, lease: 20_000, complete: 20_000 };
const FILL_BATCH = 25_000;
const PAYLOAD_BYTES = 64;
const LEASE_MS = 10 * 60_000;

interface Args {
  waiting: number[];
  ops: number;
  batch: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { waiting: [1_000, 1_000_000], ops: 50_000, batch: 1_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number[] => {
      const v = argv[++i];
      const ns = (v ?? '').split(',').map(Number);
      if (v === undefined || ns.some((n) => !Number.isSafeInteger(n) || n < 0)) usage(`${a} needs a number (or a comma list), got ${String(v)}`);
      return ns;
    };
    if (a === '--quick') Object.assign(args, { waiting: [1_000, 100_000], ops: 10_000 });
    else if (a === '--waiting') args.waiting = value();
    else if (a === '--ops') args.ops = value()[0]!;
    else if (a === '--batch') args.batch = value()[0]!;
    else usage(`unknown argument "${a}"`);
  }
  if (args.batch < 1 || args.ops < args.batch) usage('--batch must be at least 1 and --ops at least --batch');
  return args;
}

function usage(problem: string): never {
  console.error(`${problem}\nusage: bench.js [--waiting N[,N...]] [--ops N] [--batch N] [--quick]`);
  process.exit(2);
}

const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);

async function fill(q: Queue, n: number): Promise<number> {
  const start = performance.now();
  for (let done = 0; done < n; ) {
    const k = Math.min(FILL_BATCH, n - done);
    await q.produce(Array.from({ length: k }, () => ({ payload })));
    done += k;
  }
  return (n / (performance.now() - start)) * 1000;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface Rates {
  fill: number;
  produce: number;
  lease: number;
  complete: number;
  /** The same phases per second of this process's CPU time (all threads): what a machine shared with other work hides. */
  cpu: { produce: number; lease: number; complete: number };
}

/** Runs `phase` and returns its rate per wall second and per CPU second. */
async function timed(items: number, phase: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await phase();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall: (items / wallMs) * 1000, cpu: (items / (cpu.user + cpu.system)) * 1e6 };
}

/**
 * Runs produce, lease and complete on a scratch queue first, so the first case measured is not
 * also the one that pays for JIT compilation (cold, the 1k-waiting produce ran at half the
 * per-CPU-second rate of the same phase warm).
 */
async function warmUp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sett-queue-bench-warm-'));
  try {
    const q = await openQueue({ name: 'warm', storage: dir, syncWrites: false });
    try {
      for (let round = 0; round < 20; round++) {
        await q.produce(Array.from({ length: 1_000 }, () => ({ payload })));
        const items = await q.lease({ count: 1_000, leaseMs: LEASE_MS });
        await q.complete(items.map((it) => it.id));
      }
    } finally {
      await q.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(syncWrites: boolean, waiting: number, args: Args): Promise<Rates> {
  const dir = mkdtempSync(join(tmpdir(), 'sett-queue-bench-'));
  try {
    const q = await openQueue({ name: 'bench', storage: dir, syncWrites });
    try {
      const fillRate = await fill(q, waiting);
      // The fill's flushes and compactions finish before measuring starts (with 1M waiting they
      // would otherwise run inside the produce and lease phases).
      await q.waitForBackgroundWork();
      const produce = await timed(args.ops, async () => {
        for (let done = 0; done < args.ops; done += args.batch) await q.produce(Array.from({ length: args.batch }, () => ({ payload })));
      });
      const leased: string[][] = [];
      const lease = await timed(args.ops, async () => {
        for (let done = 0; done < args.ops; done += args.batch) {
          const items = await q.lease({ count: args.batch, leaseMs: LEASE_MS });
          if (items.length !== args.batch) throw new Error(`lease returned ${items.length} items, wanted ${args.batch}`);
          leased.push(items.map((it) => it.id));
        }
      });
      const complete = await timed(args.ops, async () => {
        for (const ids of leased) await q.complete(ids);
      });
      return { fill: fillRate, produce: produce.wall, lease: lease.wall, complete: complete.wall, cpu: { produce: produce.cpu, lease: lease.cpu, complete: complete.cpu } };
    } finally {
      await q.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mark = (n: number, target: number, sync: boolean): string => (sync ? fmt(n) : `${fmt(n)} ${n >= target ? 'PASS' : 'MISS'}`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`queue bench: 1 partition, ${PAYLOAD_BYTES}-byte payloads, ${fmt(args.ops)} items per phase in calls of ${fmt(args.batch)}; targets (syncWrites off) produce >= ${fmt(TARGETS.produce)}/s, lease and complete >= ${fmt(TARGETS.lease)}/s\n`);
  const rows: string[] = [];
  const cpuRows: string[] = [];
  let missed = 0;
  await warmUp();
  for (const syncWrites of [false, true]) {
    for (const waiting of args.waiting) {
      const r = await measure(syncWrites, waiting, args);
      if (!syncWrites) missed += [r.produce < TARGETS.produce, r.lease < TARGETS.lease, r.complete < TARGETS.complete].filter(Boolean).length;
      rows.push(`| ${syncWrites ? 'on' : 'off'} | ${fmt(waiting)} | ${mark(r.produce, TARGETS.produce, syncWrites)} | ${mark(r.lease, TARGETS.lease, syncWrites)} | ${mark(r.complete, TARGETS.complete, syncWrites)} | ${fmt(r.fill)} |`);
      cpuRows.push(`| ${syncWrites ? 'on' : 'off'} | ${fmt(waiting)} | ${fmt(r.cpu.produce)} | ${fmt(r.cpu.lease)} | ${fmt(r.cpu.complete)} |`);
      console.error(`  done: syncWrites ${syncWrites ? 'on' : 'off'}, ${fmt(waiting)} waiting`);
    }
  }
  console.log('| syncWrites | waiting | produce items/s | lease items/s | complete items/s | fill items/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`\nPer second of this process's CPU time (user + system, all threads; the wall rates above are the result, these show what a busy machine took away — os.loadavg() at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):\n`);
  console.log('| syncWrites | waiting | produce items/cpu-s | lease items/cpu-s | complete items/cpu-s |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of cpuRows) console.log(r);
  console.log(`\n${missed === 0 ? 'all targets met' : `${missed} target(s) missed`} (targets apply with syncWrites off)`);
}

await main();
