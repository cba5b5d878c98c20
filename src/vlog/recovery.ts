// Opening value-log files (docs/format.md §VLOG.recovery): the newest file is scanned to its valid
// end and a torn tail (or torn header) cut off; older files, synced whole before the next one was
// made, only have their header checked. Scanning: scan.ts; layout: format.ts.

import { CorruptionError, IoError, hex32 } from '../base/index.js';
import type { FileHandle } from '../fs/index.js';
import { VLOG_FORMAT_VERSION, VLOG_HEADER_BYTES, checkVlogHeader, encodeVlogHeader, newVlogHeader } from './format.js';
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
}

export interface NewestRecovery {
  /** Bytes found torn (the whole file, for a torn header). */
  tornBytes: number;
  /** The file was truncated or its header rewritten: the caller fdatasyncs it before appending. */
  changed: boolean;
}

/**
 * Finds the newest file's valid end and sets file.validEnd. A header cut short, zeroed or with a
 * bad CRC is torn (the crash came while the file was being created) unless a valid entry follows
 * it (CORRUPTION at 0). Unless readOnly, cuts the torn tail off, or rewrites a torn header.
 */
export function recoverNewest(file: VlogFile, readOnly: boolean): NewestRecovery {
  const w = vlogWindow(file.handle, file.name, file.size);
  let headerTorn = file.size < VLOG_HEADER_BYTES;
  if (!headerTorn) {
    w.ensure(0, VLOG_HEADER_BYTES);
    const check = checkVlogHeader(w.buf.subarray(0, VLOG_HEADER_BYTES));
    if (check.kind === 'ok') {
      checkHeaderFields(file.name, check.header.version, check.header.keyId);
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
    if (readOnly) return { tornBytes, changed: false };
    mutate(file, () => {
      file.handle.truncate(0);
      file.handle.append(encodeVlogHeader(newVlogHeader()));
    });
    file.size = VLOG_HEADER_BYTES;
    return { tornBytes, changed: true };
  }
  const { validEnd } = scanValidEnd(w, file.id, file.name, VLOG_HEADER_BYTES);
  const tornBytes = file.size - validEnd;
  file.validEnd = validEnd;
  if (readOnly || tornBytes === 0) return { tornBytes, changed: false };
  mutate(file, () => file.handle.truncate(validEnd));
  file.size = validEnd;
  return { tornBytes, changed: true };
}

/** An older file was synced whole before the next one was made: any damage to its header is corruption. */
export function checkOlderHeader(file: VlogFile): void {
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
      checkHeaderFields(file.name, check.header.version, check.header.keyId);
  }
}

function checkHeaderFields(name: string, version: number, keyId: number): void {
  if (version !== VLOG_FORMAT_VERSION) {
    throw new CorruptionError(name, 8, `unknown value log format version ${version} (this build reads ${VLOG_FORMAT_VERSION})`);
  }
  if (keyId !== 0) throw new CorruptionError(name, 10, `value log is encrypted with key id ${keyId}; this build cannot decrypt value log files`);
}

function mutate(file: VlogFile, change: () => void): void {
  try {
    change();
  } catch (err) {
    throw IoError.from(err, 'cut the torn tail of value log', file.name);
  }
}
