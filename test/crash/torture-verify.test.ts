// The torture verifier must be able to fail: fabricated logs and database states with each kind of
// broken promise (a lost acknowledged write, a half-applied batch, a counter going back...) are
// each reported, and the legal outcomes of a kill (in-flight writes landed or not) are not.

import { describe, expect, it } from 'vitest';
import type { LoggedOp, WriteKind } from '../../bench/torture/ack-log.js';
import { TortureModel } from '../../bench/torture/model.js';
import { COUNTER_KEY, makeValue } from '../../bench/torture/values.js';
import { verify, type ViolationKind } from '../../bench/torture/verify.js';

const LARGE = 1024;

type Op = [key: string, kind: 'put' | 'del', size?: number, aux?: number];

function issue(model: TortureModel, what: WriteKind, gen: number, ops: Op[]): void {
  const logged: LoggedOp[] = ops.map(([key, kind, size = 40, aux = 0]) => ({ key, del: kind === 'del', size: kind === 'del' ? 0 : size, aux }));
  model.apply({ type: 'issue', what, gen, ops: logged });
}

function ack(model: TortureModel, gen: number): void {
  model.apply({ type: 'ack', gen });
}

/** A database state: each key shows the value written at `gen` (size and aux as issued). */
function db(...shown: [key: string, gen: number, size?: number, aux?: number][]): Map<string, Buffer> {
  return new Map(shown.map(([key, gen, size = 40, aux = 0]) => [key, makeValue(key, gen, size, aux)]));
}

function kinds(model: TortureModel, observed: Map<string, Buffer>): ViolationKind[] {
  return verify(model, observed).violations.map((v) => v.kind);
}

/** s:1 put@1 acked, s:2 put@2 (large) acked, s:1 del@3 acked, s:2 put@4 in flight. */
function singles(): TortureModel {
  const m = new TortureModel(LARGE);
  issue(m, 'single', 1, [['s:1', 'put']]);
  ack(m, 1);
  issue(m, 'single', 2, [['s:2', 'put', 5000]]);
  ack(m, 2);
  issue(m, 'single', 3, [['s:1', 'del']]);
  ack(m, 3);
  issue(m, 'single', 4, [['s:2', 'put', 60]]);
  return m;
}

describe('torture verifier: single writes', () => {
  it('accepts every acknowledged write, with the in-flight one landed or not', () => {
    expect(kinds(singles(), db(['s:2', 2, 5000]))).toEqual([]);
    expect(kinds(singles(), db(['s:2', 4, 60]))).toEqual([]);
  });

  it('reports an acknowledged put that is gone', () => {
    expect(kinds(singles(), db())).toEqual(['lost-write']);
  });

  it('reports an acknowledged put replaced by an older value', () => {
    const m = new TortureModel(LARGE);
    issue(m, 'single', 1, [['s:1', 'put']]);
    ack(m, 1);
    issue(m, 'single', 2, [['s:1', 'put']]);
    ack(m, 2);
    expect(kinds(m, db(['s:1', 1]))).toEqual(['lost-write']);
  });

  it('reports an acknowledged delete undone (the deleted value is back)', () => {
    expect(kinds(singles(), db(['s:1', 1], ['s:2', 2, 5000]))).toEqual(['lost-write']);
  });

  it('reports the right generation with different bytes', () => {
    const observed = db(['s:2', 2, 5000]);
    observed.get('s:2')![3000] ^= 0x01;
    const result = verify(singles(), observed);
    expect(result.violations.map((v) => v.kind)).toEqual(['wrong-bytes']);
    expect(result.violations[0]!.message).toContain('offset 3000');
  });

  it('reports a value no write explains, and bytes that are not a torture value', () => {
    expect(kinds(singles(), db(['s:2', 99, 60]))).toEqual(['unknown-value']);
    expect(kinds(singles(), new Map([['s:2', Buffer.from('garbage, not a value')]]))).toEqual(['unreadable']);
  });

  it('reports a key the run never wrote', () => {
    expect(kinds(singles(), db(['s:2', 2, 5000], ['s:9', 1]))).toEqual(['unexpected-key']);
  });

  it('settles on what a verification saw: an in-flight write seen absent may not come back later', () => {
    const m = singles();
    const first = verify(m, db(['s:2', 2, 5000]));
    expect(first.violations).toEqual([]);
    m.settle(first.shown, first.counterShown);
    expect(kinds(m, db(['s:2', 2, 5000]))).toEqual([]);
    expect(kinds(m, db(['s:2', 4, 60]))).toEqual(['unknown-value']);
  });

  it('settles on what a verification saw: an in-flight write seen present may not vanish later', () => {
    const m = singles();
    const first = verify(m, db(['s:2', 4, 60]));
    m.settle(first.shown, first.counterShown);
    expect(kinds(m, db(['s:2', 2, 5000]))).toEqual(['lost-write']);
  });

  it('takes an acknowledgement that arrives after a newer one as already superseded', () => {
    const m = new TortureModel(LARGE);
    issue(m, 'single', 1, [['s:1', 'put']]);
    issue(m, 'single', 2, [['s:1', 'put']]);
    ack(m, 2);
    ack(m, 1);
    expect(kinds(m, db(['s:1', 2]))).toEqual([]);
    expect(kinds(m, db(['s:1', 1]))).toEqual(['lost-write']);
  });
});

describe('torture verifier: batches', () => {
  /** b:1 and b:2 put@1 acked; then batch @2 (put b:1, put b:2, del b:3) in flight. */
  function batches(): TortureModel {
    const m = new TortureModel(LARGE);
    issue(m, 'batch', 1, [['b:1', 'put'], ['b:2', 'put', 3000], ['b:3', 'put']]);
    ack(m, 1);
    issue(m, 'batch', 2, [['b:1', 'put', 50], ['b:2', 'put', 70], ['b:3', 'del']]);
    return m;
  }

  it('accepts an in-flight batch applied whole or not at all', () => {
    expect(kinds(batches(), db(['b:1', 1], ['b:2', 1, 3000], ['b:3', 1]))).toEqual([]);
    expect(kinds(batches(), db(['b:1', 2, 50], ['b:2', 2, 70]))).toEqual([]);
  });

  it('reports a batch applied to some keys only', () => {
    expect(kinds(batches(), db(['b:1', 2, 50], ['b:2', 1, 3000], ['b:3', 1]))).toEqual(['torn-batch']);
  });

  it('reports a batch whose delete was lost while its puts landed', () => {
    expect(kinds(batches(), db(['b:1', 2, 50], ['b:2', 2, 70], ['b:3', 1]))).toEqual(['torn-batch']);
  });

  it('reports an acknowledged batch that kept only some keys as lost writes and a torn batch', () => {
    const m = batches();
    ack(m, 2);
    expect(kinds(m, db(['b:1', 2, 50], ['b:2', 1, 3000]))).toEqual(['lost-write', 'torn-batch']);
  });

  it('does not count a key a later write replaced against its batch', () => {
    const m = batches();
    issue(m, 'batch', 3, [['b:2', 'put', 90]]);
    expect(kinds(m, db(['b:1', 2, 50], ['b:2', 3, 90]))).toEqual([]);
  });
});

describe('torture verifier: order', () => {
  /** s:1 put@1 and s:2 put@2 acked; then s:1 put@3 and s:2 put@4 in flight, from one child. */
  function inFlightPair(secondFromNewChild: boolean): TortureModel {
    const m = new TortureModel(LARGE);
    issue(m, 'single', 1, [['s:1', 'put']]);
    issue(m, 'single', 2, [['s:2', 'put']]);
    ack(m, 1);
    ack(m, 2);
    issue(m, 'single', 3, [['s:1', 'put']]);
    if (secondFromNewChild) m.beginChild();
    issue(m, 'single', 4, [['s:2', 'put']]);
    return m;
  }

  it('accepts any prefix of a child\'s in-flight writes', () => {
    expect(kinds(inFlightPair(false), db(['s:1', 1], ['s:2', 2]))).toEqual([]);
    expect(kinds(inFlightPair(false), db(['s:1', 3], ['s:2', 2]))).toEqual([]);
    expect(kinds(inFlightPair(false), db(['s:1', 3], ['s:2', 4]))).toEqual([]);
  });

  it('reports a later write of a child that landed without an earlier one', () => {
    expect(kinds(inFlightPair(false), db(['s:1', 1], ['s:2', 4]))).toEqual(['reordered']);
  });

  it('reports an in-flight write missing behind an acknowledged later one', () => {
    const m = inFlightPair(false);
    ack(m, 4);
    expect(kinds(m, db(['s:1', 1], ['s:2', 4]))).toEqual(['reordered']);
  });

  it('does not order writes of different children (the first was lost in an earlier kill)', () => {
    expect(kinds(inFlightPair(true), db(['s:1', 1], ['s:2', 4]))).toEqual([]);
  });
});

describe('torture verifier: the counter', () => {
  function counter(): TortureModel {
    const m = new TortureModel(LARGE);
    issue(m, 'counter', 1, [[COUNTER_KEY, 'put', 30, 1]]);
    ack(m, 1);
    issue(m, 'counter', 2, [[COUNTER_KEY, 'put', 30, 2]]);
    ack(m, 2);
    issue(m, 'counter', 3, [[COUNTER_KEY, 'put', 30, 3]]);
    return m;
  }

  it('accepts the last acknowledged count or an in-flight one', () => {
    expect(kinds(counter(), db([COUNTER_KEY, 2, 30, 2]))).toEqual([]);
    expect(kinds(counter(), db([COUNTER_KEY, 3, 30, 3]))).toEqual([]);
  });

  it('reports the counter going back below the acknowledged count', () => {
    expect(kinds(counter(), db([COUNTER_KEY, 1, 30, 1]))).toEqual(['lost-write', 'counter-back']);
    expect(kinds(counter(), db())).toEqual(['lost-write', 'counter-back']);
  });

  it('reports the counter above anything issued', () => {
    expect(kinds(counter(), db([COUNTER_KEY, 4, 30, 4]))).toEqual(['unknown-value', 'counter-ahead']);
  });
});

describe('torture model: the log must make sense', () => {
  it('rejects an acknowledgement of a write never issued, generations going back, and a double ack', () => {
    const m = new TortureModel(LARGE);
    expect(() => ack(m, 1)).toThrow(/never issued/);
    issue(m, 'single', 5, [['s:1', 'put']]);
    expect(() => issue(m, 'single', 5, [['s:1', 'put']])).toThrow(/after gen 5/);
    ack(m, 5);
    expect(() => ack(m, 5)).toThrow(/twice/);
  });
});
