// The catalog: every table's record under the catalog prefix, the next table id, and pending
// removals of dropped key ranges. Each DDL statement is one engine transaction over these keys,
// so a crash leaves either the old catalog or the new one. Dropped ranges are removed in the
// background with dropPrefix; their pending-drop records make a crash mid-removal resume at open.

import { CorruptionError, type DB, type Transaction } from '../index.js';
import { CATALOG_PENDING_DROP, CATALOG_TABLE, catalogNextTableIdKey, catalogPrefix, catalogTableKey, MAX_TABLE_ID, pendingDropKey, TABLE_KEY_SPACE, tableIdOf, tablePrefix } from './keys.js';
import { CATALOG_FORMAT_VERSION, TableMeta, type TableRecord } from './schema.js';
import { decodeTuple } from './tuple.js';

export class Catalog {
  readonly tables = new Map<string, TableMeta>();
  nextTableId = 1;
  /** Prefixes whose removal is pending, by their hex (a Set of Buffers would compare by identity). */
  readonly pendingDrops = new Map<string, Buffer>();

  static load(db: DB): Catalog {
    const catalog = new Catalog();
    const tablePre = catalogPrefix(CATALOG_TABLE);
    for (const [key, value] of db.iterator({ prefix: tablePre })) {
      const record = parseRecord(key!, value!);
      catalog.tables.set(record.name, new TableMeta(record));
    }
    const next = db.getSync(catalogNextTableIdKey());
    if (next !== undefined) catalog.nextTableId = Number(next.toString('utf8'));
    for (const meta of catalog.tables.values()) catalog.nextTableId = Math.max(catalog.nextTableId, meta.id + 1);
    const dropPre = catalogPrefix(CATALOG_PENDING_DROP);
    for (const [key] of db.iterator({ prefix: dropPre, values: false })) {
      const prefix = Buffer.from(key!.subarray(dropPre.length));
      catalog.pendingDrops.set(prefix.toString('hex'), prefix);
    }
    return catalog;
  }

  /** A new table id, persisted with `txn`. */
  allocateTableId(txn: Transaction): number {
    const id = this.nextTableId;
    if (id > MAX_TABLE_ID) throw new RangeError('table ids exhausted');
    txn.put(catalogNextTableIdKey(), String(id + 1));
    return id;
  }

  /** Writes `record` (and its table's id counter advance) into `txn`. */
  static putRecord(txn: Transaction, record: TableRecord): void {
    txn.put(catalogTableKey(record.name), JSON.stringify(record));
  }

  static deleteRecord(txn: Transaction, name: string): void {
    txn.delete(catalogTableKey(name));
  }

  static markDrop(txn: Transaction, prefix: Uint8Array): void {
    txn.put(pendingDropKey(prefix), '');
  }

  /**
   * Table ids that hold keys but have no catalog record and no pending drop: what a crash between
   * a statement's writes and its catalog change could leave (none today, but removal is cheap to
   * check: one seek per table id present).
   */
  orphanPrefixes(db: DB): Buffer[] {
    const live = new Set([...this.tables.values()].map((m) => m.id));
    const out: Buffer[] = [];
    let from = tablePrefix(1);
    const end = Buffer.from([TABLE_KEY_SPACE + 1]);
    for (;;) {
      const it = db.iterator({ gte: from, lt: end, limit: 1, values: false });
      const first = it.nextEntry();
      it.close();
      if (first === undefined) break;
      const id = tableIdOf(first[0]!);
      if (id === undefined || id >= MAX_TABLE_ID) break;
      const prefix = tablePrefix(id);
      if (!live.has(id) && !this.pendingDrops.has(prefix.toString('hex'))) out.push(prefix);
      from = tablePrefix(id + 1);
    }
    return out;
  }
}

function parseRecord(key: Uint8Array, value: Buffer): TableRecord {
  let record: TableRecord;
  try {
    record = JSON.parse(value.toString('utf8')) as TableRecord;
  } catch {
    throw new CorruptionError('catalog', 0, `the table record under key ${Buffer.from(key).toString('hex')} is not JSON`);
  }
  if (typeof record !== 'object' || record === null || record.format !== CATALOG_FORMAT_VERSION || typeof record.id !== 'number' || !Array.isArray(record.columns)) {
    throw new CorruptionError('catalog', 0, `the table record under key ${Buffer.from(key).toString('hex')} has format ${JSON.stringify((record as { format?: unknown })?.format)}, expected ${CATALOG_FORMAT_VERSION}`);
  }
  return record;
}

/** Reads a stored auto-increment high-water mark (decimal text). */
export function parseCounter(value: Buffer | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value.toString('utf8'));
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The highest integer primary key of a table's last row, for tables keyed by one integer. */
export function lastIntegerKey(db: DB | Transaction, meta: TableMeta): number {
  const it = db.iterator({ prefix: meta.rowsPrefix, reverse: true, limit: 1, values: false });
  const last = it.nextEntry();
  it.close();
  if (last === undefined) return 0;
  const v = decodeTuple(meta.pkTypes, last[0]!, meta.rowsPrefix.length, 1).values[0];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
}
