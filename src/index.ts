// The public face of sett. The engine (open, DB) lands with the db layer; until then the
// package exports its errors and the building blocks that are already stable.
export {
  SettError,
  LockedError,
  ClosedError,
  ReadOnlyError,
  ConflictError,
  TxnTooBigError,
  CorruptionError,
  InvalidArgumentError,
  NotADatabaseError,
  IoError,
  isSettError,
} from './base/index.js';
export type { SettErrorCode } from './base/index.js';
