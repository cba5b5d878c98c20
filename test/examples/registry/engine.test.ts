// One suite, both engines: everything an application can observe through the Engine interface
// must be the same whether it runs on the memory engine or on disk.

import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClosedError, InvalidArgumentError, type ManualClock } from 'sett';
import { DEFAULT_GC_INTERVAL_MS, NotFoundError, type Engine } from '../../../examples/registry/index.js';
import { KINDS, ManualScheduler, manualClock, tempDir } from './helpers.js';

const text = (b: Buffer): string => b.toString('utf8');

async function notFound(p: Promise<unknown>, message: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NotFoundError);
  expect((err as NotFoundError).code).toBe('NOT_FOUND');
  expect((err as NotFoundError).message).toBe(message);
}

describe.each(KINDS)('registry engine: $name', (kind) => {
  let engine: Engine;
  let clock: ManualClock;
  let scheduler: ManualScheduler;

  beforeEach(async () => {
    clock = manualClock();
    scheduler = new ManualScheduler();
    engine = await kind.open({ clock, scheduler });
  });
  afterEach(async () => {
    await engine.close();
  });

  describe('KV', () => {
    it('set then get; a missing key rejects with NotFoundError("key not found")', async () => {
      await engine.set('config/host', '10.0.0.1');
      expect(text(await engine.get('config/host'))).toBe('10.0.0.1');
      await notFound(engine.get('config/port'), 'key not found');
    });

    it('overwrite keeps the newest value; delete removes; deleting a missing key succeeds', async () => {
      await engine.set('k', 'one');
      await engine.set('k', new Uint8Array([1, 2, 3]));
      expect([...(await engine.get('k'))]).toEqual([1, 2, 3]);
      await engine.delete('k');
      await notFound(engine.get('k'), 'key not found');
      await expect(engine.delete('never')).resolves.toBeUndefined();
    });

    it('list(prefix) gives KV keys without "kv:", in key order, never services', async () => {
      for (const k of ['config/port', 'config/host', 'configx', 'app/name']) await engine.set(k, 'v');
      await engine.setService('config/web', 'svc', 0);
      expect(await engine.list('config/')).toEqual(['config/host', 'config/port']);
      expect(await engine.list('')).toEqual(['app/name', 'config/host', 'config/port', 'configx']);
      expect(await engine.list('nothing')).toEqual([]);
    });

    it('refuses empty keys and non-string keys with InvalidArgumentError', async () => {
      await expect(engine.set('', 'v')).rejects.toThrow(InvalidArgumentError);
      await expect(engine.get('')).rejects.toThrow(/key cannot be empty/);
      await expect(engine.set(7 as unknown as string, 'v')).rejects.toThrow(/key must be a string/);
      await expect(engine.list(undefined as unknown as string)).rejects.toThrow(InvalidArgumentError);
    });
  });

  describe('services with TTL (on the injected clock)', () => {
    it('a KV key and a service of the same name are separate entries', async () => {
      await engine.set('web', 'kv');
      await engine.setService('web', 'svc', 0);
      expect(text(await engine.get('web'))).toBe('kv');
      expect(text(await engine.getService('web'))).toBe('svc');
      await engine.deleteService('web');
      expect(text(await engine.get('web'))).toBe('kv');
    });

    it('an expired service is gone from getService and listServices', async () => {
      await engine.setService('web', '{"port":80}', 30_000);
      await engine.setService('db', '{"port":5432}', 60_000);
      expect(await engine.listServices()).toEqual(['db', 'web']);
      clock.advance(29_999);
      expect(text(await engine.getService('web'))).toBe('{"port":80}');
      clock.advance(1);
      await notFound(engine.getService('web'), 'service not found');
      expect(await engine.listServices()).toEqual(['db']);
      clock.advance(30_000);
      expect(await engine.listServices()).toEqual([]);
    });

    it('setting a service again (a heartbeat) restarts its TTL', async () => {
      await engine.setService('web', 'a', 10_000);
      clock.advance(9_000);
      await engine.setService('web', 'b', 10_000);
      clock.advance(9_000);
      expect(text(await engine.getService('web'))).toBe('b');
      clock.advance(1_000);
      await notFound(engine.getService('web'), 'service not found');
    });

    it('ttl 0 never expires; a negative or non-number ttl is refused', async () => {
      await engine.setService('static', 'x', 0);
      clock.advance(365 * 24 * 3600 * 1000);
      expect(text(await engine.getService('static'))).toBe('x');
      await expect(engine.setService('bad', 'x', -1)).rejects.toThrow(InvalidArgumentError);
      await expect(engine.setService('bad', 'x', Number.NaN)).rejects.toThrow(/ttlMs/);
      await expect(engine.setService('', 'x', 10)).rejects.toThrow(/service name cannot be empty/);
      expect(await engine.listServices()).toEqual(['static']);
    });

    it('deleteService removes a service; a missing one is fine', async () => {
      await engine.setService('web', 'x', 10_000);
      await engine.deleteService('web');
      await notFound(engine.getService('web'), 'service not found');
      await expect(engine.deleteService('web')).resolves.toBeUndefined();
    });
  });

  describe('batches', () => {
    it('batchSet writes a Map or an object; batchDelete removes every key, missing ones included', async () => {
      await engine.batchSet(new Map([['a', 'A'], ['b', 'B']]));
      await engine.batchSet({ c: 'C', d: new Uint8Array([68]) });
      expect(await engine.list('')).toEqual(['a', 'b', 'c', 'd']);
      expect(text(await engine.get('d'))).toBe('D');
      await engine.batchDelete(['a', 'c', 'zz']);
      expect(await engine.list('')).toEqual(['b', 'd']);
      await engine.batchSet({});
      await engine.batchDelete([]);
    });

    it('batchSet is all or nothing: one bad key (empty, or past the engine key limit) writes nothing', async () => {
      await engine.set('a', 'old');
      await expect(engine.batchSet({ a: 'new', b: 'B', '': 'x' })).rejects.toThrow(InvalidArgumentError);
      await expect(engine.batchSet(new Map([['a', 'new'], ['x'.repeat(70_000), 'big']]))).rejects.toThrow(InvalidArgumentError);
      expect(text(await engine.get('a'))).toBe('old');
      await notFound(engine.get('b'), 'key not found');
    });

    it('batchDelete is all or nothing: one bad key deletes nothing', async () => {
      await engine.batchSet({ a: 'A', b: 'B' });
      await expect(engine.batchDelete(['a', ''])).rejects.toThrow(InvalidArgumentError);
      expect(await engine.list('')).toEqual(['a', 'b']);
    });
  });

  describe('transactions', () => {
    it('writes are invisible until commit, then all visible', async () => {
      await engine.set('gone', 'x');
      const tx = engine.beginTx();
      tx.set('counter', '100');
      tx.set('timestamp', 't0');
      tx.delete('gone');
      await notFound(engine.get('counter'), 'key not found');
      expect(text(await engine.get('gone'))).toBe('x');
      await tx.commit();
      expect(text(await engine.get('counter'))).toBe('100');
      expect(text(await engine.get('timestamp'))).toBe('t0');
      await notFound(engine.get('gone'), 'key not found');
      tx.rollback(); // the seed's deferred Rollback after a commit: harmless
      expect(await engine.list('')).toEqual(['counter', 'timestamp']);
    });

    it('rollback drops every buffered write; the transaction is then finished', async () => {
      const tx = engine.beginTx();
      tx.set('a', '1');
      tx.rollback();
      expect(await engine.list('')).toEqual([]);
      expect(() => tx.set('b', '2')).toThrow();
      await expect(tx.commit()).rejects.toThrow();
    });

    it('a committed transaction refuses more writes and a second commit', async () => {
      const tx = engine.beginTx();
      tx.set('a', '1');
      await tx.commit();
      expect(() => tx.set('b', '2')).toThrow();
      await expect(tx.commit()).rejects.toThrow();
      expect(() => engine.beginTx().set('', 'v')).toThrow(/key cannot be empty/);
    });
  });

  describe('backup and restore', () => {
    it('restore replaces the contents: keys written after the backup are gone, deleted ones come back', async () => {
      await engine.batchSet({ a: 'A', b: 'B' });
      await engine.setService('web', 'w', 60_000);
      const path = join(tempDir(), 'nested', 'dir', 'registry.bak');
      await engine.backup(path);
      await engine.set('c', 'C');
      await engine.delete('a');
      await engine.set('b', 'B2');
      await engine.setService('db', 'd', 0);
      await engine.restore(path);
      expect(await engine.list('')).toEqual(['a', 'b']);
      expect(text(await engine.get('b'))).toBe('B');
      expect(await engine.listServices()).toEqual(['web']);
    });

    it('a restored service keeps its absolute expiry', async () => {
      await engine.setService('web', 'w', 10_000);
      const path = join(tempDir(), 'r.bak');
      await engine.backup(path);
      clock.advance(5_000);
      await engine.restore(path);
      expect(text(await engine.getService('web'))).toBe('w');
      clock.advance(5_000);
      await notFound(engine.getService('web'), 'service not found');
    });

    it('a damaged or missing backup fails and leaves the data as it was', async () => {
      await engine.batchSet({ a: 'A', b: 'B' });
      const path = join(tempDir(), 'r.bak');
      await engine.backup(path);
      await engine.set('c', 'C');
      const bytes = readFileSync(path);
      bytes[bytes.length - 10]! ^= 0xff;
      writeFileSync(path, bytes);
      await expect(engine.restore(path)).rejects.toThrow();
      await expect(engine.restore(join(tempDir(), 'missing.bak'))).rejects.toThrow();
      writeFileSync(path, 'not a backup at all');
      await expect(engine.restore(path)).rejects.toThrow();
      expect(await engine.list('')).toEqual(['a', 'b', 'c']);
    });

    it.each(KINDS)("a backup restores into the other engines too (into $name)", async (other) => {
      await engine.batchSet({ a: 'A', b: 'B' });
      await engine.setService('web', 'w', 0);
      const path = join(tempDir(), 'x.bak');
      await engine.backup(path);
      const target = await other.open({ clock, scheduler: new ManualScheduler() });
      try {
        await target.set('stale', 'x');
        await target.restore(path);
        expect(await target.list('')).toEqual(['a', 'b']);
        expect(await target.listServices()).toEqual(['web']);
      } finally {
        await target.close();
      }
    });
  });

  describe('value-log GC timer', () => {
    it('is scheduled every 5 minutes by default; each tick runs one pass', async () => {
      expect(scheduler.intervals).toEqual([DEFAULT_GC_INTERVAL_MS]);
      await scheduler.fire();
      await scheduler.fire();
      expect(engine.stats()).toMatchObject({ gcRuns: 2, gcFailures: 0 });
      expect(typeof (await engine.gcOnce())).toBe('boolean');
      expect(engine.stats().gcRuns).toBe(3);
    });

    it('close cancels the timer, and a late tick after close runs nothing', async () => {
      await engine.close();
      expect(scheduler.cancelled).toBe(1);
      await scheduler.fire();
      expect(engine.stats().gcRuns).toBe(0);
      await expect(engine.gcOnce()).rejects.toThrow(ClosedError);
    });

    it('close waits for a pass in flight', async () => {
      await engine.batchSet({ a: 'A' });
      const pass = engine.gcOnce();
      await engine.close();
      await expect(pass).resolves.toBeTypeOf('boolean');
    });

    it('the default scheduler is a real interval that close clears (fake setInterval, no waiting)', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const real = await kind.open({ clock, gcIntervalMs: 1_000 });
        const timers = vi.getTimerCount();
        expect(timers).toBeGreaterThanOrEqual(1);
        await vi.advanceTimersByTimeAsync(3_000);
        expect(real.stats().gcRuns).toBe(3);
        await real.close();
        expect(vi.getTimerCount()).toBe(timers - 1);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe('after close', () => {
    it('every operation fails with ClosedError; a second close is fine', async () => {
      await engine.close();
      const ops: (() => Promise<unknown>)[] = [
        () => engine.get('k'),
        () => engine.set('k', 'v'),
        () => engine.delete('k'),
        () => engine.list(''),
        () => engine.getService('s'),
        () => engine.setService('s', 'v', 0),
        () => engine.deleteService('s'),
        () => engine.listServices(),
        () => engine.batchSet({ k: 'v' }),
        () => engine.batchDelete(['k']),
        () => engine.backup(join(tempDir(), 'b')),
        () => engine.restore(join(tempDir(), 'b')),
        async () => engine.beginTx(),
      ];
      for (const op of ops) await expect(op()).rejects.toThrow(ClosedError);
      await expect(engine.close()).resolves.toBeUndefined();
    });
  });

  describe('against a model', () => {
    it('KV, batches, services and time agree with a Map model (fast-check; seed printed on failure)', async () => {
      const key = fc.constantFrom('a', 'a/b', 'a/c', 'b', 'ab');
      const op = fc.oneof(
        fc.record({ t: fc.constant('set' as const), key, v: fc.string({ maxLength: 4 }) }),
        fc.record({ t: fc.constant('del' as const), key }),
        fc.record({ t: fc.constant('batchSet' as const), keys: fc.array(key, { maxLength: 3 }), v: fc.string({ maxLength: 4 }) }),
        fc.record({ t: fc.constant('batchDel' as const), keys: fc.array(key, { maxLength: 3 }) }),
        fc.record({ t: fc.constant('svc' as const), key, ttl: fc.integer({ min: 0, max: 50 }) }),
        fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
          // Each run starts from empty: restore an empty backup? Cheaper: delete what is there.
          await engine.batchDelete(await engine.list(''));
          for (const s of await engine.listServices()) await engine.deleteService(s);
          const kv = new Map<string, string>();
          const svc = new Map<string, number>(); // name -> expiresAt (Infinity: never)
          for (const o of ops) {
            if (o.t === 'set') (await engine.set(o.key, o.v), kv.set(o.key, o.v));
            else if (o.t === 'del') (await engine.delete(o.key), kv.delete(o.key));
            else if (o.t === 'batchSet') {
              await engine.batchSet(Object.fromEntries(o.keys.map((k) => [k, o.v])));
              for (const k of o.keys) kv.set(k, o.v);
            } else if (o.t === 'batchDel') {
              await engine.batchDelete(o.keys);
              for (const k of o.keys) kv.delete(k);
            } else if (o.t === 'svc') {
              await engine.setService(o.key, 'x', o.ttl);
              svc.set(o.key, o.ttl === 0 ? Infinity : clock.nowMs() + o.ttl);
            } else clock.advance(o.ms);
            const live = [...svc].filter(([, exp]) => exp > clock.nowMs()).map(([n]) => n).sort();
            expect(await engine.listServices()).toEqual(live);
          }
          expect(await engine.list('')).toEqual([...kv.keys()].sort());
          expect(await engine.list('a/')).toEqual([...kv.keys()].filter((k) => k.startsWith('a/')).sort());
          for (const [k, v] of kv) expect(text(await engine.get(k))).toBe(v);
        }),
        { numRuns: 40 },
      );
    });
  });
});
