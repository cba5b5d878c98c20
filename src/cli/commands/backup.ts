// `sett backup DIR FILE [--since V] [--json] [--no-progress]` and `sett restore FILE DIR [--force]`.
//
// backup reads through a read-only open (no lock), so it backs up a live database as well as a
// stopped one: db.backup() reads one snapshot, and prints the version it reached — the --since of
// the next incremental backup. restore is a write: it takes the lock (exit 3 when held), and
// loads only into a new or empty directory unless --force (an incremental backup is loaded on top
// of the database its earlier backups were restored into).
//
// db.backup(dest, { since, fs }) and db.load(src, { fs }) get a CountingFS as `fs`: that is how
// the progress bar sees the bytes go by.

import { nodeFS } from '../../fs/index.js';
import type { LoadResult } from '../../db/index.js';
import { CountingFS } from '../fs-views.js';
import { DB_FILE_PATTERN, isDirectory, openForReading, openForWriting } from '../database.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';
import { Out, showSize } from '../format.js';
import { progressBar } from '../progress.js';
import type { MasterKey } from '../keys.js';
import { MAGICS, readHead } from './dump-readers.js';

/** Calls `tick` every 100 ms while `work` runs (to move a progress bar), and once at the end. */
async function withPolling<T>(work: Promise<T>, tick: () => void): Promise<T> {
  const timer = setInterval(tick, 100);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    tick();
  }
}

export interface BackupCommandOptions {
  json: boolean;
  progress: boolean;
  since: number | undefined;
  key: MasterKey | undefined;
}

export async function backupCommand(dir: string, file: string, options: BackupCommandOptions): Promise<ExitCode> {
  if (isDirectory(file)) throw usageError(`${file} is a directory; backup writes a file`);
  const counting = new CountingFS();
  const db = await openForReading(dir, counting, options.key);
  const bar = progressBar({ enabled: options.progress && !options.json, bytes: true, title: 'backup' });
  let reached: number;
  let written = 0;
  try {
    const stats = db.stats();
    const readAtStart = counting.bytesRead;
    // Progress is the table and value-log bytes read; what is in the memtables needs no reads.
    const toRead = stats.files.tableBytes + Math.max(0, stats.valueLog.bytes - stats.valueLog.discardableBytes);
    if (toRead > 0) bar.start(toRead, 'reading');
    const writes = new CountingFS();
    const run = db.backup(file, { ...(options.since === undefined ? {} : { since: options.since }), fs: writes });
    reached = await withPolling(run, () => bar.update(counting.bytesRead - readAtStart));
    written = writes.bytesWritten;
  } finally {
    bar.stop();
    await db.close();
  }
  if (written === 0 && nodeFS.exists(file)) written = nodeFS.size(file);
  const out = new Out();
  const kind = options.since === undefined || options.since === 0 ? 'full' : 'incremental';
  // A backup stream is not encrypted (docs/format.md §Backup): say so when the database was.
  const encrypted = options.key !== undefined;
  if (options.json) out.json({ file, kind, since: options.since ?? 0, reachedVersion: reached, bytes: written, encryptedSource: encrypted });
  else {
    out.line(`Wrote a ${kind} backup of ${dir} to ${file} (${showSize(written)}), up to version ${reached}.`);
    if (encrypted) out.line(`Note: the backup file is not encrypted: it holds the keys and values in plaintext. Keep it as safe as the key (restore with --key-file to get an encrypted database back).`);
    out.line(`Next incremental: sett backup ${dir} FILE --since ${reached}`);
  }
  out.flush();
  return EXIT.ok;
}

export interface RestoreCommandOptions {
  json: boolean;
  progress: boolean;
  force: boolean;
  /** The target's master key: an existing encrypted target needs it; a new one is created encrypted with it. */
  key: MasterKey | undefined;
}

export async function restoreCommand(file: string, dir: string, options: RestoreCommandOptions): Promise<ExitCode> {
  if (!nodeFS.exists(file)) throw usageError(`${file}: no such file`);
  if (nodeFS.exists(dir) && !isDirectory(dir)) throw usageError(`${dir} is a file, not a directory`);
  if (nodeFS.exists(dir) && !options.force) {
    const names = nodeFS.list(dir);
    if (names.includes('MANIFEST') || names.some((n) => DB_FILE_PATTERN.test(n))) {
      throw usageError(`${dir} already holds a database; restore loads into a new or empty directory (pass --force to load on top of it, as for an incremental backup)`);
    }
    if (names.length > 0) throw usageError(`${dir} is not empty and not a sett database: restore into a new or empty directory`);
  }
  // Before the target is created: a file that is not a backup changes nothing.
  if (Buffer.from(readHead(file, 8)).toString('latin1') !== MAGICS.backup) {
    throw usageError(`${file} is not a sett backup (it does not start with "${MAGICS.backup}")`);
  }
  const total = nodeFS.size(file);
  const db = await openForWriting(dir, { create: true, key: options.key });
  const bar = progressBar({ enabled: options.progress && !options.json, bytes: true, title: 'restore' });
  let result: LoadResult;
  let lastVersion: number;
  try {
    const reads = new CountingFS();
    bar.start(total, file);
    result = await withPolling(db.load(file, { fs: reads }), () => bar.update(reads.bytesRead));
    lastVersion = db.stats().lastVersion;
  } finally {
    bar.stop();
    await db.close();
  }
  const out = new Out();
  if (options.json) out.json({ file, dir, ...result, lastVersion, encrypted: options.key !== undefined });
  else {
    out.line(`Restored a ${result.kind} backup (up to version ${result.reachedVersion} of its database) from ${file} into ${dir}:`);
    out.line(`  ${result.records} records: ${result.puts} puts, ${result.deletes} deletes, ${result.unchanged} unchanged, ${result.removed} removed.`);
  }
  out.flush();
  return EXIT.ok;
}
