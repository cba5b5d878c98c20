// What the database may hold after a kill, built from the ack logs.
//
// Per key: `settled` is the newest write the database must still show (acknowledged in this
// cycle, or seen by the last verification, which the parent then closed cleanly), and `pending`
// the writes issued after it that were not acknowledged (or whose acknowledgement came later in
// the log than a newer one's). After a kill the key must show `settled` or one of `pending`,
// nothing else: a write lost, a value resurrected, or bytes changed all fall outside that set.
//
// Writes reach the engine in generation order (the child assigns a generation and calls the
// engine in the same synchronous step), and the engine commits them in that order (SPEC §4: never
// a reordering), so an acknowledged generation g settles every older write of its keys.

import type { AckRecord, IssueRecord, LogRecord, LoggedOp, WriteKind } from './ack-log.js';
import { COUNTER_KEY } from './values.js';

export type Origin = 'acked' | 'verified' | 'issued';

export interface KeyOp {
  gen: number;
  del: boolean;
  size: number;
  aux: number;
  origin: Origin;
  /** What wrote it (for messages). */
  what: WriteKind | 'baseline';
}

export interface KeyState {
  settled: KeyOp;
  /** Issued after `settled`, not (yet) known to be settled; ascending generations. */
  pending: KeyOp[];
}

export interface IssuedWrite {
  gen: number;
  what: WriteKind;
  ops: LoggedOp[];
  acked: boolean;
  /** Which child issued it (writes of one child reach the engine in generation order). */
  child: number;
}

/** A key never written, or deleted before the run's verified state: absent. */
export const NEVER_WRITTEN: KeyOp = Object.freeze({ gen: 0, del: true, size: 0, aux: 0, origin: 'verified', what: 'baseline' });

export interface CycleCounts {
  /** Writes (single puts, deletes, batches, counter bumps) issued / acknowledged. */
  issued: number;
  acked: number;
  /** Key writes acknowledged (a batch counts each of its keys). */
  ackedKeyWrites: number;
  ackedByKind: Record<WriteKind, number>;
  ackedDeletes: number;
  /** Acknowledged puts of values over valueThreshold (these went to the value log). */
  ackedLarge: number;
}

function newCounts(): CycleCounts {
  return { issued: 0, acked: 0, ackedKeyWrites: 0, ackedByKind: { single: 0, batch: 0, counter: 0 }, ackedDeletes: 0, ackedLarge: 0 };
}

export class TortureModel {
  readonly keys = new Map<string, KeyState>();
  /** Writes issued in the current cycle, by generation. */
  readonly issued = new Map<number, IssuedWrite>();
  /** The generation the next child starts at: above everything ever issued. */
  nextGen = 1;
  /** The counter value the next child starts at: above everything ever issued. */
  nextCounter = 1;
  /** The counter may not show less than this (last acknowledged, or last verified). */
  counterFloor = 0;
  /** Nor more than this (last issued). */
  counterIssuedMax = 0;
  counts: CycleCounts = newCounts();
  /** The child whose log is being applied; see beginChild. */
  child = 0;

  /** Values over this many bytes count as large (the child's valueThreshold). */
  constructor(readonly largeValueBytes: number) {}

  state(key: string): KeyState {
    let s = this.keys.get(key);
    if (s === undefined) {
      s = { settled: NEVER_WRITTEN, pending: [] };
      this.keys.set(key, s);
    }
    return s;
  }

  /** The records applied next come from a new child (a new process: its writes restart the engine's queue). */
  beginChild(): void {
    this.child++;
  }

  apply(record: LogRecord): void {
    if (record.type === 'issue') this.applyIssue(record);
    else this.applyAck(record);
  }

  applyIssue(record: IssueRecord): void {
    // The harness's own consistency: generations only go up, across cycles too.
    if (record.gen < this.nextGen) throw new Error(`ack log: issue of gen ${record.gen} after gen ${this.nextGen - 1}`);
    if (record.ops.length === 0) throw new Error(`ack log: gen ${record.gen} has no ops`);
    const seen = new Set<string>();
    for (const op of record.ops) {
      if (seen.has(op.key)) throw new Error(`ack log: gen ${record.gen} writes ${op.key} twice`);
      seen.add(op.key);
      this.state(op.key).pending.push({ gen: record.gen, del: op.del, size: op.size, aux: op.aux, origin: 'issued', what: record.what });
      if (op.key === COUNTER_KEY && !op.del) {
        if (op.aux < this.nextCounter) throw new Error(`ack log: counter ${op.aux} issued after ${this.nextCounter - 1}`);
        this.counterIssuedMax = op.aux;
        this.nextCounter = op.aux + 1;
      }
    }
    this.nextGen = record.gen + 1;
    this.issued.set(record.gen, { gen: record.gen, what: record.what, ops: record.ops, acked: false, child: this.child });
    this.counts.issued++;
  }

  applyAck(record: AckRecord): void {
    const write = this.issued.get(record.gen);
    if (write === undefined) throw new Error(`ack log: ack of gen ${record.gen}, never issued in this cycle`);
    if (write.acked) throw new Error(`ack log: gen ${record.gen} acknowledged twice`);
    write.acked = true;
    const c = this.counts;
    c.acked++;
    c.ackedByKind[write.what]++;
    c.ackedKeyWrites += write.ops.length;
    for (const op of write.ops) {
      if (op.del) c.ackedDeletes++;
      else if (op.size > this.largeValueBytes) c.ackedLarge++;
      const s = this.state(op.key);
      if (op.key === COUNTER_KEY && !op.del) this.counterFloor = Math.max(this.counterFloor, op.aux);
      if (s.settled.gen >= write.gen) continue; // a newer write of this key was acknowledged first
      s.settled = { gen: write.gen, del: op.del, size: op.size, aux: op.aux, origin: 'acked', what: write.what };
      s.pending = s.pending.filter((p) => p.gen > write.gen);
    }
  }

  /**
   * After a clean verification: what the database showed becomes the settled state of every
   * key (the parent closed it cleanly, so it is durable), and the cycle's bookkeeping restarts.
   * `shown` maps each key to the op that explains what it showed (NEVER_WRITTEN-like for absent).
   */
  settle(shown: ReadonlyMap<string, KeyOp>, counterShown: number): void {
    for (const [key, s] of this.keys) {
      const op = shown.get(key);
      if (op === undefined) throw new Error(`settle: no verified state for ${key}`);
      s.settled = { ...op, origin: 'verified' };
      s.pending = [];
    }
    this.issued.clear();
    this.counterFloor = counterShown;
    this.counts = newCounts();
  }
}
