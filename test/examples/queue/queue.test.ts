// The queue's behaviour on a ManualClock: produce (dedupe, schedules), lease order, complete and
// retry with their two distinct errors, lease expiry and redelivery, maxAttempts and the
// dead-letter queue, list with an inclusive pivot, stats, and a reload with leases intact.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClosedError, InvalidArgumentError, ManualClock } from 'sett';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotLeasedError, openQueue, REAP_BATCH_MAX, UnknownItemError, type Queue, type QueueOptions } from '../../../examples/queue/index.js';

const T0 = Date.UTC(2024, 0, 1);
let root: string;
let clock: ManualClock;
let open: Queue[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sett-queue-'));
  clock = new ManualClock(T0);
  open = [];
});
afterEach(async () => {
  for (const q of open) await q.close();
  rmSync(root, { recursive: true, force: true });
});

async function queue(options: Partial<QueueOptions> = {}): Promise<Queue> {
  const q = await openQueue({ name: 'q', storage: root, clock, syncWrites: false, ...options });
  open.push(q);
  return q;
}

const text = (payload: Buffer): string => payload.toString('utf8');

describe('produce and lease', () => {
  it('leases in produce order, each item once, with its payload and a deadline', async () => {
    const q = await queue();
    const { ids } = await q.produce(['a', 'b', 'c'].map((payload) => ({ payload })));
    const first = await q.lease({ count: 2, leaseMs: 1000 });
    expect(first.map((it) => text(it.payload))).toEqual(['a', 'b']);
    expect(first.map((it) => it.id)).toEqual(ids.slice(0, 2));
    expect(first[0]).toMatchObject({ state: 'leased', attempts: 1, dueAt: T0 + 1000, enqueuedAt: T0, sourceId: null });
    expect((await q.lease({ count: 5, leaseMs: 1000 })).map((it) => text(it.payload))).toEqual(['c']);
    expect(await q.lease({ count: 5, leaseMs: 1000 })).toEqual([]);
  });

  it('dedupes by sourceId within a call, across calls, and not after the item is completed', async () => {
    const q = await queue();
    const r1 = await q.produce([{ sourceId: 'order-1', payload: 'one' }, { sourceId: 'order-2' }, { sourceId: 'order-1', payload: 'again' }]);
    expect(r1.duplicates).toBe(1);
    expect(r1.ids[2]).toBe(r1.ids[0]);
    const r2 = await q.produce([{ sourceId: 'order-2' }, { sourceId: 'order-3' }]);
    expect(r2).toEqual({ ids: [r1.ids[1], expect.any(String)], duplicates: 1 });
    const leased = await q.lease({ count: 10, leaseMs: 1000 });
    expect(leased.map((it) => it.sourceId)).toEqual(['order-1', 'order-2', 'order-3']);
    expect(text(leased[0]!.payload)).toBe('one');
    // A leased item still dedupes; a completed one is gone, and its sourceId with it.
    expect((await q.produce([{ sourceId: 'order-1' }])).duplicates).toBe(1);
    await q.complete([leased[0]!.id]);
    const r3 = await q.produce([{ sourceId: 'order-1', payload: 'new' }]);
    expect(r3.duplicates).toBe(0);
    expect(r3.ids[0]).not.toBe(leased[0]!.id);
  });

  it('dedupes across partitions: a sourceId always routes to the same partition', async () => {
    const q = await queue({ partitions: 4 });
    const sourceIds = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const first = await q.produce(sourceIds.map((sourceId) => ({ sourceId })));
    const again = await q.produce(sourceIds.map((sourceId) => ({ sourceId })));
    expect(again.duplicates).toBe(40);
    expect(again.ids).toEqual(first.ids);
    expect(new Set(first.ids.map((id) => id.split(':')[0])).size).toBeGreaterThan(1);
    expect((await q.stats()).ready).toBe(40);
  });

  it('does not lease a scheduled item before its enqueueAt, then leases it in due order', async () => {
    const q = await queue();
    await q.produce([{ payload: 'later', enqueueAt: T0 + 5000 }, { payload: 'sooner', enqueueAt: new Date(T0 + 2000) }, { payload: 'now' }]);
    expect((await q.lease({ count: 10, leaseMs: 60_000 })).map((it) => text(it.payload))).toEqual(['now']);
    expect((await q.stats()).scheduled).toBe(2);
    clock.advance(1999);
    expect(await q.lease({ count: 10, leaseMs: 60_000 })).toEqual([]);
    clock.advance(1);
    expect((await q.lease({ count: 10, leaseMs: 60_000 })).map((it) => text(it.payload))).toEqual(['sooner']);
    clock.advance(3000);
    await q.produce([{ payload: 'fresh' }]);
    expect((await q.lease({ count: 10, leaseMs: 60_000 })).map((it) => text(it.payload))).toEqual(['later', 'fresh']);
  });

  it('treats an enqueueAt in the past as now: it does not jump the line', async () => {
    const q = await queue();
    await q.produce([{ payload: 'first' }]);
    clock.advance(10);
    await q.produce([{ payload: 'backdated', enqueueAt: T0 - 60_000 }]);
    expect((await q.lease({ count: 10, leaseMs: 1000 })).map((it) => text(it.payload))).toEqual(['first', 'backdated']);
  });

  it('leases from every partition in turn', async () => {
    const q = await queue({ partitions: 3 });
    for (let i = 0; i < 3; i++) await q.produce([{ payload: `p${i}-a` }, { payload: `p${i}-b` }]);
    const all = await q.lease({ count: 6, leaseMs: 1000 });
    expect(all).toHaveLength(6);
    expect(new Set(all.map((it) => it.id.split(':')[0]))).toEqual(new Set(['0', '1', '2']));
  });

  it('refuses bad arguments with InvalidArgumentError', async () => {
    const q = await queue();
    await expect(q.lease({ count: 0, leaseMs: 1000 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(q.lease({ count: 1, leaseMs: 0 })).rejects.toThrow(/leaseMs must be a positive integer/);
    await expect(q.produce([{ sourceId: '' }])).rejects.toThrow(/sourceId must be a non-empty string/);
    await expect(q.produce([{ enqueueAt: Number.NaN }])).rejects.toThrow(/enqueueAt must be a Date or integer ms/);
    await expect(q.produce([{ payload: 42 as unknown as string }])).rejects.toThrow(/payload must be a string or bytes/);
    await expect(q.complete(['nonsense'])).rejects.toThrow(/is not an item id/);
    await expect(openQueue({ name: 'bad/name', storage: root })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(openQueue({ name: 'q2', storage: root, maxAttempts: 0 })).rejects.toThrow(/maxAttempts must be a positive integer/);
  });
});

describe('complete and retry', () => {
  it('completes leased items, and tells an unknown id from an item that is not leased', async () => {
    const q = await queue();
    const { ids } = await q.produce([{ payload: 'a' }, { payload: 'b' }]);
    const [a] = await q.lease({ count: 1, leaseMs: 1000 });
    const unknown = await q.complete(['0:999']).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownItemError);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_ITEM', id: '0:999' });
    expect((unknown as Error).message).toMatch(/item\(s\) cannot be completed; '0:999' does not exist/);
    const notLeased = await q.complete([ids[1]!]).catch((e: unknown) => e);
    expect(notLeased).toBeInstanceOf(NotLeasedError);
    expect(notLeased).toMatchObject({ code: 'NOT_LEASED', id: ids[1] });
    expect((notLeased as Error).message).toMatch(/is not marked as leased/);
    expect(notLeased).not.toBeInstanceOf(UnknownItemError);

    await q.complete([a!.id]);
    expect(await q.complete([a!.id]).catch((e: unknown) => e)).toBeInstanceOf(UnknownItemError);
    expect((await q.list()).map((it) => it.id)).toEqual([ids[1]]);
  });

  it('writes nothing when one id of a call is bad, even across partitions', async () => {
    const q = await queue({ partitions: 2 });
    await q.produce([{ payload: 'x' }]);
    await q.produce([{ payload: 'y' }]);
    const leased = await q.lease({ count: 2, leaseMs: 1000 });
    expect(new Set(leased.map((it) => it.id.split(':')[0])).size).toBe(2);
    await expect(q.complete([leased[0]!.id, leased[1]!.id, '1:12345'])).rejects.toBeInstanceOf(UnknownItemError);
    expect((await q.stats()).leased).toBe(2);
    await q.complete(leased.map((it) => it.id));
    expect((await q.stats()).total).toBe(0);
  });

  it('moves an item retried at once to the tail of the line', async () => {
    const q = await queue();
    await q.produce(['a', 'b', 'c'].map((payload) => ({ payload })));
    const [a] = await q.lease({ count: 1, leaseMs: 1000 });
    await q.produce([{ payload: 'd' }]); // produced in the same millisecond as the retry below
    await q.retry([a!.id]);
    const order = await q.lease({ count: 10, leaseMs: 1000 });
    expect(order.map((it) => text(it.payload))).toEqual(['b', 'c', 'd', 'a']);
    expect(order[3]!.attempts).toBe(2);
  });

  it('schedules an item retried with `at`', async () => {
    const q = await queue();
    await q.produce([{ payload: 'a' }, { payload: 'b' }]);
    const [a] = await q.lease({ count: 1, leaseMs: 1000 });
    await q.retry([a!.id], { at: T0 + 500 });
    expect((await q.list()).find((it) => it.id === a!.id)).toMatchObject({ state: 'scheduled', dueAt: T0 + 500 });
    expect((await q.lease({ count: 10, leaseMs: 1000 })).map((it) => text(it.payload))).toEqual(['b']);
    clock.advance(500);
    expect((await q.lease({ count: 10, leaseMs: 1000 })).map((it) => text(it.payload))).toEqual(['a']);
    await expect(q.retry([a!.id], { at: 'soon' as unknown as number })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('refuses to retry an item that is not leased, with the same two errors', async () => {
    const q = await queue();
    const { ids } = await q.produce([{ payload: 'a' }]);
    await expect(q.retry([ids[0]!])).rejects.toBeInstanceOf(NotLeasedError);
    await expect(q.retry(['0:77'])).rejects.toThrow(/item\(s\) cannot be retried; '0:77' does not exist/);
  });
});

describe('lease expiry, redelivery and the dead-letter queue', () => {
  it('delivers an item again when its lease expires, and refuses the stale lease', async () => {
    const q = await queue();
    await q.produce([{ payload: 'job' }]);
    const [first] = await q.lease({ count: 1, leaseMs: 1000 });
    clock.advance(999);
    expect(await q.lease({ count: 1, leaseMs: 1000 })).toEqual([]);
    clock.advance(1);
    expect((await q.stats()).expired).toBe(1);
    await expect(q.complete([first!.id])).rejects.toThrow(/lease expired/);
    const [second] = await q.lease({ count: 1, leaseMs: 1000 });
    expect(second).toMatchObject({ id: first!.id, attempts: 2, dueAt: T0 + 2000 });
    await q.complete([second!.id]);
    expect((await q.stats()).total).toBe(0);
  });

  it('puts a redelivered item ahead of items produced after its lease expired', async () => {
    const q = await queue();
    await q.produce([{ payload: 'slow' }]);
    await q.lease({ count: 1, leaseMs: 100 });
    clock.advance(200);
    await q.produce([{ payload: 'newer' }]);
    expect((await q.lease({ count: 2, leaseMs: 100 })).map((it) => text(it.payload))).toEqual(['slow', 'newer']);
  });

  it('dead-letters an item after maxAttempts deliveries, by expiry or by retry', async () => {
    const q = await queue({ maxAttempts: 2 });
    const { ids } = await q.produce([{ payload: 'expires', sourceId: 'e' }, { payload: 'retried' }]);
    await q.lease({ count: 2, leaseMs: 100 });
    clock.advance(100);
    const again = await q.lease({ count: 2, leaseMs: 100 }); // both expired: delivered a second time
    expect(again.map((it) => it.attempts)).toEqual([2, 2]);
    await q.retry([ids[1]!]); // second delivery used up: dead at once
    clock.advance(100);
    expect(await q.lease({ count: 2, leaseMs: 100 })).toEqual([]); // the expired one goes dead
    const dead = await q.listDeadLetters();
    expect(dead.map((it) => [text(it.payload), it.state, it.attempts])).toEqual([
      ['expires', 'dead', 2],
      ['retried', 'dead', 2],
    ]);
    expect(await q.list()).toEqual([]);
    expect((await q.stats())).toMatchObject({ dead: 2, total: 2, ready: 0, leased: 0 });
    await expect(q.complete([ids[0]!])).rejects.toThrow(/dead-letter queue/);
    // A dead letter is still stored: its sourceId still dedupes.
    expect((await q.produce([{ sourceId: 'e' }])).duplicates).toBe(1);
  });

  it('takes back a large number of expired leases over several lease calls', async () => {
    const q = await queue();
    const n = REAP_BATCH_MAX + 76; // more than one lease call takes back
    await q.produce(Array.from({ length: n }, (_, i) => ({ payload: String(i) })));
    for (let got = 0; got < n; ) got += (await q.lease({ count: 1000, leaseMs: 10 })).length;
    clock.advance(10);
    const again: string[] = [];
    for (let k = 0; k < 5 && again.length < n; k++) again.push(...(await q.lease({ count: 1000, leaseMs: 10 })).map((it) => text(it.payload)));
    expect(again).toHaveLength(n);
    expect(new Set(again).size).toBe(n);
  });
});

describe('list and stats', () => {
  it('lists from an inclusive pivot, in id order, across partitions, with a limit', async () => {
    const q = await queue({ partitions: 2 });
    const a = (await q.produce(['a0', 'a1', 'a2'].map((payload) => ({ payload })))).ids;
    const b = (await q.produce(['b0', 'b1'].map((payload) => ({ payload })))).ids;
    const all = [...a, ...b].sort((x, y) => (x.split(':')[0]! === y.split(':')[0]! ? Number(x.split(':')[1]) - Number(y.split(':')[1]) : x < y ? -1 : 1));
    expect((await q.list()).map((it) => it.id)).toEqual(all);
    expect((await q.list({ pivot: all[1], limit: 2 })).map((it) => it.id)).toEqual(all.slice(1, 3));
    expect((await q.list({ pivot: all[2] })).map((it) => it.id)).toEqual(all.slice(2));
    expect((await q.list({ pivot: all[4], limit: 10 })).map((it) => it.id)).toEqual([all[4]]);
    expect(await q.list({ limit: 0 })).toEqual([]);
    await expect(q.list({ limit: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('counts items per state and per partition', async () => {
    const q = await queue({ partitions: 2 });
    await q.produce([{ payload: 'r1' }, { payload: 'r2' }, { payload: 'r3' }]);
    await q.produce([{ payload: 's', enqueueAt: T0 + 10_000 }]);
    await q.lease({ count: 1, leaseMs: 1000 });
    const s = await q.stats();
    expect(s).toMatchObject({ ready: 2, scheduled: 1, leased: 1, expired: 0, dead: 0, total: 4 });
    expect(s.partitions.map((p) => p.total).reduce((x, y) => x + y, 0)).toBe(4);
  });
});

describe('restart', () => {
  it('reloads every item, leases intact, and keeps the line order', async () => {
    let q = await queue({ partitions: 2 });
    await q.produce([{ payload: 'a', sourceId: 'A' }, { payload: 'b' }, { payload: 'c' }]);
    const leased = await q.lease({ count: 1, leaseMs: 5000 });
    await q.close();
    open = [];

    q = await queue({ partitions: 2 });
    expect(await q.stats()).toMatchObject({ ready: 2, leased: 1, total: 3 });
    const [l] = (await q.list()).filter((it) => it.state === 'leased');
    expect(l).toMatchObject({ id: leased[0]!.id, attempts: 1, dueAt: T0 + 5000 });
    expect((await q.produce([{ sourceId: 'A' }])).duplicates).toBe(1);
    expect((await q.lease({ count: 10, leaseMs: 5000 })).map((it) => text(it.payload))).toEqual(['b', 'c']);
    await q.complete([leased[0]!.id]);
    clock.advance(5000);
    expect((await q.lease({ count: 10, leaseMs: 5000 })).map((it) => text(it.payload))).toEqual(['b', 'c']);
  });

  it('fails calls after close with CLOSED', async () => {
    const q = await queue();
    await q.close();
    await expect(q.produce([{ payload: 'x' }])).rejects.toBeInstanceOf(ClosedError);
    await expect(q.lease({ count: 1, leaseMs: 1 })).rejects.toBeInstanceOf(ClosedError);
    await q.close();
  });
});
