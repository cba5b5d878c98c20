// Replays a MANIFEST's bytes into a ManifestState, telling a torn tail from corruption
// (docs/format.md §MANIFEST, "Reading").
//
// Why the rules below are sound: a writer appends a group and its seal (an empty record) in one
// write and fdatasyncs them before it appends the next, and a rewritten file is synced whole
// before it is renamed into place. So only the last append can be damaged by a crash. A damaged
// record with a valid record after it was once durable: that is corruption. The seal is what makes
// damage to the newest group detectable; damage to the seal itself drops only the seal.
//   - fewer bytes than a record header left           -> torn
//   - header checks, record runs past the end of file -> torn (cut by the crash)
//   - header checks, payload does not                 -> corruption if a valid record starts at any
//                                                        later byte, else torn (payload half written)
//   - header checks, length impossible                -> corruption (no writer produces it)
//   - header does not check (garbage, zero fill)      -> corruption if a valid record starts at any
//                                                        later byte, else torn
// A payload that passes its CRC but does not parse (unknown change type) is corruption wherever it is.

import { CorruptionError, NotADatabaseError, crc32Range, hex32 } from '../base/index.js';
import {
  FILE_HEADER_BYTES,
  MANIFEST_FORMAT_VERSION,
  RECORD_HEADER_BYTES,
  decodePayload,
  describeProbe,
  hasMagic,
  probeRecord,
} from './format.js';
import { ManifestState } from './state.js';

export interface ReplayResult {
  state: ManifestState;
  /** Offset just past the last valid record; the file is truncated here when a torn tail follows. */
  validEnd: number;
  /** Bytes after validEnd (a torn tail), 0 for a clean file. */
  tornBytes: number;
  records: number;
  /** Delete changes in the file, which drive the rewrite trigger. */
  deletions: number;
}

/** Checks the file header; throws CorruptionError naming `file`, or NotADatabaseError for a version this build does not read. */
export function checkFileHeader(bytes: Uint8Array, file: string): void {
  // A file named MANIFEST in a database directory is judged as one: a wrong magic is damage.
  if (!hasMagic(bytes)) throw new CorruptionError(file, 0, 'does not start with the sett MANIFEST magic "SETTMANF"');
  if (bytes.length < FILE_HEADER_BYTES) {
    throw new CorruptionError(file, bytes.length, `file header truncated: ${bytes.length} of ${FILE_HEADER_BYTES} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, FILE_HEADER_BYTES);
  const expected = view.getUint32(10);
  const found = crc32Range(bytes, 0, 10);
  if (expected !== found) throw new CorruptionError(file, 10, `file header checksum ${hex32(expected)} != ${hex32(found)}`);
  const version = view.getUint16(8);
  if (version !== MANIFEST_FORMAT_VERSION) {
    throw new NotADatabaseError(file, `MANIFEST format version ${version} is not one this build of sett reads (${MANIFEST_FORMAT_VERSION})`);
  }
}

/** Replays a whole MANIFEST image. `file` names it in errors (relative to the database directory). */
export function replay(bytes: Uint8Array, file: string): ReplayResult {
  checkFileHeader(bytes, file);
  const state = new ManifestState();
  const size = bytes.length;
  let records = 0;
  let deletions = 0;
  let offset = FILE_HEADER_BYTES;
  while (offset < size) {
    const probe = probeRecord(bytes, offset, size);
    if (probe.kind !== 'ok') {
      if (isTornTail(bytes, offset, size, probe.kind, file)) break;
      throw new CorruptionError(file, offset, describeProbe(probe));
    }
    const changes = decodePayload(bytes, probe.payloadStart, probe.end, file, probe.payloadStart);
    const problem = state.check(changes);
    if (problem !== undefined) throw new CorruptionError(file, offset, `record does not fit the tables before it: ${problem}`);
    state.apply(changes);
    for (const change of changes) if (change.type === 'delete') deletions++;
    if (changes.length > 0) records++; // seals are not counted
    offset = probe.end;
  }
  return { state, validEnd: offset, tornBytes: size - offset, records, deletions };
}

/** Judges a damaged record at `offset` (see the table at the top of this file). */
function isTornTail(bytes: Uint8Array, offset: number, size: number, kind: string, file: string): boolean {
  switch (kind) {
    case 'short':
    case 'cut':
      return true;
    case 'badPayload':
    case 'badHeader': {
      const next = findValidRecord(bytes, offset + 1, size);
      if (next < 0) return true;
      throw new CorruptionError(file, offset, `${describeProbe(probeRecord(bytes, offset, size))}, and a valid record follows at offset ${next}`);
    }
    default:
      return false;
  }
}

/**
 * The first offset at or after `from` where a whole valid record starts, or -1. Runs only over a
 * damaged region, which after a crash is at most one record long; the header CRC rejects almost
 * every offset after 8 bytes of hashing.
 */
function findValidRecord(bytes: Uint8Array, from: number, size: number): number {
  for (let p = from; p + RECORD_HEADER_BYTES <= size; p++) {
    if (probeRecord(bytes, p, size).kind === 'ok') return p;
  }
  return -1;
}
