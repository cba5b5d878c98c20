// The verifier: a pure function from the model (what was issued and acknowledged) and what the
// reopened database shows (every key and value) to the list of broken promises.
//
// - Per key: the value must be, byte for byte, the settled write or one of the pending ones; an
//   absent key must be explained by a settled or pending delete (or never having been written).
//   Anything else is a lost acknowledged write, a resurrected value, or corrupted bytes.
// - Per batch: all or nothing. Every key of a batch carries the batch's generation; a batch that
//   shows on one key (unambiguously) may not show an older state on another.
// - Per child: no reordering. The engine commits one process's writes in the order they were
//   issued, and a kill keeps a prefix of what was committed: a write that landed means every
//   earlier write of the same child landed too (unless a later write hides it).
// - The counter: never below the last acknowledged (or verified) count, never above the last issued.

import { COUNTER_KEY, firstDifference, makeValue, parseValueHeader } from './values.js';
import { type KeyOp, type KeyState, type TortureModel } from './model.js';

export type ViolationKind =
  | 'lost-write' // an acknowledged (or verified) write is gone: the key shows an older state
  | 'unknown-value' // a value no issued write of this key explains
  | 'wrong-bytes' // the right generation, different bytes
  | 'unreadable' // not a torture value at all
  | 'unexpected-key' // a key the run never wrote
  | 'torn-batch' // a batch applied to some of its keys only
  | 'reordered' // a child's write landed but an earlier one of the same child did not
  | 'counter-back' // the counter below the last acknowledged value
  | 'counter-ahead' // the counter above the last issued value
  | 'read-mismatch' // two read paths (iterator, get, reverse) disagree
  | 'open-failed' // reopening (parent or child) or reading the database threw
  | 'child-failed' // a write, GC or read threw in the child, or it exited before the kill
  | 'harness'; // the child failed or the log is inconsistent

export interface Violation {
  kind: ViolationKind;
  key?: string;
  message: string;
}

export interface VerifyResult {
  violations: Violation[];
  /** For each model key, the op that explains what the database shows (absent: a delete). */
  shown: Map<string, KeyOp>;
  /** The counter value the database shows (0 if absent). */
  counterShown: number;
  /** Unacknowledged writes at the kill, and how many of them visibly landed. */
  inFlight: number;
  inFlightLanded: number;
}

function describe(op: KeyOp): string {
  const what = op.del ? 'delete' : `put of ${op.size} bytes`;
  return `${op.origin} ${op.what} ${what} gen ${op.gen}`;
}

function acceptable(s: KeyState): string {
  const pending = s.pending.map((p) => `${p.del ? 'del' : 'put'}@${p.gen}`);
  return `must show ${describe(s.settled)}${pending.length > 0 ? ` or an in-flight write (${pending.join(', ')})` : ''}`;
}

/**
 * Checks one key. Returns the generations that can explain what it shows (more than one only for
 * an absent key several deletes could explain), or a violation.
 */
function checkKey(key: string, s: KeyState, value: Uint8Array | undefined): { explained: KeyOp[] } | Violation {
  const candidates = [s.settled, ...s.pending];
  if (value === undefined) {
    const deletes = candidates.filter((c) => c.del);
    if (deletes.length > 0) return { explained: deletes };
    return { kind: 'lost-write', key, message: `${key} is absent; ${acceptable(s)}` };
  }
  const header = parseValueHeader(value);
  if (typeof header === 'string') return { kind: 'unreadable', key, message: `${key}: ${header}; ${acceptable(s)}` };
  const match = candidates.find((c) => c.gen === header.gen && !c.del);
  if (match === undefined) {
    const kind = header.gen < s.settled.gen ? 'lost-write' : 'unknown-value';
    return { kind, key, message: `${key} shows gen ${header.gen} (${value.length} bytes); ${acceptable(s)}` };
  }
  const expected = makeValue(key, match.gen, match.size, match.aux);
  const at = firstDifference(expected, value);
  if (at >= 0) {
    return { kind: 'wrong-bytes', key, message: `${key} gen ${match.gen}: ${value.length} bytes differ from the ${expected.length} written, first at offset ${at}` };
  }
  return { explained: [match] };
}

export function verify(model: TortureModel, observed: ReadonlyMap<string, Uint8Array>): VerifyResult {
  const violations: Violation[] = [];
  const shown = new Map<string, KeyOp>();
  const explainedGens = new Map<string, number[]>();
  /** Keys with a violation of their own: not counted again as a reordering. */
  const brokenKeys = new Set<string>();
  for (const [key, s] of model.keys) {
    const value = observed.get(key);
    const r = checkKey(key, s, value);
    if ('kind' in r) {
      violations.push(r);
      brokenKeys.add(key);
      // The batch check still sees the generation the key shows (absent: older than anything).
      const header = value === undefined ? undefined : parseValueHeader(value);
      if (typeof header !== 'string') explainedGens.set(key, [header === undefined ? 0 : header.gen]);
      continue;
    }
    // For an absent key, the newest delete that explains it stands for it from now on.
    shown.set(key, r.explained.reduce((a, b) => (b.gen > a.gen ? b : a)));
    explainedGens.set(key, r.explained.map((op) => op.gen));
  }
  for (const key of observed.keys()) {
    if (!model.keys.has(key)) violations.push({ kind: 'unexpected-key', key, message: `${key} is in the database but the run never wrote it` });
  }

  let inFlight = 0;
  let inFlightLanded = 0;
  /** Per child: the newest write seen landed, and the oldest seen not landed. */
  const newestLanded = new Map<number, number>();
  const oldestMissing = new Map<number, number>();
  for (const write of model.issued.values()) {
    const landed: string[] = [];
    const older: string[] = [];
    let olderUnbroken = false;
    for (const op of write.ops) {
      const gens = explainedGens.get(op.key);
      if (gens === undefined) continue; // unreadable, reported for the key
      if (gens.length === 1 && gens[0] === write.gen) landed.push(op.key);
      else if (gens.every((g) => g < write.gen)) {
        older.push(op.key);
        if (!brokenKeys.has(op.key)) olderUnbroken = true;
      }
    }
    if (!write.acked) {
      inFlight++;
      if (landed.length > 0) inFlightLanded++;
    }
    if (landed.length > 0 || write.acked) newestLanded.set(write.child, Math.max(newestLanded.get(write.child) ?? 0, write.gen));
    if (olderUnbroken) oldestMissing.set(write.child, Math.min(oldestMissing.get(write.child) ?? Infinity, write.gen));
    if (write.what === 'batch' && landed.length > 0 && older.length > 0) {
      violations.push({
        kind: 'torn-batch',
        key: older[0]!,
        message: `batch gen ${write.gen} (${write.acked ? 'acknowledged' : 'in flight'}, ${write.ops.length} keys) shows on ${landed.join(' ')} but not on ${older.join(' ')}`,
      });
    }
  }

  for (const [child, missing] of oldestMissing) {
    const landed = newestLanded.get(child) ?? 0;
    if (missing < landed) {
      const write = model.issued.get(missing)!;
      violations.push({
        kind: 'reordered',
        key: write.ops[0]!.key,
        message: `gen ${landed} landed but the earlier gen ${missing} (${write.what}, ${write.acked ? 'acknowledged' : 'in flight'}, keys ${write.ops.map((op) => op.key).join(' ')}) of the same child did not`,
      });
    }
  }

  const counter = observed.get(COUNTER_KEY);
  let counterShown = 0;
  if (counter !== undefined) {
    const header = parseValueHeader(counter);
    if (typeof header !== 'string') counterShown = header.aux;
  }
  if (counterShown < model.counterFloor) {
    violations.push({ kind: 'counter-back', key: COUNTER_KEY, message: `counter shows ${counter === undefined ? 'nothing' : counterShown}, but ${model.counterFloor} was acknowledged or verified` });
  }
  if (counterShown > model.counterIssuedMax) {
    violations.push({ kind: 'counter-ahead', key: COUNTER_KEY, message: `counter shows ${counterShown}, but only up to ${model.counterIssuedMax} was issued` });
  }
  return { violations, shown, counterShown, inFlight, inFlightLanded };
}

