// Regression tests for bugs the WAL and flush crash tests (wal-flush.test.ts) found, each named
// for the bug, each as small as the bug allows.

import { describe, expect, it } from 'vitest';
import { faultFS, text } from '../db/helpers.js';
import { StopTheWorld, watchUnhandledRejections } from './harness.js';
import { openOn } from './writes.js';

const expectNoUnhandled = watchUnhandledRejections();

describe('crash-test regressions', () => {
  it('a failed close of a flushed memtable\'s WAL is no unhandled rejection (flushLoop left it outside its try)', async () => {
    const fs = faultFS();
    const db = await openOn(fs, true);
    const fault = fs.injectFault({ op: 'close', path: /\.mem$/, errno: 'EIO' });
    const resolved: string[] = [];
    let writeError: unknown;
    try {
      for (let i = 0; i < 40; i++) {
        await db.put(`k${i}`, 'v'.repeat(1000));
        resolved.push(`k${i}`);
      }
      await db.waitForBackgroundWork();
    } catch (err) {
      writeError = err;
    }
    expect(fault.fired, 'the fault must have hit the close of a flushed WAL').toBe(1);
    await expectNoUnhandled('after the failed close');
    // Whatever the engine made of it (carry on, or fail-stop with IO_ERROR), nothing resolved is lost.
    if (writeError !== undefined) expect((writeError as { code?: unknown }).code).toBe('IO_ERROR');
    const reopened = await openOn(fs.crash(1, { mode: 'dropAll' }), true);
    for (const k of resolved) expect(reopened.getSync(k)?.length, k).toBe(1000);
    await reopened.close();
  });

  it('a crash while creating the database leaves a directory that opens (open took MANIFEST-REWRITE for a foreign file)', async () => {
    // Crash right before create() renames MANIFEST-REWRITE to MANIFEST, then restart.
    for (const options of [{ mode: 'keepAll' }, { mode: 'random', dirs: 'keep' }] as const) {
      const fs = faultFS();
      fs.onOperation = (op, path) => {
        if (op === 'rename' && path.endsWith('MANIFEST-REWRITE')) throw new StopTheWorld(0);
      };
      await expect(openOn(fs, true)).rejects.toThrow();
      const crashed = fs.crash(7, options);
      expect(crashed.listAll(), options.mode).toContain('/db/MANIFEST-REWRITE');
      const db = await openOn(crashed, true);
      await db.put('k', 'v');
      await db.close();
      const again = await openOn(crashed, true);
      expect(text(again.getSync('k'))).toBe('v');
      await again.close();
    }
  });
});

describe('crash-test regressions: versions', () => {
  it('allVersions iteration shows each version of a key once after a crash between a flush\'s MANIFEST record and its WAL\'s unlink (the WAL replayed into a second table)', async () => {
    const fs = faultFS();
    const db = await openOn(fs, true);
    for (let i = 0; i < 10; i++) await db.put(`k${i}`, `v${i}`);
    // flatten() flushes the memtable: table written and named in the MANIFEST; the world stops
    // before the flushed WAL's unlink, so the WAL replays on open into a second table.
    fs.onOperation = (op, path) => {
      if (op === 'unlink' && path.endsWith('.mem')) throw new StopTheWorld(0);
    };
    await db.flatten().catch(() => undefined);
    const again = await openOn(fs.crash(1, { mode: 'keepAll' }), true);
    await again.waitForBackgroundWork();
    const versions = [...again.iterator({ allVersions: true, values: false })].map((e) => `${text(e[0])}@${e.version}`);
    await again.close();
    await db.close().catch(() => undefined);
    expect(versions).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}@${i + 1}`));
  });
});
