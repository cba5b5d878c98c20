// The value log (docs/format.md §VLOG; WiscKey's key-value separation, as Badger): large values
// are appended to NNNNNN.vlog files, one append per write group, and the LSM tree keeps a 12-byte
// ValuePointer (fileId, offset, length) in their place. The newest file is the active one; the
// others are read-only until GC deletes them. Layout: format.ts; scanning: scan.ts.
//
// Crash model: the db syncs a group's vlog bytes before the WAL record that points at them (with
// syncWrites). On open, the active file is scanned to its valid end and a torn tail is truncated
// (and the truncation synced): recovery then ends WAL replay at the first record whose pointer
// lies past validEnd(fileId). Older files were synced whole before rotation and are not scanned.

import {
  ClosedError,
  CorruptionError,
  InvalidArgumentError,
  IoError,
  ReadOnlyError,
  ValuePointer,
  assert,
  crc32Range,
  hex32,
} from '../base/index.js';
import { FileCipher, type DataKey, type DataKeySource } from '../crypto/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import {
  ENTRY_BYTES_MIN,
  ENTRY_HEADER_BYTES,
  EntryFields,
  VLOG_HEADER_BYTES,
  VLOG_OFFSET_MAX,
  encodeVlogHeader,
  newVlogHeader,
  entryFromFields,
  entryHeaderCrc,
  parseEntryBody,
  parseVlogFileName,
  putVlogEntry,
  readU32,
  vlogEntryLength,
  vlogFileName,
  type VlogEntry,
} from './format.js';
import { checkOlderHeader, recoverNewest, type VlogFile, type VlogKeys } from './recovery.js';
import { iterateEntries, vlogWindow } from './scan.js';

export interface ValueLogOptions {
  /** A file is rotated once it holds this many bytes (the db rotates between groups). */
  fileSizeBytes: number;
  readOnly: boolean;
  /** read() also checks each entry's body CRC (readEntry and entries() always do). */
  verifyChecksums: boolean;
  /** An id for a new file; the db allocates ids across all file kinds. */
  newFileId: () => number;
  /** Data keys of encrypted files (an encrypted file without them is WRONG_KEY). */
  keys?: DataKeySource;
  /** The data key new files are encrypted with (asked at each file creation); absent: plain files. */
  currentKey?: () => DataKey;
}

/** The encode buffer is kept between groups up to this size; a larger group gets a one-off buffer. */
const ENCODE_BUFFER_KEEP_BYTES_MAX = 8 << 20;
const ENCODE_BUFFER_BYTES_MIN = 64 << 10;

export class ValueLog {
  private readonly files = new Map<number, VlogFile>();
  private active: VlogFile | undefined;
  private encodeBuffer = new Uint8Array(ENCODE_BUFFER_BYTES_MIN);
  private readonly fields = new EntryFields();
  private closed = false;
  private rotating = false;
  /** Set when a write, sync or file creation failed: the active file's state is unknown (fail-stop). */
  private failure: IoError | undefined;
  private torn = 0;

  private readonly vlogKeys: VlogKeys;

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly options: ValueLogOptions,
  ) {
    const currentKey = options.currentKey;
    this.vlogKeys = {
      keys: options.keys,
      newCipher: () => (currentKey === undefined ? undefined : FileCipher.forNewFile(currentKey())),
    };
  }

  /**
   * Opens every NNNNNN.vlog in `dir`; the newest is the active file, scanned to its valid end and a
   * torn tail truncated and synced (not when readOnly). No file: creates one (not when readOnly).
   */
  static async open(fs: FileSystem, dir: string, options: ValueLogOptions): Promise<ValueLog> {
    if (!Number.isSafeInteger(options.fileSizeBytes) || options.fileSizeBytes < 1 || options.fileSizeBytes > VLOG_OFFSET_MAX) {
      throw new InvalidArgumentError(`value log fileSizeBytes must be an integer from 1 to ${VLOG_OFFSET_MAX}, got ${options.fileSizeBytes}`);
    }
    const log = new ValueLog(fs, dir, options);
    try {
      await log.openFiles();
    } catch (err) {
      log.close();
      throw err;
    }
    return log;
  }

  /** Bytes of torn tail found at the end of the active file on open (truncated unless readOnly). */
  get tornBytes(): number {
    return this.torn;
  }

  /** The active file's id; -1 when there is none (a read-only open of a directory without vlog files). */
  get activeFileId(): number {
    return this.active === undefined ? -1 : this.active.id;
  }

  /** Where `fileId`'s valid entries end (older files: their size; the active one: its scanned end plus appends). */
  validEnd(fileId: number): number | undefined {
    return this.files.get(fileId)?.validEnd;
  }

  /** Encodes all `entries` into one buffer and appends it to the active file in one write; no sync. */
  appendGroup(entries: readonly VlogEntry[]): ValuePointer[] {
    const g = this.encodeGroup(entries);
    if (g === undefined) return [];
    try {
      g.file.handle.append(g.bytes);
    } catch (err) {
      this.failure = IoError.from(err, 'append to value log', g.file.name);
      throw this.failure;
    }
    g.file.validEnd = g.file.size;
    return g.pointers;
  }

  /**
   * appendGroup() with the write off the main thread where the file system allows it (a group of
   * large values is megabytes: node:fs writes it from libuv's pool while the event loop runs).
   * The pointers are readable once it resolves; the caller appends nothing else meanwhile.
   */
  async appendGroupAsync(entries: readonly VlogEntry[]): Promise<ValuePointer[]> {
    const g = this.encodeGroup(entries);
    if (g === undefined) return [];
    const handle = g.file.handle;
    try {
      if (handle.appendAsync !== undefined) await handle.appendAsync(g.bytes);
      else handle.append(g.bytes);
    } catch (err) {
      this.failure = IoError.from(err, 'append to value log', g.file.name);
      throw this.failure;
    }
    g.file.validEnd = g.file.size;
    return g.pointers;
  }

  /** Encodes a group at the active file's end and advances its size (not its valid end). */
  private encodeGroup(entries: readonly VlogEntry[]): { file: VlogFile; bytes: Uint8Array; pointers: ValuePointer[] } | undefined {
    const file = this.writable('append to the value log');
    assert(!this.rotating, 'appendGroup during rotate(): the db rotates between groups');
    let total = 0;
    for (let i = 0; i < entries.length; i++) total += vlogEntryLength(entries[i]!);
    if (entries.length === 0) return undefined;
    const start = file.size;
    if (start + total > VLOG_OFFSET_MAX) {
      throw new InvalidArgumentError(`a value-log group of ${total} bytes at offset ${start} of ${file.name} would pass the u32 offsets of value pointers`);
    }
    const buf = this.bufferFor(total);
    const pointers = new Array<ValuePointer>(entries.length);
    let pos = 0;
    for (let i = 0; i < entries.length; i++) {
      const end = putVlogEntry(buf, pos, entries[i]!, file.id, start + pos, file.cipher);
      pointers[i] = new ValuePointer(file.id, start + pos, end - pos);
      pos = end;
    }
    assert(pos === total, () => `value-log group encoded to ${pos} bytes, sized ${total}`);
    file.size += total;
    return { file, bytes: buf.subarray(0, total), pointers };
  }


  /** The active file has reached fileSizeBytes. */
  needsRotation(): boolean {
    return this.active !== undefined && this.active.size >= this.options.fileSizeBytes;
  }

  /** Syncs the active file, then makes a new one (newFileId(); header, sync, directory sync) the active file. */
  async rotate(): Promise<void> {
    const old = this.writable('rotate the value log');
    assert(!this.rotating, 'rotate() while a rotation is in progress');
    this.rotating = true;
    try {
      await this.syncFile(old);
      this.active = await this.createFile(this.options.newFileId());
    } finally {
      this.rotating = false;
    }
  }

  /** fdatasync of the active file. A failure is final (fail-stop; an fsync is never retried). No-op when readOnly. */
  async sync(): Promise<void> {
    if (this.options.readOnly) {
      this.checkOpen();
      return;
    }
    await this.syncFile(this.writable('sync the value log'));
  }

  /**
   * The value `pointer` names, after checking that the entry there has the pointer's length, a good
   * header CRC, fields that add up, and the key `expectedKey` (and the body CRC with
   * verifyChecksums). Returns a view into a buffer allocated for this read: it is never reused, so
   * the value stays valid after later reads.
   */
  read(pointer: ValuePointer, expectedKey: Uint8Array): Uint8Array {
    const { buf, file } = this.readPointer(pointer, this.options.verifyChecksums);
    const f = this.fields;
    if (f.keyLength !== expectedKey.length || !keyMatches(buf, f.keyStart, expectedKey)) {
      throw new CorruptionError(file.name, pointer.offset, `entry holds key ${preview(buf.subarray(f.keyStart, f.keyStart + f.keyLength))}, the pointer was made for ${preview(expectedKey)}`);
    }
    return buf.subarray(f.valueStart, f.valueStart + f.valueLength);
  }

  /** The whole entry `pointer` names, CRC-checked. Key and value are views into a buffer of their own. */
  readEntry(pointer: ValuePointer): VlogEntry {
    const { buf } = this.readPointer(pointer, true);
    return entryFromFields(buf, this.fields);
  }

  /**
   * Every entry of `fileId` up to its valid end (as of this call), in order, with its pointer; read
   * in chunks of VLOG_READ_CHUNK_BYTES; CRC-checked (a bad entry is CorruptionError). Keys and values
   * are views into the chunk buffers (never reused; each keeps its chunk alive: copy what you keep).
   */
  entries(fileId: number): Iterable<{ entry: VlogEntry; pointer: ValuePointer }> {
    this.checkOpen();
    const file = this.files.get(fileId);
    if (file === undefined) throw new InvalidArgumentError(`no value log file ${vlogFileName(fileId)}`);
    return iterateEntries(vlogWindow(file.handle, file.name, file.validEnd), file.id, file.name, VLOG_HEADER_BYTES, file.cipher);
  }

  /** Ids of the open files, ascending. */
  fileIds(): number[] {
    return [...this.files.keys()].sort((a, b) => a - b);
  }

  /** Bytes of `fileId` (a read-only open counts a torn tail it did not truncate). */
  fileSize(fileId: number): number {
    const file = this.files.get(fileId);
    if (file === undefined) throw new InvalidArgumentError(`no value log file ${vlogFileName(fileId)}`);
    return file.size;
  }

  /** Closes `fileId`'s handle, deletes the file and syncs the directory. Never the active file. */
  async deleteFile(fileId: number): Promise<void> {
    this.checkOpen();
    if (this.options.readOnly) throw new ReadOnlyError(`cannot delete ${vlogFileName(fileId)}: the value log was opened read-only`);
    const file = this.files.get(fileId);
    assert(file !== undefined, () => `deleteFile: no value log file ${vlogFileName(fileId)}`);
    assert(file !== this.active, () => `deleteFile: ${file.name} is the active value log file`);
    this.files.delete(fileId);
    try {
      file.handle.close();
      this.fs.unlink(file.path);
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw IoError.from(err, 'delete value log file', file.name);
    }
  }

  /** Closes every file handle. Later calls throw CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    for (const file of this.files.values()) {
      try {
        file.handle.close();
      } catch (err) {
        first ??= err;
      }
    }
    this.files.clear();
    this.active = undefined;
    if (first !== undefined) throw IoError.from(first, 'close value log file');
  }

  // ---- internals --------------------------------------------------------------------------------

  private async openFiles(): Promise<void> {
    let names: string[];
    try {
      names = this.fs.list(this.dir);
    } catch (err) {
      throw IoError.from(err, 'list value log files');
    }
    const ids: number[] = [];
    for (const name of names) {
      const id = parseVlogFileName(name);
      if (id !== undefined) ids.push(id);
    }
    ids.sort((a, b) => a - b);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const newest = i === ids.length - 1;
      const file = this.openFile(id, newest && !this.options.readOnly);
      if (newest) {
        const recovered = recoverNewest(file, this.options.readOnly, this.vlogKeys);
        this.torn = recovered.tornBytes;
        if (recovered.changed) {
          try {
            await file.handle.sync(); // before any new entry: a crash must not bring back what was cut
          } catch (err) {
            throw IoError.from(err, 'sync the truncation of value log', file.name);
          }
        }
        this.active = file;
        // Appending at the cut of an encrypted file would reuse the keystream of the cut bytes.
        if (recovered.needsNewFile) this.active = await this.createFile(this.options.newFileId());
      } else {
        checkOlderHeader(file, this.vlogKeys);
      }
    }
    if (ids.length === 0 && !this.options.readOnly) this.active = await this.createFile(this.options.newFileId());
  }

  private openFile(id: number, writable: boolean): VlogFile {
    const name = vlogFileName(id);
    const path = joinPath(this.dir, name);
    let handle: FileHandle;
    try {
      handle = this.fs.open(path, writable ? 'r+' : 'r');
    } catch (err) {
      throw IoError.from(err, 'open value log file', name);
    }
    let size: number;
    try {
      size = handle.size();
    } catch (err) {
      handle.close();
      throw IoError.from(err, 'size of value log file', name);
    }
    const file: VlogFile = { id, name, path, handle, size, validEnd: size };
    this.files.set(id, file);
    return file;
  }

  private async createFile(id: number): Promise<VlogFile> {
    assert(Number.isSafeInteger(id) && id >= 0 && id <= VLOG_OFFSET_MAX, () => `newFileId() returned ${id}, not a u32`);
    assert(!this.files.has(id), () => `newFileId() returned ${id}, which is already a value log file`);
    const name = vlogFileName(id);
    const path = joinPath(this.dir, name);
    let handle: FileHandle;
    try {
      handle = this.fs.open(path, 'wx');
    } catch (err) {
      this.failure = IoError.from(err, 'create value log file', name);
      throw this.failure;
    }
    const cipher = this.vlogKeys.newCipher();
    const file: VlogFile = { id, name, path, handle, size: VLOG_HEADER_BYTES, validEnd: VLOG_HEADER_BYTES, cipher };
    this.files.set(id, file);
    const header = newVlogHeader();
    if (cipher !== undefined) {
      header.keyId = cipher.keyId;
      header.iv = cipher.iv;
    }
    try {
      handle.append(encodeVlogHeader(header));
      await handle.sync();
      await this.fs.syncDir(this.dir);
    } catch (err) {
      this.failure = IoError.from(err, 'create value log file', name);
      throw this.failure;
    }
    return file;
  }

  /** Reads the entry `pointer` names into a new buffer and checks it; leaves its fields in this.fields. */
  private readPointer(pointer: ValuePointer, verifyBody: boolean): { buf: Uint8Array; file: VlogFile } {
    this.checkOpen();
    const { fileId, offset, length } = pointer;
    const file = this.files.get(fileId);
    if (file === undefined) throw new CorruptionError(vlogFileName(fileId), offset, `value pointer names value log file ${fileId}, which does not exist`);
    if (offset < VLOG_HEADER_BYTES || length < ENTRY_BYTES_MIN || offset + length > file.validEnd) {
      throw new CorruptionError(file.name, offset, `value pointer (offset ${offset}, length ${length}) is outside the entries of the file, which end at ${file.validEnd}`);
    }
    // Not zeroed: every byte is overwritten by the read, or the buffer is dropped with an error.
    const buf = Buffer.allocUnsafe(length);
    let n: number;
    try {
      n = file.handle.read(buf, 0, length, offset);
    } catch (err) {
      throw IoError.from(err, 'read value log', file.name);
    }
    if (n !== length) throw new CorruptionError(file.name, offset, `entry of ${length} bytes cut short at ${offset + n}`);
    const stored = readU32(buf, 0);
    if (stored !== length) throw new CorruptionError(file.name, offset, `entry length ${stored} != ${length}, the pointer's`);
    const headerCrc = readU32(buf, 8);
    const computed = entryHeaderCrc(fileId, offset, buf, 0);
    if (headerCrc !== computed) throw new CorruptionError(file.name, offset, `entry header checksum ${hex32(headerCrc)} != ${hex32(computed)}`);
    if (verifyBody) {
      const bodyCrc = crc32Range(buf, ENTRY_HEADER_BYTES, length);
      if (bodyCrc !== readU32(buf, 4)) throw new CorruptionError(file.name, offset, `entry checksum ${hex32(readU32(buf, 4))} != ${hex32(bodyCrc)}`);
    }
    // Decrypted in place after the CRC checks, which cover the stored bytes.
    if (file.cipher !== undefined) file.cipher.transformInPlace(buf, ENTRY_HEADER_BYTES, length, offset + ENTRY_HEADER_BYTES);
    const problem = parseEntryBody(buf, 0, length, this.fields);
    if (problem !== undefined) throw new CorruptionError(file.name, offset, problem);
    return { buf, file };
  }

  private async syncFile(file: VlogFile): Promise<void> {
    try {
      await file.handle.sync();
    } catch (err) {
      this.failure = IoError.from(err, 'sync value log', file.name);
      throw this.failure;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('value log');
  }

  /** The active file, for a write; throws if closed, read-only or failed. */
  private writable(what: string): VlogFile {
    this.checkOpen();
    if (this.options.readOnly) throw new ReadOnlyError(`cannot ${what}: it was opened read-only`);
    if (this.failure !== undefined) throw this.failure;
    assert(this.active !== undefined, 'a writable value log has an active file');
    return this.active;
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

function keyMatches(buf: Uint8Array, start: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (buf[start + i] !== key[i]) return false;
  return true;
}

/** A key for an error message: hex, shortened. */
function preview(key: Uint8Array): string {
  const hex = Buffer.from(key.buffer, key.byteOffset, Math.min(key.length, 32)).toString('hex');
  return `0x${hex}${key.length > 32 ? '…' : ''} (${key.length} bytes)`;
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
