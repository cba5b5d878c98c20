// The seeds' storage options (seed 000's table, seed 004's) checked by their own names and mapped
// onto sett's open options and openHybrid's. Unknown names are refused, so a typo such as
// `sync_write` is an error instead of a silently default setting.

import type { CompressionOption, OpenOptions } from 'sett';
import type { HybridOptions } from 'sett/hybrid';
import { OptionError } from './errors.js';

/** Seed 000's storage options (defaults as the seed: Badger's). */
export interface BadgerOptions {
  /** Directory of the data files; empty or absent: in-memory mode. */
  data_dir?: string;
  /** Pure in-memory mode (no disk writes), whatever `data_dir` says. */
  in_memory?: boolean;
  /** fsync every write before it resolves. Default false. */
  sync_writes?: boolean;
  /** Values larger than this many bytes go to the value log. Default 1024. */
  value_threshold?: number;
  /** Memtables kept in memory. Default 5. */
  num_memtables?: number;
  /** Size of a level-1 table in bytes. Default 2 MiB. */
  base_table_size?: number;
  /** 0 = none, 1 = Snappy (default), 2 = ZSTD. */
  compression?: 0 | 1 | 2;
  /** AES key of 16, 24 or 32 bytes: encryption at rest (Badger's EncryptionKey). */
  encryption_key?: Uint8Array;
}

/** Seed 004's hybrid options; the disk engine also takes seed 000's storage options. */
export interface HybridSourceOptions extends Omit<BadgerOptions, 'in_memory'> {
  /** The disk side's directory; empty or absent: no disk side (every table in memory). */
  data_dir?: string;
  /** New tables go to disk unless told otherwise. Default false. */
  default_persistent?: boolean;
  /** Whether there is a disk side at all. Default true. */
  enable_badger?: boolean;
  cache?: { enabled?: boolean; max_size_mb?: number; eviction_policy?: 'lru' | 'lfu' };
  /** The seed's dotted names are accepted too. */
  'cache.enabled'?: boolean;
  'cache.max_size_mb'?: number;
  'cache.eviction_policy'?: 'lru' | 'lfu';
}

const COMPRESSION: readonly CompressionOption[] = ['none', 'snappy', 'zstd'];

const STORAGE_KEYS = ['data_dir', 'sync_writes', 'value_threshold', 'num_memtables', 'base_table_size', 'compression', 'encryption_key'] as const;
const BADGER_KEYS: readonly string[] = [...STORAGE_KEYS, 'in_memory'];
const HYBRID_KEYS: readonly string[] = [...STORAGE_KEYS, 'default_persistent', 'enable_badger', 'cache', 'cache.enabled', 'cache.max_size_mb', 'cache.eviction_policy'];

/** `options` as a record of known names; `prefix` names a nested object's options (`cache.`). */
function record(options: unknown, known: readonly string[], prefix = ''): Record<string, unknown> {
  const what = prefix === '' ? 'options' : prefix.slice(0, -1);
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new OptionError(what, `${what} must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!known.includes(k) && o[k] !== undefined) throw new OptionError(prefix + k, `unknown option '${prefix + k}'; one of ${known.map((n) => prefix + n).join(', ')}`);
  }
  return o;
}

function bool(o: Record<string, unknown>, name: string, prefix = ''): boolean | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new OptionError(prefix + name, `option ${prefix + name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function int(o: Record<string, unknown>, name: string, min: number): number | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new OptionError(name, `option ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function dataDir(o: Record<string, unknown>): string {
  const v = o.data_dir;
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new OptionError('data_dir', `option data_dir must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** The engine options seed 000's storage names set (sett checks the ranges again at open). */
function storageOptions(o: Record<string, unknown>): OpenOptions {
  const out: OpenOptions = {};
  const sync = bool(o, 'sync_writes');
  if (sync !== undefined) out.syncWrites = sync;
  const threshold = int(o, 'value_threshold', 0);
  if (threshold !== undefined) out.valueThreshold = threshold;
  const memtables = int(o, 'num_memtables', 1);
  if (memtables !== undefined) out.numMemtables = memtables;
  const tableSize = int(o, 'base_table_size', 1);
  if (tableSize !== undefined) out.baseTableSize = tableSize;
  const c = o.compression;
  if (c !== undefined) {
    if (c !== 0 && c !== 1 && c !== 2) throw new OptionError('compression', `option compression must be 0 (none), 1 (snappy) or 2 (zstd), got ${JSON.stringify(c)}`);
    out.compression = COMPRESSION[c]!;
  }
  const key = o.encryption_key;
  if (key !== undefined) {
    if (!(key instanceof Uint8Array) || ![16, 24, 32].includes(key.length)) {
      throw new OptionError('encryption_key', `option encryption_key must be a Uint8Array of 16, 24 or 32 bytes (AES-128/192/256), got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`);
    }
    out.encryptionKey = key;
  }
  return out;
}

/** Where and how BadgerDataSource opens its engine: an empty data_dir means in memory (seed 000). */
export function badgerOpenOptions(options: unknown): { dir: string | undefined; options: OpenOptions } {
  const o = record(options, BADGER_KEYS);
  const dir = dataDir(o);
  const inMemory = bool(o, 'in_memory') === true || dir === '';
  const out = storageOptions(o);
  if (inMemory) out.inMemory = true;
  return { dir: inMemory ? undefined : dir, options: out };
}

/** openHybrid's options for seed 004's; an empty data_dir means no disk side, as in seed 000. */
export function hybridOpenOptions(options: unknown): HybridOptions {
  const o = record(options, HYBRID_KEYS);
  const dir = dataDir(o);
  const enable = bool(o, 'enable_badger') !== false && dir !== '';
  const out: HybridOptions = { enableDisk: enable, defaultPersistent: bool(o, 'default_persistent') === true, engine: storageOptions(o) };
  if (enable) out.dataDir = dir;
  const nested = record(o.cache, ['enabled', 'max_size_mb', 'eviction_policy'], 'cache.');
  const cache = { ...nested } as Record<string, unknown>;
  for (const k of ['enabled', 'max_size_mb', 'eviction_policy']) if (o[`cache.${k}`] !== undefined) cache[k] = o[`cache.${k}`];
  const enabled = bool(cache, 'enabled', 'cache.');
  const maxMb = cache.max_size_mb;
  if (maxMb !== undefined && (typeof maxMb !== 'number' || !(maxMb >= 0) || !Number.isFinite(maxMb))) {
    throw new OptionError('cache.max_size_mb', `option cache.max_size_mb must be a non-negative number of MiB, got ${JSON.stringify(maxMb)}`);
  }
  const policy = cache.eviction_policy;
  if (policy !== undefined && policy !== 'lru' && policy !== 'lfu') {
    throw new OptionError('cache.eviction_policy', `option cache.eviction_policy must be 'lru' or 'lfu', got ${JSON.stringify(policy)}`);
  }
  out.cache = {
    ...(enabled === undefined ? {} : { enabled }),
    ...(maxMb === undefined ? {} : { maxSizeMb: maxMb as number }),
    ...(policy === undefined ? {} : { evictionPolicy: policy }),
  };
  return out;
}
