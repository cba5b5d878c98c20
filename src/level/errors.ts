// Errors as Level sees them: sett's SettError codes mapped to abstract-level's LEVEL_* codes
// where Level has one, with the SettError kept in `cause` (so nothing about what and where is
// lost). Codes Level has no name for (CONFLICT, TXN_TOO_BIG, NOT_A_DATABASE, INTERNAL, ...)
// surface as the SettError itself, with its own stable code.

import { SettError, isSettError } from '../base/index.js';

/** The abstract-level error codes this adapter raises (abstract-level README, "Errors"). */
export type LevelErrorCode =
  | 'LEVEL_LOCKED'
  | 'LEVEL_CORRUPTION'
  | 'LEVEL_IO_ERROR'
  | 'LEVEL_READONLY'
  | 'LEVEL_DATABASE_NOT_OPEN'
  | 'LEVEL_SNAPSHOT_NOT_OPEN'
  | 'LEVEL_INVALID_KEY'
  | 'LEVEL_INVALID_VALUE';

/** An error with a Level code, shaped like abstract-level's own (module-error): `code` and `cause`. */
export class LevelError extends Error {
  readonly code: LevelErrorCode;

  constructor(code: LevelErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LevelError';
    this.code = code;
  }
}

const BY_SETT_CODE: Partial<Record<SettError['code'], LevelErrorCode>> = {
  LOCKED: 'LEVEL_LOCKED',
  CORRUPTION: 'LEVEL_CORRUPTION',
  IO_ERROR: 'LEVEL_IO_ERROR',
  READ_ONLY: 'LEVEL_READONLY',
  CLOSED: 'LEVEL_DATABASE_NOT_OPEN',
};

/**
 * The error Level callers should see for `err`. A SettError with a Level counterpart becomes a
 * LevelError carrying it as `cause`; anything else is returned unchanged.
 */
export function toLevelError(err: unknown): unknown {
  if (!isSettError(err)) return err;
  const code = BY_SETT_CODE[err.code] ?? invalidArgumentCode(err);
  return code === undefined ? err : new LevelError(code, err.message, err);
}

/**
 * INVALID_ARGUMENT for a key or a value (too long, too large) is LEVEL_INVALID_KEY or
 * LEVEL_INVALID_VALUE. sett names the offending argument first in its message ("key of 70000
 * bytes is too long", "value of ... bytes is too large"); test/level/errors.test.ts pins this.
 */
function invalidArgumentCode(err: SettError): LevelErrorCode | undefined {
  if (err.code !== 'INVALID_ARGUMENT') return undefined;
  if (err.message.startsWith('INVALID_ARGUMENT: key ')) return 'LEVEL_INVALID_KEY';
  if (err.message.startsWith('INVALID_ARGUMENT: value ')) return 'LEVEL_INVALID_VALUE';
  return undefined;
}

export function snapshotNotOpen(): LevelError {
  return new LevelError('LEVEL_SNAPSHOT_NOT_OPEN', 'Snapshot is not open: cannot use snapshot after close()');
}

export function databaseNotOpen(): LevelError {
  return new LevelError('LEVEL_DATABASE_NOT_OPEN', 'Database is not open');
}
