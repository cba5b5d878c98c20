// Memtable write-ahead log (docs/format.md §WAL): one record per batch, a recovering reader that
// tells a torn tail from corruption, and the batch payload codec the value log and backups share.
export { WalWriter, type WalCreateOptions } from './writer.js';
export { replayWal, WAL_READ_CHUNK_BYTES, type WalReplayResult, type WalReplayOptions, type OnWalBatch } from './reader.js';
export { encodeBatch, decodeBatch, putBatch, batchPayloadLength } from './batch-codec.js';
export {
  WAL_MAGIC,
  WAL_FORMAT_VERSION,
  WAL_HEADER_BYTES,
  RECORD_HEADER_BYTES as WAL_RECORD_HEADER_BYTES,
  WAL_MAX_RECORD_PAYLOAD_BYTES,
  encodeLogFileHeader,
  checkLogFileHeader,
  type LogFileHeader,
  type HeaderCheck as LogFileHeaderCheck,
} from './format.js';
