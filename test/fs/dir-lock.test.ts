import { afterEach, describe, expect, it } from 'vitest';
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
});
