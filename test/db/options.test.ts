import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, resolveOptions } from '../../src/db/options.js';
import { isSettError } from '../../src/base/index.js';

function invalid(input: unknown): string {
  try {
    resolveOptions(input);
  } catch (err) {
    expect(isSettError(err, 'INVALID_ARGUMENT')).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`options ${JSON.stringify(input)} were accepted`);
}

describe('options', () => {
  it('defaults follow Badger (SPEC §6)', () => {
    const o = resolveOptions(undefined);
    expect(o).toMatchObject({
      syncWrites: false,
      inMemory: false,
      readOnly: false,
      memTableSize: 64 << 20,
      numMemtables: 5,
      valueThreshold: 1024,
      valueLogFileSize: 256 << 20,
      blockSize: 4096,
      baseTableSize: 2 << 20,
      baseLevelSize: 10 << 20,
      levelSizeMultiplier: 10,
      maxLevels: 7,
      numLevelZeroTables: 5,
      numLevelZeroTablesStall: 15,
      numCompactors: 2,
      blockCacheSize: 256 << 20,
      bloomFalsePositive: 0.01,
      compression: 'snappy',
      zstdLevel: 1,
      numVersionsToKeep: 1,
      detectConflicts: true,
      encryptionKeyRotationDays: 10,
      valueLogGCInterval: 0,
      loggingLevel: 'error',
      compactL0OnClose: false,
      verifyValueChecksum: false,
    });
    expect(o.encryptionKey).toBeUndefined();
  });

  it('keeps given values over the defaults', () => {
    const o = resolveOptions({ syncWrites: true, memTableSize: 1 << 20, compression: 'zstd' });
    expect([o.syncWrites, o.memTableSize, o.compression]).toEqual([true, 1 << 20, 'zstd']);
    expect(o.blockSize).toBe(DEFAULT_OPTIONS.blockSize);
  });

  it.each([
    [{ syncWrites: 'yes' }, 'option syncWrites must be a boolean, got "yes"'],
    [{ memTableSize: -1 }, 'option memTableSize must be an integer from'],
    [{ memTableSize: 1.5 }, 'option memTableSize must be an integer from'],
    [{ compression: 'lz4' }, 'option compression must be one of "none", "snappy", "zstd", got "lz4"'],
    [{ bloomFalsePositive: 1 }, 'option bloomFalsePositive must be a number between 0 and 1'],
    [{ encryptionKey: new Uint8Array(15) }, 'option encryptionKey must be a Uint8Array of 16, 24 or 32 bytes'],
    [{ numLevelZeroTables: 10, numLevelZeroTablesStall: 10 }, 'numLevelZeroTablesStall (10) must be greater than numLevelZeroTables (10)'],
    [{ inMemory: true, readOnly: true }, 'inMemory and readOnly cannot both be true'],
    [{ loggingLevel: 'loud' }, 'option loggingLevel must be one of'],
    [{ logger: {} }, 'option logger must be an object with debug, info, warn and error methods'],
    ['fast', 'options must be an object, got string'],
  ])('rejects %j with a clear INVALID_ARGUMENT', (input, message) => {
    expect(invalid(input)).toContain(message);
  });

  it('accepts every valid encryption key size', () => {
    for (const n of [16, 24, 32]) expect(resolveOptions({ encryptionKey: new Uint8Array(n) }).encryptionKey?.length).toBe(n);
  });
});
