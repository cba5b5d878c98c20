// Options (SPEC §6): defaults follow Badger; every option is validated at open with a clear
// INVALID_ARGUMENT error naming the option, the value and what is allowed.

import { InvalidArgumentError, type Clock } from '../base/index.js';
import type { FileSystem } from '../fs/index.js';
import type { Executor } from '../compaction/index.js';
import { defaultMaxConflictKeys } from './oracle.js';

export type CompressionOption = 'none' | 'snappy' | 'zstd';
export type LoggingLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Options {
  syncWrites: boolean;
  inMemory: boolean;
  readOnly: boolean;
  memTableSize: number;
  numMemtables: number;
  valueThreshold: number;
  valueLogFileSize: number;
  blockSize: number;
  baseTableSize: number;
  baseLevelSize: number;
  levelSizeMultiplier: number;
  maxLevels: number;
  numLevelZeroTables: number;
  numLevelZeroTablesStall: number;
  numCompactors: number;
  blockCacheSize: number;
  /**
   * A flush hands the blocks it wrote, uncompressed, to the block cache, into free room only
   * (RocksDB's prepopulate_block_cache, for flushes): reads of fresh data skip the file, the
   * checksum and the decompression. Default true. docs/design.md §Block cache.
   */
  prepopulateBlockCache: boolean;
  bloomFalsePositive: number;
  compression: CompressionOption;
  zstdLevel: number;
  numVersionsToKeep: number;
  detectConflicts: boolean;
  encryptionKey: Uint8Array | undefined;
  encryptionKeyRotationDays: number;
  /** Milliseconds between background value-log GC runs; 0 = off. */
  valueLogGCInterval: number;
  logger: Logger | undefined;
  loggingLevel: LoggingLevel;
  compactL0OnClose: boolean;
  /**
   * Milliseconds without a write after which the database makes its reads cheaper: it flushes
   * the memtable (if it holds at least an eighth of memTableSize) and compacts L0 into the levels
   * below, once L0 would hold two or more tables. Each point read and each iterator then consults
   * fewer sorted runs. 0 = off (the default, as in Badger; `DB.compactL0()` does it on demand).
   * docs/design.md §Idle compaction.
   */
  idleCompactionDelay: number;
  /**
   * Keys the conflict oracle tracks at most (written since the oldest open read-write
   * transaction began); past it, the oldest are forgotten and transactions older than them fail
   * at commit with CONFLICT (open too long). docs/design.md §Conflict detection and its bounds.
   */
  maxConflictKeys: number;
  /**
   * Bytes of writes queued or being committed at most. A put, delete, batch or transaction
   * commit that would pass it (with anything queued) fails at once with WRITE_QUEUE_FULL: await
   * earlier writes. 64 MiB by default.
   */
  maxPendingWriteBytes: number;
  /**
   * Accepted for Badger parity. sett checks the CRC of every value it reads from the value log
   * regardless (SPEC §4.2: a read never returns wrong bytes), so this adds nothing.
   */
  verifyValueChecksum: boolean;
  // Seams (not in the SPEC's list; for tests and embedding).
  /** The file system; the real one by default. */
  fs: FileSystem | undefined;
  /** The clock for TTLs and intervals. */
  clock: Clock | undefined;
  /**
   * Where background jobs run: worker threads (the default on the real file system), inline on
   * the main thread (deterministic; always used with another FileSystem), or a given Executor.
   */
  executor: 'worker' | 'inline' | Executor | undefined;
  /** Table deletions recorded in the MANIFEST before it is rewritten (Badger: 10,000). */
  manifestRewriteThreshold: number;
}

export const MiB = 1024 * 1024;

export const DEFAULT_OPTIONS: Readonly<Options> = Object.freeze({
  syncWrites: false,
  inMemory: false,
  readOnly: false,
  memTableSize: 64 * MiB,
  numMemtables: 5,
  valueThreshold: 1024,
  valueLogFileSize: 256 * MiB,
  blockSize: 4096,
  baseTableSize: 2 * MiB,
  baseLevelSize: 10 * MiB,
  levelSizeMultiplier: 10,
  maxLevels: 7,
  numLevelZeroTables: 5,
  numLevelZeroTablesStall: 15,
  numCompactors: 2,
  blockCacheSize: 256 * MiB,
  prepopulateBlockCache: true,
  bloomFalsePositive: 0.01,
  compression: 'snappy',
  zstdLevel: 1,
  numVersionsToKeep: 1,
  detectConflicts: true,
  encryptionKey: undefined,
  encryptionKeyRotationDays: 10,
  valueLogGCInterval: 0,
  logger: undefined,
  loggingLevel: 'error',
  compactL0OnClose: false,
  idleCompactionDelay: 0,
  maxConflictKeys: defaultMaxConflictKeys,
  maxPendingWriteBytes: 64 * MiB,
  verifyValueChecksum: false,
  fs: undefined,
  clock: undefined,
  executor: undefined,
  manifestRewriteThreshold: 10_000,
});

// Limits, with their units in their names.
export const maxKeySizeBytes = 65_000;
export const minMemTableSizeBytes = 16 * 1024;
/** Arena offsets are u32 and a SharedArrayBuffer must be allocatable: keep well under 4 GiB. */
export const maxMemTableSizeBytes = 2 * 1024 * MiB - 1;
export const maxValueLogFileSizeBytes = 2 * 1024 * MiB - 1; // value pointer offsets are u32
export const minValueLogFileSizeBytes = 16 * 1024;

type Check = (name: string, value: unknown) => void;

function fail(name: string, value: unknown, expected: string): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : value instanceof Uint8Array ? `${value.length} bytes` : String(value);
  throw new InvalidArgumentError(`option ${name} must be ${expected}, got ${shown}`);
}

const bool: Check = (name, v) => {
  if (typeof v !== 'boolean') fail(name, v, 'a boolean');
};

function int(min: number, max: number): Check {
  return (name, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      fail(name, v, `an integer from ${min} to ${max}`);
    }
  };
}

function oneOf(...allowed: string[]): Check {
  return (name, v) => {
    if (typeof v !== 'string' || !allowed.includes(v)) fail(name, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  };
}

const CHECKS: { [K in keyof Options]: Check } = {
  syncWrites: bool,
  inMemory: bool,
  readOnly: bool,
  memTableSize: int(minMemTableSizeBytes, maxMemTableSizeBytes),
  numMemtables: int(1, 64),
  valueThreshold: int(0, maxValueLogFileSizeBytes),
  valueLogFileSize: int(minValueLogFileSizeBytes, maxValueLogFileSizeBytes),
  blockSize: int(64, 16 * MiB),
  baseTableSize: int(4096, 2048 * MiB),
  baseLevelSize: int(4096, Number.MAX_SAFE_INTEGER),
  levelSizeMultiplier: int(2, 1000),
  maxLevels: int(2, 20),
  numLevelZeroTables: int(1, 1000),
  numLevelZeroTablesStall: int(1, 10_000),
  numCompactors: int(0, 64),
  blockCacheSize: int(0, Number.MAX_SAFE_INTEGER),
  prepopulateBlockCache: bool,
  bloomFalsePositive: (name, v) => {
    if (typeof v !== 'number' || !(v > 0 && v < 1)) fail(name, v, 'a number between 0 and 1 (exclusive)');
  },
  compression: oneOf('none', 'snappy', 'zstd'),
  zstdLevel: int(1, 22),
  numVersionsToKeep: int(1, Number.MAX_SAFE_INTEGER),
  detectConflicts: bool,
  encryptionKey: (name, v) => {
    if (v === undefined) return;
    if (!(v instanceof Uint8Array) || ![16, 24, 32].includes(v.length)) fail(name, v, 'a Uint8Array of 16, 24 or 32 bytes (AES-128/192/256)');
  },
  encryptionKeyRotationDays: int(1, 100_000),
  valueLogGCInterval: int(0, Number.MAX_SAFE_INTEGER),
  logger: (name, v) => {
    if (v === undefined) return;
    const l = v as Partial<Logger> | null;
    if (typeof l !== 'object' || l === null || ['debug', 'info', 'warn', 'error'].some((m) => typeof (l as Record<string, unknown>)[m] !== 'function')) {
      fail(name, v, 'an object with debug, info, warn and error methods');
    }
  },
  loggingLevel: oneOf('debug', 'info', 'warn', 'error', 'silent'),
  compactL0OnClose: bool,
  idleCompactionDelay: int(0, 24 * 60 * 60 * 1000),
  maxConflictKeys: int(1, Number.MAX_SAFE_INTEGER),
  maxPendingWriteBytes: int(1, Number.MAX_SAFE_INTEGER),
  verifyValueChecksum: bool,
  fs: (name, v) => {
    if (v !== undefined && (typeof v !== 'object' || v === null || typeof (v as FileSystem).open !== 'function')) fail(name, v, 'a FileSystem');
  },
  clock: (name, v) => {
    if (v !== undefined && (typeof v !== 'object' || v === null || typeof (v as Clock).nowMs !== 'function')) fail(name, v, 'a Clock');
  },
  executor: (name, v) => {
    if (v === undefined || (typeof v === 'object' && v !== null && typeof (v as Executor).run === 'function')) return;
    oneOf('worker', 'inline')(name, v);
  },
  manifestRewriteThreshold: int(1, Number.MAX_SAFE_INTEGER),
};

/**
 * Merges `input` over the defaults and validates every option. A key that names no option is
 * INVALID_ARGUMENT (a typo such as `syncWrite` would otherwise be ignored silently); a key whose
 * value is undefined counts as not given, like any option's.
 */
export function resolveOptions(input: unknown): Options {
  if (input === undefined || input === null) return { ...DEFAULT_OPTIONS };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidArgumentError(`options must be an object, got ${Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const given = input as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(CHECKS, name) && given[name] !== undefined) throw unknownOption(name);
  }
  const options = { ...DEFAULT_OPTIONS } as Record<string, unknown>;
  for (const name of Object.keys(CHECKS) as (keyof Options)[]) {
    const value = given[name];
    if (value === undefined) continue;
    CHECKS[name](name, value);
    options[name] = value;
  }
  const resolved = options as unknown as Options;
  if (resolved.numLevelZeroTablesStall <= resolved.numLevelZeroTables) {
    throw new InvalidArgumentError(
      `option numLevelZeroTablesStall (${resolved.numLevelZeroTablesStall}) must be greater than numLevelZeroTables (${resolved.numLevelZeroTables})`,
    );
  }
  if (resolved.inMemory && resolved.readOnly) {
    throw new InvalidArgumentError('options inMemory and readOnly cannot both be true');
  }
  return resolved;
}

function unknownOption(name: string): InvalidArgumentError {
  const close = closestOption(name);
  return new InvalidArgumentError(`unknown option '${name}'${close === undefined ? '' : ` (did you mean '${close}'?)`}`);
}

/** The option a typo most likely meant: the same name in another case, or one within a few edits. */
function closestOption(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of Object.keys(CHECKS)) {
    if (known.toLowerCase() === lower) return known;
    const d = editDistance(lower, known.toLowerCase());
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  // Within a third of the name's length (at least 1, at most 3 edits): closer than that is a guess.
  return bestDistance <= Math.min(3, Math.max(1, Math.floor(name.length / 3))) ? best : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

const LEVEL_RANK: Readonly<Record<LoggingLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * The one logger the engine writes to, built at open: `logger` behind the `loggingLevel` filter.
 * A message below the level, or any message without a logger, goes nowhere. A logger that throws
 * is ignored: logging must not fail the write, flush or callback that logs.
 */
export function levelLogger(logger: Logger | undefined, level: LoggingLevel): Logger {
  const at = (method: keyof Logger): ((message: string) => void) => {
    if (logger === undefined || LEVEL_RANK[method] < LEVEL_RANK[level]) return () => {};
    return (message) => {
      try {
        logger[method](message);
      } catch {
        // See above: the logger's failure is not the engine's.
      }
    };
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
