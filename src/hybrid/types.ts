// The hybrid layer's public shapes (TABLES.md §3).

import type { OpenOptions } from '../index.js';

export type EvictionPolicy = 'lru' | 'lfu';

export interface HybridCacheOptions {
  /** Whether `cacheInMemory` tables get a row cache (default true). */
  enabled?: boolean;
  /** The cache's bound across all cached tables, in MiB of encoded rows (default 256). */
  maxSizeMb?: number;
  evictionPolicy?: EvictionPolicy;
}

export interface HybridOptions {
  /** The disk engine's directory; needed unless `enableDisk` is false. */
  dataDir?: string;
  /** Whether tables created without a persistence setting go to disk (default false: memory). */
  defaultPersistent?: boolean;
  /** Whether there is a disk side at all (default true); false runs every table in memory. */
  enableDisk?: boolean;
  cache?: HybridCacheOptions;
  /** Options of the disk engine (and, for the sizes, of the memory engine). */
  engine?: OpenOptions;
}

export interface PersistenceOptions {
  /** Commits of this table are durable (fsynced) before they resolve (default false). */
  syncOnWrite?: boolean;
  /** Primary-key reads of this table are served from the row cache (default false). */
  cacheInMemory?: boolean;
}

export interface PersistenceConfig {
  table: string;
  persistent: boolean;
  syncOnWrite: boolean;
  cacheInMemory: boolean;
}

export interface HybridStats {
  totalReads: number;
  memoryReads: number;
  diskReads: number;
  totalWrites: number;
  memoryWrites: number;
  diskWrites: number;
  cacheHits: number;
  cacheMisses: number;
  cacheEvictions: number;
  cacheBytes: number;
  memoryTables: number;
  persistentTables: number;
}
