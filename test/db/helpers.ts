import { FaultFS } from '../../src/fs/index.js';
import { open, type DB, type OpenOptions } from '../../src/db/index.js';

export const DIR = '/db';

export function faultFS(): FaultFS {
  return new FaultFS({ durableMkdir: true });
}

/** Opens a database on `fs` with small sizes so memtables rotate and flush often. */
export function openSmall(fs: FaultFS, options: OpenOptions = {}): Promise<DB> {
  return open(DIR, { fs, memTableSize: 16 * 1024, blockSize: 256, compression: 'none', ...options });
}

/** Sizes that make a tree of several levels from a few hundred KiB (compactions run constantly). */
export const COMPACTING_TREE = {
  memTableSize: 16 * 1024,
  baseTableSize: 4096,
  baseLevelSize: 8192,
  levelSizeMultiplier: 2,
  maxLevels: 5,
  numLevelZeroTables: 2,
  numLevelZeroTablesStall: 4,
} as const;

export const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('latin1'));

/** Every [key, value] of the database, as latin1 strings. */
export function dump(db: DB, options: Parameters<DB['iterator']>[0] = {}): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of db.iterator(options)) out.push([text(k)!, text(v)!]);
  return out;
}
