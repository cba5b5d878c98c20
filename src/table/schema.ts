// A table's definition as the catalog stores it (ids for columns and indexes, schema versions),
// and the derived views the executor needs (row schema, key types, prefixes).

import { InvalidArgumentError } from '../index.js';
import { NoSuchColumnError } from './errors.js';
import { indexPrefix, ROWS_INDEX_ID, tablePrefix } from './keys.js';
import type { RowSchema } from './row-codec.js';
import type { ColumnDef, ColumnInfo, ColumnType, IndexInfo, TableInfo } from './types.js';
import { coerceValue, isIndexable, normalizeType } from './values.js';

/** Part of the stored catalog format (docs/format.md): bump when a record changes shape. */
export const CATALOG_FORMAT_VERSION = 1;

export interface ColumnMeta extends ColumnInfo {
  id: number;
  /** The schema version that added the column: older rows read its default. */
  addedInVersion: number;
}

export interface IndexMeta {
  id: number;
  name: string;
  /** Column ids, in index order. */
  columns: number[];
  unique: boolean;
  state: 'ready' | 'building';
  implicit: boolean;
  /** A column added with this index (addColumn with `unique`): rolling the build back drops it too. */
  addsColumn?: number;
}

/** The stored record of one table (JSON in the catalog). */
export interface TableRecord {
  format: number;
  id: number;
  name: string;
  schemaVersion: number;
  columns: ColumnMeta[];
  nextColumnId: number;
  /** Column ids of the primary key; empty for a table with a hidden row id. */
  primaryKey: number[];
  indexes: IndexMeta[];
  nextIndexId: number;
}

/** An index with what reading it needs. */
export interface IndexView {
  meta: IndexMeta;
  /** Positions of its columns in `TableMeta.columns`. */
  positions: number[];
  types: ColumnType[];
  prefix: Buffer;
}

/** A table's record plus the derived lookups, rebuilt whenever the record changes. */
export class TableMeta {
  readonly rowSchema: RowSchema;
  readonly positionByName = new Map<string, number>();
  /** Positions of the primary-key columns; empty when the table keys rows by a hidden row id. */
  readonly pkPositions: number[];
  readonly pkTypes: ColumnType[];
  readonly rowsPrefix: Buffer;
  readonly prefix: Buffer;
  readonly indexes: IndexView[];
  /** Position of the auto-increment column, or -1. */
  readonly autoIncrementPosition: number;
  /** The primary-key columns as lookups check a key: lengths do not apply (a too-long key is simply absent). */
  readonly pkLookupColumns: ColumnInfo[];
  /** Each column as a query operand is checked against it: nullable, no length, decimals at full scale. */
  readonly operandColumns: ColumnInfo[];
  /** Whether the primary key is one INT column: lookups by a safe integer need no conversion. */
  readonly pkIsOneInt: boolean;

  private shared: Readonly<TableInfo> | undefined;

  constructor(readonly record: TableRecord) {
    record.columns.forEach((c, i) => this.positionByName.set(c.name, i));
    const positionOfId = (id: number): number => {
      const p = record.columns.findIndex((c) => c.id === id);
      if (p < 0) throw new InvalidArgumentError(`catalog of table '${record.name}' names column id ${id}, which it does not have`);
      return p;
    };
    this.pkPositions = record.primaryKey.map(positionOfId);
    this.pkTypes = this.pkPositions.length === 0 ? ['BIGINT'] : this.pkPositions.map((p) => record.columns[p]!.type);
    this.prefix = tablePrefix(record.id);
    this.rowsPrefix = indexPrefix(record.id, ROWS_INDEX_ID);
    this.indexes = record.indexes.map((meta) => {
      const positions = meta.columns.map(positionOfId);
      return { meta, positions, types: positions.map((p) => record.columns[p]!.type), prefix: indexPrefix(record.id, meta.id) };
    });
    this.autoIncrementPosition = record.columns.findIndex((c) => c.autoIncrement);
    this.pkLookupColumns = this.pkPositions.map((p) => ({ ...record.columns[p]!, length: undefined }));
    // A DATE operand keeps its time (MySQL compares a DATE with a DATETIME at midnight): only
    // stored DATE values are truncated to the day.
    this.operandColumns = record.columns.map((c) => ({ ...c, type: c.type === 'DATE' ? 'DATETIME' : c.type, nullable: true, length: undefined, precision: 65, scale: 30 }));
    this.pkIsOneInt = this.pkTypes.length === 1 && this.pkTypes[0] === 'INT' && !this.hiddenRowId;
    this.rowSchema = {
      version: record.schemaVersion,
      columns: record.columns.map((c) => ({ id: c.id, name: c.name, type: c.type, addedInVersion: c.addedInVersion, default: storedDefault(c) })),
    };
  }

  get name(): string {
    return this.record.name;
  }

  get id(): number {
    return this.record.id;
  }

  get columns(): ColumnMeta[] {
    return this.record.columns;
  }

  /** Whether rows are keyed by a hidden row id (the table declared no primary key). */
  get hiddenRowId(): boolean {
    return this.pkPositions.length === 0;
  }

  position(name: string): number {
    const p = this.positionByName.get(name);
    if (p === undefined) throw new NoSuchColumnError(this.name, name);
    return p;
  }

  readyIndexes(): IndexView[] {
    return this.indexes.filter((i) => i.meta.state === 'ready');
  }

  /**
   * info(), computed once and frozen: the same object for as long as this definition is the
   * table's (DDL installs a new TableMeta), so callers may cache what they derive from it by it.
   */
  sharedInfo(): Readonly<TableInfo> {
    return (this.shared ??= deepFreeze(this.info()));
  }

  info(): TableInfo {
    const { record } = this;
    return {
      name: record.name,
      columns: record.columns.map(columnInfo),
      primaryKey: this.pkPositions.map((p) => record.columns[p]!.name),
      indexes: this.indexes.map(
        (i): IndexInfo => ({
          name: i.meta.name,
          columns: i.positions.map((p) => record.columns[p]!.name),
          unique: i.meta.unique,
          state: i.meta.state,
          implicit: i.meta.implicit,
        }),
      ),
    };
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function columnInfo(c: ColumnMeta): ColumnInfo {
  const out: ColumnInfo = { name: c.name, type: c.type, nullable: c.nullable, primary: c.primary, autoIncrement: c.autoIncrement, unique: c.unique };
  if (c.length !== undefined) out.length = c.length;
  if (c.precision !== undefined) out.precision = c.precision;
  if (c.scale !== undefined) out.scale = c.scale;
  if (c.default !== undefined) out.default = c.default === 'now' && isDateType(c.type) ? 'now' : revive(c.type, c.default);
  return out;
}

/** The canonical value a column's default stands for in rows older than the column ('now' has none). */
function storedDefault(c: ColumnMeta): unknown {
  if (c.default === undefined || (c.default === 'now' && isDateType(c.type))) return undefined;
  return revive(c.type, c.default);
}

export function isDateType(type: ColumnType): boolean {
  return type === 'DATE' || type === 'DATETIME' || type === 'TIMESTAMP';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 64) {
    throw new InvalidArgumentError(`${kind} name must be 1 to 64 letters, digits, '_' or '$', starting with a letter or '_'; got ${JSON.stringify(name)}`);
  }
  return name;
}

/** A user's column definition checked and normalized into the catalog's form. */
export function columnMeta(table: string, def: ColumnDef, id: number, version: number, primary: boolean): ColumnMeta {
  if (typeof def !== 'object' || def === null) throw new InvalidArgumentError(`a column of table '${table}' must be an object`);
  const name = checkName('column', def.name);
  const type = normalizeType(def.type);
  if (def.length !== undefined && (!Number.isSafeInteger(def.length) || def.length <= 0)) {
    throw new InvalidArgumentError(`column '${name}': length must be a positive integer`);
  }
  const autoIncrement = def.autoIncrement === true;
  if (autoIncrement && type !== 'INT' && type !== 'BIGINT') throw new InvalidArgumentError(`column '${name}': autoIncrement needs an INT or BIGINT column`);
  if (primary && def.nullable === true) throw new InvalidArgumentError(`column '${name}': a primary-key column cannot be nullable`);
  if ((primary || def.unique === true) && !isIndexable(type)) throw new InvalidArgumentError(`column '${name}': ${type} columns cannot be keys or indexed`);
  const meta: ColumnMeta = {
    id,
    name,
    type,
    nullable: primary ? false : def.nullable !== false,
    primary,
    autoIncrement,
    unique: def.unique === true,
    addedInVersion: version,
  };
  if (def.length !== undefined) meta.length = def.length;
  if (type === 'DECIMAL') {
    meta.precision = def.precision ?? 10;
    meta.scale = def.scale ?? 0;
  }
  if (def.default !== undefined && def.default !== null) {
    if (def.default === 'now' && isDateType(type)) meta.default = 'now';
    else meta.default = persistable(type, coerceValue({ ...meta, nullable: true }, def.default, table));
  }
  return meta;
}

/** A canonical value in a JSON-safe form for the catalog record (revive() undoes it). */
export function persistable(type: ColumnType, value: unknown): unknown {
  if (type === 'JSON') return { $json: value };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Date) return { $date: value.getTime() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  return value;
}

export function revive(type: ColumnType, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && type !== 'JSON') {
    const v = value as Record<string, unknown>;
    if (typeof v.$bigint === 'string') return BigInt(v.$bigint);
    if (typeof v.$date === 'number') return new Date(v.$date);
    if (typeof v.$bytes === 'string') return Buffer.from(v.$bytes, 'base64');
  }
  if (type === 'JSON' && typeof value === 'object' && value !== null && '$json' in (value as object)) return (value as { $json: unknown }).$json;
  return value;
}

/** Column ids of `names`, checked against the columns (NO_SUCH_COLUMN) and for indexability. */
export function columnIds(table: string, columns: ColumnMeta[], names: unknown, what: string): number[] {
  if (!Array.isArray(names) || names.length === 0) throw new InvalidArgumentError(`${what} needs a non-empty array of column names`);
  const seen = new Set<string>();
  return names.map((n) => {
    if (typeof n !== 'string') throw new InvalidArgumentError(`${what}: column names must be strings`);
    if (seen.has(n)) throw new InvalidArgumentError(`${what}: column '${n}' appears twice`);
    seen.add(n);
    const c = columns.find((x) => x.name === n);
    if (c === undefined) throw new NoSuchColumnError(table, n);
    if (!isIndexable(c.type)) throw new InvalidArgumentError(`${what}: ${c.type} column '${n}' cannot be indexed`);
    return c.id;
  });
}
