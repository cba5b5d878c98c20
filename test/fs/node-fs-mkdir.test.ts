// NodeFS.mkdir makes missing parents one level at a time: Node 20's recursive mkdirSync loops
// forever (holding the event loop) when a parent can never be made, e.g. under /proc.

import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeFS, open } from '../../src/index.js';

describe('NodeFS.mkdir', () => {
  it('makes missing parents, accepts an existing directory, refuses a file in the way', () => {
    const root = mkdtempSync(join(tmpdir(), 'sett-mkdir-'));
    try {
      const fs = new NodeFS();
      fs.mkdir(join(root, 'a', 'b', 'c'));
      fs.mkdir(join(root, 'a', 'b', 'c'));
      expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
      writeFileSync(join(root, 'file'), 'x');
      expect(() => fs.mkdir(join(root, 'file'))).toThrow(/EEXIST/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync('/proc/self'))('fails with IO_ERROR, not a hang, for a directory that can never be made', async () => {
    await expect(open('/proc/sett-cannot-exist/db')).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'ENOENT' });
  });
});
