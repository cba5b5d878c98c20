// Reading every checksum of a table (db.verify, `sett verify`). Table.open already checks the
// header, footer and every meta block; this adds every data block's CRC and decoding, and the
// facts the read path trusts without checking: entries strictly ascending, every entry inside its
// block's index key and the table's recorded smallest/largest, the recorded count, and every key
// present in the bloom filter (a key missing from the filter would make get() skip it silently).

import { CorruptionError, compareInternalKeys, copyBytes, formatInternalKey, userKeyOf, type InternalKey } from '../base/index.js';
import type { FileSystem } from '../fs/index.js';
import { Table } from './table-reader.js';

export interface TableCheck {
  blocks: number;
  entries: number;
  bytes: number;
}

/** Reads the whole table at `path`; throws CorruptionError (file, offset) at the first problem. */
export function verifyTable(fs: FileSystem, path: string, fileId: number): TableCheck {
  const table = Table.open(fs, path, fileId, { verifyChecksums: true });
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
