// The state check of the mixed workload (SPEC §4.1): a recovered database must show exactly what
// a reader saw, at the recovery's time, after one prefix of the requests in [lo, hi] — with every
// entry's expiry as the request set it. When it does not, the message names which promise broke:
// a lost acknowledged request, a partial batch or transaction, a reordering (a later request kept,
// an earlier one lost), a resurrected delete, an expired entry back, a stale value, or a write of
// a transaction that failed with CONFLICT.

import type { DB } from '../../src/db/index.js';
import { text } from '../db/helpers.js';
import { landed, tagOf, visibleAt, type Cell, type MixedRun } from './mixed-workload.js';
import { COUNTER } from './writes.js';

/** Every visible entry with its expiry (0: none). */
export function dumpCells(db: DB): Map<string, Cell> {
  const out = new Map<string, Cell>();
  for (const e of db.iterator({ meta: true })) out.set(text(e[0])!, { value: text(e[1])!, expiresAt: e.expiresAt ?? 0 });
  return out;
}

function sameVisible(got: ReadonlyMap<string, Cell>, want: ReadonlyMap<string, string>): boolean {
  if (got.size !== want.size) return false;
  for (const [k, v] of want) if (got.get(k)?.value !== v) return false;
  return true;
}

const short = (v: string | undefined): string => (v === undefined ? 'absent' : v.length > 16 ? `${v.slice(0, 16)}…(${v.length})` : v);

/**
 * The largest i in [lo, hi] whose visible state at `nowMs` equals `got`, with the same expiries;
 * else throws a message naming the broken promise.
 */
export function matchRecovered(got: ReadonlyMap<string, Cell>, run: MixedRun, nowMs: number, lo: number, hi: number): number {
  for (let i = Math.min(hi, run.ops.length); i >= lo; i--) {
    const state = run.states[i]!;
    if (!sameVisible(got, visibleAt(state, nowMs))) continue;
    for (const [k, c] of got) {
      const want = state.get(k)!.expiresAt;
      if (c.expiresAt !== want) throw new Error(`recovered the state after ${i} requests, but key ${k} expires at ${c.expiresAt}, want ${want} (its TTL was not kept)`);
    }
    return i;
  }
  throw new Error(explainMismatch(got, run, nowMs, lo, hi));
}

/** The last request before index `end` whose landed writes touch `key` (its index), and what it wrote. */
function lastWriter(run: MixedRun, key: string, end: number): { index: number; value: string | undefined } | undefined {
  for (let r = Math.min(end, run.ops.length) - 1; r >= 0; r--) {
    const p = landed(run.ops[r]!).find((w) => w.key === key);
    if (p !== undefined) return { index: r, value: p.value };
  }
  return undefined;
}

/** The index in `run` of the request that wrote `value` (its tag is a request number). */
const indexOf = (run: MixedRun, key: string, value: string): number => tagOf(key, value) - run.first;

/** Why `got` is no allowed prefix: one line per problem found, most telling first. */
export function explainMismatch(got: ReadonlyMap<string, Cell>, run: MixedRun, nowMs: number, lo: number, hi: number): string {
  hi = Math.min(hi, run.ops.length);
  for (let i = run.ops.length; i >= 0; i--) {
    if (i >= lo && i <= hi) continue;
    if (!sameVisible(got, visibleAt(run.states[i]!, nowMs))) continue;
    if (i < lo) return `lost acknowledged requests: recovered the state after ${i} requests, but requests up to ${lo - 1} were acknowledged`;
    return `recovered the state after ${i} requests, but only ${hi} were issued`;
  }
  // The nearest allowed prefix: the fewest differing keys (the longest of equals, which explains the most values).
  let nearest = lo;
  let fewest = Infinity;
  for (let i = lo; i <= hi; i++) {
    const want = visibleAt(run.states[i]!, nowMs);
    let diff = 0;
    for (const k of new Set([...want.keys(), ...got.keys()])) if (want.get(k) !== got.get(k)?.value) diff++;
    if (diff <= fewest) {
      fewest = diff;
      nearest = i;
    }
  }
  const p = nearest;
  const want = visibleAt(run.states[p]!, nowMs);
  const lines: string[] = [];
  const newest = Math.max(-1, ...[...got].map(([k, c]) => indexOf(run, k, c.value)).filter((i) => Number.isInteger(i)));
  for (const k of [...new Set([...want.keys(), ...got.keys()])].sort()) {
    const g = got.get(k)?.value;
    if (g === want.get(k)) continue;
    const writer = lastWriter(run, k, p);
    if (g === undefined) {
      if (writer !== undefined && writer.index >= lo && newest > writer.index) lines.push(`reordering: request ${writer.index}'s write of ${k} is lost, while request ${newest}'s survived`);
      else lines.push(`missing: ${k} = request ${writer?.index ?? '?'}'s value${writer !== undefined && writer.index < lo ? ' (acknowledged)' : ''}`);
      continue;
    }
    const a = indexOf(run, k, g);
    const op = run.ops[a];
    if (op?.kind === 'conflict' && op.intruder.value !== g) lines.push(`failed transaction: ${k} = ${short(g)} is a write of request ${a}, which failed with CONFLICT`);
    else if (a >= p) lines.push(`reordering: ${k} = ${short(g)} is request ${a}'s, after the prefix of ${p} requests`);
    else if (writer !== undefined && writer.value === undefined) lines.push(`resurrected delete: ${k} = ${short(g)} (request ${a}'s), deleted by request ${writer.index}`);
    else if (writer !== undefined && writer.value === g) lines.push(`expired entry back: ${k} = ${short(g)} expired at ${run.states[p]!.get(k)!.expiresAt}, read at ${nowMs}`);
    else lines.push(`stale value: ${k} = ${short(g)} is request ${a}'s, want request ${writer?.index ?? '?'}'s ${short(want.get(k))}`);
  }
  // A request only part of which is visible, though nothing up to the newest request seen overwrote the rest.
  const seen = new Set<number>();
  for (const [k, c] of got) if (k !== COUNTER) seen.add(indexOf(run, k, c.value));
  for (const r of [...seen].sort((x, y) => x - y)) {
    const op = run.ops[r];
    if (op === undefined || (op.kind !== 'batch' && op.kind !== 'txn')) continue;
    for (const w of landed(op)) {
      const later = lastWriter(run, w.key, newest + 1);
      if (later === undefined || later.index !== r) continue;
      const expired = w.value !== undefined && run.states[r + 1]!.get(w.key)!.expiresAt !== 0 && run.states[r + 1]!.get(w.key)!.expiresAt <= nowMs;
      if (!expired && got.get(w.key)?.value !== w.value) {
        lines.unshift(`partial ${op.kind === 'txn' ? 'transaction' : 'batch'}: request ${r} is visible, yet its write of ${w.key} (${w.value === undefined ? 'a delete' : short(w.value)}) is not`);
        break;
      }
    }
  }
  return (
    `the recovered state is no prefix of the requests in [${lo}, ${hi}] at time ${nowMs}; nearest: the state after ${p} requests (${fewest} keys differ):\n` +
    lines.slice(0, 12).map((l) => `  ${l}`).join('\n')
  );
}
