// Opening value-log files (docs/format.md §VLOG.recovery): the newest file is scanned to its valid
// end and a torn tail (or torn header) cut off; older files, synced whole before the next one was
// made, only have their header checked. Scanning: scan.ts; layout: format.ts.

import { CorruptionError, IoError, hex32 } from '../base/index.js';
import { FileCipher, type DataKeySource } from '../crypto/index.js';
import type { FileHandle } from '../fs/index.js';
import { VLOG_FORMAT_VERSION, VLOG_HEADER_BYTES, VLOG_KEY_ID_OFFSET, checkVlogHeader, encodeVlogHeader, newVlogHeader, type VlogHeader } from './format.js';
import { findValidEntry, scanValidEnd, vlogWindow } from './scan.js';

/** One open value-log file. */
export interface VlogFile {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly handle: FileHandle;
  /** Bytes of the file (for the active file: the end of what was appended). */
  size: number;
  /** Entries end here; no pointer reaches past it (a torn tail left by a read-only open lies after it). */
  validEnd: number;
  /** Decrypts (and, for the active file, encrypts) entry bodies; undefined for a plain file. */
  cipher?: FileCipher | undefined;
  /** The header names a data key, and the file was opened without keys (verify: checksums only). */
  encryptedWithoutKey?: boolean;
}

/** How recovery finds the ciphers of files: the data keys, and a fresh cipher for a rewritten header. */
export interface VlogKeys {
  keys: DataKeySource | undefined;
  /** A cipher for a new file (the current data key, a fresh IV); undefined for a plain database. */
  newCipher: () => FileCipher | undefined;
  /** Verify without the key: encrypted files are checked by their CRCs only. */
  checksumsOnly?: boolean;
}

export const PLAIN: VlogKeys = { keys: undefined, newCipher: () => undefined };

export interface NewestRecovery {
  /** Bytes found torn (the whole file, for a torn header). */
  tornBytes: number;
  /** The file was truncated or its header rewritten: the caller fdatasyncs it before appending. */
  changed: boolean;
  /**
   * An encrypted file whose tail was cut: appending at the cut would reuse the keystream of the
   * bytes cut off, so the caller continues in a new file.
   */
  needsNewFile: boolean;
}

/**
 * Finds the newest file's valid end and sets file.validEnd. A header cut short, zeroed or with a
 * bad CRC is torn (the crash came while the file was being created) unless a valid entry follows
 * it (CORRUPTION at 0). Unless readOnly, cuts the torn tail off, or rewrites a torn header.
 */
export function recoverNewest(file: VlogFile, readOnly: boolean, keys: VlogKeys = PLAIN): NewestRecovery {
  const w = vlogWindow(file.handle, file.name, file.size);
  let headerTorn = file.size < VLOG_HEADER_BYTES;
  if (!headerTorn) {
    w.ensure(0, VLOG_HEADER_BYTES);
    const check = checkVlogHeader(w.buf.subarray(0, VLOG_HEADER_BYTES));
    if (check.kind === 'ok') {
      checkHeaderFields(file, check.header, keys);
    } else {
      // Torn while the file was being created (garbage included), unless an entry follows.
      const next = findValidEntry(w, file.id, VLOG_HEADER_BYTES);
      const what =
        check.kind === 'zeros'
          ? 'header is all zeros'
          : check.kind === 'bad-magic'
            ? 'header does not start with the magic'
            : `header checksum ${hex32(check.stored)} != ${hex32(check.computed)}`;
      if (next >= 0) throw new CorruptionError(file.name, 0, `${what}, yet a valid entry follows at offset ${next}`);
      headerTorn = true;
    }
  }
  if (headerTorn) {
    // It holds no entry: validEnd is where the first one would start (even past the end of a file
    // cut inside its header, in a read-only open), so that no pointer lies below it.
    const tornBytes = file.size;
    file.validEnd = VLOG_HEADER_BYTES;
    if (readOnly) return { tornBytes, changed: false, needsNewFile: false };
    // A fresh IV (when encrypted): no entry survives, so the rewritten file is in effect a new one.
    const cipher = keys.newCipher();
    const header = newVlogHeader();
    if (cipher !== undefined) {
      header.keyId = cipher.keyId;
      header.iv = cipher.iv;
    }
    mutate(file, () => {
      file.handle.truncate(0);
      file.handle.append(encodeVlogHeader(header));
    });
    file.cipher = cipher;
    file.size = VLOG_HEADER_BYTES;
    return { tornBytes, changed: true, needsNewFile: false };
  }
  const { validEnd } = scanValidEnd(w, file.id, file.name, VLOG_HEADER_BYTES, file.cipher, file.encryptedWithoutKey === true);
  const tornBytes = file.size - validEnd;
  file.validEnd = validEnd;
  if (readOnly || tornBytes === 0) return { tornBytes, changed: false, needsNewFile: false };
  mutate(file, () => file.handle.truncate(validEnd));
  file.size = validEnd;
  return { tornBytes, changed: true, needsNewFile: file.cipher !== undefined };
}

/** An older file was synced whole before the next one was made: any damage to its header is corruption. */
export function checkOlderHeader(file: VlogFile, keys: VlogKeys = PLAIN): void {
  if (file.size < VLOG_HEADER_BYTES) throw new CorruptionError(file.name, 0, `file of ${file.size} bytes is shorter than its ${VLOG_HEADER_BYTES}-byte header`);
  const bytes = new Uint8Array(VLOG_HEADER_BYTES);
  let n: number;
  try {
    n = file.handle.read(bytes, 0, VLOG_HEADER_BYTES, 0);
  } catch (err) {
    throw IoError.from(err, 'read value log header', file.name);
  }
  if (n !== VLOG_HEADER_BYTES) throw new CorruptionError(file.name, n, 'header cut short');
  const check = checkVlogHeader(bytes);
  switch (check.kind) {
    case 'bad-magic':
      throw new CorruptionError(file.name, 0, 'header does not start with the value log magic');
    case 'zeros':
      throw new CorruptionError(file.name, 0, 'header is all zeros');
    case 'bad-crc':
      throw new CorruptionError(file.name, 30, `header checksum ${hex32(check.stored)} != ${hex32(check.computed)}`);
    case 'ok':
      checkHeaderFields(file, check.header, keys);
  }
}

/** Checks the version and finds the file's cipher (WRONG_KEY without keys, CORRUPTION for an unknown key id). */
function checkHeaderFields(file: VlogFile, header: VlogHeader, keys: VlogKeys): void {
  if (header.version !== VLOG_FORMAT_VERSION) {
    throw new CorruptionError(file.name, 8, `unknown value log format version ${header.version} (this build reads ${VLOG_FORMAT_VERSION})`);
  }
  if (header.keyId !== 0 && keys.keys === undefined && keys.checksumsOnly === true) {
    file.encryptedWithoutKey = true;
    return;
  }
  file.cipher = FileCipher.forFile(file.name, VLOG_KEY_ID_OFFSET, header.keyId, header.iv, keys.keys);
}

function mutate(file: VlogFile, change: () => void): void {
  try {
    change();
  } catch (err) {
    throw IoError.from(err, 'cut the torn tail of value log', file.name);
  }
}
