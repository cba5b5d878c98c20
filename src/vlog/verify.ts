// Reading every checksum of a value-log file (db.verify, `sett verify`), by the rules open applies
// (docs/format.md §VLOG.recovery): the newest file may end in a torn tail, which is reported, not
// an error; an older file was synced whole before the next was made, so any bad entry in it is
// CORRUPTION. Unlike open, every entry of every file is read.

import { IoError } from '../base/index.js';
import type { DataKeySource } from '../crypto/index.js';
import type { FileSystem } from '../fs/index.js';
import { VLOG_HEADER_BYTES } from './format.js';
import { checkOlderHeader, recoverNewest, type VlogFile } from './recovery.js';
import { iterateEntries, vlogWindow } from './scan.js';

export interface VlogCheck {
  entries: number;
  bytes: number;
  /** Bytes after the valid end of the newest file (a crash's torn tail; open would cut them). */
  tornBytes: number;
}

/** Throws CorruptionError (file, offset) at the first bad entry; NotADatabaseError for a foreign file. */
/**
 * With `keys` undefined an encrypted file is checked by its CRCs only (they cover the stored,
 * encrypted bytes); with keys every entry is also decrypted and its fields checked.
 */
export function verifyVlogFile(fs: FileSystem, path: string, fileId: number, newest: boolean, keys?: DataKeySource): VlogCheck {
  const name = path.slice(path.lastIndexOf('/') + 1);
  let handle;
  try {
    handle = fs.open(path, 'r');
  } catch (err) {
    throw IoError.from(err, 'open value log file', name);
  }
  try {
    const size = handle.size();
    const file: VlogFile = { id: fileId, name, path, handle, size, validEnd: size };
    let tornBytes = 0;
    const vlogKeys = { keys, newCipher: () => undefined, checksumsOnly: keys === undefined };
    if (newest) {
      tornBytes = recoverNewest(file, true, vlogKeys).tornBytes;
      if (tornBytes === size) return { entries: 0, bytes: size, tornBytes };
    } else {
      checkOlderHeader(file, vlogKeys);
    }
    let entries = 0;
    const w = vlogWindow(handle, name, file.validEnd);
    for (const _ of iterateEntries(w, fileId, name, VLOG_HEADER_BYTES, file.cipher, file.encryptedWithoutKey === true)) entries++;
    return { entries, bytes: size, tornBytes };
  } finally {
    handle.close();
  }
}
