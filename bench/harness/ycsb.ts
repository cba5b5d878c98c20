// YCSB's core workloads A-F (github.com/brianfrankcooper/YCSB, workloads/workloada..f) on the
// main group's database, whose `num` records fillrandom loaded: one client issuing one operation
// at a time, keys chosen by a scrambled zipfian (D: skewed to the latest insert), the operation
// sequence drawn from the seed, so every engine runs the same operations on the same keys.
// Records are single values of --value-size bytes (YCSB's are 10 fields of 100 bytes); updates
// write a whole new value. Run order A, B, C, F, D, E as YCSB recommends (D and E insert).

import { Rng } from '../../src/base/index.js';
import type { Engine } from './engines/engine.js';
import type { LatencyHistogram } from './histogram.js';
import { KEY_BYTES, PURPOSE, ValuePool, key, purposeSeed } from './data.js';
import { YCSB_SCAN_MAX, type Plan } from './plan.js';
import type { Live, Outcome, RunHooks } from './runner.js';
import { CHUNK_OPS, now, yieldTurn, type SpanTimer } from './timing.js';
import { ScrambledZipfianGenerator, SkewedLatestGenerator } from './zipfian.js';

export type YcsbName = 'ycsb-a' | 'ycsb-b' | 'ycsb-c' | 'ycsb-d' | 'ycsb-e' | 'ycsb-f';

export const READ = 0;
export const UPDATE = 1;
export const INSERT = 2;
export const SCAN = 3;
export const RMW = 4;

export interface Mix {
  /** Proportions of READ, UPDATE, INSERT, SCAN, RMW; they sum to 1. */
  proportions: readonly [number, number, number, number, number];
  chooser: 'zipfian' | 'latest';
}

export const YCSB_MIXES: Readonly<Record<YcsbName, Mix>> = {
  'ycsb-a': { proportions: [0.5, 0.5, 0, 0, 0], chooser: 'zipfian' },
  'ycsb-b': { proportions: [0.95, 0.05, 0, 0, 0], chooser: 'zipfian' },
  'ycsb-c': { proportions: [1, 0, 0, 0, 0], chooser: 'zipfian' },
  'ycsb-d': { proportions: [0.95, 0, 0.05, 0, 0], chooser: 'latest' },
  'ycsb-e': { proportions: [0, 0, 0.05, 0.95, 0], chooser: 'zipfian' },
  'ycsb-f': { proportions: [0.5, 0, 0, 0, 0.5], chooser: 'zipfian' },
};

const YCSB_ORDER: readonly YcsbName[] = ['ycsb-a', 'ycsb-b', 'ycsb-c', 'ycsb-d', 'ycsb-e', 'ycsb-f'];

/** Records across the YCSB workloads of one run: inserts get the numbers after the loaded ones. */
export interface YcsbState {
  records: number;
  inserted: number;
}

export interface YcsbContext {
  engine: Engine;
  plan: Plan;
  workload: YcsbName;
  state: YcsbState;
  live: Live;
  hooks: RunHooks;
}

/** One chunk's operations, drawn before the chunk is timed. */
export interface Chunk {
  kinds: Uint8Array;
  keys: Buffer[];
  scanLengths: Uint8Array;
}

/** Draws the next `count` operations of a mix: the same sequence for every engine. */
export class OpStream {
  private readonly rng: Rng;
  private readonly zipf: ScrambledZipfianGenerator | undefined;
  private readonly latest: SkewedLatestGenerator | undefined;
  private readonly cumulative: number[];

  constructor(
    mix: Mix,
    seed: number,
    private readonly state: YcsbState,
  ) {
    this.rng = new Rng(seed);
    const count = state.records + state.inserted;
    if (mix.chooser === 'latest') this.latest = new SkewedLatestGenerator(count, this.rng);
    else this.zipf = new ScrambledZipfianGenerator(count, this.rng);
    let sum = 0;
    this.cumulative = mix.proportions.map((p) => (sum += p));
  }

  /** Fills `chunk` with `count` operations; returns the key numbers (for tests). */
  draw(count: number, chunk: Chunk): number[] {
    const numbers: number[] = [];
    chunk.keys.length = count;
    for (let i = 0; i < count; i++) {
      const u = this.rng.next();
      let kind = 0;
      while (kind < this.cumulative.length - 1 && u >= this.cumulative[kind]!) kind++;
      let n: number;
      if (kind === INSERT) {
        n = this.state.records + this.state.inserted++;
        this.latest?.grow(this.state.records + this.state.inserted);
      } else {
        n = this.latest !== undefined ? this.latest.next() : this.zipf!.next();
      }
      chunk.kinds[i] = kind;
      chunk.scanLengths[i] = kind === SCAN ? 1 + this.rng.int(YCSB_SCAN_MAX) : 0;
      chunk.keys[i] = key(n);
      numbers.push(n);
    }
    return numbers;
  }
}

export async function runYcsb(ctx: YcsbContext, h: LatencyHistogram, t: SpanTimer): Promise<Outcome> {
  const { engine, plan, workload, state, live } = ctx;
  const stream = new OpStream(YCSB_MIXES[workload], purposeSeed(plan.seed, PURPOSE.ycsb + YCSB_ORDER.indexOf(workload)), state);
  const updates = new ValuePool(plan.valueBytes, purposeSeed(plan.seed, PURPOSE.overwriteValues));
  const inserts = new ValuePool(plan.valueBytes, purposeSeed(plan.seed, PURPOSE.values));
  const chunk: Chunk = { kinds: new Uint8Array(CHUNK_OPS), keys: [], scanLengths: new Uint8Array(CHUNK_OPS) };
  const total = plan.ycsbOps;
  let reads = 0;
  let found = 0;
  let writes = 0;
  let inserted = 0;
  for (let at = 0; at < total; at += CHUNK_OPS) {
    const count = Math.min(CHUNK_OPS, total - at);
    stream.draw(count, chunk);
    const c = now();
    for (let i = 0; i < count; i++) {
      const k = chunk.keys[i]!;
      const kind = chunk.kinds[i]!;
      const s = now();
      if (kind === READ || kind === RMW) {
        let v = engine.get(k);
        if (v instanceof Promise) v = await v;
        reads++;
        if (v !== undefined) found++;
      }
      if (kind === UPDATE || kind === RMW) {
        await engine.put(k, updates.at(at + i));
        writes++;
      } else if (kind === INSERT) {
        await engine.put(k, inserts.at(at + i));
        writes++;
        inserted++;
      } else if (kind === SCAN) {
        const n = engine.seek(k, chunk.scanLengths[i]!);
        if (n instanceof Promise) await n;
      }
      h.recordMs(now() - s);
    }
    await yieldTurn();
    t.add(now() - c);
    ctx.hooks.progress(workload, at + count, total);
  }
  live.entries += inserted;
  live.bytes += inserted * (KEY_BYTES + plan.valueBytes);
  const problem = found === reads ? undefined : `found ${found} of ${reads} existing keys read`;
  return { ops: total, userBytesWritten: writes * (KEY_BYTES + plan.valueBytes), latencyOf: 'op', api: `${engine.readApi}, put, iterator`, timedOps: true, problem };
}
