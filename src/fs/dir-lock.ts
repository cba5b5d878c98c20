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
//
// proper-lockfile refreshes the lock's mtime every STALE_MS / 2; a refresh that finds the lock
// gone or its mtime changed calls it compromised (another process may have taken it). The holder
// hears of it through onCompromised and must stop writing: the database fail-stops (SPEC §4.5).

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

/** Acquisitions by this process so far: the owner record's `seq`, which tells apart two of them in one millisecond. */
let acquisitions = 0;

export interface DirLock {
  readonly dir: string;
  /**
   * Set once the lock is found compromised (proper-lockfile's refresh saw its directory removed
   * or its mtime changed: another process may hold it now). The holder must stop writing.
   */
  readonly compromised: IoError | undefined;
  /** Calls `listener` when the lock is compromised; at once if it already is. */
  onCompromised(listener: (err: IoError) => void): void;
  release(): Promise<void>;
}

/**
 * Acquires the lock on `dir` (which must exist). Fails with LOCKED while another live process,
 * or another open database in this process, holds it. `onCompromised` is called (as are the
 * lock's own listeners) if the lock is later found compromised.
 */
export async function acquireDirLock(dir: string, onCompromised: (err: IoError) => void = () => undefined): Promise<DirLock> {
  const lockPath = path.join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    const held = new HeldLock(dir, lockPath);
    held.onCompromised(onCompromised);
    try {
      const release = await lockfile.lock(dir, {
        lockfilePath: lockPath,
        realpath: false,
        stale: STALE_MS,
        retries: 0,
        onCompromised: (err: Error) => held.compromise(err),
      });
      held.taken(writeOwner(lockPath), release);
      return held;
    } catch (err) {
      if (!isLockedError(err)) throw IoError.from(err, `lock ${lockPath}`, LOCK_NAME);
      if (attempt > 0 || !reclaimIfHolderDead(lockPath)) throw new LockedError(dir);
    }
  }
  throw new LockedError(dir);
}

class HeldLock implements DirLock {
  compromised: IoError | undefined;
  private listeners: ((err: IoError) => void)[] = [];
  /** The owner record as written: the lock directory is still this holder's while it holds these bytes. */
  private ownerRecord: string | undefined;
  private releaseLockfile: (() => Promise<void>) | undefined;

  constructor(
    readonly dir: string,
    private readonly lockPath: string,
  ) {}

  taken(ownerRecord: string, release: () => Promise<void>): void {
    this.ownerRecord = ownerRecord;
    this.releaseLockfile = release;
  }

  onCompromised(listener: (err: IoError) => void): void {
    if (this.compromised !== undefined) listener(this.compromised);
    else this.listeners.push(listener);
  }

  /** proper-lockfile's onCompromised (it has already let go of the lock and stopped refreshing it). */
  compromise(cause: Error): void {
    if (this.compromised !== undefined) return;
    this.compromised = new IoError(`the lock on "${this.dir}" was compromised (${cause.message}): writes are refused; close and reopen`, 'ECOMPROMISED', { file: LOCK_NAME, cause });
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(this.compromised);
  }

  async release(): Promise<void> {
    if (this.compromised === undefined) {
      removeOwner(this.lockPath);
      await this.releaseLockfile?.();
      return;
    }
    // proper-lockfile no longer holds it (its release would fail with ERELEASED). The directory
    // may be another holder's by now: remove it only while it still names this holder, so a
    // reopen in this process is not refused by a lock nobody holds.
    let recorded: string;
    try {
      recorded = fs.readFileSync(path.join(this.lockPath, OWNER_NAME), 'utf8');
    } catch {
      return;
    }
    if (recorded !== this.ownerRecord) return;
    removeOwner(this.lockPath);
    try {
      fs.rmdirSync(this.lockPath);
    } catch {
      // Not empty or gone: not ours to clean up.
    }
  }
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

/** Writes the owner record; returns its text. */
function writeOwner(lockPath: string): string {
  const owner: LockOwner & { seq: number } = { pid: process.pid, host: os.hostname(), acquiredAtMs: systemClock.nowMs(), seq: ++acquisitions };
  const record = JSON.stringify(owner);
  // proper-lockfile refreshes the lock only while the directory's mtime is still the one it set;
  // creating a file inside changes it, so put it back (else the lock is "compromised" at the
  // first refresh, 30 s in, and release() fails).
  const before = fs.statSync(lockPath);
  fs.writeFileSync(path.join(lockPath, OWNER_NAME), record);
  fs.utimesSync(lockPath, before.atimeMs / 1000, before.mtimeMs / 1000);
  return record;
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
