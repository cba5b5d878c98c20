// Runs the workloads on one engine, one step at a time as the harness calls for them, each
// workload group on a fresh directory, and reports one WorkloadResult per workload. Runs inside
// the engine's child process (child.ts).
//
// Timing: keys are generated per chunk outside the timed spans; each operation is timed on its
// own (performance.now(), ~30 ns, paid alike by every engine) except whole scans. The loops yield
// one event-loop turn per chunk, inside the timed span, as a server would between requests: an
// engine whose background work reports back to the main thread (sett) gets to install it, and a
// native engine's callbacks run. After a workload that wrote, the engine settles (untimed).

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from './engines/engine.js';
import { LatencyHistogram } from './histogram.js';
import { KEY_BYTES, PURPOSE, ValuePool, key, keyRange, keysOf, order, purposeSeed } from './data.js';
import { batchEntries, type Plan } from './plan.js';
import { diskBytes, peakRssBytes, resetPeakRss, storageBytesWritten } from './probes.js';
import type { WorkloadResult } from './results.js';
import { CHUNK_OPS, SpanTimer, now, yieldTurn } from './timing.js';
import { runYcsb, type YcsbState } from './ycsb.js';
import { WORKLOADS, syncWriters, type WorkloadGroup, type WorkloadName } from './workloads.js';

const WARMUP_ENTRIES_MAX = 20_000;
const WARMUP_PUTS = 2_000;
/** Durable puts of the warm-up, half by one writer and half by 16 (the syncwrite workloads' calls). */
const WARMUP_DURABLE_PUTS = 1_500;

type Phase = WorkloadName | 'load' | 'warm-up';

export interface RunHooks {
  progress(workload: Phase, done: number, total: number): void;
  result(result: WorkloadResult): void;
  /** Around each measured workload, operations and settle included (the CPU profiler hooks in here). */
  beforeWorkload?(workload: WorkloadName): Promise<void>;
  afterWorkload?(workload: WorkloadName): Promise<void>;
}

/** What a workload's body reports back to the measuring wrapper. */
export interface Outcome {
  ops: number;
  userBytesWritten: number;
  latencyOf: string;
  api: string;
  /** Whether per-operation latencies were recorded. */
  timedOps: boolean;
  problem?: string | undefined;
}

export interface Live {
  entries: number;
  bytes: number;
}

interface GroupState {
  name: WorkloadGroup | 'warm-up';
  dir: string;
  durable: boolean;
  live: Live;
}

export class EngineRunner {
  readonly describe: Record<string, unknown> = {};
  private group: GroupState | undefined;
  private ycsb: YcsbState | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly plan: Plan,
    private readonly tmpRoot: string,
    private readonly hooks: RunHooks,
  ) {}

  /**
   * Every kind of call the workloads make, a few thousand times on a throwaway database, untimed:
   * each child starts with a cold JIT, and the first workload would pay for it.
   */
  async warmUp(): Promise<void> {
    const n = Math.min(WARMUP_ENTRIES_MAX, Math.max(1, Math.floor(this.plan.num / 10)));
    const pool = new ValuePool(this.plan.valueBytes, purposeSeed(this.plan.seed, PURPOSE.values));
    const ord = order(n, this.plan.seed, PURPOSE.fillOrder);
    const h = new LatencyHistogram();
    const t = new SpanTimer();
    await this.openGroup('warm-up', []);
    try {
      await this.fill('warm-up', ord, n, pool, h, t);
      await this.read('warm-up', ord, n, false, h, t);
      await this.read('warm-up', ord, n, true, h, t);
      await this.seek('warm-up', ord, Math.ceil(n / 10), h, t);
      await this.scan(false, t);
      await this.scan(true, t);
      for (let i = 0; i < Math.min(n, WARMUP_PUTS); i++) await this.engine.put(key(i), pool.at(i));
      await this.deleteRandom('warm-up', ord, Math.floor(n / 2), h, t);
      await this.engine.settle();
    } finally {
      await this.closeGroup();
    }
    // A durable put takes paths an unsynced one does not (the sync, its await, the group that
    // forms behind it): without this, sett's first syncwrite1 puts ran while those were still
    // being compiled, and the workload measured the JIT (a p99 of ~2 ms against LevelDB's 0.6).
    await this.openGroup('warm-up', [], true);
    try {
      const half = Math.floor(WARMUP_DURABLE_PUTS / 2);
      await this.syncWrite('warm-up', 1, half, pool, h, t);
      await this.syncWrite('warm-up', 16, half, pool, h, t);
    } finally {
      await this.closeGroup();
    }
  }

  /**
   * Runs one workload, first moving to its group's database if it is not the current one: the
   * previous group's is closed and removed, a fresh one opened (and loaded, for the main group,
   * when fillrandom is not among `selected`). Workloads must come in run order.
   */
  async step(w: WorkloadName, selected: readonly WorkloadName[]): Promise<void> {
    const g = WORKLOADS[w].group;
    if (this.group?.name !== g) {
      await this.closeGroup();
      await this.openGroup(g, selected);
    }
    await this.measure(w, (h, t) => this.body(w, h, t));
  }

  /** Closes and removes the current group's database, keeping the engine's description of it. */
  async closeGroup(): Promise<void> {
    const g = this.group;
    if (g === undefined) return;
    this.group = undefined;
    try {
      if (g.name !== 'warm-up') this.describe[g.name] = this.engine.describe();
    } finally {
      await this.engine.close();
      rmSync(g.dir, { recursive: true, force: true });
    }
  }

  private async openGroup(name: WorkloadGroup | 'warm-up', selected: readonly WorkloadName[], durable = name.startsWith('syncwrite')): Promise<void> {
    const dir = mkdtempSync(join(this.tmpRoot, `${this.engine.name}-${name}-`));
    this.group = { name, dir, durable, live: { entries: 0, bytes: 0 } };
    await this.engine.open(dir, { durable: this.group.durable });
    if (name === 'main' && !selected.includes('fillrandom')) await this.load();
  }

  private body(w: WorkloadName, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
    const p = this.plan;
    const main = new ValuePool(p.valueBytes, purposeSeed(p.seed, PURPOSE.values));
    switch (w) {
      case 'fillseq':
        return this.fill(w, undefined, p.num, main, h, t);
      case 'fillrandom':
        return this.fill(w, order(p.num, p.seed, PURPOSE.fillOrder), p.num, main, h, t);
      case 'overwrite':
        return this.fill(w, order(p.num, p.seed, PURPOSE.overwriteOrder), p.num, new ValuePool(p.valueBytes, purposeSeed(p.seed, PURPOSE.overwriteValues)), h, t);
      case 'fill4k':
        return this.fill(w, order(p.fill4kEntries, p.seed, PURPOSE.fill4kOrder), p.fill4kEntries, new ValuePool(4096, purposeSeed(p.seed, PURPOSE.values4k)), h, t);
      case 'fill64k':
        return this.fill(w, order(p.fill64kEntries, p.seed, PURPOSE.fill64kOrder), p.fill64kEntries, new ValuePool(65536, purposeSeed(p.seed, PURPOSE.values64k)), h, t);
      case 'readrandom':
        return this.read(w, order(p.num, p.seed, PURPOSE.readOrder), p.reads, false, h, t);
      case 'readmissing':
        return this.read(w, order(p.num, p.seed, PURPOSE.missingOrder), p.reads, true, h, t);
      case 'seekrandom':
        return this.seek(w, order(p.num, p.seed, PURPOSE.seekOrder), p.seeks, h, t);
      case 'readseq':
        return this.scan(false, t);
      case 'readreverse':
        return this.scan(true, t);
      case 'deleterandom':
        return this.deleteRandom(w, order(p.num, p.seed, PURPOSE.deleteOrder), p.deletes, h, t);
      case 'syncwrite1':
      case 'syncwrite16':
      case 'syncwrite64':
        return this.syncWrite(w, syncWriters(w), p.syncOps, main, h, t);
      case 'ycsb-a':
      case 'ycsb-b':
      case 'ycsb-c':
      case 'ycsb-d':
      case 'ycsb-e':
      case 'ycsb-f':
        this.ycsb ??= { records: p.num, inserted: 0 };
        return runYcsb({ engine: this.engine, plan: p, workload: w, state: this.ycsb, live: this.state().live, hooks: this.hooks }, h, t);
    }
  }

  /** Times `body`, then settles the engine if it wrote, and reports the figures around it. */
  private async measure(w: WorkloadName, body: (h: LatencyHistogram, t: SpanTimer) => Promise<Outcome>): Promise<void> {
    const g = this.state();
    await this.hooks.beforeWorkload?.(w);
    resetPeakRss();
    const written0 = storageBytesWritten();
    const h = new LatencyHistogram();
    const t = new SpanTimer();
    const o = await body(h, t);
    let settleMs = 0;
    if (o.userBytesWritten > 0) {
      const s = now();
      await this.engine.settle();
      settleMs = now() - s;
    }
    const written = storageBytesWritten() - written0;
    await this.hooks.afterWorkload?.(w);
    const disk = diskBytes(g.dir);
    this.hooks.result({
      workload: w,
      engine: this.engine.name,
      ops: o.ops,
      latencyOf: o.latencyOf,
      ms: t.ms,
      opsPerSec: t.ms > 0 ? (o.ops * 1000) / t.ms : NaN,
      latency: o.timedOps ? h.summary() : undefined,
      settleMs,
      userBytesWritten: o.userBytesWritten,
      storageBytesWritten: written,
      writeAmp: o.userBytesWritten > 0 && Number.isFinite(written) ? written / o.userBytesWritten : undefined,
      diskBytes: disk,
      liveBytes: g.live.bytes,
      spaceAmp: g.live.bytes > 0 ? disk / g.live.bytes : undefined,
      peakRssBytes: peakRssBytes(),
      durability: this.engine.durability({ durable: g.durable }).setting,
      api: o.api,
      problem: o.problem,
    });
  }

  /** The main group's data without timing it, for runs that read but did not ask for fillrandom. */
  private async load(): Promise<void> {
    const p = this.plan;
    await this.fill('load', order(p.num, p.seed, PURPOSE.fillOrder), p.num, new ValuePool(p.valueBytes, purposeSeed(p.seed, PURPOSE.values)), new LatencyHistogram(), new SpanTimer());
    await this.engine.settle();
  }

  /** Puts keys[order[i]] (or key i, without an order) for i < count, in atomic batches. */
  private async fill(w: Phase, ord: Uint32Array | undefined, count: number, pool: ValuePool, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
    const g = this.state();
    const per = batchEntries(pool.valueBytes);
    const keys: Buffer[] = [];
    const values: Buffer[] = [];
    const fresh = g.live.entries === 0;
    for (let at = 0; at < count; at += per) {
      const end = Math.min(count, at + per);
      if (ord === undefined) keyRange(at, end, keys);
      else keysOf(ord, at, end, keys);
      values.length = end - at;
      for (let i = at; i < end; i++) values[i - at] = pool.at(i);
      const s = now();
      await this.engine.putBatch(keys, values);
      const m = now();
      h.recordMs(m - s);
      await yieldTurn();
      t.add(now() - s);
      this.hooks.progress(w, end, count);
    }
    // Every fill and overwrite writes each key in 0..count-1 exactly once.
    if (fresh) g.live.entries = count;
    g.live.bytes = g.live.entries * (KEY_BYTES + pool.valueBytes);
    return { ops: count, userBytesWritten: count * (KEY_BYTES + pool.valueBytes), latencyOf: `batch of ${per}`, api: 'batch', timedOps: true };
  }

  private async read(w: Phase, ord: Uint32Array, count: number, missing: boolean, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
    const keys: Buffer[] = [];
    let found = 0;
    for (let at = 0; at < count; at += CHUNK_OPS) {
      const end = Math.min(count, at + CHUNK_OPS);
      keysOf(ord, at, end, keys, missing);
      const c = now();
      for (let i = 0; i < keys.length; i++) {
        const s = now();
        let v = this.engine.get(keys[i]!);
        if (v instanceof Promise) v = await v;
        h.recordMs(now() - s);
        if (v !== undefined) found++;
      }
      await yieldTurn();
      t.add(now() - c);
      this.hooks.progress(w, end, count);
    }
    const expected = missing ? 0 : count;
    const problem = found === expected ? undefined : `found ${found} of ${count} ${missing ? 'absent' : 'existing'} keys (expected ${expected})`;
    return { ops: count, userBytesWritten: 0, latencyOf: 'get', api: this.engine.readApi, timedOps: true, problem };
  }

  private async seek(w: Phase, ord: Uint32Array, count: number, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
    const keys: Buffer[] = [];
    let read = 0;
    for (let at = 0; at < count; at += CHUNK_OPS) {
      const end = Math.min(count, at + CHUNK_OPS);
      keysOf(ord, at, end, keys);
      const c = now();
      for (let i = 0; i < keys.length; i++) {
        const s = now();
        let n = this.engine.seek(keys[i]!, 1);
        if (n instanceof Promise) n = await n;
        h.recordMs(now() - s);
        read += n;
      }
      await yieldTurn();
      t.add(now() - c);
      this.hooks.progress(w, end, count);
    }
    const problem = read === count ? undefined : `read ${read} entries in ${count} seeks to existing keys (expected ${count})`;
    return { ops: count, userBytesWritten: 0, latencyOf: 'seek + 1 entry', api: 'iterator', timedOps: true, problem };
  }

  private async scan(reverse: boolean, t: SpanTimer): Promise<Outcome> {
    const live = this.state().live;
    const s = now();
    let r = this.engine.scan(reverse);
    if (r instanceof Promise) r = await r;
    t.add(now() - s);
    const problem = r.entries === live.entries && r.bytes === live.bytes ? undefined : `saw ${r.entries} entries / ${r.bytes} bytes, expected ${live.entries} / ${live.bytes}`;
    return { ops: r.entries, userBytesWritten: 0, latencyOf: 'scan', api: 'iterator', timedOps: false, problem };
  }

  private async deleteRandom(w: Phase, ord: Uint32Array, count: number, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
    const g = this.state();
    const per = batchEntries(this.plan.valueBytes);
    const keys: Buffer[] = [];
    for (let at = 0; at < count; at += per) {
      const end = Math.min(count, at + per);
      keysOf(ord, at, end, keys);
      const s = now();
      await this.engine.deleteBatch(keys);
      h.recordMs(now() - s);
      await yieldTurn();
      t.add(now() - s);
      this.hooks.progress(w, end, count);
    }
    g.live.entries -= count;
    g.live.bytes -= count * (KEY_BYTES + this.plan.valueBytes);
    return { ops: count, userBytesWritten: count * KEY_BYTES, latencyOf: `batch of ${per}`, api: 'batch', timedOps: true };
  }

  /** `writers` loops of awaited single puts on a durable database, `count` puts in all, distinct keys. */
  private async syncWrite(w: Phase, writers: number, count: number, pool: ValuePool, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
    const g = this.state();
    let next = 0;
    const writer = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const k = key(i);
        const s = now();
        await this.engine.put(k, pool.at(i));
        h.recordMs(now() - s);
        if (i % CHUNK_OPS === 0) this.hooks.progress(w, i, count);
      }
    };
    const s = now();
    await Promise.all(Array.from({ length: writers }, writer));
    t.add(now() - s);
    g.live.entries = count;
    g.live.bytes = count * (KEY_BYTES + pool.valueBytes);
    return { ops: count, userBytesWritten: count * (KEY_BYTES + pool.valueBytes), latencyOf: 'put', api: `put x ${writers} writers`, timedOps: true };
  }

  private state(): GroupState {
    if (this.group === undefined) throw new Error('no database open');
    return this.group;
  }
}
