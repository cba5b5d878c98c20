// What only the on-disk engine has: data and service expiries survive a reopen, value-log GC
// reclaims files, and the factory's validation.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'sett';
import { openBadgerEngine, openEngine, NotFoundError, type EngineConfig } from '../../../examples/registry/index.js';
import { ManualScheduler, manualClock, tempDir } from './helpers.js';

describe('registry on disk', () => {
  it('KV and services survive a reopen; a service expiry is absolute across it', async () => {
    const dir = join(tempDir(), 'data');
    const clock = manualClock();
    const first = await openBadgerEngine(dir, { clock, scheduler: new ManualScheduler(), syncWrites: true });
    await first.batchSet({ 'config/host': '10.0.0.1', 'config/port': '8500' });
    await first.setService('web', 'w', 60_000);
    await first.close();
    clock.advance(59_000);
    const second = await openBadgerEngine(dir, { clock, scheduler: new ManualScheduler() });
    try {
      expect(await second.list('config/')).toEqual(['config/host', 'config/port']);
      expect((await second.getService('web')).toString()).toBe('w');
      clock.advance(1_000);
      await expect(second.getService('web')).rejects.toThrow(NotFoundError);
    } finally {
      await second.close();
    }
  });

  it('a GC pass rewrites value-log files once their values are garbage (here: after a restore dropped them)', async () => {
    const engine = await openBadgerEngine(join(tempDir(), 'data'), { clock: manualClock(), scheduler: new ManualScheduler() });
    try {
      // Values above sett's 1 KiB valueThreshold live in the value log.
      const big = Buffer.alloc(4096, 'x');
      await engine.batchSet(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`big/${i}`, big])));
      const empty = await openEngine({ type: 'memory', scheduler: new ManualScheduler() });
      const path = join(tempDir(), 'empty.bak');
      await empty.backup(path);
      await empty.close();
      await engine.restore(path);
      expect(await engine.gcOnce()).toBe(true);
      expect(engine.stats()).toMatchObject({ gcRuns: 1, gcRewrites: 1 });
      expect(await engine.list('')).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('openEngine picks the engine by type and validates its config', async () => {
    await expect(openEngine(undefined as unknown as EngineConfig)).rejects.toThrow(/config cannot be nil/);
    await expect(openEngine({ type: 'redis' as 'memory' })).rejects.toThrow(/unknown engine type "redis"/);
    await expect(openEngine({ type: 'badger' })).rejects.toThrow(/dataDir must be a non-empty path/);
    await expect(openEngine({ type: 'memory', gcIntervalMs: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(openEngine({ type: 'memory', gcDiscardRatio: 1 })).rejects.toThrow(/gcDiscardRatio/);
    await expect(openEngine({ type: 'badger', dataDir: tempDir(), syncWrites: 'yes' as unknown as boolean })).rejects.toThrow(/syncWrites/);
    const dir = join(tempDir(), 'a', 'b');
    const engine = await openEngine({ type: 'badger', dataDir: dir, scheduler: new ManualScheduler() });
    await engine.set('k', 'v');
    await engine.close();
    const again = await openEngine({ type: 'badger', dataDir: dir, scheduler: new ManualScheduler() });
    expect((await again.get('k')).toString()).toBe('v');
    await again.close();
  });
});
