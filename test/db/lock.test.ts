import { afterEach, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSettError } from '../../src/base/index.js';
import { open } from '../../src/db/index.js';
import { NodeFS, nodeFS } from '../../src/fs/index.js';

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-lock-db-'));
  tempDirs.push(d);
  return d;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, got none');
}

const small = { memTableSize: 1 << 20, executor: 'inline' as const };

describe('directory lock of a database', () => {
  it('regression: a user-made NodeFS took no LOCK, so two opens of one directory both succeeded', async () => {
    const dir = tempDir();
    const db = await open(dir, { ...small, fs: new NodeFS() });
    expect(nodeFs.existsSync(path.join(dir, 'LOCK'))).toBe(true);
    for (const fs of [new NodeFS(), nodeFS]) {
      const err = await rejection(open(dir, { ...small, fs }));
      expect(isSettError(err, 'LOCKED')).toBe(true);
      expect((err as Error).message).toBe(`Cannot acquire directory lock on "${dir}". Another process is using this database.`);
    }
    await db.close();
    expect(nodeFs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    const again = await open(dir, { ...small, fs: new NodeFS() });
    await again.close();
  });
});
