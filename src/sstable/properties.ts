// Table properties block (docs/format.md §SST.properties).
//
//   +---------------------------+------------------+---------------------------+-----------------+
//   | smallestLength varint     | smallest key     | largestLength varint      | largest key     |
//   +---------------------------+------------------+---------------------------+-----------------+
//   | count varint | maxVersion varint | compression u8 | vlogFileCount varint                     |
//   +--------------------------------------------------------------------------------------------+
//   | (fileId varint | bytes varint) × vlogFileCount, fileId strictly ascending                   |
//   +--------------------------------------------------------------------------------------------+
//
// Keys are internal keys. The sizes in TableProperties (data, index, filter, file bytes) are not
// stored here: the footer and the file size give them.

import {
  CorruptionError,
  VERSION_BYTES,
  getVarint,
  putVarint,
  varintLength,
  type InternalKey,
  copyBytes,
} from '../base/index.js';
import { COMPRESSION_CODE, type CompressionName } from './compression.js';
import { compareInternalRanges } from './key-compare.js';

export interface TableProperties {
  smallest: InternalKey;
  largest: InternalKey;
  /** Entries in the table (every version, tombstones included). */
  count: number;
  maxVersion: number;
  /** Bytes of data blocks, trailers included. */
  dataBytes: number;
  /** Bytes of the index block, trailer included. */
  indexBytes: number;
  /** Bytes of the filter block, trailer included. */
  filterBytes: number;
  fileBytes: number;
  /** The compression the table was built with (a block may still be stored uncompressed). */
  compression: CompressionName;
  /** Per value-log file id, the bytes of the values this table points at in it. */
  vlogBytes: Map<number, number>;
  /**
   * The newest WAL whose data the table holds (a flush: its memtable's WAL; a compaction: the
   * largest of its inputs'); 0 when unknown. Open uses it to tell a table the MANIFEST lost from
   * one a crash left behind.
   */
  maxWalId: number;
  formatVersion: number;
  /** Data key id of an encrypted (version 2) table, from its header; 0 = not encrypted. */
  keyId: number;
}

/** The part of the properties that the properties block stores. */
export interface StoredProperties {
  smallest: InternalKey;
  largest: InternalKey;
  count: number;
  maxVersion: number;
  compression: CompressionName;
  vlogBytes: Map<number, number>;
  maxWalId: number;
}

export function compressionCode(name: CompressionName): number {
  return COMPRESSION_CODE[name];
}

/** The compression whose on-disk code is `code`, or undefined for an unknown code. */
export function compressionOfCode(code: number): CompressionName | undefined {
  for (const name of Object.keys(COMPRESSION_CODE) as CompressionName[]) {
    if (COMPRESSION_CODE[name] === code) return name;
  }
  return undefined;
}

export function encodeProperties(p: StoredProperties): Uint8Array {
  const fileIds = [...p.vlogBytes.keys()].sort((a, b) => a - b);
  let size =
    varintLength(p.smallest.length) +
    p.smallest.length +
    varintLength(p.largest.length) +
    p.largest.length +
    varintLength(p.count) +
    varintLength(p.maxVersion) +
    1 +
    varintLength(fileIds.length);
  for (const id of fileIds) size += varintLength(id) + varintLength(p.vlogBytes.get(id)!);
  if (p.maxWalId > 0) size += varintLength(p.maxWalId); // omitted when 0 (unknown)
  const out = new Uint8Array(size);
  let o = putVarint(out, 0, p.smallest.length);
  out.set(p.smallest, o);
  o = putVarint(out, o + p.smallest.length, p.largest.length);
  out.set(p.largest, o);
  o = putVarint(out, o + p.largest.length, p.count);
  o = putVarint(out, o, p.maxVersion);
  out[o++] = compressionCode(p.compression);
  o = putVarint(out, o, fileIds.length);
  for (const id of fileIds) {
    o = putVarint(out, o, id);
    o = putVarint(out, o, p.vlogBytes.get(id)!);
  }
  if (p.maxWalId > 0) o = putVarint(out, o, p.maxWalId);
  return out;
}

/** Decodes a properties block; `file` and `offset` name it in errors. */
export function decodeProperties(bytes: Uint8Array, file: string, offset: number): StoredProperties {
  const end = bytes.length;
  const next = [0];
  let o = 0;
  const fail = (what: string): never => {
    throw new CorruptionError(file, offset, `properties block: ${what}`);
  };
  const varint = (what: string): number => {
    const v = getVarint(bytes, o, end, next);
    if (v < 0) fail(`bad ${what}`);
    o = next[0]!;
    return v;
  };
  const key = (what: string): InternalKey => {
    const length = varint(`${what} key length`);
    if (length < VERSION_BYTES || o + length > end) fail(`${what} key of ${length} bytes does not fit`);
    const k = copyBytes(bytes, o, o + length);
    o += length;
    return k;
  };
  const smallest = key('smallest');
  const largest = key('largest');
  if (compareInternalRanges(smallest, 0, smallest.length, largest, 0, largest.length) > 0) fail('smallest key > largest key');
  const count = varint('count');
  if (count < 1) fail('count is 0');
  const maxVersion = varint('max version');
  if (o >= end) fail('missing compression code');
  const code = bytes[o++]!;
  const compression = compressionOfCode(code);
  if (compression === undefined) fail(`unknown compression code ${code}`);
  const files = varint('vlog file count');
  const vlogBytes = new Map<number, number>();
  let previous = -1;
  for (let i = 0; i < files; i++) {
    const id = varint('vlog file id');
    if (id <= previous) fail('vlog file ids out of order');
    previous = id;
    vlogBytes.set(id, varint('vlog bytes'));
  }
  // Added after the first tables were written: absent means unknown (0).
  const maxWalId = o < end ? varint('max WAL id') : 0;
  if (o !== end) fail(`${end - o} trailing bytes`);
  return { smallest, largest, count, maxVersion, compression: compression!, vlogBytes, maxWalId };
}
