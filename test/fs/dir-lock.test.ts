import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireDirLock, readLockOwner } from '../../src/fs/dir-lock.js';
import { isSettError } from '../../src/base/index.js';
import { createRequire } from 'node:module';

const lockfileInternals = createRequire(import.meta.url)('proper-lockfile/lib/lockfile.js') as { getLocks(): unknown };

const builtLock = fileURLToPath(new URL('../../dist/src/fs/dir-lock.js', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sett-lock-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a process that takes the lock and waits; resolves once it holds it. */
function lockInChild(dir: string): Promise<ChildProcess> {
  if (!fs.existsSync(builtLock)) throw new Error(`${builtLock} is missing: run npm run build first`);
  const script = `
    import { acquireDirLock } from ${JSON.stringify(builtLock)};
    await acquireDirLock(${JSON.stringify(dir)}, () => {});
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited early with ${code}`)));
  });
}

async function expectLocked(dir: string): Promise<void> {
  let caught: unknown;
  try {
    await acquireDirLock(dir, () => {});
  } catch (err) {
    caught = err;
  }
  expect(isSettError(caught, 'LOCKED')).toBe(true);
  expect((caught as Error).message).toBe(`Cannot acquire directory lock on "${dir}". Another process is using this database.`);
}

describe('directory lock', () => {
  it('refuses a second holder in the same process, and is free again after release', async () => {
    const dir = tempDir();
    const lock = await acquireDirLock(dir, () => {});
    expect(readLockOwner(dir)?.pid).toBe(process.pid);
    await expectLocked(dir);
    await lock.release();
    const again = await acquireDirLock(dir, () => {});
    await again.release();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('regression: writing the owner record keeps the lock mtime proper-lockfile checks on refresh', async () => {
    // proper-lockfile refreshes the lock every 30 s only if the directory's mtime is still the
    // one it recorded; otherwise the lock is "compromised" and release() fails with ERELEASED.
    const dir = tempDir();
    const lock = await acquireDirLock(dir, () => {});
    const recorded = (lockfileInternals.getLocks() as Record<string, { mtime: Date }>)[dir];
    expect(recorded).toBeDefined();
    expect(fs.statSync(path.join(dir, 'LOCK')).mtime.getTime()).toBe(recorded!.mtime.getTime());
    await lock.release();
  });

  it('refuses while a live process holds it', async () => {
    const dir = tempDir();
    const child = await lockInChild(dir);
    expect(readLockOwner(dir)?.pid).toBe(child.pid);
    await expectLocked(dir);
  });

  it('reclaims at once a lock left by a process killed with SIGKILL', async () => {
    const dir = tempDir();
    const child = await lockInChild(dir);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(true); // the killed holder could not clean up
    const lock = await acquireDirLock(dir, () => {});
    expect(readLockOwner(dir)?.pid).toBe(process.pid);
    await lock.release();
  });

  describe('regression: a compromised lock was only logged', () => {
    // proper-lockfile checks the lock at its refresh, every 30 s (half the stale time): fake
    // setTimeout runs that refresh now, on the real lock directory; the test awaits the listener.
    async function refreshFindingCompromise(lock: Awaited<ReturnType<typeof acquireDirLock>>): Promise<unknown> {
      const heard = new Promise<unknown>((resolve) => lock.onCompromised(resolve));
      await vi.advanceTimersByTimeAsync(30_001);
      return heard;
    }

    it('tells its listeners, with an IO_ERROR naming the lock, when its mtime is changed under it', async () => {
      const dir = tempDir();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        let told: unknown;
        const lock = await acquireDirLock(dir, (err) => (told = err));
        const lockPath = path.join(dir, 'LOCK');
        fs.utimesSync(lockPath, new Date(2001, 1, 1), new Date(2001, 1, 1));
        const err = await refreshFindingCompromise(lock);
        expect(told).toBe(err);
        expect(lock.compromised).toBe(err);
        expect(isSettError(err, 'IO_ERROR')).toBe(true);
        expect((err as Error).message).toContain(`the lock on "${dir}" was compromised (Unable to update lock within the stale threshold): writes are refused; close and reopen`);
        // A listener added later hears of it at once.
        let late: unknown;
        lock.onCompromised((e) => (late = e));
        expect(late).toBe(err);
        // Still named by this holder: release removes it (proper-lockfile's own release would fail).
        await lock.release();
        expect(fs.existsSync(lockPath)).toBe(false);
      } finally {
        vi.useRealTimers();
      }
      const again = await acquireDirLock(dir, () => {});
      await again.release();
    });

    it('leaves alone, at release, a lock another holder took after removing its directory', async () => {
      const dir = tempDir();
      const lockPath = path.join(dir, 'LOCK');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const lock = await acquireDirLock(dir, () => {});
        // What another live process does when it takes the lock over (our parent stands in for it).
        fs.rmSync(lockPath, { recursive: true });
        fs.mkdirSync(lockPath);
        const theirs = JSON.stringify({ pid: process.ppid, host: os.hostname(), acquiredAtMs: 1 });
        fs.writeFileSync(path.join(lockPath, 'owner'), theirs);
        // Fresh (not stale to proper-lockfile), but not the mtime this holder's lock had.
        const recent = new Date(fs.statSync(lockPath).mtimeMs - 2000);
        fs.utimesSync(lockPath, recent, recent);
        const err = await refreshFindingCompromise(lock);
        expect(isSettError(err, 'IO_ERROR')).toBe(true);
        await lock.release();
        expect(fs.readFileSync(path.join(lockPath, 'owner'), 'utf8')).toBe(theirs);
      } finally {
        vi.useRealTimers();
      }
      await expectLocked(dir);
    });
  });
});
