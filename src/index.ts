// The public face of sett (SPEC §5).
export { open, DB, DBIterator, Transaction, Snapshot, Sequence, WriteBatch, DEFAULT_OPTIONS, verifyDirectory } from './db/index.js';
export type {
  OpenOptions,
  Options,
  PutOptions,
  DropPrefixOptions,
  BatchOperation,
  Change,
  TransactionOptions,
  IteratorOptions,
  IteratorEntry,
  DBStats,
  Counters,
  LevelStats,
  Logger,
  LoggingLevel,
  CompressionOption,
  VerifyReport,
  VerifiedFile,
  VerifyProblem,
  VerifyOptions,
  VerifyProgress,
  VerifyDirectoryOptions,
  BackupOptions,
  LoadOptions,
  LoadResult,
} from './db/index.js';
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
  WrongKeyError,
  WriteQueueFullError,
  isSettError,
} from './base/index.js';
export { rotateMasterKey, type RotateMasterKeyOptions } from './crypto/index.js';
export type { SettErrorCode, Clock } from './base/index.js';
export { systemClock, ManualClock } from './base/index.js';
export { FaultFS, NodeFS, nodeFS } from './fs/index.js';
export type { FileSystem, FileHandle } from './fs/index.js';
