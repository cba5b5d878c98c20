// Transactions against a reference implementation of snapshot isolation with conflict detection
// (SPEC §4.3, Badger's rules), written plainly: the committed history is a list of
// (version, key → value | deleted); a transaction reads the newest commit at or below its read
// version, overlaid with its own pending writes; its commit fails with CONFLICT iff it writes
// something and a key it read was written by a commit after its read version. Reads of its own
// pending writes through get() are not reads (Badger); every key an iteration decides on is,
// pending or committed, up to where the iteration stopped. Blind writes and read-only
// transactions never conflict; CONFLICT writes nothing.
//
// fast-check generates interleavings of several open transactions and snapshots doing gets,
// puts, deletes and iterations, commits and discards (some issued together so they share a
// commit group), plain puts and deletes between them, update() with a write landing mid-way,
// flatten and reopen; every read, every iteration, every commit outcome and the final state are
// checked against the reference.
//
// One thing the reference cannot know: whether an iteration "read" a deleted key depends on
// whether compaction has dropped its tombstone yet. Such keys are possible reads; a commit whose
// outcome turns on them may go either way (the reference follows the engine), and the runs count
// how often that happened.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isSettError } from '../../src/base/index.js';
import type { DB } from '../../src/db/index.js';
import { COMPACTING_TREE, faultFS, openSmall, text } from './helpers.js';

type Value = string | undefined; // undefined = deleted

interface Range {
  gte?: string;
  lt?: string;
  prefix?: string;
  reverse: boolean;
  limit?: number;
}

type GroupItem = { k: 'commit'; slot: number } | { k: 'put'; key: string; value: string } | { k: 'del'; key: string };

type Op =
  | { k: 'begin'; slot: number; readOnly: boolean }
  | { k: 'get'; slot: number; key: string; sync: boolean }
  | { k: 'put'; slot: number; key: string; value: string }
  | { k: 'del'; slot: number; key: string }
  | { k: 'iter'; slot: number; range: Range }
  | { k: 'commit'; slot: number }
  | { k: 'discard'; slot: number }
  | { k: 'dbPut'; key: string; value: string }
  | { k: 'dbDel'; key: string }
  | { k: 'dbGet'; key: string }
  | { k: 'snap'; slot: number }
  | { k: 'snapGet'; slot: number; key: string }
  | { k: 'snapIter'; slot: number; range: Range }
  | { k: 'release'; slot: number }
  | { k: 'group'; items: GroupItem[] }
  | { k: 'update'; readKey: string; putKey: string; putValue: string; writeKey: string; writeValue: string }
  | { k: 'flatten' }
  | { k: 'gc' }
  | { k: 'reopen' };

// ---- the reference ---------------------------------------------------------------------------

interface Commit {
  version: number;
  writes: ReadonlyMap<string, Value>;
}

type Lookup = { kind: 'none' } | { kind: 'deleted' } | { kind: 'value'; value: string };

class Reference {
  readonly commits: Commit[] = [];

  /** The version of the newest commit; a transaction begun now reads at it. */
  get version(): number {
    return this.commits.length;
  }

  commit(writes: ReadonlyMap<string, Value>): void {
    this.commits.push({ version: this.version + 1, writes: new Map(writes) });
  }

  /** What the newest commit at or below `version` that wrote `key` left there. */
  lookup(key: string, version: number): Lookup {
    for (let i = version - 1; i >= 0; i--) {
      const w = this.commits[i]!.writes;
      if (!w.has(key)) continue;
      const v = w.get(key);
      return v === undefined ? { kind: 'deleted' } : { kind: 'value', value: v };
    }
    return { kind: 'none' };
  }

  valueAt(key: string, version: number): Value {
    const l = this.lookup(key, version);
    return l.kind === 'value' ? l.value : undefined;
  }

  keysAt(version: number): Set<string> {
    const keys = new Set<string>();
    for (let i = 0; i < version; i++) for (const k of this.commits[i]!.writes.keys()) keys.add(k);
    return keys;
  }

  writtenAfter(version: number): Set<string> {
    const keys = new Set<string>();
    for (let i = version; i < this.commits.length; i++) for (const k of this.commits[i]!.writes.keys()) keys.add(k);
    return keys;
  }

  latest(): [string, string][] {
    const out: [string, string][] = [];
    for (const k of [...this.keysAt(this.version)].sort()) {
      const v = this.valueAt(k, this.version);
      if (v !== undefined) out.push([k, v]);
    }
    return out;
  }
}

interface RefTxn {
  readVersion: number;
  readOnly: boolean;
  writes: Map<string, Value>;
  /** Keys the engine certainly recorded as read. */
  reads: Set<string>;
  /** Keys it recorded if their tombstone had not been compacted away (see the header). */
  maybeReads: Set<string>;
}

function inRange(key: string, r: Range): boolean {
  if (r.prefix !== undefined && !key.startsWith(r.prefix)) return false;
  if (r.gte !== undefined && key < r.gte) return false;
  if (r.lt !== undefined && key >= r.lt) return false;
  return true;
}

/** What an iteration at `version` (with `txn`'s pending writes on top) yields and reads. */
function referenceIteration(ref: Reference, version: number, txn: RefTxn | undefined, r: Range): { entries: [string, string][]; reads: string[]; maybeReads: string[] } {
  const keys = ref.keysAt(version);
  if (txn !== undefined) for (const k of txn.writes.keys()) keys.add(k);
  const ordered = [...keys].filter((k) => inRange(k, r)).sort();
  if (r.reverse) ordered.reverse();
  const limit = r.limit ?? Infinity;
  const entries: [string, string][] = [];
  const reads: string[] = [];
  const maybeReads: string[] = [];
  for (const k of ordered) {
    if (entries.length >= limit) break;
    if (txn !== undefined && txn.writes.has(k)) {
      reads.push(k);
      const v = txn.writes.get(k);
      if (v !== undefined) entries.push([k, v]);
      continue;
    }
    const l = ref.lookup(k, version);
    if (l.kind === 'deleted') maybeReads.push(k);
    else if (l.kind === 'value') {
      reads.push(k);
      entries.push([k, l.value]);
    }
  }
  return { entries, reads, maybeReads };
}

type Outcome = 'ok' | 'CONFLICT' | 'either';

function expectedOutcome(ref: Reference, t: RefTxn): Outcome {
  if (t.writes.size === 0) return 'ok';
  const later = ref.writtenAfter(t.readVersion);
  for (const k of t.reads) if (later.has(k)) return 'CONFLICT';
  for (const k of t.maybeReads) if (later.has(k)) return 'either';
  return 'ok';
}

// ---- the engine side -------------------------------------------------------------------------

type EngineTxn = ReturnType<DB['transaction']>;
type EngineSnapshot = ReturnType<DB['snapshot']>;

async function outcomeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isSettError(err) ? err.code : `unexpected ${String(err)}`;
  }
}

function settledOutcome(s: PromiseSettledResult<unknown>): string {
  if (s.status === 'fulfilled') return 'ok';
  return isSettError(s.reason) ? s.reason.code : `unexpected ${String(s.reason)}`;
}

const pairs = (it: Iterable<[Buffer | undefined, Buffer | undefined]>): [string, string][] => [...it].map(([k, v]) => [text(k)!, text(v)!]);

const OPTIONS = {
  ...COMPACTING_TREE,
  valueThreshold: 16,
  valueLogFileSize: 16 * 1024,
};

const stats = { commits: 0, conflicts: 0, ambiguous: 0, reads: 0, iterations: 0, runs: 0, gcRuns: 0 };

async function run(ops: Op[], startEmpty: boolean): Promise<void> {
  const fs = faultFS();
  let db = await openSmall(fs, OPTIONS);
  const ref = new Reference();
  if (!startEmpty) {
    // A key outside every generated range: transactions then never start at read version 0.
    await db.put(OUTSIDE_KEY, 'x');
    ref.commit(new Map([[OUTSIDE_KEY, 'x']]));
  }
  const txns = new Map<number, { engine: EngineTxn; ref: RefTxn }>();
  const snaps = new Map<number, { engine: EngineSnapshot; version: number }>();

  const settle = (t: { engine: EngineTxn; ref: RefTxn }, actual: string, where: string): void => {
    const expected = expectedOutcome(ref, t.ref);
    if (expected === 'either') {
      stats.ambiguous++;
      expect(['ok', 'CONFLICT'], where).toContain(actual);
    } else {
      expect(actual, where).toBe(expected);
    }
    if (actual === 'ok') {
      if (t.ref.writes.size > 0) ref.commit(t.ref.writes);
      stats.commits++;
    } else {
      stats.conflicts++;
    }
  };

  const iterate = (engine: EngineTxn | EngineSnapshot, version: number, t: RefTxn | undefined, range: Range, where: string): void => {
    const options = { ...range, limit: range.limit ?? -1 };
    const want = referenceIteration(ref, version, t, range);
    expect(pairs(engine.iterator(options)), where).toEqual(want.entries);
    stats.iterations++;
    if (t !== undefined && !t.readOnly) {
      for (const k of want.reads) t.reads.add(k);
      for (const k of want.maybeReads) if (!t.reads.has(k)) t.maybeReads.add(k);
    }
  };

  try {
    for (const [i, o] of ops.entries()) {
      const where = `op ${i} ${JSON.stringify(o)}`;
      const slot = 'slot' in o ? txns.get(o.slot) : undefined;
      switch (o.k) {
        case 'begin':
          if (txns.has(o.slot)) break;
          txns.set(o.slot, {
            engine: db.transaction({ readOnly: o.readOnly }),
            ref: { readVersion: ref.version, readOnly: o.readOnly, writes: new Map(), reads: new Set(), maybeReads: new Set() },
          });
          break;
        case 'get': {
          if (slot === undefined) break;
          const t = slot.ref;
          const want = t.writes.has(o.key) ? t.writes.get(o.key) : ref.valueAt(o.key, t.readVersion);
          if (!t.writes.has(o.key) && !t.readOnly) t.reads.add(o.key);
          expect(text(o.sync ? slot.engine.getSync(o.key) : await slot.engine.get(o.key)), where).toBe(want);
          stats.reads++;
          break;
        }
        case 'put':
        case 'del': {
          if (slot === undefined) break;
          const write = (): void => (o.k === 'put' ? slot.engine.put(o.key, o.value) : slot.engine.delete(o.key));
          if (slot.ref.readOnly) {
            expect(await outcomeOf(Promise.resolve().then(write)), where).toBe('READ_ONLY');
          } else {
            write();
            slot.ref.writes.set(o.key, o.k === 'put' ? o.value : undefined);
          }
          break;
        }
        case 'iter':
          if (slot === undefined) break;
          iterate(slot.engine, slot.ref.readVersion, slot.ref, o.range, where);
          break;
        case 'commit':
          if (slot === undefined) break;
          txns.delete(o.slot);
          settle(slot, await outcomeOf(slot.engine.commit()), where);
          break;
        case 'discard':
          if (slot === undefined) break;
          txns.delete(o.slot);
          slot.engine.discard();
          break;
        case 'dbPut':
          await db.put(o.key, o.value);
          ref.commit(new Map([[o.key, o.value]]));
          break;
        case 'dbDel':
          await db.delete(o.key);
          ref.commit(new Map([[o.key, undefined]]));
          break;
        case 'dbGet':
          expect(text(db.getSync(o.key)), where).toBe(ref.valueAt(o.key, ref.version));
          break;
        case 'snap':
          if (!snaps.has(o.slot)) snaps.set(o.slot, { engine: db.snapshot(), version: ref.version });
          break;
        case 'snapGet': {
          const s = snaps.get(o.slot);
          if (s !== undefined) expect(text(s.engine.getSync(o.key)), where).toBe(ref.valueAt(o.key, s.version));
          break;
        }
        case 'snapIter': {
          const s = snaps.get(o.slot);
          if (s !== undefined) iterate(s.engine, s.version, undefined, o.range, where);
          break;
        }
        case 'release':
          snaps.get(o.slot)?.engine.release();
          snaps.delete(o.slot);
          break;
        case 'group': {
          // Issued together, without waiting: they queue behind each other and commit in issue
          // order, possibly in one group, where a later commit conflicts with an earlier one.
          const issued: { item: GroupItem; t?: { engine: EngineTxn; ref: RefTxn }; p: Promise<void> }[] = [];
          for (const item of o.items) {
            if (item.k === 'commit') {
              const t = txns.get(item.slot);
              if (t === undefined) continue;
              txns.delete(item.slot);
              issued.push({ item, t, p: t.engine.commit() });
            } else {
              issued.push({ item, p: item.k === 'put' ? db.put(item.key, item.value) : db.delete(item.key) });
            }
          }
          const settled = await Promise.allSettled(issued.map((x) => x.p));
          issued.forEach(({ item, t }, j) => {
            const actual = settledOutcome(settled[j]!);
            if (t !== undefined) settle(t, actual, `${where}, item ${j}`);
            else {
              expect(actual, `${where}, item ${j}`).toBe('ok');
              if (item.k === 'put') ref.commit(new Map([[item.key, item.value]]));
              else if (item.k === 'del') ref.commit(new Map([[item.key, undefined]]));
            }
          });
          break;
        }
        case 'update': {
          // A plain write lands between the transaction's read and its commit.
          const t: RefTxn = { readVersion: ref.version, readOnly: false, writes: new Map(), reads: new Set([o.readKey]), maybeReads: new Set() };
          const wantRead = ref.valueAt(o.readKey, ref.version);
          const actual = await outcomeOf(
            db.update(async (txn) => {
              expect(text(txn.getSync(o.readKey)), where).toBe(wantRead);
              await db.put(o.putKey, o.putValue);
              ref.commit(new Map([[o.putKey, o.putValue]]));
              txn.put(o.writeKey, o.writeValue);
              t.writes.set(o.writeKey, o.writeValue);
              // Still the value at the read version, whatever landed since.
              expect(text(await txn.get(o.readKey)), where).toBe(o.readKey === o.writeKey ? o.writeValue : wantRead);
            }),
          );
          const expected = expectedOutcome(ref, t);
          expect(actual, where).toBe(expected);
          if (actual === 'ok') ref.commit(t.writes);
          break;
        }
        case 'flatten':
          await db.flatten();
          break;
        case 'gc': {
          // Garbage in the value log under keys no range reaches, compacted so GC counts it; the
          // collected files may hold live values of the generated keys, which GC rewrites.
          for (let round = 0; round < GC_FILLER_ROUNDS; round++) {
            const writes = new Map<string, Value>();
            for (let j = 0; j < GC_FILLER_KEYS; j++) writes.set(`g${j}`, `${round}`.padEnd(GC_FILLER_BYTES, 'g'));
            await db.batch([...writes].map(([k, v]) => ({ type: 'put' as const, key: k, value: v! })));
            ref.commit(writes);
          }
          await db.flatten();
          while (await db.runValueLogGC(0.1)) stats.gcRuns++;
          break;
        }
        case 'reopen':
          for (const t of txns.values()) t.engine.discard();
          for (const s of snaps.values()) s.engine.release();
          txns.clear();
          snaps.clear();
          await db.close();
          db = await openSmall(fs, OPTIONS);
          break;
      }
    }
    for (const t of txns.values()) t.engine.discard();
    for (const s of snaps.values()) s.engine.release();
    expect(pairs(db.iterator())).toEqual(ref.latest());
    expect(pairs(db.iterator({ reverse: true }))).toEqual(ref.latest().reverse());
    await db.close();
    db = await openSmall(fs, OPTIONS);
    expect(pairs(db.iterator())).toEqual(ref.latest());
    stats.runs++;
  } finally {
    await db.close();
  }
}

// ---- generators ------------------------------------------------------------------------------

const SLOTS = 4;
/** Sorts after every generated key and outside every generated range and prefix. */
const OUTSIDE_KEY = 'e';
/** The 'gc' operation's garbage: keys g0..g15 (outside every range), 300-byte values, 4 rounds (over one value-log file). */
const GC_FILLER_KEYS = 16;
const GC_FILLER_BYTES = 300;
const GC_FILLER_ROUNDS = 4;
const key = fc.stringMatching(/^[a-d][a-c]?$/);
/** Short values stay in the tree; long ones (over valueThreshold) go to the value log. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z]{0,6}$/) },
  { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[a-z]$/), fc.integer({ min: 17, max: 60 })).map(([c, n]) => c.repeat(n)) },
);
const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const range: fc.Arbitrary<Range> = fc.oneof(
  fc.record({ gte: key, lt: key, reverse: fc.boolean(), limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }, { requiredKeys: ['reverse'] }),
  fc.record({ prefix: fc.stringMatching(/^[a-d]$/), reverse: fc.boolean(), limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }, { requiredKeys: ['prefix', 'reverse'] }),
);
const groupItem: fc.Arbitrary<GroupItem> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('commit' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('put' as const), key, value }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('del' as const), key }) },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('begin' as const), slot, readOnly: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('begin' as const), slot, readOnly: fc.constant(true) }) },
  { weight: 10, arbitrary: fc.record({ k: fc.constant('get' as const), slot, key, sync: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant('put' as const), slot, key, value }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), slot, key }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('iter' as const), slot, range }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('commit' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('discard' as const), slot }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('dbPut' as const), key, value }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('dbDel' as const), key }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('dbGet' as const), key }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('snap' as const), slot: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('snapGet' as const), slot: fc.integer({ min: 0, max: 1 }), key }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('snapIter' as const), slot: fc.integer({ min: 0, max: 1 }), range }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('release' as const), slot: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('group' as const), items: fc.array(groupItem, { minLength: 2, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('update' as const), readKey: key, putKey: key, putValue: value, writeKey: key, writeValue: value }) },
  { weight: 1, arbitrary: fc.constant({ k: 'flatten' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'gc' as const }) },
);

describe('transactions against a snapshot-isolation reference', () => {
  it('agree on every read, iteration, commit outcome and the final state', async () => {
    Object.assign(stats, { commits: 0, conflicts: 0, ambiguous: 0, reads: 0, iterations: 0, runs: 0, gcRuns: 0 });
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 150, size: 'max' }), fc.boolean(), run), { numRuns: 300 });
    console.log(
      `txn model: ${stats.runs} runs, ${stats.commits} commits, ${stats.conflicts} conflicts, ${stats.ambiguous} outcomes that turned on a compacted tombstone, ` +
        `${stats.reads} gets, ${stats.iterations} iterations, ${stats.gcRuns} value-log files collected`,
    );
    // The generated interleavings must reach both outcomes, or the test proves nothing about them.
    expect(stats.conflicts).toBeGreaterThan(50);
    expect(stats.commits).toBeGreaterThan(200);
  });
});
