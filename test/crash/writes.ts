// The write model the crash suites share: seeded workloads of puts, deletes and atomic batches
// whose every prefix is known, and a runner that records which writes were acknowledged.
//
// Design: write j has a unique tag in every value it writes, every write changes the state
// (deletes only target live keys), and every batch sets "counter" = j, so a recovered database
// equals the state after one prefix of the writes or after none: a partial batch, a lost write
// followed by a kept one, or a stale value never matches.

import { Rng } from '../../src/base/index.js';
import { open, type DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR } from '../db/helpers.js';
import { issueRequest, type RunState } from './harness.js';
import { LaggingExecutor } from './naming.js';

export const COUNTER = 'counter';

/** value undefined = delete. */
export interface KV {
  key: string;
  value: string | undefined;
}

export interface Write {
  kind: 'batch' | 'put' | 'del';
  ops: KV[];
}

export interface Tuning {
  /** 2: a rotation waits while the previous memtable is still being flushed (a write stall). */
  numMemtables: number;
  /** 0: the engine's own inline executor. */
  flushLagTicks: number;
}

export const DEFAULT_TUNING: Tuning = { numMemtables: 5, flushLagTicks: 0 };

/** Tiny memtables and blocks: a rotation and a flush every few writes. */
export function openOn(fs: FaultFS, syncWrites: boolean, tuning: Tuning = DEFAULT_TUNING): Promise<DB> {
  const executor = tuning.flushLagTicks > 0 ? new LaggingExecutor(fs, tuning.flushLagTicks) : undefined;
  return open(DIR, { fs, memTableSize: 16 * 1024, blockSize: 256, compression: 'none', syncWrites, numMemtables: tuning.numMemtables, executor });
}

const FILLER = 'abcdefghijklmnopqrstuvwxyz';

function valueFor(rng: Rng, tag: string, allowLarge = true): string {
  // Mostly small values; now and then a large one, so that a memtable fills in few writes. A batch
  // holds at most one large value, to stay well under the engine's limit (memTableSize / 2).
  const len = allowLarge && rng.bool(0.1) ? 800 + rng.int(1200) : rng.int(200);
  return `${tag}:` + FILLER[rng.int(FILLER.length)]!.repeat(len);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/**
 * `count` writes numbered from `first`, starting from the state `live` (which it updates). Batches
 * put fresh keys b{j}-i, set the counter, and may overwrite or delete older keys; single puts add
 * or overwrite a key; single deletes remove a live key.
 */
export function makeWrites(rng: Rng, first: number, count: number, live: Map<string, string>): Write[] {
  const writes: Write[] = [];
  const liveKeys = (): string[] => [...live.keys()].filter((k) => k !== COUNTER).sort();
  for (let j = first; j < first + count; j++) {
    const r = rng.next();
    const keys = liveKeys();
    let w: Write;
    if (r < 0.65 || keys.length === 0) {
      const ops: KV[] = [];
      const n = 1 + rng.int(6);
      for (let i = 0; i < n; i++) ops.push({ key: `b${j}-${i}`, value: valueFor(rng, `${j}.${i}`, i === 0) });
      ops.push({ key: COUNTER, value: String(j) });
      const touched = new Set<string>();
      for (let d = rng.bool(0.4) ? 1 + rng.int(2) : 0; d > 0 && keys.length > 0; d--) {
        const k = pick(rng, keys);
        if (!touched.has(k)) ops.push({ key: k, value: undefined });
        touched.add(k);
      }
      if (rng.bool(0.3) && keys.length > 0) {
        const k = pick(rng, keys);
        if (!touched.has(k)) ops.push({ key: k, value: valueFor(rng, `${j}.o`, false) });
      }
      w = { kind: 'batch', ops };
    } else if (r < 0.85) {
      const key = rng.bool(0.5) ? pick(rng, keys) : `p${j}`;
      w = { kind: 'put', ops: [{ key, value: valueFor(rng, `${j}.p`) }] };
    } else {
      w = { kind: 'del', ops: [{ key: pick(rng, keys), value: undefined }] };
    }
    applyWrite(live, w);
    writes.push(w);
  }
  return writes;
}

export function applyWrite(state: Map<string, string>, w: Write): void {
  for (const { key, value } of w.ops) {
    if (value === undefined) state.delete(key);
    else state.set(key, value);
  }
}

export function execWrite(db: DB, w: Write): Promise<void> {
  if (w.kind === 'put') return db.put(w.ops[0]!.key, w.ops[0]!.value!);
  if (w.kind === 'del') return db.delete(w.ops[0]!.key);
  return db.batch(w.ops.map((o) => (o.value === undefined ? { type: 'del' as const, key: o.key } : { type: 'put' as const, key: o.key, value: o.value })));
}

/** states[i] = the state after the first i writes (states[0] = `initial`). */
export function prefixStates(initial: Map<string, string>, writes: readonly Write[]): Map<string, string>[] {
  const out = [new Map(initial)];
  const cur = new Map(initial);
  for (const w of writes) {
    applyWrite(cur, w);
    out.push(new Map(cur));
  }
  return out;
}

/** Writes for after recovery: first a batch that overwrites many recovered keys (most of them in tables by now), then a random mix. */
export function writesAfterRecovery(rng: Rng, first: number, live: Map<string, string>): Write[] {
  const keys = [...live.keys()].sort();
  const overwrite: Write = { kind: 'batch', ops: [] };
  for (const k of keys) if (rng.bool(0.3) && overwrite.ops.length < 20) overwrite.ops.push({ key: k, value: `${first}.r:${'R'.repeat(rng.int(50))}` });
  overwrite.ops.push({ key: COUNTER, value: String(first) });
  for (const { key, value } of overwrite.ops) live.set(key, value!);
  return [overwrite, ...makeWrites(rng, first + 1, 15 + rng.int(25), live)];
}

/** Every key the writes touch (added to `into`). */
export function keysOf(writes: readonly Write[], into = new Set<string>()): Set<string> {
  for (const w of writes) for (const o of w.ops) into.add(o.key);
  return into;
}

/**
 * Issues `writes` in waves: one write awaited at a time, or several at once (they queue and
 * commit as one group). Stops when `state.stopped` is set or a write fails. `afterWave` runs
 * after each wave has been issued, before it is awaited.
 */
export async function runWrites(db: DB, writes: readonly Write[], rng: Rng, state: RunState, afterWave?: (lastIssued: number) => Promise<void>): Promise<void> {
  let j = 0;
  while (j < writes.length && !state.stopped) {
    const wave = rng.bool(0.6) ? 1 : 2 + rng.int(6);
    const promises: Promise<void>[] = [];
    for (let w = 0; w < wave && j < writes.length; w++, j++) {
      promises.push(issueRequest(state, j, execWrite(db, writes[j]!)));
    }
    if (afterWave !== undefined) await afterWave(j - 1);
    await Promise.all(promises);
  }
}
