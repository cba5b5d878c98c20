import { describe, expect, it } from 'vitest';
import { CorruptionError, IoError, LockedError, SettError, isSettError } from '../../src/base/index.js';

describe('SettError', () => {
  it('carries a stable code and says where corruption is', () => {
    const err = new CorruptionError('000012.sst', 40960, 'checksum 0x1a2b3c4d != 0x00000000');
    expect(err).toBeInstanceOf(SettError);
    expect(err.code).toBe('CORRUPTION');
    expect(err.file).toBe('000012.sst');
    expect(err.offset).toBe(40960);
    expect(err.message).toBe('CORRUPTION: 000012.sst at offset 40960: checksum 0x1a2b3c4d != 0x00000000');
  });

  it('uses the exact LOCKED message of the SPEC', () => {
    const err = new LockedError('/data/db');
    expect(err.code).toBe('LOCKED');
    expect(err.message).toBe('Cannot acquire directory lock on "/data/db". Another process is using this database.');
  });

  it('keeps the errno of a wrapped file-system error', () => {
    const fsErr = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const err = IoError.from(fsErr, 'append to 000003.mem', '000003.mem');
    expect(isSettError(err, 'IO_ERROR')).toBe(true);
    expect(err.errno).toBe('ENOSPC');
    expect(err.message).toContain('ENOSPC');
  });
});
