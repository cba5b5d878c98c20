// The table layer's key space inside sett (docs/format.md "Table layer: key layout").
//
//   +------+----------------+-----------------+---------------------------------------+
//   | 0x01 | table id (u32) | index id (u16)  | tuple (tuple.ts)                      |
//   +------+----------------+-----------------+---------------------------------------+
//
// Table id 0 holds the catalog. Index id 0 holds the rows (key: the primary-key tuple);
// index ids 1.. hold index entries (key: the index tuple, then the primary-key tuple unless the
// index is unique and every indexed value is non-NULL); index id 0xFFFF holds the table's
// auto-increment high-water mark. Everything of a table shares the 5-byte prefix, so one
// dropPrefix removes it; ids are never reused, so a dropped table's leftovers can never be read
// as a live table's.

/** Part of the stored form of table keys: never change it (existing databases would go dark). */
export const TABLE_KEY_SPACE = 0x01;

export const CATALOG_TABLE_ID = 0;
export const ROWS_INDEX_ID = 0;
export const AUTO_INCREMENT_INDEX_ID = 0xffff;
export const MAX_TABLE_ID = 0xffffffff;
export const MAX_INDEX_ID = 0xfffe;

/** Catalog record kinds, the byte after the catalog's table prefix. */
export const CATALOG_TABLE = 0x01;
export const CATALOG_NEXT_TABLE_ID = 0x02;
export const CATALOG_PENDING_DROP = 0x03;

const encoder = new TextEncoder();

/** The 5-byte prefix of everything table `tableId` holds. */
export function tablePrefix(tableId: number): Buffer {
  const out = Buffer.allocUnsafe(5);
  out[0] = TABLE_KEY_SPACE;
  out.writeUInt32BE(tableId, 1);
  return out;
}

/** The 7-byte prefix of one index (ROWS_INDEX_ID: the rows) of a table. */
export function indexPrefix(tableId: number, indexId: number): Buffer {
  const out = Buffer.allocUnsafe(7);
  out[0] = TABLE_KEY_SPACE;
  out.writeUInt32BE(tableId, 1);
  out.writeUInt16BE(indexId, 5);
  return out;
}

/** `prefix` followed by `tuple`, as one key. */
export function withTuple(prefix: Uint8Array, tuple: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + tuple.length);
  out.set(prefix, 0);
  out.set(tuple, prefix.length);
  return out;
}

/** The key past every key that starts with `prefix` (prefixes here never end in 0xFF runs). */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  throw new RangeError('prefixEnd of an all-0xFF prefix');
}

export function autoIncrementKey(tableId: number): Buffer {
  return indexPrefix(tableId, AUTO_INCREMENT_INDEX_ID);
}

export function catalogTableKey(name: string): Buffer {
  const prefix = catalogPrefix(CATALOG_TABLE);
  return Buffer.concat([prefix, encoder.encode(name)]);
}

export function catalogNextTableIdKey(): Buffer {
  return catalogPrefix(CATALOG_NEXT_TABLE_ID);
}

/** A pending removal of the keys under `prefix` (a dropped table, truncated data or a dropped index). */
export function pendingDropKey(prefix: Uint8Array): Buffer {
  return Buffer.concat([catalogPrefix(CATALOG_PENDING_DROP), prefix]);
}

export function catalogPrefix(kind: number): Buffer {
  const out = Buffer.allocUnsafe(6);
  out[0] = TABLE_KEY_SPACE;
  out.writeUInt32BE(CATALOG_TABLE_ID, 1);
  out[5] = kind;
  return out;
}

/** The table id of a key in the table key space, or undefined for keys outside it. */
export function tableIdOf(key: Uint8Array): number | undefined {
  if (key.length < 5 || key[0] !== TABLE_KEY_SPACE) return undefined;
  return ((key[1]! << 24) >>> 0) + (key[2]! << 16) + (key[3]! << 8) + key[4]!;
}
