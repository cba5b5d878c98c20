// Backup and restore against the engine: random histories backed up (full, then incrementals)
// and loaded into fresh databases give exactly the source's data, userMeta and expiry included;
// a backup taken while writes go on holds exactly the state at the version it returns.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../src/base/index.js';
import type { DB } from '../../src/db/index.js';
import { backup } from '../../src/db/backup.js';
import { Collect, backupBytes, dumpMeta, loadBytes } from './backup-helpers.js';
import { COMPACTING_TREE, faultFS, openSmall } from './helpers.js';

type Op =
  | { kind: 'put'; key: string; value: string; userMeta: number | undefined; ttl: number | undefined }
  | { kind: 'del'; key: string }
  | { kind: 'batch'; ops: { key: string; value: string | undefined }[] }
  | { kind: 'tick'; ms: number }
  | { kind: 'flatten' }
  | { kind: 'dropPrefix'; prefix: string }
  | { kind: 'settle' }
  | { kind: 'backup' };

const key = fc.stringMatching(/^[a-d]{1,2}$/);
// Short values stay in the tree, long ones (> valueThreshold 64) go to the value log.
const value = fc.oneof(fc.stringMatching(/^[a-z]{0,10}$/), fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.integer({ min: 15, max: 60 })).map(([s, n]) => s.repeat(n)));
const mutation: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key,
      value,
      userMeta: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      ttl: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('del' as const), key }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      ops: fc.array(fc.record({ key, value: fc.option(value, { nil: undefined }) }), { minLength: 1, maxLength: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1500 }) }) },
  // flatten and dropPrefix erase tombstones: deletes an incremental must still carry.
  { weight: 1, arbitrary: fc.constant({ kind: 'flatten' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropPrefix' as const), prefix: fc.stringMatching(/^[a-d]{1,2}$/) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
);
const withBackups: fc.Arbitrary<Op> = fc.oneof({ weight: 12, arbitrary: mutation }, { weight: 1, arbitrary: fc.constant({ kind: 'backup' as const }) });

/** Small enough that flushes and every kind of compaction run within a few dozen operations. */
const COMPACTING = {
  ...COMPACTING_TREE,
  valueThreshold: 64,
};

const START_MS = 1_000_000;

async function apply(db: DB, clock: ManualClock, op: Op): Promise<void> {
  switch (op.kind) {
    case 'put':
      await db.put(op.key, op.value, { userMeta: op.userMeta, ttl: op.ttl });
      break;
    case 'del':
      await db.delete(op.key);
      break;
    case 'batch':
      await db.batch(op.ops.map((o) => (o.value === undefined ? { type: 'del' as const, key: o.key } : { type: 'put' as const, key: o.key, value: o.value })));
      break;
    case 'tick':
      clock.advance(op.ms);
      break;
    case 'flatten':
      await db.flatten();
      break;
    case 'dropPrefix':
      await db.dropPrefix(op.prefix);
      break;
    case 'settle':
      await db.waitForBackgroundWork();
      break;
    case 'backup':
      break;
  }
}

interface Checkpoint {
  bytes: Buffer;
  reached: number;
  timeMs: number;
  state: ReturnType<typeof dumpMeta>;
}

describe('backup and load', () => {
  it('round trip: a full backup loaded into a fresh database gives identical entries, userMeta and expiry', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { maxLength: 60, size: 'max' }), fc.integer({ min: 1, max: 4000 }), async (ops, later) => {
        const clock = new ManualClock(START_MS);
        const source = await openSmall(faultFS(), { ...COMPACTING, clock });
        const target = await openSmall(faultFS(), { ...COMPACTING, clock });
        try {
          for (const op of ops) await apply(source, clock, op);
          const { bytes, reached } = await backupBytes(source, { chunkBytes: 200 });
          expect(reached).toBe(source.stats().lastVersion);
          const result = await loadBytes(target, bytes, {}, 97);
          const state = dumpMeta(source);
          expect(dumpMeta(target)).toEqual(state);
          expect(result).toMatchObject({ kind: 'full', reachedVersion: reached, records: state.length, puts: state.length, deletes: 0 });
          // Same absolute expiry: the same entries vanish at the same moment.
          clock.advance(later);
          expect(dumpMeta(target)).toEqual(dumpMeta(source));
        } finally {
          await source.close();
          await target.close();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a full backup and its incrementals, loaded in order, give exactly the source at each backup — deletes erased by compaction included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(withBackups, { maxLength: 80, size: 'max' }), async (ops) => {
        const clock = new ManualClock(START_MS);
        const source = await openSmall(faultFS(), { ...COMPACTING, clock });
        const chain: Checkpoint[] = [];
        const take = async (): Promise<void> => {
          const since = chain.length === 0 ? undefined : chain[chain.length - 1]!.reached;
          const { bytes, reached } = await backupBytes(source, { since, chunkBytes: 150 });
          chain.push({ bytes, reached, timeMs: clock.nowMs(), state: dumpMeta(source) });
        };
        try {
          for (const op of ops) {
            await apply(source, clock, op);
            if (op.kind === 'backup') await take();
          }
          await take();
          const finalMs = clock.nowMs();
          const finalState = dumpMeta(source);

          // Loaded at the moment each backup was taken: every step equals the source then.
          const stepwise = await openSmall(faultFS(), { ...COMPACTING, clock });
          for (const [i, c] of chain.entries()) {
            clock.set(c.timeMs);
            const result = await loadBytes(stepwise, c.bytes, {}, 61);
            expect(result.kind).toBe(i === 0 ? 'full' : 'incremental');
            expect(dumpMeta(stepwise), `after loading backup ${i} of ${chain.length}`).toEqual(c.state);
          }
          clock.set(finalMs);
          expect(dumpMeta(stepwise)).toEqual(finalState);
          await stepwise.close();

          // Loaded all at once, later: the same final state.
          const late = await openSmall(faultFS(), { ...COMPACTING, clock });
          for (const c of chain) await loadBytes(late, c.bytes);
          expect(dumpMeta(late)).toEqual(finalState);
          await late.close();
        } finally {
          await source.close();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('an incremental deletes a key whose tombstone flatten() already dropped, and one dropPrefix() removed', async () => {
    const clock = new ManualClock(START_MS);
    const source = await openSmall(faultFS(), { clock });
    for (const k of ['a1', 'a2', 'b1', 'b2', 'c1']) await source.put(k, `v-${k}`);
    const full = await backupBytes(source);
    await source.delete('b1');
    await source.flatten(); // nothing holds an old version: the tombstone and b1's value go
    await source.dropPrefix('a'); // no tombstones at all
    await source.put('c1', 'changed');
    expect([...source.iterator({ allVersions: true, sinceVersion: full.reached })].map((e) => e[0]!.toString())).toEqual(['c1']);
    const incr = await backupBytes(source, { since: full.reached });
    const target = await openSmall(faultFS(), { clock });
    await loadBytes(target, full.bytes);
    const result = await loadBytes(target, incr.bytes);
    expect(dumpMeta(target)).toEqual(dumpMeta(source));
    expect(dumpMeta(target).map(([k, v]) => [k, v])).toEqual([
      ['b2', 'v-b2'],
      ['c1', 'changed'],
    ]);
    expect(result).toMatchObject({ kind: 'incremental', puts: 1, unchanged: 1, removed: 3, deletes: 0 });
    await source.close();
    await target.close();
  });

  it('records a delete after `since` that a held snapshot keeps as a tombstone', async () => {
    const clock = new ManualClock(START_MS);
    const source = await openSmall(faultFS(), { clock });
    await source.put('a', '1');
    await source.put('b', '2');
    const full = await backupBytes(source);
    await source.delete('a');
    const incr = await backupBytes(source, { since: full.reached });
    const target = await openSmall(faultFS(), { clock });
    await loadBytes(target, full.bytes);
    expect(await loadBytes(target, incr.bytes)).toMatchObject({ deletes: 1, unchanged: 1, removed: 0, puts: 0 });
    expect(dumpMeta(target)).toEqual(dumpMeta(source));
    await source.close();
    await target.close();
  });

  for (const kind of ['full', 'incremental'] as const) {
    for (const gateAt of [1, 2, 5]) {
      it(`${kind === 'full' ? 'a full' : 'an incremental'} backup is a consistent snapshot while writes, flushes and compactions go on (they land during write ${gateAt} of the backup)`, async () => {
        const clock = new ManualClock(START_MS);
        const source = await openSmall(faultFS(), { ...COMPACTING, clock });
        const target = await openSmall(faultFS(), { clock });
        const name = (i: number): string => `k${String(i).padStart(3, '0')}`;
        for (let i = 0; i < 300; i++) await source.put(name(i), `old-${i}`.repeat(i % 7 === 0 ? 20 : 1), { userMeta: i % 256, ttl: i % 5 === 0 ? 60_000 : undefined });
        let since: number | undefined;
        if (kind === 'incremental') {
          const full = await backupBytes(source);
          await loadBytes(target, full.bytes);
          since = full.reached;
          for (let i = 0; i < 300; i += 4) await source.put(name(i), `second-${i}`, { userMeta: 7 });
          for (let i = 2; i < 300; i += 8) await source.delete(name(i));
        }
        const expected = dumpMeta(source);
        const versionBefore = source.stats().lastVersion;

        const out = new Collect();
        const gate = out.gateAt(gateAt);
        const running = backup(source, out, { chunkBytes: 512, since });
        await gate.reached;
        // While the backup waits on its stream: overwrite, delete, add, flush and compact.
        for (let i = 0; i < 300; i += 3) await source.put(name(i), 'new'.repeat(30));
        for (let i = 1; i < 300; i += 3) await source.delete(name(i));
        for (let i = 0; i < 50; i++) await source.put(`n${i}`, 'added');
        await source.waitForBackgroundWork();
        await source.flatten();
        gate.release();
        const reached = await running;

        expect(reached).toBe(versionBefore);
        expect(source.stats().lastVersion).toBeGreaterThan(reached);
        expect(source.stats().counters.flushes).toBeGreaterThan(0);
        await loadBytes(target, out.bytes());
        expect(dumpMeta(target)).toEqual(expected);
        await source.close();
        await target.close();
      });
    }
  }
});
