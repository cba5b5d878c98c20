// Typed errors: every error that leaves sett is a SettError with a stable `code`.
// Codes are part of the public contract (SPEC §5): never rename one.

export type SettErrorCode =
  | 'LOCKED'
  | 'CLOSED'
  | 'READ_ONLY'
  | 'CONFLICT'
  | 'TXN_TOO_BIG'
  | 'CORRUPTION'
  | 'INVALID_ARGUMENT'
  | 'NOT_A_DATABASE'
  | 'IO_ERROR'
  | 'WRONG_KEY'
  | 'WRITE_QUEUE_FULL'
  // The table layer's codes (TABLES.md §2 "Constraints").
  | 'DUPLICATE_KEY'
  | 'CONSTRAINT'
  | 'NO_SUCH_TABLE'
  | 'TABLE_EXISTS'
  | 'NO_SUCH_COLUMN'
  | 'INTERNAL';

export interface SettErrorDetails {
  /** File the error is about, relative to the database directory when known. */
  file?: string;
  /** Byte offset in `file` where the problem was found. */
  offset?: number;
  /** Underlying errno code for IO_ERROR (e.g. 'ENOSPC', 'EIO'). */
  errno?: string;
  cause?: unknown;
}

export class SettError extends Error {
  readonly code: SettErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;
  readonly errno: string | undefined;

  constructor(code: SettErrorCode, message: string, details: SettErrorDetails = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = details.file;
    this.offset = details.offset;
    this.errno = details.errno;
  }
}

export class LockedError extends SettError {
  constructor(dir: string) {
    super('LOCKED', `Cannot acquire directory lock on "${dir}". Another process is using this database.`);
    // The SPEC fixes this message exactly; keep it free of the code prefix.
    this.message = `Cannot acquire directory lock on "${dir}". Another process is using this database.`;
  }
}

export class ClosedError extends SettError {
  constructor(what = 'database') {
    super('CLOSED', `the ${what} is closed`);
  }
}

export class ReadOnlyError extends SettError {
  constructor(reason = 'the database was opened read-only') {
    super('READ_ONLY', reason);
  }
}

export class ConflictError extends SettError {
  constructor(message = 'transaction conflict: a key it read was written by a later commit; retry it') {
    super('CONFLICT', message);
  }
}

export class TxnTooBigError extends SettError {
  constructor(message: string) {
    super('TXN_TOO_BIG', message);
  }
}

export class CorruptionError extends SettError {
  constructor(file: string, offset: number, message: string) {
    super('CORRUPTION', `${file} at offset ${offset}: ${message}`, { file, offset });
  }
}

export class InvalidArgumentError extends SettError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export class NotADatabaseError extends SettError {
  constructor(file: string, message: string) {
    super('NOT_A_DATABASE', `${file}: ${message}`, { file });
  }
}

export class IoError extends SettError {
  constructor(message: string, errno: string | undefined, details: SettErrorDetails = {}) {
    super('IO_ERROR', errno === undefined ? message : `${message} (${errno})`, { ...details, errno });
  }

  /** Wraps an error thrown by the file system, keeping its errno. */
  static from(err: unknown, what: string, file?: string): IoError {
    if (err instanceof IoError) return err;
    const errno = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return new IoError(`${what}: ${message}`, errno, file === undefined ? { cause: err } : { file, cause: err });
  }
}

/**
 * The encryption key does not fit the database: an encrypted database opened without a key or
 * with another one, or a plain database opened with a key. Found before any data is read.
 */
export class WrongKeyError extends SettError {
  constructor(message: string, file?: string) {
    super('WRONG_KEY', message, file === undefined ? {} : { file });
  }
}

/**
 * Backpressure: the write queue holds maxPendingWriteBytes of writes not yet committed. Nothing
 * of this write was kept; await earlier writes, then retry it.
 */
export class WriteQueueFullError extends SettError {
  constructor(message: string) {
    super('WRITE_QUEUE_FULL', message);
  }
}

export class InternalError extends SettError {
  constructor(message: string) {
    super('INTERNAL', message);
  }
}

export function isSettError(err: unknown, code?: SettErrorCode): err is SettError {
  return err instanceof SettError && (code === undefined || err.code === code);
}
