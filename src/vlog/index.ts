// The value log (docs/format.md §VLOG, §DISCARD): NNNNNN.vlog files of checksummed entries that
// value pointers name, the ValueLog that appends groups, reads pointers and recovers torn tails,
// and the DISCARD statistics that steer value-log GC.
export { ValueLog, type ValueLogOptions } from './value-log.js';
export { DiscardStats, DISCARD_FILE, DISCARD_TMP_FILE, DISCARD_MAGIC, encodeDiscard, decodeDiscard } from './discard.js';
export {
  VLOG_MAGIC,
  VLOG_FORMAT_VERSION,
  VLOG_HEADER_BYTES,
  ENTRY_HEADER_BYTES as VLOG_ENTRY_HEADER_BYTES,
  ENTRY_BYTES_MIN as VLOG_ENTRY_BYTES_MIN,
  vlogFileName,
  parseVlogFileName,
  vlogEntryLength,
  encodeVlogEntry,
  decodeVlogEntry,
  type VlogEntry,
} from './format.js';
export { VLOG_READ_CHUNK_BYTES } from './scan.js';
export { verifyVlogFile, type VlogCheck } from './verify.js';
