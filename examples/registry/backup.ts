// Backup and restore with sett's own format (db.backup / db.load; docs/format.md §Backup), so a
// backup taken from either engine restores into either, and services keep their absolute expiry.

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, open, type Clock, type DB } from 'sett';

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('backup path must be a non-empty string');
  return path;
}

/** A full backup of the current state, written to a temporary name and renamed (atomic). */
export async function backupTo(db: DB, path: string): Promise<void> {
  checkPath(path);
  await mkdir(dirname(path), { recursive: true });
  await db.backup(path);
}

/**
 * Replaces the contents of `db` with the backup at `path`. db.load alone merges (keys the backup
 * lacks stay), so the database is emptied first with dropAll. Before that, the backup is loaded
 * once into a scratch in-memory database: a missing, damaged or foreign file fails there and the
 * registry keeps its data. The price is reading the file twice, small for a registry.
 * Not atomic against writes made during the restore: run it on a quiet registry.
 */
export async function restoreFrom(db: DB, path: string, clock: Clock | undefined): Promise<void> {
  checkPath(path);
  const scratch = await open({ inMemory: true, ...(clock === undefined ? {} : { clock }) });
  try {
    await scratch.load(path);
  } finally {
    await scratch.close();
  }
  await db.dropAll();
  await db.load(path);
}
