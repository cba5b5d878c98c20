import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { nodeFS } from '../../src/fs/index.js';
import { MANIFEST_REWRITE_FILE, Manifest, type ManifestChange } from '../../src/manifest/index.js';
import { Model, expectSameState, manifestPath, randomGroups, readFile, tempDir, writeFile } from './helpers.js';

const add = (tableId: number, level = 0): ManifestChange => ({ type: 'add', tableId, level, compression: 0, keyId: 0 });
const del = (tableId: number): ManifestChange => ({ type: 'delete', tableId });

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('Manifest lifecycle', () => {
  it('creates an empty MANIFEST that reopens empty and clean', async () => {
    const dir = tempDir();
    expect(Manifest.exists(nodeFS, dir)).toBe(false);
    const m = await Manifest.create(nodeFS, dir);
    expect(Manifest.exists(nodeFS, dir)).toBe(true);
    expect(m.stats()).toEqual({ fileBytes: 14, records: 0, deletions: 0, rewrites: 0 });
    m.close();
    const { manifest, state, tornBytes } = await Manifest.open(nodeFS, dir);
    expect(state.tables.size).toBe(0);
    expect(tornBytes).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['MANIFEST']);
    manifest.close();
  });

  it('refuses to create over an existing MANIFEST', async () => {
    const dir = tempDir();
    (await Manifest.create(nodeFS, dir)).close();
    const err = await caught(Manifest.create(nodeFS, dir));
    expect(isSettError(err, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('reopens to the same state after any sequence of valid groups (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 40 }), async (seed, count) => {
        const dir = tempDir();
        const m = await Manifest.create(nodeFS, dir);
        const model = new Model();
        const groups = randomGroups(seed, count);
        for (const group of groups) {
          await m.apply(group);
          model.apply(group);
        }
        expectSameState(m.state, model);
        expect(m.stats().records).toBe(groups.length);
        expect(m.stats().fileBytes).toBe(fs.statSync(manifestPath(dir)).size);
        m.close();
        const { manifest, state, tornBytes } = await Manifest.open(nodeFS, dir);
        expect(tornBytes).toBe(0);
        expectSameState(state, model);
        expect(manifest.stats().records).toBe(groups.length);
        manifest.close();
      }),
      { numRuns: 40 },
    );
  });

  it('reopens to the same state across automatic rewrites with a tiny threshold (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), async (seed) => {
        const dir = tempDir();
        const options = { deletionsRewriteThreshold: 2, deletionsRatio: 0.5 };
        let m = await Manifest.create(nodeFS, dir, options);
        const model = new Model();
        const groups = randomGroups(seed, 60);
        // Counted over both handles: a seed's second half alone may not reach the threshold.
        let rewrites = 0;
        for (let i = 0; i < groups.length; i++) {
          await m.apply(groups[i]!);
          model.apply(groups[i]!);
          if (i === 30) {
            // Half way, reopen and keep appending to the reopened file.
            rewrites += m.stats().rewrites;
            m.close();
            const opened = await Manifest.open(nodeFS, dir, options);
            expectSameState(opened.state, model);
            m = opened.manifest;
          }
        }
        rewrites += m.stats().rewrites;
        expect(rewrites).toBeGreaterThan(0);
        expect(fs.existsSync(path.join(dir, MANIFEST_REWRITE_FILE))).toBe(false);
        m.close();
        const { manifest, state } = await Manifest.open(nodeFS, dir, options);
        expectSameState(state, model);
        manifest.close();
      }),
      { numRuns: 20 },
    );
  });

  it('lands overlapping apply() calls in call order', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    // Each call depends on the one before it: out of order, a delete would miss its table.
    const calls: Promise<void>[] = [];
    const model = new Model();
    for (let id = 1; id <= 50; id++) {
      const group = id === 1 ? [add(1)] : [del(id - 1), add(id, id % 4)];
      calls.push(m.apply(group));
      model.apply(group);
    }
    await Promise.all(calls);
    expectSameState(m.state, model);
    m.close();
    const { manifest, state } = await Manifest.open(nodeFS, dir);
    expectSameState(state, model);
    expect(manifest.stats()).toMatchObject({ records: 50, deletions: 49 });
    manifest.close();
  });

  it('asserts on a group that does not fit the state, writes nothing and keeps working', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    await m.apply([add(1)]);
    const before = fs.statSync(manifestPath(dir)).size;
    expect(isSettError(await caught(m.apply([add(1)])), 'INTERNAL')).toBe(true);
    expect(isSettError(await caught(m.apply([del(2)])), 'INTERNAL')).toBe(true);
    expect(fs.statSync(manifestPath(dir)).size).toBe(before);
    await m.apply([add(2)]);
    expect([...m.state.tables.keys()]).toEqual([1, 2]);
    m.close();
  });

  it('treats an empty group as a no-op', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    await m.apply([]);
    expect(m.stats().records).toBe(0);
    m.close();
  });

  it('rejects apply() after close with CLOSED', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    m.close();
    expect(isSettError(await caught(m.apply([add(1)])), 'CLOSED')).toBe(true);
  });

  it('lets pending applies finish when closed while they run', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    const pending = m.apply([add(1)]);
    m.close();
    await pending;
    const { manifest, state } = await Manifest.open(nodeFS, dir);
    expect([...state.tables.keys()]).toEqual([1]);
    manifest.close();
  });

  it('validates its options with INVALID_ARGUMENT', async () => {
    const dir = tempDir();
    expect(isSettError(await caught(Manifest.create(nodeFS, dir, { deletionsRewriteThreshold: -1 })), 'INVALID_ARGUMENT')).toBe(true);
    expect(isSettError(await caught(Manifest.create(nodeFS, dir, { deletionsRatio: Number.NaN })), 'INVALID_ARGUMENT')).toBe(true);
    expect(Manifest.exists(nodeFS, dir)).toBe(false);
  });
});

describe('Manifest rewrite', () => {
  it('rewrites to one add per live table, shrinks the file and resets the deletion count', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    const model = new Model();
    for (let id = 1; id <= 100; id++) {
      const group = id <= 3 ? [add(id)] : [del(id - 3), add(id, 1)];
      await m.apply(group);
      model.apply(group);
    }
    const before = m.stats();
    expect(before.deletions).toBe(97);
    await m.rewrite();
    const after = m.stats();
    expect(after).toEqual({ fileBytes: fs.statSync(manifestPath(dir)).size, records: 1, deletions: 0, rewrites: 1 });
    expect(after.fileBytes).toBeLessThan(before.fileBytes);
    expect(fs.readdirSync(dir)).toEqual(['MANIFEST']);
    await m.apply([del(98), add(101)]); // appends continue on the new file
    model.apply([del(98), add(101)]);
    m.close();
    const { manifest, state } = await Manifest.open(nodeFS, dir);
    expectSameState(state, model);
    expect(manifest.stats()).toMatchObject({ records: 2, deletions: 1 });
    manifest.close();
  });

  it('rewrites automatically only when deletions pass the threshold and outnumber ratio x live tables', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir, { deletionsRewriteThreshold: 4, deletionsRatio: 2 });
    await m.apply([add(1), add(2), add(3)]);
    await m.apply([del(1), del(2), del(3), add(4), add(5), add(6)]); // 3 deletions: under the threshold
    await m.apply([del(4), add(7)]); // 4 deletions: not > 4
    expect(m.stats().rewrites).toBe(0);
    await m.apply([del(5), add(8)]); // 5 > 4 but 5 <= 2 x 3 live
    expect(m.stats().rewrites).toBe(0);
    await m.apply([del(6), del(7)]); // 7 > 4 and 7 > 2 x 1 live
    expect(m.stats()).toMatchObject({ rewrites: 1, deletions: 0, records: 1 });
    expect([...m.state.tables.keys()]).toEqual([8]);
    m.close();
  });

  it('splits a large snapshot into bounded records that replay to the same order', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    const model = new Model();
    const group: ManifestChange[] = [];
    for (let id = 10_000; id > 0; id--) group.push(add(id, id % 3));
    await m.apply(group);
    model.apply(group);
    await m.rewrite();
    expect(m.stats().records).toBe(3); // 4096 + 4096 + 1808
    m.close();
    const { manifest, state } = await Manifest.open(nodeFS, dir);
    expectSameState(state, model, 3);
    manifest.close();
  });

  it('deletes a leftover MANIFEST-REWRITE on open', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    await m.apply([add(1)]);
    m.close();
    writeFile(path.join(dir, MANIFEST_REWRITE_FILE), new Uint8Array([1, 2, 3]));
    const { manifest, state } = await Manifest.open(nodeFS, dir);
    expect([...state.tables.keys()]).toEqual([1]);
    expect(fs.readdirSync(dir)).toEqual(['MANIFEST']);
    manifest.close();
  });
});

describe('Manifest read-only open', () => {
  it('neither truncates a torn tail nor deletes a leftover, and refuses writes', async () => {
    const dir = tempDir();
    const m = await Manifest.create(nodeFS, dir);
    await m.apply([add(1)]);
    m.close();
    const p = manifestPath(dir);
    const bytes = readFile(p);
    writeFile(p, new Uint8Array([...bytes, 0, 0, 0, 0, 0]));
    writeFile(path.join(dir, MANIFEST_REWRITE_FILE), new Uint8Array(1));
    const { manifest, state, tornBytes } = await Manifest.open(nodeFS, dir, { readOnly: true });
    expect(tornBytes).toBe(5);
    expect([...state.tables.keys()]).toEqual([1]);
    expect(fs.statSync(p).size).toBe(bytes.length + 5);
    expect(fs.existsSync(path.join(dir, MANIFEST_REWRITE_FILE))).toBe(true);
    expect(isSettError(await caught(manifest.apply([add(2)])), 'READ_ONLY')).toBe(true);
    manifest.close();
  });
});
