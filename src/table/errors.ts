// The table layer's typed errors (TABLES.md §2 "Constraints"): each is a SettError with a stable
// code, thrown before anything is written.

import { SettError } from '../index.js';

/** A primary key or unique index already holds the value. */
export class DuplicateKeyError extends SettError {
  readonly index: string;
  readonly value: unknown;

  constructor(table: string, index: string, value: unknown) {
    super('DUPLICATE_KEY', `duplicate entry ${formatValue(value)} for key '${index}' of table '${table}'`);
    this.index = index;
    this.value = value;
  }
}

/** A value breaks its column's rules: NOT NULL, type, length, range. */
export class ConstraintError extends SettError {
  readonly column: string | undefined;

  constructor(message: string, column?: string) {
    super('CONSTRAINT', message);
    this.column = column;
  }
}

export class NoSuchTableError extends SettError {
  readonly table: string;

  constructor(table: string) {
    super('NO_SUCH_TABLE', `table '${table}' does not exist`);
    this.table = table;
  }
}

export class TableExistsError extends SettError {
  readonly table: string;

  constructor(table: string) {
    super('TABLE_EXISTS', `table '${table}' already exists`);
    this.table = table;
  }
}

export class NoSuchColumnError extends SettError {
  readonly column: string;

  constructor(table: string, column: string) {
    super('NO_SUCH_COLUMN', `table '${table}' has no column '${column}'`);
    this.column = column;
  }
}

/** A value as an error message shows it: strings quoted, bytes in hex, composite keys in parentheses. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(formatValue).join(', ')})`;
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return `'${value.length > 64 ? value.slice(0, 64) + '…' : value}'`;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (value instanceof Uint8Array) return `x'${Buffer.from(value.subarray(0, 32)).toString('hex')}${value.length > 32 ? '…' : ''}'`;
  return String(value);
}
