// Opening the database the way each kind of command needs.
//
// Read commands (info, verify, dump, get, scan, backup) never take the directory lock, so they
// work beside a live process that has the database open, and on a stopped one. A read-only open
// beside a live writer can race with its flushes and compactions (a table or WAL deleted between
// the MANIFEST read and the file's open; a flush recorded while the WALs are read): the open is
// retried until the MANIFEST is the same before and after it, which makes the view a consistent
// prefix of the writer's history.
//
// Write commands (gc, flatten, restore) take the lock like any read-write open; another holder is
// exit code 3 with the holder's PID when it is known.
//
// Both check the master key (keys.ts) against KEYREGISTRY before the open: an encrypted database
// without its key, another key, or a key for a plain database is WRONG_KEY (exit 1).

import { hostname } from 'node:os';
import { isSettError } from '../base/index.js';
import { foreignDirectory, open, type DB, type OpenOptions } from '../db/index.js';
import { nodeFS, readAll, readLockOwner, type FileSystem, type LockOwner } from '../fs/index.js';
import { MANIFEST_FILE } from '../manifest/index.js';
import { CliError, EXIT, usageError } from './errors.js';
import { ReadOnlyFS } from './fs-views.js';
import { checkKey, explainWrongKey, type MasterKey } from './keys.js';

/** sett's own file names (docs/format.md §Conventions); used to tell a database from any directory. */
export const DB_FILE_PATTERN = /^(\d{6,})\.(mem|sst|vlog)$/;

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** Whether `path` is a directory (FileSystem has no stat: a directory is what lists). */
export function isDirectory(path: string): boolean {
  try {
    nodeFS.list(path);
    return true;
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  if (!nodeFS.exists(dir)) throw usageError(`${dir}: no such directory`);
  try {
    return nodeFS.list(dir);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOTDIR') throw usageError(`${dir} is a file, not a database directory`);
    throw new CliError(`${dir}: cannot list the directory: ${err instanceof Error ? err.message : String(err)}`, EXIT.failed, 'IO_ERROR');
  }
}

/**
 * The names in `dir`, after checking that it is a sett database: it has a MANIFEST, or (a damaged
 * one) sett's files without one. Anything else is a usage error (exit 2), and another engine's
 * directory (Badger, LevelDB, RocksDB) is named as such, before its KEYREGISTRY or MANIFEST is
 * taken for sett's.
 */
export function databaseNames(dir: string): string[] {
  const names = listDir(dir);
  checkNotForeign(dir, names);
  if (names.includes(MANIFEST_FILE)) return names;
  if (names.some((n) => DB_FILE_PATTERN.test(n))) return names; // damaged: let the command report it
  throw new CliError(
    names.length === 0 ? `${dir} is empty: not a sett database` : `${dir} is not a sett database (no MANIFEST)`,
    EXIT.usage,
    'NOT_A_DATABASE',
  );
}

/** NOT_A_DATABASE (exit 2) for a directory the engine would refuse as another engine's or not sett's. */
function checkNotForeign(dir: string, names: readonly string[]): void {
  const foreign = foreignDirectory(nodeFS, dir, names);
  // Without a MANIFEST and without a recognised engine, databaseNames says it its own way.
  if (foreign === undefined || (foreign.looksLike === undefined && !names.includes(MANIFEST_FILE))) return;
  throw new CliError(`${dir} is not a sett database: ${foreign.reason}`, EXIT.usage, 'NOT_A_DATABASE');
}

/** Options for the short-lived opens of the CLI: background work inline, a small block cache. */
const CLI_OPEN: OpenOptions = { executor: 'inline', blockCacheSize: 8 << 20 };

const READ_OPEN_ATTEMPTS = 8;
/** Before retry n (from 1), wait RETRY_BASE_MS × 2^(n-1): a writer in a burst of flushes calms down. */
const RETRY_BASE_MS = 10;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function manifestBytes(dir: string): Buffer | undefined {
  try {
    return Buffer.from(readAll(nodeFS, joinPath(dir, MANIFEST_FILE)));
  } catch {
    return undefined;
  }
}

/** A file that vanished under a read-only open: a live writer flushed, compacted or collected it. */
function isVanishedFile(err: unknown): boolean {
  if (isSettError(err, 'IO_ERROR') && err.errno === 'ENOENT') return true;
  return isSettError(err, 'CORRUPTION') && /missing/.test(err.message);
}

/**
 * Opens `dir` read-only without the lock, retrying while a live writer changes it underneath: an
 * open whose MANIFEST was not the same before and after it (or that found a file gone) is
 * retried, whatever it reported. Every file access goes through a ReadOnlyFS: a read-only open
 * of a directory holding several WALs flushes them into new tables (an engine bug, reported),
 * which beside a live writer takes file ids the writer is about to use.
 * `inner`: the real file system, or a CountingFS over it.
 */
export async function openForReading(dir: string, inner: FileSystem = nodeFS, key?: MasterKey): Promise<DB> {
  checkKey(dir, databaseNames(dir), key);
  const fs = new ReadOnlyFS(inner);
  const encryption: OpenOptions = key === undefined ? {} : { encryptionKey: key.bytes };
  let last: unknown;
  for (let attempt = 0; attempt < READ_OPEN_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(RETRY_BASE_MS * 2 ** (attempt - 1));
    const before = manifestBytes(dir);
    let db: DB;
    try {
      db = await open(dir, { ...CLI_OPEN, ...encryption, readOnly: true, fs });
    } catch (err) {
      last = explainWrongKey(err, dir, key);
      const after = manifestBytes(dir);
      const moved = before === undefined || after === undefined || !before.equals(after);
      if (moved || isVanishedFile(err)) continue;
      throw last;
    }
    const after = manifestBytes(dir);
    if (before !== undefined && after !== undefined && before.equals(after)) return db;
    await db.close();
  }
  if (last !== undefined) throw last;
  throw new CliError(`${dir} kept changing under a read-only open (${READ_OPEN_ATTEMPTS} attempts); try again`, EXIT.failed, 'BUSY');
}

export interface LockStatus extends LockOwner {
  /** Whether the holder still runs; undefined when it is on another host (cannot tell). */
  alive: boolean | undefined;
}

/** Who holds the lock on `dir`, if anyone, and whether that process still runs. */
export function lockStatus(dir: string): LockStatus | undefined {
  const owner = readLockOwner(dir);
  if (owner === undefined) return undefined;
  if (owner.host !== hostname()) return { ...owner, alive: undefined };
  try {
    process.kill(owner.pid, 0);
    return { ...owner, alive: true };
  } catch (err) {
    return { ...owner, alive: (err as { code?: unknown }).code === 'EPERM' }; // EPERM: it runs, as another user
  }
}

/** Whether a live process holds the lock (or one on another host, whose liveness cannot be seen). */
export function heldByLiveProcess(dir: string): boolean {
  const status = lockStatus(dir);
  return status !== undefined && status.alive !== false;
}

/** The lock holder, for messages: " (held by PID 123 on host h)". */
export function lockHolder(dir: string): string {
  const owner = readLockOwner(dir);
  return owner === undefined ? '' : ` (held by PID ${owner.pid} on ${owner.host})`;
}

/**
 * Opens `dir` read-write, taking the lock. `create`: a missing or empty directory becomes a new
 * database (restore); otherwise it must already be one.
 */
export async function openForWriting(dir: string, options: { create: boolean; key?: MasterKey | undefined }): Promise<DB> {
  if (!options.create) checkKey(dir, databaseNames(dir), options.key);
  else if (nodeFS.exists(dir)) {
    const names = listDir(dir);
    checkNotForeign(dir, names);
    // An existing database (restore --force) must fit the key; a new or empty one is made with it.
    if (names.some((n) => n === MANIFEST_FILE || DB_FILE_PATTERN.test(n))) checkKey(dir, names, options.key);
  }
  try {
    return await open(dir, { executor: 'worker', blockCacheSize: 32 << 20, ...(options.key === undefined ? {} : { encryptionKey: options.key.bytes }) });
  } catch (err) {
    throw lockedError(err, dir) ?? explainWrongKey(err, dir, options.key);
  }
}

/** LOCKED said the CLI's way (exit 3, the holder, what to do instead); undefined for other errors. */
export function lockedError(err: unknown, dir: string): CliError | undefined {
  if (!isSettError(err, 'LOCKED')) return undefined;
  return new CliError(`${err.message}${lockHolder(dir)} Stop it, or use a read command (info, verify, get, scan, backup), which needs no lock.`, EXIT.locked, 'LOCKED');
}

