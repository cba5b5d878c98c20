// The mixed workload (mixed.test.ts): one seeded stream of every kind of request the engine takes —
// single puts and deletes, atomic batches, read-write transactions (some made to fail with
// CONFLICT), large values (over valueThreshold: the value log), TTLs on a manual clock — with
// flatten() and runValueLogGC() (awaited or left running) in the mix, on options small enough
// that memtables flush, levels compact, the MANIFEST is rewritten and value-log files rotate
// every few dozen requests.
//
// The model: state[i] is every key's newest value and expiry after the first i requests; what a
// reader sees at time T is the entries whose expiry is 0 or after T. Every value carries the tag
// of the request that wrote it ("12.3:..."), every batch and transaction sets "counter", and every
// delete targets a visible key, so a recovered database equals the visible state of one prefix or
// of none.

import type { ManualClock, Rng } from '../../src/base/index.js';
import type { DB, OpenOptions } from '../../src/db/index.js';
import { text } from '../db/helpers.js';
import { issueRequest, type RunState } from './harness.js';
import { COUNTER } from './writes.js';

/** Tiny memtables, tables, levels and value-log files; a MANIFEST rewritten whenever deletions pile up. */
export const MIXED: OpenOptions = {
  memTableSize: 16 * 1024,
  blockSize: 256,
  compression: 'none',
  valueThreshold: 320,
  valueLogFileSize: 16 * 1024,
  baseTableSize: 4096,
  baseLevelSize: 4096,
  levelSizeMultiplier: 2,
  maxLevels: 5,
  numLevelZeroTables: 2,
  numLevelZeroTablesStall: 4,
  manifestRewriteThreshold: 3,
};

/** The manual clock's time when a workload starts (ms). */
export const START_MS = 1_000_000;
/** A TTL that outlives every test; short ones are at most 3.1 s, and ticks add up to minutes. */
export const LONG_TTL = 1_000_000_000;

export interface Cell {
  value: string;
  /** 0: never. */
  expiresAt: number;
}
export type State = Map<string, Cell>;

/** value undefined: a delete. */
export interface Put {
  key: string;
  value: string | undefined;
  ttl: number | undefined;
}

export type MixedOp =
  | { kind: 'put'; put: Put }
  | { kind: 'batch'; puts: Put[] }
  /** Reads `reads` (expecting `expect`), writes `puts`, commits. */
  | { kind: 'txn'; reads: string[]; expect: (string | undefined)[]; puts: Put[] }
  /** Reads `read`, writes `puts`; then `intruder` overwrites `read` and the commit fails with CONFLICT: only the intruder lands. */
  | { kind: 'conflict'; read: string; puts: Put[]; intruder: Put }
  | { kind: 'tick'; ms: number }
  | { kind: 'flatten' }
  | { kind: 'gc'; ratio: number; awaited: boolean };

/** A request whose effect is a write (the others change nothing a reader sees, or only the time). */
export const isWrite = (op: MixedOp): boolean => op.kind === 'put' || op.kind === 'batch' || op.kind === 'txn' || op.kind === 'conflict';

export interface MixedRun {
  /** The number of the first request (values are tagged with request numbers, not indexes). */
  first: number;
  ops: MixedOp[];
  /** states[i]: after the first i requests (states[0] is the start). */
  states: State[];
  /** clockAt[i]: the clock when request i is issued (clockAt[ops.length]: after the last). */
  clockAt: number[];
}

/** What a reader sees at `nowMs`: key → value. */
export function visibleAt(state: State, nowMs: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, c] of state) if (c.expiresAt === 0 || c.expiresAt > nowMs) out.set(k, c.value);
  return out;
}

/** The request index a value's tag names ("12.3:..." → 12; the counter holds the index itself). */
export function tagOf(key: string, value: string): number {
  return Number(key === COUNTER ? value : value.slice(0, value.indexOf('.')));
}

export function applyPuts(state: State, puts: readonly Put[], nowMs: number): void {
  for (const p of puts) {
    if (p.value === undefined) state.delete(p.key);
    else state.set(p.key, { value: p.value, expiresAt: p.ttl === undefined ? 0 : nowMs + Math.ceil(p.ttl) });
  }
}

/** The writes of a request that land (a failed transaction's do not). */
export function landed(op: MixedOp): Put[] {
  if (op.kind === 'put') return [op.put];
  if (op.kind === 'batch' || op.kind === 'txn') return op.puts;
  if (op.kind === 'conflict') return [op.intruder];
  return [];
}

const POOL_KEYS = 40;
const KEY_BYTES = 128;
const FILLER = 'abcdefghijklmnopqrstuvwxyz';
const padKey = (key: string): string => key.padEnd(KEY_BYTES, '.');

/**
 * About `count` requests numbered from `first`, from the state `start` at `startMs`. Each request
 * is drawn against the state the requests before it leave, at the time it is issued.
 */
export function makeMixedOps(rng: Rng, first: number, count: number, start: State, startMs: number): MixedRun {
  const cur = new Map(start);
  let now = startMs;
  const ops: MixedOp[] = [];
  const states = [new Map(cur)];
  const clockAt = [now];
  const poolKey = (): string => padKey(`k${String(rng.int(POOL_KEYS)).padStart(2, '0')}`);
  const visibleKeys = (): string[] => [...visibleAt(cur, now).keys()].filter((k) => k !== COUNTER).sort();
  const value = (tag: string, large: boolean): string => `${tag}:` + FILLER[rng.int(FILLER.length)]!.repeat(large ? 400 + rng.int(1100) : 10 + rng.int(290));
  const ttl = (): number | undefined => (rng.bool(0.3) ? (rng.bool(0.5) ? 100 + rng.int(3000) : LONG_TTL) : undefined);
  /** 1-n puts of distinct keys (pool or fresh), at most two of them large, plus maybe a delete of a visible key. */
  const puts = (j: number, n: number, taken: Set<string>): Put[] => {
    const out: Put[] = [];
    let large = 0;
    for (let i = 0; i < n; i++) {
      const key = rng.bool(0.75) ? poolKey() : padKey(`b${j}-${i}`);
      if (taken.has(key)) continue;
      taken.add(key);
      const big = large < 2 && rng.bool(0.4);
      if (big) large++;
      out.push({ key, value: value(`${j}.${i}`, big), ttl: ttl() });
    }
    const keys = visibleKeys().filter((k) => !taken.has(k));
    if (keys.length > 0 && rng.bool(0.35)) {
      const key = keys[rng.int(keys.length)]!;
      taken.add(key);
      out.push({ key, value: undefined, ttl: undefined });
    }
    return out;
  };
  while (ops.length < count) {
    const j = first + ops.length;
    const keys = visibleKeys();
    const r = rng.next();
    let op: MixedOp;
    if (r < 0.08) op = { kind: 'tick', ms: 50 + rng.int(800) };
    else if (r < 0.12) op = { kind: 'gc', ratio: (1 + rng.int(5)) / 10, awaited: rng.bool(0.5) };
    else if (r < 0.145) op = { kind: 'flatten' };
    else if (r < 0.22) {
      const reads = Array.from({ length: 1 + rng.int(3) }, () => (rng.bool(0.6) && keys.length > 0 ? keys[rng.int(keys.length)]! : poolKey()));
      const seen = visibleAt(cur, now);
      const expect = reads.map((k) => seen.get(k));
      const taken = new Set([COUNTER]);
      const ws = puts(j, 1 + rng.int(3), taken);
      // A write derived from the reads (read-modify-write), and the counter.
      const acc = padKey('acc');
      if (!taken.has(acc)) ws.push({ key: acc, value: `${j}.t:${expect.map((v) => (v === undefined ? '-' : v.slice(0, v.indexOf(':')))).join(',')}`, ttl: undefined });
      ws.push({ key: COUNTER, value: String(j), ttl: undefined });
      op = { kind: 'txn', reads, expect, puts: ws };
    } else if (r < 0.25) {
      const read = keys.length > 0 && rng.bool(0.7) ? keys[rng.int(keys.length)]! : poolKey();
      const taken = new Set([COUNTER, read]);
      const ws = puts(j, 1 + rng.int(2), taken);
      ws.push({ key: COUNTER, value: String(j), ttl: undefined });
      op = { kind: 'conflict', read, puts: ws, intruder: { key: read, value: value(`${j}.x`, rng.bool(0.3)), ttl: undefined } };
    } else if (r < 0.5 || keys.length === 0) {
      const ws = puts(j, 1 + rng.int(5), new Set([COUNTER]));
      ws.push({ key: COUNTER, value: String(j), ttl: undefined });
      op = { kind: 'batch', puts: ws };
    } else if (r < 0.85) {
      const key = rng.bool(0.75) ? poolKey() : padKey(`p${j}`);
      op = { kind: 'put', put: { key, value: value(`${j}.p`, rng.bool(0.4)), ttl: ttl() } };
    } else {
      op = { kind: 'put', put: { key: keys[rng.int(keys.length)]!, value: undefined, ttl: undefined } };
    }
    applyPuts(cur, landed(op), now);
    if (op.kind === 'tick') now += op.ms;
    ops.push(op);
    states.push(new Map(cur));
    clockAt.push(now);
  }
  return { first, ops, states, clockAt };
}

export function describeOp(op: MixedOp): string {
  switch (op.kind) {
    case 'put':
      return op.put.value === undefined ? 'delete' : `put${op.put.ttl === undefined ? '' : ' (ttl)'}`;
    case 'batch':
      return `batch of ${op.puts.length}`;
    case 'txn':
      return `transaction (${op.reads.length} reads, ${op.puts.length} writes)`;
    case 'conflict':
      return `transaction failing with CONFLICT`;
    case 'tick':
      return `clock +${op.ms} ms`;
    case 'flatten':
      return 'flatten()';
    case 'gc':
      return `runValueLogGC(${op.ratio})${op.awaited ? '' : ' in flight'}`;
  }
}

/** Every key a run writes or reads (added to `into`). */
export function keysOfRun(run: MixedRun, into = new Set<string>()): Set<string> {
  for (const op of run.ops) {
    for (const p of landed(op)) into.add(p.key);
    if (op.kind === 'conflict') for (const p of op.puts) into.add(p.key);
    if (op.kind === 'txn') for (const k of op.reads) into.add(k);
  }
  return into;
}

// ---- running it ----------------------------------------------------------------------------

function batchOp(p: Put): { type: 'put'; key: string; value: string; ttl?: number } | { type: 'del'; key: string } {
  if (p.value === undefined) return { type: 'del', key: p.key };
  return p.ttl === undefined ? { type: 'put', key: p.key, value: p.value } : { type: 'put', key: p.key, value: p.value, ttl: p.ttl };
}

/** Runs request `j`. A transaction's reads must be what the model expects; a conflict must fail with CONFLICT. */
export async function execMixed(db: DB, op: MixedOp, j: number, clock: ManualClock): Promise<void> {
  switch (op.kind) {
    case 'put':
      if (op.put.value === undefined) return db.delete(op.put.key);
      return db.put(op.put.key, op.put.value, op.put.ttl === undefined ? {} : { ttl: op.put.ttl });
    case 'batch':
      return db.batch(op.puts.map(batchOp));
    case 'txn': {
      const txn = db.transaction();
      const got = op.reads.map((k) => text(txn.getSync(k)));
      const bad = got.findIndex((v, i) => v !== op.expect[i]);
      if (bad >= 0) {
        txn.discard();
        throw new Error(`request ${j}: the transaction read ${op.reads[bad]} = ${got[bad]?.slice(0, 20) ?? 'absent'}, want ${op.expect[bad]?.slice(0, 20) ?? 'absent'} (snapshot read)`);
      }
      for (const p of op.puts) {
        if (p.value === undefined) txn.delete(p.key);
        else txn.put(p.key, p.value, p.ttl === undefined ? {} : { ttl: p.ttl });
      }
      return txn.commit();
    }
    case 'conflict': {
      const txn = db.transaction();
      txn.getSync(op.read);
      for (const p of op.puts) {
        if (p.value === undefined) txn.delete(p.key);
        else txn.put(p.key, p.value);
      }
      await db.put(op.intruder.key, op.intruder.value!);
      const outcome = await txn.commit().then(
        () => 'committed',
        (err: unknown) => (err as { code?: unknown }).code ?? err,
      );
      if (outcome !== 'CONFLICT') throw outcome instanceof Error ? outcome : new Error(`request ${j}: a transaction whose read was overwritten ${String(outcome)} (want CONFLICT)`);
      return;
    }
    case 'tick':
      clock.advance(op.ms);
      return;
    case 'flatten':
      return db.flatten();
    case 'gc':
      await db.runValueLogGC(op.ratio);
      return;
  }
}

/** Requests that are not plain writes lead a wave of their own (with up to three writes behind them). */
const leads = (op: MixedOp): boolean => op.kind !== 'put' && op.kind !== 'batch';

/**
 * Issues `ops` in waves, recording what resolved in `state`: a leading request (a transaction, a
 * tick, flatten, GC) is issued after every earlier wave settled, so a transaction's reads and
 * conflicts are the model's; GC left in flight is not awaited, so later waves run beside it; plain
 * writes go one at a time or several at once (they commit as one group). `running` holds the
 * flattens and GCs under way. Stops when `state.stopped` is set.
 */
export async function runMixed(db: DB, ops: readonly MixedOp[], first: number, rng: Rng, clock: ManualClock, state: RunState, running: Map<number, string>): Promise<void> {
  const issue = (idx: number, wave: Promise<void>[] | undefined): void => {
    const op = ops[idx]!;
    if (op.kind === 'flatten' || op.kind === 'gc') running.set(idx, describeOp(op));
    const p = issueRequest(state, idx, execMixed(db, op, first + idx, clock), () => running.delete(idx));
    wave?.push(p);
  };
  let j = 0;
  while (j < ops.length && !state.stopped) {
    const wave: Promise<void>[] = [];
    const head = ops[j]!;
    const lead = leads(head);
    if (lead) issue(j++, head.kind === 'gc' && !head.awaited ? undefined : wave);
    const writes = lead ? rng.int(4) : rng.bool(0.6) ? 1 : 2 + rng.int(6);
    for (let w = 0; w < writes && j < ops.length && !leads(ops[j]!) && !state.stopped; w++) issue(j++, wave);
    await Promise.all(wave);
  }
}

