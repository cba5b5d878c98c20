// The queue against a model (a Map and the ordering rules written out plainly): random runs of
// produce (with and without sourceIds, some scheduled), lease, complete, retry (at once or at a
// time), clock advances and reopens, on one partition with maxAttempts 3. Every lease must hand
// out exactly the items the model says, in its order; every complete and retry must fail with
// the model's error or succeed; list and stats must agree at the end. This is what checks the
// partition's in-memory cursors (a wrong lower bound skips items).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ManualClock } from 'sett';
import { describe, expect, it } from 'vitest';
import { openQueue, REAP_BATCH_MAX, type Queue } from '../../../examples/queue/index.js';

const T0 = Date.UTC(2024, 0, 1);
const MAX_ATTEMPTS = 3;

type Op =
  | { kind: 'produce'; items: { source: number | null; delayMs: number }[] }
  | { kind: 'lease'; count: number; leaseMs: number }
  | { kind: 'complete' | 'retry'; picks: number[]; atMs: number | null }
  | { kind: 'advance'; ms: number }
  | { kind: 'reopen' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('produce' as const), items: fc.array(fc.record({ source: fc.option(fc.integer({ min: 0, max: 15 })), delayMs: fc.oneof(fc.constant(0), fc.integer({ min: -50, max: 300 })) }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('lease' as const), count: fc.integer({ min: 1, max: 5 }), leaseMs: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('complete' as const, 'retry' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), atMs: fc.option(fc.integer({ min: -20, max: 200 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

interface ModelItem {
  id: string;
  sourceId: string | null;
  state: 'ready' | 'leased' | 'dead';
  due: number;
  pos: number;
  attempts: number;
  /** Order of the item's latest lease among all leases. */
  leasedAs: number;
}

class Model {
  items = new Map<string, ModelItem>();
  private nextN = 1;
  private nextPos = 0;
  private nextLease = 0;
  constructor(private readonly clock: ManualClock) {}

  produce(items: { sourceId: string | null; dueMs: number }[]): string[] {
    const now = this.clock.nowMs();
    return items.map(({ sourceId, dueMs }) => {
      const existing = sourceId === null ? undefined : [...this.items.values()].find((it) => it.sourceId === sourceId);
      if (existing !== undefined) return existing.id;
      const it: ModelItem = { id: `0:${this.nextN++}`, sourceId, state: 'ready', due: Math.max(now, dueMs), pos: this.nextPos++, attempts: 0, leasedAs: -1 };
      this.items.set(it.id, it);
      return it.id;
    });
  }

  lease(count: number, leaseMs: number): string[] {
    const now = this.clock.nowMs();
    // Expired leases go back by deadline, and leases of one deadline in the order they were leased.
    const expired = [...this.items.values()].filter((it) => it.state === 'leased' && it.due <= now).sort((a, b) => a.due - b.due || a.leasedAs - b.leasedAs).slice(0, REAP_BATCH_MAX);
    for (const it of expired) {
      it.pos = this.nextPos++;
      if (it.attempts >= MAX_ATTEMPTS) Object.assign(it, { state: 'dead', due: now });
      else it.state = 'ready';
    }
    const ready = [...this.items.values()].filter((it) => it.state === 'ready' && it.due <= now).sort((a, b) => a.due - b.due || a.pos - b.pos).slice(0, count);
    for (const it of ready) Object.assign(it, { state: 'leased', due: now + leaseMs, attempts: it.attempts + 1, leasedAs: this.nextLease++ });
    return ready.map((it) => it.id);
  }

  /** The error code the call must fail with, or undefined and the call's effect applied. */
  onLeased(ids: string[], kind: 'complete' | 'retry', atMs: number | null): string | undefined {
    const now = this.clock.nowMs();
    for (const id of ids) {
      const it = this.items.get(id);
      if (it === undefined) return 'UNKNOWN_ITEM';
      if (it.state !== 'leased' || it.due <= now) return 'NOT_LEASED';
    }
    for (const id of [...new Set(ids)]) {
      const it = this.items.get(id)!;
      if (kind === 'complete') this.items.delete(id);
      else {
        it.pos = this.nextPos++;
        if (it.attempts >= MAX_ATTEMPTS) Object.assign(it, { state: 'dead', due: now });
        else Object.assign(it, { state: 'ready', due: Math.max(now, atMs ?? now) });
      }
    }
    return undefined;
  }
}

const n = (it: { id: string }): number => Number(it.id.split(':')[1]);

describe('queue against a model', () => {
  it('leases, completes, retries, expires and dead-letters as the model does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sett-queue-model-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
          const storage = join(root, String(run++));
          const clock = new ManualClock(T0);
          const model = new Model(clock);
          const reopen = (): Promise<Queue> => openQueue({ name: 'm', storage, clock, syncWrites: false, maxAttempts: MAX_ATTEMPTS });
          let q = await reopen();
          try {
            for (const op of ops) {
              if (op.kind === 'produce') {
                const items = op.items.map((i) => ({ sourceId: i.source === null ? null : `s${i.source}`, dueMs: clock.nowMs() + i.delayMs }));
                const { ids } = await q.produce(items.map((i) => (i.sourceId === null ? { enqueueAt: i.dueMs } : { sourceId: i.sourceId, enqueueAt: i.dueMs })));
                expect(ids).toEqual(model.produce(items));
              } else if (op.kind === 'lease') {
                const got = await q.lease({ count: op.count, leaseMs: op.leaseMs });
                expect(got.map((it) => it.id)).toEqual(model.lease(op.count, op.leaseMs));
                for (const it of got) expect(it.attempts).toBe(model.items.get(it.id)!.attempts);
              } else if (op.kind === 'complete' || op.kind === 'retry') {
                const known = [...model.items.keys(), '0:999999'];
                const ids = op.picks.map((p) => known[p % known.length]!);
                const at = op.atMs === null ? undefined : clock.nowMs() + op.atMs;
                const want = model.onLeased(ids, op.kind, op.kind === 'retry' ? (at ?? null) : null);
                const call = op.kind === 'complete' ? q.complete(ids) : q.retry(ids, at === undefined ? {} : { at: Math.max(0, at) });
                const got = await call.then(
                  () => undefined,
                  (e: { code?: string }) => e.code ?? String(e),
                );
                expect(got).toBe(want);
              } else if (op.kind === 'advance') {
                clock.advance(op.ms);
              } else {
                await q.close();
                q = await reopen();
              }
            }
            const now = clock.nowMs();
            const live = [...model.items.values()].filter((it) => it.state !== 'dead').sort((a, b) => n(a) - n(b));
            const listed = await q.list({ limit: 1000 });
            expect(listed.map((it) => [it.id, it.state, it.attempts])).toEqual(live.map((it) => [it.id, it.state === 'ready' && it.due > now ? 'scheduled' : it.state, it.attempts]));
            const dead = [...model.items.values()].filter((it) => it.state === 'dead').sort((a, b) => n(a) - n(b));
            expect((await q.listDeadLetters({ limit: 1000 })).map((it) => it.id)).toEqual(dead.map((it) => it.id));
            const stats = await q.stats();
            expect(stats.total).toBe(model.items.size);
            expect(stats.dead).toBe(dead.length);
            expect(stats.expired).toBe(live.filter((it) => it.state === 'leased' && it.due <= now).length);
          } finally {
            await q.close();
          }
        }),
        { numRuns: 25 },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
