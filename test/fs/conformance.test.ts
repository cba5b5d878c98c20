// NodeFS (in a temp dir) and FaultFS must agree on the FileSystem/FileHandle semantics the engine
// relies on: every case here runs against both.

import { afterAll, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FaultFS, NodeFS, readAll, type FileSystem } from '../../src/fs/index.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) nodeFs.rmSync(dir, { recursive: true, force: true });
});

interface Subject {
  fs: FileSystem;
  dir: string;
}

let faultRoots = 0;
const subjects: [string, () => Subject][] = [
  [
    'NodeFS',
    () => {
      const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-fs-'));
      tempDirs.push(dir);
      return { fs: new NodeFS(), dir };
    },
  ],
  [
    'FaultFS',
    () => {
      const fs = new FaultFS();
      const dir = `/tmp/case-${faultRoots++}`;
      fs.mkdir(dir);
      return { fs, dir };
    },
  ],
  [
    'FaultFS in shared memory',
    () => {
      const fs = new FaultFS({ sharedMemory: true });
      const dir = `/tmp/case-${faultRoots++}`;
      fs.mkdir(dir);
      return { fs, dir };
    },
  ],
];

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array): string => dec.decode(b);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  return undefined;
}

describe.each(subjects)('%s', (_name, make) => {
  it("open 'r' and 'r+' of a missing file fail with ENOENT, and create nothing", () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'missing');
    expect(codeOf(() => fs.open(p, 'r'))).toBe('ENOENT');
    expect(codeOf(() => fs.open(p, 'r+'))).toBe('ENOENT');
    expect(fs.exists(p)).toBe(false);
  });

  it("open 'w' in a missing directory fails with ENOENT; under a file with ENOTDIR", () => {
    const { fs, dir } = make();
    expect(codeOf(() => fs.open(path.join(dir, 'nodir', 'f'), 'w'))).toBe('ENOENT');
    fs.open(path.join(dir, 'file'), 'w').close();
    expect(codeOf(() => fs.open(path.join(dir, 'file', 'f'), 'w'))).toBe('ENOTDIR');
  });

  it("open 'w' creates an empty file, and truncates an existing one", () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const h = fs.open(p, 'w');
    expect(h.size()).toBe(0);
    h.append(bytes('hello'));
    h.close();
    expect(fs.size(p)).toBe(5);
    const again = fs.open(p, 'w');
    expect(again.size()).toBe(0);
    again.close();
    expect(fs.size(p)).toBe(0);
  });

  it("open 'wx' creates a new file and fails with EEXIST on an existing one, leaving it intact", () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const h = fs.open(p, 'wx');
    h.append(bytes('abc'));
    h.close();
    expect(codeOf(() => fs.open(p, 'wx'))).toBe('EEXIST');
    expect(text(readAll(fs, p))).toBe('abc');
  });

  it("open 'w' or 'wx' of a directory fails with EISDIR", () => {
    const { fs, dir } = make();
    fs.mkdir(path.join(dir, 'sub'));
    expect(codeOf(() => fs.open(path.join(dir, 'sub'), 'w'))).toBe('EISDIR');
    expect(codeOf(() => fs.open(path.join(dir, 'sub'), 'wx'))).toBe('EEXIST');
  });

  it("a handle opened 'r' refuses append and write (EBADF) and truncate (EINVAL)", () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    fs.open(p, 'w').close();
    const h = fs.open(p, 'r');
    expect(codeOf(() => h.append(bytes('x')))).toBe('EBADF');
    expect(codeOf(() => h.write(bytes('x'), 0))).toBe('EBADF');
    expect(codeOf(() => h.truncate(0))).toBe('EINVAL');
    h.close();
  });

  it("open 'r+' reads and writes an existing file without truncating it", async () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const w = fs.open(p, 'w');
    w.append(bytes('hello'));
    await w.sync();
    w.close();
    const h = fs.open(p, 'r+');
    expect(h.size()).toBe(5);
    h.write(bytes('J'), 0);
    h.append(bytes('!'));
    h.close();
    expect(text(readAll(fs, p))).toBe('Jello!');
  });

  it('append, positional write and positional read see the same bytes', () => {
    const { fs, dir } = make();
    const h = fs.open(path.join(dir, 'f'), 'w');
    h.append(bytes('hello'));
    h.append(bytes(' world'));
    expect(h.size()).toBe(11);
    h.write(bytes('J'), 0);
    const buf = new Uint8Array(16).fill(0x2e);
    expect(h.read(buf, 2, 5, 6)).toBe(5);
    expect(text(buf.subarray(0, 8))).toBe('..world.');
    expect(h.read(buf, 0, 11, 0)).toBe(11);
    expect(text(buf.subarray(0, 11))).toBe('Jello world');
    h.close();
  });

  it('a read at or past the end returns what is there, down to 0 bytes', () => {
    const { fs, dir } = make();
    const h = fs.open(path.join(dir, 'f'), 'w');
    h.append(bytes('abcdef'));
    const buf = new Uint8Array(10);
    expect(h.read(buf, 0, 10, 4)).toBe(2);
    expect(text(buf.subarray(0, 2))).toBe('ef');
    expect(h.read(buf, 0, 10, 6)).toBe(0);
    expect(h.read(buf, 0, 10, 100)).toBe(0);
    h.close();
  });

  it('a write past the end leaves a hole of zeros, and append continues after it', () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const h = fs.open(p, 'w');
    h.append(bytes('ab'));
    h.write(bytes('cd'), 5);
    expect(h.size()).toBe(7);
    h.append(bytes('e'));
    h.close();
    expect([...readAll(fs, p)]).toEqual([0x61, 0x62, 0, 0, 0, 0x63, 0x64, 0x65]);
  });

  it('truncate shrinks, and grows with zeros; size follows', () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const h = fs.open(p, 'w');
    h.append(bytes('abcdef'));
    h.truncate(2);
    expect(h.size()).toBe(2);
    expect(fs.size(p)).toBe(2);
    h.truncate(4);
    expect(h.size()).toBe(4);
    h.append(bytes('z'));
    h.close();
    expect([...readAll(fs, p)]).toEqual([0x61, 0x62, 0, 0, 0x7a]);
  });

  it('size(path) gives the size of a file and ENOENT for a missing one', () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const h = fs.open(p, 'w');
    h.append(new Uint8Array(1234));
    h.close();
    expect(fs.size(p)).toBe(1234);
    expect(codeOf(() => fs.size(path.join(dir, 'missing')))).toBe('ENOENT');
  });

  it('rename moves a file, replacing the target; the old name is gone', () => {
    const { fs, dir } = make();
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    for (const [p, s] of [
      [a, 'new'],
      [b, 'old'],
    ] as const) {
      const h = fs.open(p, 'w');
      h.append(bytes(s));
      h.close();
    }
    fs.rename(a, b);
    expect(fs.exists(a)).toBe(false);
    expect(text(readAll(fs, b))).toBe('new');
    expect(fs.list(dir)).toEqual(['b']);
  });

  it('rename of a missing file fails with ENOENT; of a file onto an empty directory with EISDIR', () => {
    const { fs, dir } = make();
    expect(codeOf(() => fs.rename(path.join(dir, 'x'), path.join(dir, 'y')))).toBe('ENOENT');
    fs.open(path.join(dir, 'f'), 'w').close();
    fs.mkdir(path.join(dir, 'd'));
    expect(codeOf(() => fs.rename(path.join(dir, 'f'), path.join(dir, 'd')))).toBe('EISDIR');
  });

  it('rename across directories moves the file', () => {
    const { fs, dir } = make();
    fs.mkdir(path.join(dir, 'x'));
    fs.mkdir(path.join(dir, 'y'));
    const h = fs.open(path.join(dir, 'x', 'f'), 'w');
    h.append(bytes('moved'));
    h.close();
    fs.rename(path.join(dir, 'x', 'f'), path.join(dir, 'y', 'g'));
    expect(fs.list(path.join(dir, 'x'))).toEqual([]);
    expect(text(readAll(fs, path.join(dir, 'y', 'g')))).toBe('moved');
  });

  it('an open handle keeps reading a file after it is unlinked or replaced by a rename', () => {
    const { fs, dir } = make();
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const ha = fs.open(a, 'w');
    ha.append(bytes('first'));
    const hb = fs.open(b, 'w');
    hb.append(bytes('second'));
    fs.unlink(a);
    const tmp = path.join(dir, 'tmp');
    const ht = fs.open(tmp, 'w');
    ht.append(bytes('third'));
    ht.close();
    fs.rename(tmp, b);
    const buf = new Uint8Array(6);
    expect(ha.read(buf, 0, 6, 0)).toBe(5);
    expect(text(buf.subarray(0, 5))).toBe('first');
    expect(hb.read(buf, 0, 6, 0)).toBe(6);
    expect(text(buf)).toBe('second');
    ha.close();
    hb.close();
    expect(text(readAll(fs, b))).toBe('third');
  });

  it('unlink removes a file; a missing one is ENOENT, a directory EISDIR', () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    fs.open(p, 'w').close();
    fs.unlink(p);
    expect(fs.exists(p)).toBe(false);
    expect(codeOf(() => fs.unlink(p))).toBe('ENOENT');
    fs.mkdir(path.join(dir, 'sub'));
    expect(codeOf(() => fs.unlink(path.join(dir, 'sub')))).toBe('EISDIR');
  });

  it('list gives the sorted names (not paths) of files and directories', () => {
    const { fs, dir } = make();
    for (const name of ['b', 'a', 'C', '000010.sst', '000002.sst']) fs.open(path.join(dir, name), 'w').close();
    fs.mkdir(path.join(dir, 'sub'));
    expect(fs.list(dir)).toEqual(['000002.sst', '000010.sst', 'C', 'a', 'b', 'sub']);
    expect(fs.list(path.join(dir, 'sub'))).toEqual([]);
  });

  it('list of a missing directory is ENOENT, of a file ENOTDIR', () => {
    const { fs, dir } = make();
    expect(codeOf(() => fs.list(path.join(dir, 'missing')))).toBe('ENOENT');
    fs.open(path.join(dir, 'f'), 'w').close();
    expect(codeOf(() => fs.list(path.join(dir, 'f')))).toBe('ENOTDIR');
  });

  it('mkdir is recursive and idempotent; over a file it fails with EEXIST', () => {
    const { fs, dir } = make();
    const deep = path.join(dir, 'a', 'b', 'c');
    fs.mkdir(deep);
    fs.mkdir(deep);
    fs.mkdir(path.join(dir, 'a'));
    expect(fs.exists(deep)).toBe(true);
    expect(fs.list(path.join(dir, 'a'))).toEqual(['b']);
    fs.open(path.join(dir, 'f'), 'w').close();
    expect(codeOf(() => fs.mkdir(path.join(dir, 'f')))).toBe('EEXIST');
    expect(codeOf(() => fs.mkdir(path.join(dir, 'f', 'g')))).toBe('ENOTDIR');
  });

  it('exists is true for files and directories, false for missing paths and paths under files', () => {
    const { fs, dir } = make();
    fs.open(path.join(dir, 'f'), 'w').close();
    expect(fs.exists(dir)).toBe(true);
    expect(fs.exists(path.join(dir, 'f'))).toBe(true);
    expect(fs.exists(path.join(dir, 'g'))).toBe(false);
    expect(fs.exists(path.join(dir, 'f', 'g'))).toBe(false);
  });

  it('sync and syncDir resolve on existing paths; syncDir of a missing directory rejects with ENOENT', async () => {
    const { fs, dir } = make();
    const h = fs.open(path.join(dir, 'f'), 'w');
    h.append(bytes('x'));
    await h.sync();
    h.close();
    await fs.syncDir(dir);
    await expect(fs.syncDir(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a second handle sees what the first wrote; close is idempotent', () => {
    const { fs, dir } = make();
    const p = path.join(dir, 'f');
    const w = fs.open(p, 'w');
    w.append(bytes('shared'));
    const r = fs.open(p, 'r');
    expect(r.size()).toBe(6);
    const buf = new Uint8Array(6);
    r.read(buf, 0, 6, 0);
    expect(text(buf)).toBe('shared');
    r.close();
    r.close();
    w.close();
  });

  it('read rejects a range outside the buffer with ERR_OUT_OF_RANGE', () => {
    const { fs, dir } = make();
    const h = fs.open(path.join(dir, 'f'), 'w');
    h.append(bytes('abc'));
    expect(codeOf(() => h.read(new Uint8Array(2), 1, 2, 0))).toBe('ERR_OUT_OF_RANGE');
    h.close();
  });
});
