// Engine construction (seed 003 "Factory Pattern": NewEngine(cfg) picks "memory" or "badger").
//
// The memory engine is sett opened with { inMemory: true } under the same SettEngine, not a
// second implementation over a Map. Why: it then has the disk engine's semantics exactly — TTL
// on the same injected clock, snapshot-isolated transactions, atomic batches, key order — and the
// same backup format, so a backup taken from one engine restores into the other. The seed kept a
// map-based engine for tests; here the shared suite (test/examples/registry) runs the whole
// interface against both storage modes, which is what an application swapping them relies on.

import { mkdir } from 'node:fs/promises';
import { InvalidArgumentError, open, type Clock, type Logger, type OpenOptions } from 'sett';
import type { Engine } from './engine.js';
import { DEFAULT_GC_DISCARD_RATIO, DEFAULT_GC_INTERVAL_MS, intervalScheduler, type Scheduler } from './gc.js';
import { SettEngine } from './sett-engine.js';

export interface EngineOptions {
  /** The clock TTLs are judged by; the system clock by default. */
  clock?: Clock;
  /** Registry messages (backup done, GC failures) and the engine's warnings. Silent by default. */
  logger?: Logger;
  /** Runs the periodic GC; setInterval (unref'd) by default. */
  scheduler?: Scheduler;
  /** Default 5 minutes, as the seed. */
  gcIntervalMs?: number;
  /** Default 0.5, as the seed. */
  gcDiscardRatio?: number;
}

export interface BadgerEngineOptions extends EngineOptions {
  /** Default false, sett's and Badger's default (Konsul sets it from its config). */
  syncWrites?: boolean;
}

export interface EngineConfig extends BadgerEngineOptions {
  /** "badger" keeps the seed's name for the on-disk engine (sett on a directory). */
  type: 'memory' | 'badger';
  /** Required for "badger". */
  dataDir?: string;
}

const MiB = 1024 * 1024;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function engineParts(options: EngineOptions): { log: Logger; scheduler: Scheduler; gcIntervalMs: number; gcDiscardRatio: number; base: OpenOptions } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('engine options must be an object');
  const { clock, logger = silent, scheduler = intervalScheduler, gcIntervalMs = DEFAULT_GC_INTERVAL_MS, gcDiscardRatio = DEFAULT_GC_DISCARD_RATIO } = options;
  if (!Number.isSafeInteger(gcIntervalMs) || gcIntervalMs < 1) throw new InvalidArgumentError(`gcIntervalMs must be a positive integer, got ${String(gcIntervalMs)}`);
  if (typeof gcDiscardRatio !== 'number' || !(gcDiscardRatio > 0 && gcDiscardRatio < 1)) {
    throw new InvalidArgumentError(`gcDiscardRatio must be between 0 and 1 (exclusive), got ${String(gcDiscardRatio)}`);
  }
  if (typeof scheduler?.every !== 'function') throw new InvalidArgumentError('scheduler must have an every(intervalMs, tick) method');
  const base: OpenOptions = { logger, loggingLevel: 'warn', ...(clock === undefined ? {} : { clock }) };
  return { log: logger, scheduler, gcIntervalMs, gcDiscardRatio, base };
}

/** NewBadgerEngine(dataDir, syncWrites, log): the seed's tuning (64 MiB memtables and value-log files, Snappy). */
export async function openBadgerEngine(dataDir: string, options: BadgerEngineOptions = {}): Promise<Engine> {
  if (typeof dataDir !== 'string' || dataDir.length === 0) throw new InvalidArgumentError('dataDir must be a non-empty path');
  const { base, ...parts } = engineParts(options);
  const syncWrites = options.syncWrites ?? false;
  if (typeof syncWrites !== 'boolean') throw new InvalidArgumentError(`syncWrites must be a boolean, got ${String(syncWrites)}`);
  await mkdir(dataDir, { recursive: true });
  const db = await open(dataDir, { ...base, syncWrites, memTableSize: 64 * MiB, valueLogFileSize: 64 * MiB, compression: 'snappy' });
  return new SettEngine({ db, clock: options.clock, ...parts });
}

/** NewMemoryEngine(): nothing survives close. */
export async function openMemoryEngine(options: EngineOptions = {}): Promise<Engine> {
  const { base, ...parts } = engineParts(options);
  // A smaller memtable than the disk engine's: a memory engine is often one of many in tests.
  const db = await open({ ...base, inMemory: true, memTableSize: 16 * MiB });
  return new SettEngine({ db, clock: options.clock, ...parts });
}

/** NewEngine(cfg). */
export async function openEngine(config: EngineConfig): Promise<Engine> {
  if (typeof config !== 'object' || config === null) throw new InvalidArgumentError('config cannot be nil');
  const { type, dataDir, ...options } = config;
  if (type === 'memory') return openMemoryEngine(options);
  if (type === 'badger') return openBadgerEngine(dataDir ?? '', options);
  throw new InvalidArgumentError(`unknown engine type ${JSON.stringify(type)}; expected "memory" or "badger"`);
}
