// Reads a backup stream (backup-format.ts, docs/format.md §Backup) chunk by chunk, checking
// everything before handing records out: header, chunk checksums, lengths, record order and
// version ranges, and the end chunk's count — so a truncated or damaged backup is a CORRUPTION
// error naming the file (or stream) and the offset of the damaged piece.

import { CorruptionError } from '../base/index.js';
import { snappyUncompress } from '../sstable/index.js';
import {
  BACKUP_HEADER_BYTES,
  CHUNK_END,
  CHUNK_HEADER_BYTES,
  CODEC_SNAPPY,
  checkPayload,
  decodeChunkHeader,
  decodeEndPayload,
  decodeHeader,
  decodeRecords,
  type BackupHeader,
  type BackupRecord,
} from './backup-format.js';
import type { ByteSource } from './restore-source.js';

export class BackupReader {
  private previousKey: Uint8Array | undefined;
  private total = 0;
  private ended = false;

  private constructor(
    private readonly source: ByteSource,
    readonly header: BackupHeader,
  ) {}

  /** Reads and checks the header: NOT_A_DATABASE when the source is not a sett backup. */
  static async open(source: ByteSource): Promise<BackupReader> {
    const bytes = await source.read(BACKUP_HEADER_BYTES);
    return new BackupReader(source, decodeHeader(bytes, source.name));
  }

  get name(): string {
    return this.source.name;
  }

  /** Records read so far. */
  get recordCount(): number {
    return this.total;
  }

  /**
   * The records of the next chunk, checked; undefined once the end chunk has been read and
   * matched (and nothing follows it).
   */
  async nextChunk(): Promise<BackupRecord[] | undefined> {
    if (this.ended) return undefined;
    const { source } = this;
    const name = source.name;
    const offset = source.offset;
    const head = await source.read(CHUNK_HEADER_BYTES);
    if (head.length === 0) throw new CorruptionError(name, offset, 'the backup ends without its end chunk (truncated)');
    if (head.length < CHUNK_HEADER_BYTES) throw new CorruptionError(name, offset, `chunk header cut short: ${head.length} of ${CHUNK_HEADER_BYTES} bytes (truncated)`);
    const h = decodeChunkHeader(head, name, offset);
    const payload = await source.read(h.storedLength);
    if (payload.length < h.storedLength) {
      throw new CorruptionError(name, offset, `chunk cut short: ${payload.length} of ${h.storedLength} payload bytes (truncated)`);
    }
    checkPayload(h, payload, name, offset + CHUNK_HEADER_BYTES);
    if (h.type === CHUNK_END) {
      const end = decodeEndPayload(payload, name, offset + CHUNK_HEADER_BYTES);
      if (end.recordCount !== this.total) throw new CorruptionError(name, offset, `end chunk counts ${end.recordCount} records, the backup holds ${this.total}`);
      if (end.reachedVersion !== this.header.reachedVersion) {
        throw new CorruptionError(name, offset, `end chunk reached version ${end.reachedVersion} != header's ${this.header.reachedVersion}`);
      }
      const after = source.offset;
      if ((await source.read(1)).length > 0) throw new CorruptionError(name, after, 'bytes after the end chunk');
      this.ended = true;
      return undefined;
    }
    let raw = payload;
    if (h.codec === CODEC_SNAPPY) {
      try {
        // The expected length bounds what a damaged chunk can make the decoder allocate.
        raw = snappyUncompress(payload, h.rawLength);
      } catch (err) {
        throw new CorruptionError(name, offset + CHUNK_HEADER_BYTES, `snappy decompression failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (raw.length !== h.rawLength) throw new CorruptionError(name, offset, `chunk decompressed to ${raw.length} bytes, expected ${h.rawLength}`);
    const records = decodeRecords(raw, h.count, { header: this.header, previousKey: this.previousKey }, name, offset);
    this.previousKey = records[records.length - 1]!.key;
    this.total += records.length;
    return records;
  }
}
