// ValueLog: groups appended and read back through their pointers, across rotations and reopens;
// entries() for GC; deleteFile; read-only opens; fail-stop on I/O errors.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, ValuePointer, isSettError } from '../../src/base/index.js';
import { nodeFS } from '../../src/fs/index.js';
import { ValueLog, VLOG_HEADER_BYTES, vlogEntryLength, type VlogEntry } from '../../src/vlog/index.js';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DIR,
  Ids,
  entryArb,
  hex,
  newFaultFS,
  openLog,
  options,
  plain,
  plainPointer,
  randomGroup,
  rejected,
  thrown,
  vlogIdsIn,
  vlogPath,
} from './helpers.js';

/** Appends `groups`, rotating between groups when needed, as the db does; returns every pointer with its entry. */
async function appendAll(log: ValueLog, groups: readonly (readonly VlogEntry[])[]): Promise<{ entry: VlogEntry; pointer: ValuePointer }[]> {
  const out: { entry: VlogEntry; pointer: ValuePointer }[] = [];
  for (const g of groups) {
    if (log.needsRotation()) await log.rotate();
    const pointers = log.appendGroup(g);
    expect(pointers.length).toBe(g.length);
    for (let i = 0; i < g.length; i++) out.push({ entry: g[i]!, pointer: pointers[i]! });
  }
  return out;
}

function expectReadsBack(log: ValueLog, written: readonly { entry: VlogEntry; pointer: ValuePointer }[]): void {
  for (const { entry, pointer } of written) {
    expect(hex(log.read(pointer, entry.key))).toBe(hex(entry.value));
    expect(plain(log.readEntry(pointer))).toEqual(plain(entry));
  }
}

describe('ValueLog', () => {
  it('creates a durable first file with newFileId() when the directory has none', async () => {
    const fs = newFaultFS();
    const ids = new Ids(5);
    const log = await openLog(fs, ids);
    expect(log.activeFileId).toBe(5);
    expect(log.fileIds()).toEqual([5]);
    expect(log.validEnd(5)).toBe(VLOG_HEADER_BYTES);
    expect(log.validEnd(4)).toBeUndefined();
    expect(log.tornBytes).toBe(0);
    expect(fs.isDurable(vlogPath(5))).toBe(true);
    log.close();
  });

  it('reads back every pointer of every group, across rotations and after a reopen (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entryArb, { maxLength: 6 }), { maxLength: 12 }), async (groups) => {
        const fs = newFaultFS();
        const ids = new Ids();
        const log = await openLog(fs, ids, { fileSizeBytes: 600 });
        const written = await appendAll(log, groups);
        expectReadsBack(log, written);
        // Pointers are consecutive within a file, and a group never spans two files.
        for (let i = 1; i < written.length; i++) {
          const a = written[i - 1]!.pointer;
          const b = written[i]!.pointer;
          if (a.fileId === b.fileId) expect(b.offset).toBe(a.offset + a.length);
          else expect(b.offset).toBe(VLOG_HEADER_BYTES);
        }
        for (const { entry, pointer } of written) expect(pointer.length).toBe(vlogEntryLength(entry));
        const fileIds = log.fileIds();
        log.close();
        const reopened = await openLog(fs, ids, { fileSizeBytes: 600 });
        expect(reopened.fileIds()).toEqual(fileIds);
        expect(reopened.tornBytes).toBe(0);
        expectReadsBack(reopened, written);
        reopened.close();
      }),
      { numRuns: 60 },
    );
  });

  it('rotates at fileSizeBytes: the next file is durable and the old one synced', async () => {
    const fs = newFaultFS();
    const ids = new Ids();
    const log = await openLog(fs, ids, { fileSizeBytes: 1000 });
    const rng = new Rng(7);
    expect(log.needsRotation()).toBe(false);
    while (!log.needsRotation()) log.appendGroup(randomGroup(rng, 3));
    const before = log.activeFileId;
    await log.rotate();
    expect(log.activeFileId).toBe(before + 1);
    expect(fs.isDurable(vlogPath(before))).toBe(true);
    expect(fs.isDurable(vlogPath(before + 1))).toBe(true);
    expect(log.validEnd(before)).toBe(fs.readFileDirect(vlogPath(before)).length);
    expect(log.needsRotation()).toBe(false);
    log.close();
  });

  it('appends a group with one file append and no sync', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids());
    const appends = fs.countOf('append');
    const syncs = fs.countOf('sync');
    const pointers = log.appendGroup(randomGroup(new Rng(1), 100, 4096));
    expect(pointers.length).toBe(100);
    expect(fs.countOf('append') - appends).toBe(1);
    expect(fs.countOf('sync') - syncs).toBe(0);
    expect(log.appendGroup([])).toEqual([]);
    expect(fs.countOf('append') - appends).toBe(1);
    await log.sync();
    expect(fs.isDurable(vlogPath(1))).toBe(true);
    log.close();
  });

  it('returns values that stay valid after later reads', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids(), { verifyChecksums: false });
    const group = randomGroup(new Rng(2), 50, 300);
    const pointers = log.appendGroup(group);
    const values = pointers.map((p, i) => log.read(p, group[i]!.key));
    for (let i = 0; i < 50; i++) expect(hex(values[i]!)).toBe(hex(group[i]!.value));
    log.close();
  });

  it('yields every entry of a file in order with its pointer, reading in large chunks', async () => {
    const fs = newFaultFS();
    const ids = new Ids();
    const log = await openLog(fs, ids, { fileSizeBytes: 32 << 10 });
    const rng = new Rng(3);
    const groups: VlogEntry[][] = [];
    for (let i = 0; i < 150; i++) groups.push(randomGroup(rng, 1 + rng.int(8), 400));
    const written = await appendAll(log, groups);
    expect(log.fileIds().length).toBeGreaterThan(2);
    for (const id of log.fileIds()) {
      const reads = fs.countOf('read');
      const got = [...log.entries(id)];
      const want = written.filter((w) => w.pointer.fileId === id);
      expect(got.length).toBe(want.length);
      expect(got.map((g) => plain(g.entry))).toEqual(want.map((w) => plain(w.entry)));
      expect(got.map((g) => plainPointer(g.pointer))).toEqual(want.map((w) => plainPointer(w.pointer)));
      expect(fs.countOf('read') - reads).toBe(1); // a file under 4 MiB is one chunk
    }
    expect(isSettError(thrown(() => log.entries(999)), 'INVALID_ARGUMENT')).toBe(true);
    log.close();
  });

  it('deletes an older file durably, and refuses to delete the active one', async () => {
    const fs = newFaultFS();
    const ids = new Ids();
    const log = await openLog(fs, ids, { fileSizeBytes: 200 });
    const rng = new Rng(4);
    const written = await appendAll(log, [randomGroup(rng, 3), randomGroup(rng, 3), randomGroup(rng, 3)]);
    expect(log.fileIds()).toEqual([1, 2, 3]);
    await log.deleteFile(2);
    expect(log.fileIds()).toEqual([1, 3]);
    expect(vlogIdsIn(fs)).toEqual([1, 3]);
    expect(vlogIdsIn(fs.crash(1, { mode: 'dropAll' }))).toEqual([1, 3]); // the unlink is durable
    const gone = written.find((w) => w.pointer.fileId === 2)!;
    const err = thrown(() => log.read(gone.pointer, gone.entry.key));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect((err as { file?: string }).file).toBe('000002.vlog');
    expect(isSettError(await rejected(log.deleteFile(3)), 'INTERNAL')).toBe(true);
    expectReadsBack(
      log,
      written.filter((w) => w.pointer.fileId !== 2),
    );
    log.close();
  });

  it('opened read-only: creates nothing, appends nothing, and refuses writes with READ_ONLY', async () => {
    const fs = newFaultFS();
    const empty = await openLog(fs, new Ids(), { readOnly: true });
    expect(empty.activeFileId).toBe(-1);
    expect(empty.fileIds()).toEqual([]);
    expect(fs.list(DIR)).toEqual([]);
    expect(isSettError(thrown(() => empty.appendGroup(randomGroup(new Rng(5), 1))), 'READ_ONLY')).toBe(true);
    expect(isSettError(await rejected(empty.rotate()), 'READ_ONLY')).toBe(true);
    empty.close();

    const ids = new Ids();
    const log = await openLog(fs, ids);
    const written = await appendAll(log, [randomGroup(new Rng(6), 5)]);
    log.close();
    const ro = await openLog(fs, ids, { readOnly: true });
    expect(ro.activeFileId).toBe(1);
    expectReadsBack(ro, written);
    expect(isSettError(thrown(() => ro.appendGroup(randomGroup(new Rng(5), 1))), 'READ_ONLY')).toBe(true);
    ro.close();
  });

  it('is fail-stop: after a failed append every write throws the same IO_ERROR, reads still work', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids());
    const written = await appendAll(log, [randomGroup(new Rng(8), 4)]);
    fs.injectFault({ op: 'append', errno: 'ENOSPC', partialBytes: 10 });
    const first = thrown(() => log.appendGroup(randomGroup(new Rng(9), 2)));
    expect(isSettError(first, 'IO_ERROR')).toBe(true);
    expect((first as { errno?: string }).errno).toBe('ENOSPC');
    expect(thrown(() => log.appendGroup(randomGroup(new Rng(9), 2)))).toBe(first);
    expect(await rejected(log.sync())).toBe(first);
    expectReadsBack(log, written);
    log.close();
  });

  it('is fail-stop after a failed fsync: the sync is never retried', async () => {
    const fs = newFaultFS();
    const log = await openLog(fs, new Ids());
    log.appendGroup(randomGroup(new Rng(10), 2));
    fs.injectFault({ op: 'sync', errno: 'EIO' });
    const err = await rejected(log.sync());
    expect(isSettError(err, 'IO_ERROR')).toBe(true);
    const syncs = fs.countOf('sync');
    expect(await rejected(log.sync())).toBe(err);
    expect(fs.countOf('sync')).toBe(syncs);
    log.close();
  });

  it('refuses calls after close with CLOSED', async () => {
    const log = await openLog(newFaultFS(), new Ids());
    const [p] = log.appendGroup(randomGroup(new Rng(11), 1));
    log.close();
    log.close();
    expect(isSettError(thrown(() => log.read(p!, new Uint8Array([1]))), 'CLOSED')).toBe(true);
    expect(isSettError(thrown(() => log.appendGroup([])), 'CLOSED')).toBe(true);
  });

  it('works the same on the real file system (NodeFS)', async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-vlog-'));
    try {
      const ids = new Ids();
      const log = await ValueLog.open(nodeFS, dir, options(ids, { fileSizeBytes: 2000 }));
      const rng = new Rng(12);
      const written = await appendAll(log, Array.from({ length: 10 }, () => randomGroup(rng, 4, 300)));
      await log.sync();
      expectReadsBack(log, written);
      log.close();
      const reopened = await ValueLog.open(nodeFS, dir, options(ids, { fileSizeBytes: 2000 }));
      expect(reopened.fileIds().length).toBeGreaterThan(1);
      expectReadsBack(reopened, written);
      reopened.close();
    } finally {
      nodeFs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ValueLog.appendGroupAsync on the real file system', () => {
  it('writes a group off the main thread at the offsets its pointers name, and reads it back after a reopen', async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-vlog-async-'));
    try {
      let next = 0;
      const open = () => ValueLog.open(nodeFS, dir, { fileSizeBytes: 1 << 20, readOnly: false, verifyChecksums: true, newFileId: () => ++next });
      const log = await open();
      const rng = new Rng(99);
      const groups = [randomGroup(rng, 40), randomGroup(rng, 3), randomGroup(rng, 25)];
      const written: { pointer: ValuePointer; key: Uint8Array; value: Uint8Array }[] = [];
      for (const g of groups) {
        const pointers = await log.appendGroupAsync(g);
        g.forEach((e, i) => written.push({ pointer: pointers[i]!, key: e.key, value: e.value }));
      }
      for (const w of written) expect(Buffer.from(log.read(w.pointer, w.key))).toEqual(Buffer.from(w.value));
      await log.sync();
      log.close();
      const again = await open();
      for (const w of written) expect(Buffer.from(again.read(w.pointer, w.key))).toEqual(Buffer.from(w.value));
      again.close();
    } finally {
      nodeFs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
