// Reading every checksum of a table (db.verify, `sett verify`). Table.open already checks the
// header, footer and every meta block; this adds every data block's CRC and decoding, and the
// facts the read path trusts without checking: entries strictly ascending, every entry inside its
// block's index key and the table's recorded smallest/largest, the recorded count, and every key
// present in the bloom filter (a key missing from the filter would make get() skip it silently).

import { CorruptionError, IoError, compareInternalKeys, copyBytes, crc32Range, formatInternalKey, hex32, userKeyOf, type InternalKey } from '../base/index.js';
import type { DataKeySource } from '../crypto/index.js';
import { readAll, type FileSystem } from '../fs/index.js';
import { FOOTER_BYTES, baseName, decodeFooter, getU32, TABLE_FORMAT_VERSION_ENCRYPTED, type BlockHandle } from './format.js';
import { Table } from './table-reader.js';

export interface TableCheck {
  blocks: number;
  entries: number;
  bytes: number;
}

/** Reads the whole table at `path`; throws CorruptionError (file, offset) at the first problem. */
export function verifyTable(fs: FileSystem, path: string, fileId: number, keys?: DataKeySource): TableCheck {
  if (keys === undefined) {
    const sealed = verifyEncryptedWithoutKey(fs, path);
    if (sealed !== undefined) return sealed;
  }
  const table = Table.open(fs, path, fileId, { verifyChecksums: true, keys });
  try {
    const name = table.name;
    const p = table.properties;
    const index = table.index;
    let previous: InternalKey | undefined;
    let entries = 0;
    for (let i = 0; i < index.length; i++) {
      const offset = index.offsets[i]!;
      const it = table.blockAt(i).iterator();
      try {
        for (it.seekToFirst(); it.valid(); it.next()) {
          const key = it.key();
          if (previous !== undefined && compareInternalKeys(previous, key) >= 0) {
            throw new CorruptionError(name, offset, `key ${formatInternalKey(key)} is not after ${formatInternalKey(previous)}`);
          }
          if (compareInternalKeys(key, index.lastKey(i)) > 0) {
            throw new CorruptionError(name, offset, `key ${formatInternalKey(key)} is past its block's index key`);
          }
          if (!table.mayContain(userKeyOf(key))) {
            throw new CorruptionError(name, offset, `key ${formatInternalKey(key)} is missing from the bloom filter`);
          }
          if (entries === 0 && compareInternalKeys(key, p.smallest) !== 0) {
            throw new CorruptionError(name, offset, `first key ${formatInternalKey(key)} is not the recorded smallest ${formatInternalKey(p.smallest)}`);
          }
          previous = copyBytes(key, 0, key.length); // key() may be a view the iterator reuses
          entries++;
        }
      } finally {
        it.close();
      }
    }
    if (previous !== undefined && compareInternalKeys(previous, p.largest) !== 0) {
      throw new CorruptionError(name, 0, `last key ${formatInternalKey(previous)} is not the recorded largest ${formatInternalKey(p.largest)}`);
    }
    if (entries !== p.count) throw new CorruptionError(name, 0, `${entries} entries, the properties record ${p.count}`);
    return { blocks: index.length, entries, bytes: table.size };
  } finally {
    table.unref();
  }
}

/**
 * An encrypted table checked without its key: the header, the footer and the three meta blocks'
 * CRCs (they cover the stored, encrypted bytes). The data blocks' handles are in the encrypted
 * index, so their CRCs are checked only with the key. Undefined for a plain table.
 */
function verifyEncryptedWithoutKey(fs: FileSystem, path: string): TableCheck | undefined {
  const name = baseName(path);
  let bytes: Uint8Array;
  try {
    bytes = readAll(fs, path);
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT') throw new CorruptionError(name, 0, 'table file is missing');
    throw IoError.from(err, 'read table', name);
  }
  if (bytes.length < 10 || ((bytes[8]! << 8) | bytes[9]!) !== TABLE_FORMAT_VERSION_ENCRYPTED) return undefined;
  const footer = decodeFooter(name, bytes.length, bytes.subarray(0, Math.min(bytes.length, 34)), bytes.subarray(Math.max(0, bytes.length - FOOTER_BYTES)));
  const check = (h: BlockHandle): void => {
    const end = h.offset + h.size;
    const expected = getU32(bytes, end + 5);
    const found = crc32Range(bytes, h.offset, end + 5);
    if (expected !== found) throw new CorruptionError(name, h.offset, `block checksum mismatch: expected ${hex32(expected)}, found ${hex32(found)}`);
  };
  check(footer.index);
  check(footer.filter);
  check(footer.properties);
  return { blocks: 3, entries: 0, bytes: bytes.length };
}
