// The directory lock (SPEC §3 "LOCK"): proper-lockfile's atomic mkdir of `<dir>/LOCK`, plus an
// owner record inside it naming the holder's PID and host.
//
// Why the owner record: proper-lockfile decides staleness by the lock's mtime, so a lock left by a
// process killed with SIGKILL would block every reopen for the whole stale period. With the owner
// recorded, a lock whose holder is on this host and no longer alive is reclaimed at once; a live
// holder (or a holder on another host, whose liveness we cannot see) keeps it.
//
// Reclaiming renames the stale lock aside (an atomic step) before taking a fresh one, so two
// processes reclaiming at once cannot both succeed: only one rename of `LOCK` wins.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { LockedError, IoError, systemClock } from '../base/index.js';

export const LOCK_NAME = 'LOCK';
const OWNER_NAME = 'owner';
/** proper-lockfile's time-based staleness, the fallback for holders on other hosts. */
const STALE_MS = 60_000;

export interface LockOwner {
  pid: number;
  host: string;
  acquiredAtMs: number;
}

export interface DirLock {
  readonly dir: string;
  release(): Promise<void>;
}

/**
 * Acquires the lock on `dir` (which must exist). Fails with LOCKED while another live process,
 * or another open database in this process, holds it.
 */
export async function acquireDirLock(dir: string, onCompromised: (err: Error) => void): Promise<DirLock> {
  const lockPath = path.join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const release = await lockfile.lock(dir, {
        lockfilePath: lockPath,
        realpath: false,
        stale: STALE_MS,
        retries: 0,
        onCompromised,
      });
      writeOwner(lockPath);
      return {
        dir,
        release: async () => {
          removeOwner(lockPath);
          await release();
        },
      };
    } catch (err) {
      if (!isLockedError(err)) throw IoError.from(err, `lock ${lockPath}`, LOCK_NAME);
      if (attempt > 0 || !reclaimIfHolderDead(lockPath)) throw new LockedError(dir);
    }
  }
  throw new LockedError(dir);
}

/** The recorded holder of the lock on `dir`, if any (for diagnostics and `sett info`). */
export function readLockOwner(dir: string): LockOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(dir, LOCK_NAME, OWNER_NAME), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const o = parsed as Record<string, unknown>;
    if (typeof o['pid'] !== 'number' || typeof o['host'] !== 'string') return undefined;
    return { pid: o['pid'], host: o['host'], acquiredAtMs: typeof o['acquiredAtMs'] === 'number' ? o['acquiredAtMs'] : 0 };
  } catch {
    return undefined;
  }
}

function writeOwner(lockPath: string): void {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), acquiredAtMs: systemClock.nowMs() };
  // proper-lockfile refreshes the lock only while the directory's mtime is still the one it set;
  // creating a file inside changes it, so put it back (else the lock is "compromised" at the
  // first refresh, 30 s in, and release() fails).
  const before = fs.statSync(lockPath);
  fs.writeFileSync(path.join(lockPath, OWNER_NAME), JSON.stringify(owner));
  fs.utimesSync(lockPath, before.atimeMs / 1000, before.mtimeMs / 1000);
}

function removeOwner(lockPath: string): void {
  // proper-lockfile removes the lock with rmdir, which needs the directory empty.
  fs.rmSync(path.join(lockPath, OWNER_NAME), { force: true });
}

function isLockedError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ELOCKED';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/** True if the lock was held by a dead process on this host and has been moved aside. */
function reclaimIfHolderDead(lockPath: string): boolean {
  const owner = readLockOwner(path.dirname(lockPath));
  if (owner === undefined) {
    // A holder that died between mkdir and writing its owner record; a live one writes it at
    // once, so only an old ownerless lock is taken.
    const ageMs = lockAgeMs(lockPath);
    if (ageMs === undefined || ageMs < 5_000) return false;
  } else if (owner.host !== os.hostname() || owner.pid === process.pid || isAlive(owner.pid)) {
    return false;
  }
  const aside = `${lockPath}.stale-${process.pid}-${systemClock.nowMs()}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return false; // another process reclaimed it first
  }
  fs.rmSync(aside, { recursive: true, force: true });
  return true;
}

function lockAgeMs(lockPath: string): number | undefined {
  try {
    return systemClock.nowMs() - fs.statSync(lockPath).mtimeMs;
  } catch {
    return undefined;
  }
}
