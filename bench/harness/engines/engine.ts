// The one interface every engine under comparison implements. Each engine runs alone in its own
// child process, so every call site below is monomorphic: the indirection costs nothing measurable.
//
// Reads return either a value or a promise of one: engines with a synchronous read (sett's
// getSync, LMDB's get, classic-level 3's getSync) answer synchronously and pay no microtask,
// engines without (RocksDB's binding) return a promise; the workloads await only promises.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const ENGINE_NAMES = ['sett', 'leveldb', 'rocksdb', 'lmdb'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface ScanResult {
  entries: number;
  /** Key + value bytes seen (the scan touches both, as a reader would). */
  bytes: number;
}

export interface OpenSettings {
  /** Every acknowledged write survives a power loss (fsync per commit) when true. */
  durable: boolean;
}

export interface Durability {
  /** The option as the engine names it, e.g. "syncWrites: false". */
  setting: string;
  /** What it promises, in a sentence. */
  meaning: string;
}

export interface Engine {
  readonly name: EngineName;
  /** How reports name it, e.g. "LevelDB". */
  readonly label: string;
  /** The package and version that provides it, e.g. "classic-level 3.0.0". */
  readonly provider: string;
  /** How point reads are issued, e.g. "getSync" or "get (async)". */
  readonly readApi: string;
  /** What a resolved write promises, in the engine's own terms, for the report. */
  durability(settings: OpenSettings): Durability;
  open(dir: string, settings: OpenSettings): Promise<void>;
  /** keys[i] → values[i] in one atomic batch. The arrays may be reused once the promise resolves. */
  putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void>;
  /** Deletes every key in one atomic batch. */
  deleteBatch(keys: readonly Buffer[]): Promise<void>;
  put(key: Buffer, value: Buffer): Promise<void>;
  get(key: Buffer): Buffer | undefined | Promise<Buffer | undefined>;
  /** Reads up to `count` entries from the first key >= `key`; returns how many it read. */
  seek(key: Buffer, count: number): number | Promise<number>;
  scan(reverse: boolean): ScanResult | Promise<ScanResult>;
  /** Resolves once the engine's background work (flushes, compactions, pending syncs) is done. */
  settle(): Promise<void>;
  close(): Promise<void>;
  /** The engine's own summary of its state (level shape, counters), for the JSON results. */
  describe(): unknown;
}

/**
 * The installed version of a package, for the report: its package.json, found by walking up from
 * the resolved entry point (a package's "exports" may not list package.json); "?" if unreadable.
 */
export function packageVersion(require: NodeJS.Require, name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const path = join(dir, 'package.json');
      if (existsSync(path)) {
        const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
      }
      const up = dirname(dir);
      if (up === dir) return '?';
      dir = up;
    }
  } catch {
    return '?';
  }
}
