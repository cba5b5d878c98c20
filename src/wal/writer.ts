// Appends batches to a memtable WAL, one record per batch and one file append per record, so a
// batch reaches the file whole or (after a crash) as a torn tail that replay discards whole.
// Layout: format.ts and docs/format.md §WAL.

import {
  ClosedError,
  CorruptionError,
  InvalidArgumentError,
  IoError,
  NotADatabaseError,
  assert,
  crc32Range,
  type Entry,
} from '../base/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { batchPayloadLength, putBatch } from './batch-codec.js';
import {
  RECORD_HEADER_BYTES,
  WAL_FORMAT_VERSION,
  WAL_HEADER_BYTES,
  WAL_IV_BYTES,
  WAL_MAX_RECORD_PAYLOAD_BYTES,
  checkWalHeader,
  encodeWalHeader,
  fileNameOf,
  putRecordHeader,
} from './format.js';

/** The encode buffer is kept between appends up to this size; a larger record gets a one-off buffer. */
const ENCODE_BUFFER_KEEP_BYTES_MAX = 4 << 20;
const ENCODE_BUFFER_BYTES_MIN = 64 << 10;

export interface WalCreateOptions {
  /** Encryption key id; only 0 (not encrypted) until WAL encryption exists. */
  keyId?: number;
  iv?: Uint8Array;
}

export class WalWriter {
  private encodeBuffer: Uint8Array = new Uint8Array(ENCODE_BUFFER_BYTES_MIN);
  private closed = false;
  /** Set when a write or sync failed: the file's contents are unknown, so the writer is done (fail-stop). */
  private failure: IoError | undefined;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private end: number,
  ) {}

  /** Creates a new WAL (failing if `path` exists) and writes its header. The caller syncs file and directory. */
  static create(fs: FileSystem, path: string, options: WalCreateOptions = {}): WalWriter {
    const keyId = options.keyId ?? 0;
    const iv = options.iv ?? new Uint8Array(WAL_IV_BYTES);
    if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffff_ffff) {
      throw new InvalidArgumentError(`WAL keyId must be a u32, got ${keyId}`);
    }
    if (iv.length !== WAL_IV_BYTES) throw new InvalidArgumentError(`WAL IV must be ${WAL_IV_BYTES} bytes, got ${iv.length}`);
    // The header has room for a key id and IV, but nothing encrypts payloads yet: writing a nonzero
    // key id over plaintext would make a future reader decrypt bytes that were never encrypted.
    if (keyId !== 0) throw new InvalidArgumentError(`WAL encryption is not implemented (keyId ${keyId})`);
    const header = encodeWalHeader({ version: WAL_FORMAT_VERSION, keyId, iv });
    const file = openFile(fs, path, 'wx');
    try {
      file.append(header);
    } catch (err) {
      file.close();
      throw IoError.from(err, 'write WAL header', fileNameOf(path));
    }
    return new WalWriter(path, file, WAL_HEADER_BYTES);
  }

  /**
   * Reopens a recovered WAL: drops everything after `validEnd` (replayWal's result) and appends
   * after it. validEnd 0 (a file cut inside its header) rewrites the header.
   */
  static openForAppend(fs: FileSystem, path: string, validEnd: number): WalWriter {
    if (!Number.isSafeInteger(validEnd) || validEnd < 0 || (validEnd > 0 && validEnd < WAL_HEADER_BYTES)) {
      throw new InvalidArgumentError(`WAL validEnd ${validEnd} is neither 0 nor past the ${WAL_HEADER_BYTES}-byte header`);
    }
    const name = fileNameOf(path);
    const file = openFile(fs, path, 'r+');
    try {
      const size = file.size();
      if (validEnd > size) throw new InvalidArgumentError(`${name}: validEnd ${validEnd} is past the end of the file (${size} bytes)`);
      if (validEnd === 0) {
        file.truncate(0);
        file.append(encodeWalHeader({ version: WAL_FORMAT_VERSION, keyId: 0, iv: new Uint8Array(WAL_IV_BYTES) }));
        return new WalWriter(path, file, WAL_HEADER_BYTES);
      }
      verifyHeader(file, name);
      if (size > validEnd) file.truncate(validEnd);
      return new WalWriter(path, file, validEnd);
    } catch (err) {
      file.close();
      if (err instanceof InvalidArgumentError || err instanceof CorruptionError || err instanceof NotADatabaseError) throw err;
      throw IoError.from(err, 'reopen WAL for append', name);
    }
  }

  /** Bytes append(batch) would add to the file. */
  encodedSize(batch: readonly Entry[]): number {
    return RECORD_HEADER_BYTES + batchPayloadLength(batch);
  }

  /** Appends `batch` as one record in one file append; returns the bytes appended. */
  append(batch: readonly Entry[]): number {
    this.checkUsable();
    const payloadLength = batchPayloadLength(batch);
    if (payloadLength > WAL_MAX_RECORD_PAYLOAD_BYTES) {
      throw new InvalidArgumentError(`batch of ${payloadLength} bytes exceeds the WAL record limit of ${WAL_MAX_RECORD_PAYLOAD_BYTES} bytes`);
    }
    const total = RECORD_HEADER_BYTES + payloadLength;
    const buf = this.bufferFor(total);
    const end = putBatch(buf, RECORD_HEADER_BYTES, batch);
    assert(end === total, () => `batch encoded to ${end - RECORD_HEADER_BYTES} bytes, sized ${payloadLength}`);
    putRecordHeader(buf, 0, this.end, payloadLength, crc32Range(buf, RECORD_HEADER_BYTES, total));
    try {
      this.file.append(buf.subarray(0, total));
    } catch (err) {
      this.failure = IoError.from(err, 'append to WAL', fileNameOf(this.path));
      throw this.failure;
    }
    this.end += total;
    return total;
  }

  /** fdatasync. A failure is final: the writer refuses further work rather than retrying a sync. */
  async sync(): Promise<void> {
    this.checkUsable();
    try {
      await this.file.sync();
    } catch (err) {
      this.failure = IoError.from(err, 'sync WAL', fileNameOf(this.path));
      throw this.failure;
    }
  }

  size(): number {
    return this.end;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.close();
  }

  private checkUsable(): void {
    if (this.closed) throw new ClosedError('write-ahead log');
    if (this.failure !== undefined) throw this.failure;
  }

  private bufferFor(bytes: number): Uint8Array {
    if (bytes <= this.encodeBuffer.length) return this.encodeBuffer;
    if (bytes > ENCODE_BUFFER_KEEP_BYTES_MAX) return new Uint8Array(bytes);
    let size = this.encodeBuffer.length * 2;
    while (size < bytes) size *= 2;
    this.encodeBuffer = new Uint8Array(Math.min(size, ENCODE_BUFFER_KEEP_BYTES_MAX));
    return this.encodeBuffer;
  }
}

function openFile(fs: FileSystem, path: string, flags: 'wx' | 'r+'): FileHandle {
  try {
    return fs.open(path, flags);
  } catch (err) {
    throw IoError.from(err, flags === 'wx' ? 'create WAL' : 'open WAL', fileNameOf(path));
  }
}

/** Refuses to append to something that is not a WAL this build writes. */
function verifyHeader(file: FileHandle, name: string): void {
  const bytes = new Uint8Array(WAL_HEADER_BYTES);
  const n = file.read(bytes, 0, WAL_HEADER_BYTES, 0);
  const check = n === WAL_HEADER_BYTES ? checkWalHeader(bytes) : { kind: 'bad-magic' as const };
  if (check.kind === 'bad-magic' || check.kind === 'zeros') throw new NotADatabaseError(name, 'not a sett WAL (bad magic)');
  if (check.kind === 'bad-crc') throw new CorruptionError(name, 0, 'WAL header checksum mismatch');
  if (check.header.version !== WAL_FORMAT_VERSION || check.header.keyId !== 0) {
    throw new CorruptionError(name, 8, `cannot append to WAL version ${check.header.version} with keyId ${check.header.keyId}`);
  }
}
