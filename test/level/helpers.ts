import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, expect } from 'vitest';
import { FaultFS } from '../../src/fs/index.js';
import type { OpenOptions } from '../../src/db/index.js';
import { SettLevel, type SettLevelOptions } from '../../src/level/index.js';

export const DIR = '/db';

/** Small sizes so a few hundred writes flush memtables into tables. */
export const SMALL: OpenOptions = { memTableSize: 16 * 1024, blockSize: 256, compression: 'none', executor: 'inline' };

/** A SettLevel on an in-process FaultFS (no files, no lock). */
export function faultLevel<K = string, V = string>(fs: FaultFS = new FaultFS({ durableMkdir: true }), options: SettLevelOptions<K, V> = {}): SettLevel<K, V> {
  return new SettLevel<K, V>(DIR, { ...options, sett: { ...SMALL, fs, ...options.sett } });
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});

/** A fresh directory on the real file system, removed after the test. */
export function tempDir(): string {
  const d = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-level-'));
  tempDirs.push(d);
  return d;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error & { code?: string; cause?: unknown };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
