// The partition's on-disk format (examples/queue/keys.ts): a directory holding some other
// database, or a partition of another format version, is refused at open with a clear error
// instead of being read as queue items.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, open } from 'sett';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue, partitionDirName } from '../../../examples/queue/index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sett-queue-format-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

async function writeInto(dir: string, key: string, value: Uint8Array): Promise<void> {
  const db = await open(dir);
  await db.put(key, value);
  await db.close();
}

describe('partition format', () => {
  it('refuses a directory that holds keys but no format key', async () => {
    await writeInto(join(root, partitionDirName('q', 0)), 'queue/position', Buffer.of(1));
    const err = await openQueue({ name: 'q', storage: root, syncWrites: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/not a queue partition of format 2/);
  });

  it('refuses another format version, and reopens its own', async () => {
    const q = await openQueue({ name: 'q', storage: root, syncWrites: false });
    const { ids } = await q.produce([{ payload: 'kept' }]);
    await q.close();
    const again = await openQueue({ name: 'q', storage: root, syncWrites: false });
    expect((await again.list()).map((it) => it.id)).toEqual(ids);
    await again.close();
    await writeInto(join(root, partitionDirName('q', 0)), 'V', Buffer.of(9));
    await expect(openQueue({ name: 'q', storage: root, syncWrites: false })).rejects.toThrow(/format 09 is not the one this version reads \(2\)/);
  });
});
