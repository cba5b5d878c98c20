import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, levelLogger, resolveOptions, type Logger, type LoggingLevel } from '../../src/db/options.js';
import { ManualClock, isSettError } from '../../src/base/index.js';
import { InlineExecutor } from '../../src/compaction/index.js';
import { open } from '../../src/db/index.js';
import { faultFS, openSmall } from './helpers.js';

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
      prepopulateBlockCache: true,
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
    [{ prepopulateBlockCache: 1 }, 'option prepopulateBlockCache must be a boolean, got 1'],
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

  it.each([
    [{ syncWrite: true }, "unknown option 'syncWrite' (did you mean 'syncWrites'?)"],
    [{ memtableSize: 1 << 20 }, "unknown option 'memtableSize' (did you mean 'memTableSize'?)"],
    [{ numCompactor: 1 }, "unknown option 'numCompactor' (did you mean 'numCompactors'?)"],
    [{ valueLogGcInterval: 5 }, "unknown option 'valueLogGcInterval' (did you mean 'valueLogGCInterval'?)"],
    [{ cacheSize: 1 }, "unknown option 'cacheSize'"],
  ])('refuses the unknown key of %j, naming it and the option it most likely meant', (input, message) => {
    expect(invalid(input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });

  it('suggests nothing for a key close to no option', () => {
    expect(invalid({ flavour: 'vanilla' })).toBe("INVALID_ARGUMENT: unknown option 'flavour'");
  });

  it('accepts the seams and internal options, and counts an undefined value as not given', () => {
    const fs = faultFS();
    const o = resolveOptions({ fs, clock: new ManualClock(0), executor: new InlineExecutor(fs), manifestRewriteThreshold: 5, maxConflictKeys: 10, maxPendingWriteBytes: 1024, syncWrite: undefined });
    expect([o.manifestRewriteThreshold, o.maxConflictKeys, o.maxPendingWriteBytes]).toEqual([5, 10, 1024]);
  });

  it('refuses an unknown key at open, and takes dir only in the options-object form', async () => {
    await expect(open('/db', { fs: faultFS(), syncWrite: true } as Parameters<typeof open>[1])).rejects.toThrow("unknown option 'syncWrite' (did you mean 'syncWrites'?)");
    const db = await open({ dir: '/db', fs: faultFS() } as Parameters<typeof open>[0]);
    await db.close();
  });
});

/** A logger that records what reaches it. */
function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('loggingLevel', () => {
  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ] as [LoggingLevel, string[]][])('at %s, passes a message to the logger only at or above the level', (level, passed) => {
    const { logger, lines } = recording();
    const log = levelLogger(logger, level);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => l.split(':')[0])).toEqual(passed);
  });

  it('writes nowhere without a logger, and survives a logger that throws', () => {
    levelLogger(undefined, 'debug').error('nobody hears this');
    const throwing: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {
        throw new Error('broken logger');
      },
    };
    expect(() => levelLogger(throwing, 'error').error('x')).not.toThrow();
  });

  async function logsOf(level: LoggingLevel | undefined): Promise<string[]> {
    const { logger, lines } = recording();
    const fs = faultFS();
    const db = await openSmall(fs, { logger, ...(level === undefined ? {} : { loggingLevel: level }) });
    // An error: a subscriber that throws.
    db.subscribe(['k'], () => {
      throw new Error('subscriber bug');
    });
    // A warning: a flushed WAL whose deletion fails (only garbage, which the next open deletes).
    fs.injectFault({ op: 'unlink', path: /\.mem$/, errno: 'EIO' });
    for (let i = 0; i < 300; i++) await db.put(`k${i}`, 'x'.repeat(200));
    await db.waitForBackgroundWork();
    await db.close();
    return lines;
  }

  it('routes the engine\'s messages through the level: the default (error) drops warnings', async () => {
    const byDefault = await logsOf(undefined);
    expect(byDefault.length).toBeGreaterThan(0);
    expect(byDefault.every((l) => l.startsWith('error: sett: a subscriber threw: subscriber bug'))).toBe(true);
    const warn = await logsOf('warn');
    expect(warn.some((l) => /^warn: sett: could not delete \d+\.mem/.test(l)), warn.join('\n')).toBe(true);
    expect(warn.some((l) => l.startsWith('error: '))).toBe(true);
    expect(await logsOf('silent')).toEqual([]);
  });
});

