// Master-key rotation (`sett` CLI): rewrites KEYREGISTRY under a new master key, on a closed
// database. Data keys do not change, so no table, WAL or value-log file is touched; only the
// registry's check value and the encryption of the data keys (with fresh IVs) are new.

import { InvalidArgumentError, NotADatabaseError, WrongKeyError } from '../base/index.js';
import { acquireDirLock, nodeFS, onRealFiles, type DirLock, type FileSystem } from '../fs/index.js';
import { KEY_LENGTHS } from './aes-ctr.js';
import { keyRegistryExists, readKeyRegistry, writeKeyRegistry } from './key-ring.js';

export interface RotateMasterKeyOptions {
  /** The file system (default: node:fs). */
  fs?: FileSystem;
}

const MANIFEST_NAME = 'MANIFEST';

function checkKey(key: unknown, what: string): Uint8Array {
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array of 16, 24 or 32 bytes`);
  if (!KEY_LENGTHS.includes(key.length)) throw new InvalidArgumentError(`${what} must be 16, 24 or 32 bytes, got ${key.length}`);
  return key;
}

/**
 * Re-encrypts the data keys of the database in `dir` under `newKey`. The database must be closed:
 * the directory lock is taken as open() takes it (LOCKED while a process holds it). `oldKey` must
 * be the current master key (WRONG_KEY otherwise, and nothing changes). A crash leaves the registry
 * under the old key or under the new one, never a mix.
 */
export async function rotateMasterKey(dir: string, oldKey: Uint8Array, newKey: Uint8Array, options: RotateMasterKeyOptions = {}): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('rotateMasterKey needs a database directory');
  const from = checkKey(oldKey, 'the old master key');
  const to = checkKey(newKey, 'the new master key');
  const fs = options.fs ?? nodeFS;
  if (!fs.exists(dir)) throw new NotADatabaseError(dir, 'the directory does not exist');
  let lock: DirLock | undefined;
  // The lock lives on the real file system, as in open(): FaultFS directories exist only in this process.
  if (onRealFiles(fs)) lock = await acquireDirLock(dir, () => undefined);
  try {
    if (!keyRegistryExists(fs, dir)) {
      if (fs.exists(dir.endsWith('/') ? dir + MANIFEST_NAME : `${dir}/${MANIFEST_NAME}`)) {
        throw new WrongKeyError(`${dir} is not encrypted: there is no master key to rotate`);
      }
      throw new NotADatabaseError(dir, 'no sett database here');
    }
    const keys = readKeyRegistry(fs, dir, from);
    await writeKeyRegistry(fs, dir, to, keys);
  } finally {
    await lock?.release();
  }
}
