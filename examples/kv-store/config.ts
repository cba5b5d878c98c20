// BadgerStoreConfig (seed 001) in TypeScript: the embedded StoreConfig's fields sit beside path and
// syncWrites, and are validated into sett's open options.

import type { Logger, LoggingLevel, OpenOptions } from 'sett';
import { ConfigError } from './errors.js';

/** 0=DEBUG, 1=INFO, 2=WARNING, 3=ERROR, as the seed numbers them. */
export type StoreLoggingLevel = 0 | 1 | 2 | 3;

export interface KVStoreConfig {
  /** Directory the database lives in (required). */
  path: string;
  /** fsync every write before it resolves. Default true (the seed's durability default). */
  syncWrites?: boolean;
  /** Default 3 (ERROR). */
  loggingLevel?: StoreLoggingLevel;
  /** Versions of each key kept by compaction. Default 1. */
  numVersionsToKeep?: number;
  /** Where log lines go; default stderr (Badger's default logger writes there too). */
  logger?: Logger;
}

/** The seed's DefaultConfig(path): ERROR logging, one version, synced writes. */
export function defaultConfig(path: string): Required<Omit<KVStoreConfig, 'logger'>> {
  return { path, syncWrites: true, loggingLevel: 3, numVersionsToKeep: 1 };
}

const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'warn', 'error'];

const stderrLogger: Logger = {
  debug: (m) => console.error(`[kv-store] DEBUG ${m}`),
  info: (m) => console.error(`[kv-store] INFO ${m}`),
  warn: (m) => console.error(`[kv-store] WARNING ${m}`),
  error: (m) => console.error(`[kv-store] ERROR ${m}`),
};

/** Validates `config` and returns the directory and the options to open sett with. */
export function openOptionsFor(config: KVStoreConfig | null | undefined): { path: string; options: OpenOptions } {
  if (config === undefined || config === null) throw new ConfigError('config cannot be nil');
  if (typeof config !== 'object') throw new ConfigError(`config must be an object, got ${typeof config}`);
  const { path, syncWrites = true, loggingLevel = 3, numVersionsToKeep = 1, logger = stderrLogger } = config;
  if (typeof path !== 'string' || path.length === 0) throw new ConfigError('path cannot be empty');
  if (typeof syncWrites !== 'boolean') throw new ConfigError(`syncWrites must be a boolean, got ${String(syncWrites)}`);
  if (!Number.isInteger(loggingLevel) || loggingLevel < 0 || loggingLevel > 3) {
    throw new ConfigError(`loggingLevel must be 0 (DEBUG), 1 (INFO), 2 (WARNING) or 3 (ERROR), got ${String(loggingLevel)}`);
  }
  if (!Number.isSafeInteger(numVersionsToKeep) || numVersionsToKeep < 1) {
    throw new ConfigError(`numVersionsToKeep must be a positive integer, got ${String(numVersionsToKeep)}`);
  }
  const options: OpenOptions = { syncWrites, numVersionsToKeep, loggingLevel: LEVELS[loggingLevel]!, logger };
  return { path, options };
}
