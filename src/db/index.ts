export { open, type OpenOptions } from './open.js';
export { DB, type PutOptions, type BatchOperation, type Change } from './db.js';
export { DBIterator, type IteratorOptions, type IteratorEntry } from './db-iterator.js';
export { Transaction, Snapshot, type TransactionOptions } from './transaction.js';
export { Sequence } from './sequence.js';
export { WriteBatch } from './write-batch.js';
export { DEFAULT_OPTIONS, type Options, type Logger, type LoggingLevel, type CompressionOption } from './options.js';
export type { DBStats, Counters, LevelStats } from './stats.js';
