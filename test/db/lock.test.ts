import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSettError } from '../../src/base/index.js';
import { open } from '../../src/db/index.js';
import { NodeFS, nodeFS, type DirLock } from '../../src/fs/index.js';

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-lock-db-'));
  tempDirs.push(d);
  return d;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, got none');
}

const small = { memTableSize: 1 << 20, executor: 'inline' as const };

describe('directory lock of a database', () => {
  it('regression: a user-made NodeFS took no LOCK, so two opens of one directory both succeeded', async () => {
    const dir = tempDir();
    const db = await open(dir, { ...small, fs: new NodeFS() });
    expect(nodeFs.existsSync(path.join(dir, 'LOCK'))).toBe(true);
    for (const fs of [new NodeFS(), nodeFS]) {
      const err = await rejection(open(dir, { ...small, fs }));
      expect(isSettError(err, 'LOCKED')).toBe(true);
      expect((err as Error).message).toBe(`Cannot acquire directory lock on "${dir}". Another process is using this database.`);
    }
    await db.close();
    expect(nodeFs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    const again = await open(dir, { ...small, fs: new NodeFS() });
    await again.close();
  });

  it('regression: a compromised lock was only logged; now writes fail naming the lock, and reads are served', async () => {
    const dir = tempDir();
    const lockPath = path.join(dir, 'LOCK');
    const logged: string[] = [];
    // proper-lockfile finds a compromise at its refresh, every 30 s: fake setTimeout runs it now.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const db = await open(dir, { ...small, logger: { error: (m: string) => logged.push(m), warn: () => {}, info: () => {}, debug: () => {} } });
      await db.put('before', 'kept');
      const lock = (db as unknown as { parts: { lock: DirLock } }).parts.lock;
      const heard = new Promise((resolve) => lock.onCompromised(resolve));
      const at = new Date(2001, 1, 1);
      nodeFs.utimesSync(lockPath, at, at);
      await vi.advanceTimersByTimeAsync(30_001);
      await heard;
      const message = `the lock on "${dir}" was compromised (Unable to update lock within the stale threshold): writes are refused; close and reopen`;
      for (const write of [() => db.put('after', 'x'), () => db.delete('before'), () => db.batch([{ type: 'put', key: 'b', value: 'x' }])]) {
        const err = await rejection(Promise.resolve().then(write));
        expect(isSettError(err, 'IO_ERROR')).toBe(true);
        expect((err as Error).message).toContain(message);
      }
      expect(db.getSync('before')?.toString()).toBe('kept');
      expect(db.getSync('after')).toBeUndefined();
      expect(logged.some((m) => m.includes('compromised'))).toBe(true);
      await db.close();
    } finally {
      vi.useRealTimers();
    }
    expect(nodeFs.existsSync(lockPath)).toBe(false);
    const again = await open(dir, small);
    expect(again.getSync('before')?.toString()).toBe('kept');
    await again.close();
  });
});
