// Fail-stop: after a failed append, fsync, rename or directory sync the MANIFEST refuses every
// later write with IO_ERROR (errno kept) and never retries, on FaultFS with injected faults.

import { describe, expect, it } from 'vitest';
import { FaultFS } from '../../src/fs/index.js';
import { Manifest, type ManifestChange } from '../../src/manifest/index.js';

const DIR = '/db';
const add = (tableId: number, level = 0): ManifestChange => ({ type: 'add', tableId, level, compression: 0, keyId: 0 });
const del = (tableId: number): ManifestChange => ({ type: 'delete', tableId });

async function setup(options = {}): Promise<{ fs: FaultFS; manifest: Manifest }> {
  const fs = new FaultFS({ durableMkdir: true });
  fs.mkdir(DIR);
  return { fs, manifest: await Manifest.create(fs, DIR, options) };
}

describe('MANIFEST fail-stop', () => {
  it('rejects the apply whose fsync failed, and every apply queued behind it or made later, without touching the file', async () => {
    const { fs, manifest } = await setup();
    await manifest.apply([add(1)]);
    fs.injectFault({ op: 'sync', path: `${DIR}/MANIFEST`, errno: 'EIO' });
    const failing = manifest.apply([add(2)]);
    const queued = manifest.apply([add(3)]); // made before the failure was known
    await expect(failing).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO', file: 'MANIFEST' });
    await expect(queued).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    expect(manifest.failed).toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });

    const opsBefore = fs.operationCount;
    await expect(manifest.apply([add(4)])).rejects.toThrow(/refuses writes after an earlier I\/O error/);
    await expect(manifest.rewrite()).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    expect(fs.operationCount).toBe(opsBefore); // no retried fsync, no further append
    expect([...manifest.state.tables.keys()]).toEqual([1]); // the state never ran ahead of the disk
    manifest.close();

    // After a power loss table 1 is there; table 2 was never acknowledged, table 3 never written.
    for (let seed = 1; seed <= 10; seed++) {
      const { manifest: m, state } = await Manifest.open(fs.crash(seed), DIR);
      expect(state.tables.has(1)).toBe(true);
      expect(state.tables.has(3)).toBe(false);
      m.close();
    }
  });

  it('rejects an apply whose append hit ENOSPC part way; recovery drops the partial record', async () => {
    const { fs, manifest } = await setup();
    await manifest.apply([add(1)]);
    fs.injectFault({ op: 'append', path: `${DIR}/MANIFEST`, errno: 'ENOSPC', partialBytes: 7 });
    await expect(manifest.apply([add(2)])).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'ENOSPC' });
    await expect(manifest.apply([add(3)])).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'ENOSPC' });
    manifest.close();
    const { manifest: m, state, tornBytes } = await Manifest.open(fs, DIR);
    expect(tornBytes).toBe(7);
    expect([...state.tables.keys()]).toEqual([1]);
    m.close();
  });

  it('rejects the apply whose automatic rewrite failed at the rename, refuses later ones, and keeps its record', async () => {
    const { fs, manifest } = await setup({ deletionsRewriteThreshold: 1, deletionsRatio: 0 });
    await manifest.apply([add(1), add(2)]);
    await manifest.apply([del(1)]);
    fs.injectFault({ op: 'rename', errno: 'EIO' });
    await expect(manifest.apply([del(2), add(3)])).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    await expect(manifest.apply([add(4)])).rejects.toMatchObject({ code: 'IO_ERROR' });
    manifest.close();
    const { manifest: m, state } = await Manifest.open(fs.crash(1, { mode: 'dropAll' }), DIR);
    expect([...state.tables.keys()]).toEqual([3]); // its record was synced before the rewrite began
    m.close();
  });

  it('fails stop when the directory sync of a rewrite fails', async () => {
    const { fs, manifest } = await setup();
    await manifest.apply([add(1)]);
    fs.injectFault({ op: 'syncDir', errno: 'EIO' });
    await expect(manifest.rewrite()).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    await expect(manifest.apply([add(2)])).rejects.toMatchObject({ code: 'IO_ERROR' });
    manifest.close();
  });

  it('reports a failed fsync of the file being created as IO_ERROR and leaves no MANIFEST', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    fs.mkdir(DIR);
    fs.injectFault({ op: 'sync', errno: 'EIO' });
    await expect(Manifest.create(fs, DIR)).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    expect(Manifest.exists(fs, DIR)).toBe(false);
  });
});
