export { open, type OpenOptions } from './open.js';
export { DB, type PutOptions, type BatchOperation } from './db.js';
export { DBIterator, type IteratorOptions, type IteratorEntry } from './db-iterator.js';
export { DEFAULT_OPTIONS, type Options, type Logger, type LoggingLevel, type CompressionOption } from './options.js';
export type { DBStats, Counters, LevelStats } from './stats.js';
